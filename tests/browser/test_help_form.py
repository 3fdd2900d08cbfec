"""A resident asks for help on a phone, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import SupportRequest
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, SupportRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _quick_test_hands(settings):
    # A test fills the form faster than any person could.
    settings.NFC_HELP_FORM_MIN_SECONDS = 0


def test_a_resident_asks_for_help_on_a_phone_and_gets_a_reference(mobile_page):
    AreaFactory(name="Hendon", local_authority="Sunderland")
    page = mobile_page
    page.goto("/")
    page.get_by_role("link", name="Ask for help").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask us for help")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(page)

    page.get_by_label("Or choose your neighbourhood").select_option(label="Hendon")
    page.get_by_label("Getting more people involved").check()
    page.get_by_label("Tell us more").fill(
        "Only a few of us come to meetings. How do we reach more people?"
    )
    page.get_by_label("No, just me").check()
    page.get_by_label("Your name").fill("Pat Resident")
    page.get_by_label("Your e-mail address").fill("pat@example.org")
    page.get_by_label("Your phone number").fill("after six")
    page.get_by_label("E-mail", exact=True).check()
    page.get_by_role("button", name="Send").click()

    # The consents were missed and the phone number is not one: a clear
    # summary, nothing lost.
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick this box so that we can reply to you")
    expect(summary).to_contain_text("Enter a phone number, like 0191 498 0000")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Tell us more")).to_have_value(re.compile("reach more people"))
    assert_healthy(page)

    page.get_by_label("I agree that the Network for Communities can contact me").check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("Your phone number").fill("0191 498 0000")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, we have your request")
    reference, phone = SupportRequest.objects.values_list("reference", "phone").get()
    assert phone == "0191 498 0000"
    expect(page.get_by_text(reference)).to_be_visible()
    # Hendon has no adviser yet: the resident is told so, not promised one.
    expect(page.get_by_text("You told us you live in Hendon, in Sunderland.")).to_be_visible()
    expect(page.get_by_text("it is waiting for a new adviser")).to_be_visible()
    assert_healthy(page)


def test_the_privacy_notice_reads_cleanly(page):
    page.goto("/privacy/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    assert_healthy(page)


def test_the_adviser_finds_the_new_request_and_acknowledges_it(
    page, hendon, adviser, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory(area=hendon, description="How do we reach more people?")
    sign_in(page, adviser)
    page.get_by_role("link", name="Requests", exact=True).first.click()
    assert_healthy(page)
    page.get_by_role("link", name=support_request.reference).click()
    expect(page.get_by_text("How do we reach more people?")).to_be_visible()
    assert_healthy(page)
    page.get_by_label("Move it to").select_option(label="Acknowledged")
    page.get_by_label("Note").fill("Replied by e-mail")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("listitem").filter(has_text="Replied by e-mail")).to_be_visible()
    support_request.refresh_from_db()
    assert support_request.status == "acknowledged"
