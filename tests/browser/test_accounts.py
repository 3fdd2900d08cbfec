"""Account pages every member of staff uses, and an administrator inviting a
colleague, in real Chromium with accessibility checks."""

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from playwright.sync_api import expect

from advisers.models import Role, User
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize(
    "url", ["/accounts/2fa/", "/accounts/password/change/", "/accounts/reauthenticate/"]
)
def test_account_pages_load_cleanly(page, url):
    sign_in(page, UserFactory(role=Role.ADVISER))
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_healthy(page)


def test_the_password_reset_page_loads_cleanly(page):
    page.goto("/accounts/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_healthy(page)


def test_an_administrator_invites_a_colleague_from_the_admin_site(page, mailoutbox):
    administrator = UserFactory(role=Role.ADMINISTRATOR, full_name="Ada Administrator")
    sign_in(page, administrator)
    page.get_by_role("link", name="Staff accounts").first.click()
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("link", name="Add staff member").click()
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("E-mail address").fill("nia@example.org")
    page.get_by_label("Role").select_option(label="Community worker")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("An invitation to set a password is on its way to nia@example.org")
    ).to_be_visible()
    assert page.console_errors == []
    assert User.objects.get(email="nia@example.org").role == Role.COMMUNITY_WORKER
    assert [m.to for m in mailoutbox] == [["nia@example.org"]]


def test_the_recovery_codes_links_look_like_buttons_and_stand_apart(page):
    manager = UserFactory(role=Role.MANAGER, full_name="Mina Manager")
    RecoveryCodes.activate(manager)
    sign_in(page, manager)
    # Straight after signing in, no second password (issue 10, item 13).
    page.goto("/accounts/2fa/recovery-codes/")
    download = page.get_by_role("link", name="Download codes")
    generate = page.get_by_role("link", name="Generate new codes")
    first, second = download.bounding_box(), generate.bounding_box()
    side_by_side = abs(first["y"] - second["y"]) < 1
    assert not side_by_side or first["x"] + first["width"] + 8 <= second["x"]
    assert "button" in (download.get_attribute("class") or "")
    assert_healthy(page)


def test_a_new_manager_goes_from_signing_in_to_setting_up_their_app(page):
    manager = UserFactory(role=Role.MANAGER, full_name="Nell New", totp=False)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    assert_healthy(page)


def test_a_manager_is_told_they_cannot_switch_two_factor_off_and_offered_no_button(page):
    manager = UserFactory(role=Role.MANAGER, full_name="Mina Manager")
    sign_in(page, manager)
    page.goto("/accounts/2fa/totp/deactivate/")
    expect(page.get_by_text("so you cannot switch it off")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)
    assert_healthy(page)
