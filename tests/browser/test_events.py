"""A resident on a phone registers for a full event, is waitlisted, is
offered a place when someone cancels, and takes it: in real Chromium,
with axe's accessibility check on each page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from advisers import services as staff_services
from events import services
from events.models import Registration
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, EventFactory, RegistrationFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def _quick_test_hands(settings):
    # A test fills the form faster than any person could.
    settings.NFC_HELP_FORM_MIN_SECONDS = 0


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.console_errors.append(message.text),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_resident_on_a_phone_is_waitlisted_offered_a_place_and_takes_it(phone):
    AreaFactory(name="Hendon", local_authority="Sunderland")
    event = EventFactory(published=True, capacity=1, title="Running good meetings")
    holder = RegistrationFactory(event=event, email="holder@example.org")
    page = phone

    page.goto("/")
    page.get_by_role("link", name="Events").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    expect(page.get_by_text("Full: join the waitlist")).to_be_visible()
    fits(page)
    assert_healthy(page)

    page.get_by_role("link", name="Running good meetings").click()
    expect(page.get_by_text("This event is full.")).to_be_visible()
    page.get_by_label("Your name").fill("Pat Resident")
    page.get_by_label("Your neighbourhood").select_option(label="Hendon")
    page.get_by_label("Your phone number").fill("after six")
    page.get_by_role("button", name="Join the waitlist").click()

    # No way to reach them, no consent: a clear summary, nothing lost.
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a phone number")
    expect(summary).to_contain_text("Tick this box")
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("Your name")).to_have_value("Pat Resident")
    fits(page)
    assert_healthy(page)

    page.get_by_label("Your phone number").fill("")
    page.get_by_label("Your e-mail address").fill("pat@example.org")
    page.get_by_label("I agree that the Network for Communities keeps these details").check()
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are on the waitlist")
    expect(page.get_by_text("You are number 1 in the queue")).to_be_visible()
    fits(page)
    assert_healthy(page)
    assert Registration.objects.get(email="pat@example.org").status == "waitlisted"

    # The person with the place cancels: the place is offered by e-mail.
    services.registration_cancel(registration=holder)
    offer = next(m for m in mail.outbox if m.to == ["pat@example.org"] and "A place" in m.subject)
    link = re.search(r"https?://\S+(/events/place/[A-Za-z0-9_-]{43}/)", offer.body)[1]

    page.goto(link)
    expect(page.get_by_text("A place has come up")).to_be_visible()
    fits(page)
    assert_healthy(page)
    page.get_by_role("button", name="Take the place").click()
    expect(page.get_by_text("You have a place, Pat Resident.")).to_be_visible()
    fits(page)
    assert_healthy(page)
    assert Registration.objects.get(email="pat@example.org").status == "confirmed"
    assert any(m.subject.startswith("Your place at") for m in mail.outbox)


def test_an_adviser_organises_a_visit_between_their_areas_and_publishes_it(page, adviser, hendon):
    millfield = AreaFactory(name="Millfield")
    staff_services.area_assign_adviser(area=millfield, adviser=adviser, by=None)
    sign_in(page, adviser)

    page.get_by_role("link", name="Events").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    assert_healthy(page)
    page.get_by_role("link", name="Organise an event").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one topic")
    assert_healthy(page)

    page.get_by_label("Kind").select_option(label="Visit between areas")
    page.get_by_label("Title").fill("A visit to Hendon")
    page.get_by_label("Summary").fill("See the community garden.")
    page.get_by_label("Starts (UK time)").fill("2030-05-14T10:00")
    page.get_by_label("Ends (UK time)").fill("2030-05-14T14:00")
    page.get_by_label("Registration closes (UK time)").fill("2030-05-13T10:00")
    page.get_by_label("Venue:", exact=True).fill("Hendon Community Garden")
    page.get_by_label("Region").select_option(label="North East")
    page.get_by_label("Who may come").select_option(label="People from the areas chosen")
    page.get_by_label("Host area (for a visit)").select_option(label="Hendon (Sunderland)")
    page.get_by_label("Areas invited").select_option(label="Millfield (Sunderland)")
    page.get_by_label("Places").fill("12")
    page.get_by_label("Confidence and a plan for change").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("A visit to Hendon")
    expect(page.get_by_text("Draft")).to_be_visible()
    assert_healthy(page)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published: it is on the public events page.")).to_be_visible()
    assert_healthy(page)
