"""What a person sees when the portal refuses a request before any page
reads it, and the thank-you page seen a second time, in real Chromium."""

import pytest
from playwright.sync_api import expect

from casework.models import SupportRequest
from tests.browser.conftest import assert_healthy
from tests.factories import AreaFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _drop_the_status_line(page, status: int) -> None:
    # Chromium notes any answer of 400 or more as a console error; here the
    # status is the point.
    page.console_errors = [e for e in page.console_errors if f"status of {status}" not in e]


def test_a_nul_in_the_address_gets_a_plain_page(mobile_page):
    mobile_page.goto("/neighbourhoods/%00/")
    expect(mobile_page.get_by_role("heading", level=1)).to_have_text(
        "Sorry, we could not read that"
    )
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360
    _drop_the_status_line(mobile_page, 400)
    assert_healthy(mobile_page)


def test_a_help_request_too_long_gets_a_plain_page_and_the_reference_shows_once(
    mobile_page, settings
):
    settings.NFC_HELP_FORM_MIN_SECONDS = 0
    AreaFactory(name="Hendon", local_authority="Sunderland")
    page = mobile_page
    _fill_in_the_help_form(page)
    # Far past what the box takes (as a script, not a person, could send).
    page.get_by_label("Tell us more").evaluate(
        "box => { box.removeAttribute('maxlength'); box.value = 'x'.repeat(100000); }"
    )
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What you sent is too long")
    assert not SupportRequest.objects.exists()
    _drop_the_status_line(page, 413)
    assert_healthy(page)

    _fill_in_the_help_form(page)
    page.get_by_label("Tell us more").fill("How do we reach more people?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your request")
    reference = SupportRequest.objects.get().reference
    expect(page.get_by_text(reference)).to_be_visible()

    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your request")
    expect(page.get_by_text("we show your reference only once")).to_be_visible()
    expect(page.get_by_text(reference)).to_have_count(0)
    expect(page.get_by_text("pat@example.org")).to_have_count(0)
    assert_healthy(page)


def _fill_in_the_help_form(page) -> None:
    page.goto("/help/")
    page.get_by_label("Or choose your neighbourhood").select_option(label="Hendon")
    page.get_by_label("Getting more people involved").check()
    page.get_by_label("No, just me").check()
    page.get_by_label("Your name").fill("Pat Resident")
    page.get_by_label("Your e-mail address").fill("pat@example.org")
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_label("I agree that the Network for Communities can contact me").check()
    page.get_by_label("I have read the privacy notice").check()
