"""A resident follows their request from the link in their e-mail, on a phone."""

import pytest
from playwright.sync_api import expect

from casework import follow_links
from casework.models import ResidentMessage, SupportRequest
from tests.browser.conftest import assert_healthy
from tests.factories import SupportRequestFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_resident_adds_a_message_then_withdraws_their_request_on_a_phone(
    mobile_page, settings, hendon
):
    support_request = SupportRequestFactory(area=hendon, description="How do we reach more people?")
    link = follow_links.follow_link_issue(support_request=support_request)
    path = link.removeprefix(settings.NFC_BASE_URL)

    page = mobile_page
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request")
    expect(page.get_by_text(support_request.reference)).to_be_visible()
    expect(page.get_by_text("We have your request. Someone will read it soon.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(page)

    # An empty message: a clear summary, nothing saved.
    page.get_by_role("button", name="Send message").click()
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Write your message.")
    assert not ResidentMessage.objects.exists()
    assert_healthy(page)

    page.get_by_label("Your message").fill("We now meet on Tuesdays at the library.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Thank you. We have your message.")).to_be_visible()
    expect(page.get_by_text("We now meet on Tuesdays at the library.")).to_be_visible()
    assert ResidentMessage.objects.get().support_request == support_request
    assert_healthy(page)

    # Withdrawing asks first; going back changes nothing.
    page.get_by_role("button", name="Withdraw my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Do you want to withdraw your request?"
    )
    assert_healthy(page)
    page.get_by_role("link", name="No, go back to my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request")
    support_request.refresh_from_db()
    assert support_request.status == "new"

    page.get_by_role("button", name="Withdraw my request").click()
    page.get_by_role("button", name="Yes, withdraw my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have withdrawn your request")
    assert_healthy(page)
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.CLOSED

    # The link is dead now: a plain page saying so, and how to ask again.
    response = page.goto(path)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work any more")
    expect(page.get_by_role("link", name="ask us again")).to_be_visible()
    # The browser notes the 404 status in its console; that is the point here.
    page.console_errors = [e for e in page.console_errors if "404" not in e]
    assert_healthy(page)
