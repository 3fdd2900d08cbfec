"""The first journeys: the public home page, and staff signing in."""

import re

import pytest
from playwright.sync_api import expect

from advisers.models import Role
from tests.browser.conftest import assert_healthy
from tests.factories import PASSWORD, UserFactory
from tests.support import totp_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_home_page_loads_cleanly_and_says_how_to_ask_for_help(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Network for Communities")
    expect(page.get_by_role("heading", name="How to ask for help")).to_be_visible()
    assert_healthy(page)


def test_the_home_page_works_on_a_phone(mobile_page):
    mobile_page.goto("/")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert mobile_page.console_errors == []


def test_the_skip_link_is_the_first_thing_a_keyboard_reaches(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_the_sign_in_page_loads_cleanly(page):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign in")
    assert_healthy(page)


def test_a_member_of_staff_signs_in_through_the_real_form(page):
    UserFactory(email="asha@example.org", full_name="Asha Adviser", role=Role.ADVISER)
    page.goto("/staff/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/staff/$"))
    page.get_by_label("Email").fill("asha@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Asha")
    expect(page.get_by_text("You are signed in as Adviser")).to_be_visible()
    assert_healthy(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Staff sign in")).to_be_visible()


def test_a_wrong_password_shows_a_clear_message_and_keeps_the_address(page):
    UserFactory(email="asha@example.org", role=Role.ADVISER)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("asha@example.org")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not correct")
    expect(page.get_by_label("Email")).to_have_value("asha@example.org")
    assert_healthy(page)


def test_a_manager_is_walked_through_setting_up_two_factor(page):
    UserFactory(email="mina@example.org", full_name="Mina Manager", role=Role.MANAGER, totp=False)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("mina@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Your role needs two-factor authentication")).to_be_visible()
    # Straight to setting up: the password was typed a moment ago.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_healthy(page)
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Recovery Codes", re.I))

    page.goto("/staff/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Mina")
