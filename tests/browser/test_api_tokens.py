"""A person makes an API token on their phone, copies it, sees it work, and
revokes it, in real Chromium with accessibility checks."""

import pytest
from playwright.sync_api import expect

from advisers import tokens
from advisers.models import ApiToken, Role
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized tab that lets the page write to the clipboard (and the
    test read it back)."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_manager_makes_copies_and_revokes_a_token_on_a_phone(phone):
    manager = UserFactory(role=Role.MANAGER, full_name="Mina Manager")
    sign_in(phone, manager)
    phone.get_by_role("navigation", name="Staff pages").get_by_role(
        "link", name="API tokens"
    ).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(phone.get_by_text("You have no API tokens.")).to_be_visible()
    assert_healthy(phone)
    _fits(phone)

    # Forgetting the name: told, at the top, with nothing made.
    phone.get_by_role("button", name="Make the token").click()
    summary = phone.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Give the token a name.")
    assert_healthy(phone)
    assert not ApiToken.objects.exists()

    phone.get_by_label("Name").fill("Weekly figures")
    phone.get_by_label("Read and write").check()
    phone.get_by_role("button", name="Make the token").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Your new API token")
    shown = phone.get_by_label("Weekly figures").input_value()
    assert shown.startswith("nfc_")
    assert_healthy(phone)
    _fits(phone)
    phone.get_by_role("button", name="Copy the token").click()
    expect(phone.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert phone.evaluate("navigator.clipboard.readText()") == shown
    token = tokens.api_token_for(shown)
    assert token is not None
    assert token.scope == ApiToken.Scope.WRITE

    # Shown once: the list names it, never shows it again.
    phone.get_by_role("link", name="Back to your API tokens").click()
    assert shown not in phone.content()
    expect(phone.get_by_role("heading", name="Weekly figures")).to_be_visible()
    phone.get_by_role("link", name="Revoke Weekly figures").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Revoke Weekly figures?")
    assert_healthy(phone)
    phone.get_by_role("button", name="Revoke the token").click()

    expect(phone.get_by_text("Revoked Weekly figures")).to_be_visible()
    assert_healthy(phone)
    assert tokens.api_token_for(shown) is None
