"""Real Chromium (Debian's, at /usr/bin/chromium) driven by Playwright, with
axe-core injected for accessibility checks. Every user-facing feature adds
its journey here."""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories import PASSWORD
from tests.support import totp_code

AXE_SCRIPT = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"

# Playwright's sync API runs an event loop in the test's thread; Django would
# otherwise refuse the database calls that fixtures make alongside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str:
    path = (
        os.environ.get("NFC_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
    return path


@pytest.fixture(scope="session")
def browser():
    args = [
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        # This machine's network is closed: stop Chromium's own calls home.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    if os.geteuid() == 0:
        # Chromium's sandbox cannot run as root (as CI does).
        args.append("--no-sandbox")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=args
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab on the live server; it collects console errors."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


@pytest.fixture
def mobile_page(browser, live_server):
    """A phone-sized tab: pages are built mobile first."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    yield page
    context.close()


def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """Run axe-core on the page; the serious and critical findings, as text.

    The script is evaluated through the DevTools protocol, so the page's
    Content Security Policy (which forbids injected scripts) stays on.
    """
    if not AXE_SCRIPT.exists():
        pytest.fail("axe-core is missing: `make test` installs it with npm.")
    page.evaluate(AXE_SCRIPT.read_text())
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: tags})",
        ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in impacts
    ]


def assert_healthy(page) -> None:
    """No console errors (a CSP violation is one) and no serious axe findings."""
    assert page.console_errors == []
    assert axe_violations(page) == []


def sign_in(page, user) -> None:
    """Sign in through the real pages, with the authenticator app's code when
    ``user`` has one, and land on their home page."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if getattr(user, "totp_secret", None):
        page.get_by_label("Code").fill(totp_code(user.totp_secret))
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
