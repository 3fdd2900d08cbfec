"""On the day and after, in real Chromium: a member of staff checks people in
on a phone (with and without script), and an adviser sees who came from
their areas and makes a follow-up action from it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services as staff_services
from advisers.roles import Role
from casework.models import Action
from events import checkin
from events.feedback import FEEDBACK_LINK
from events.models import Event, Feedback, Registration
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}


def hendon_and_its_adviser():
    hendon = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    return hendon, adviser


def event_on_now(organiser, area) -> Event:
    starts = timezone.now() - datetime.timedelta(hours=1)
    event = EventFactory(
        title="Hendon and Seaham get-together",
        published=True,
        organiser=organiser,
        invited=Event.Invited.AREAS,
        region=area.region,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
        registration_closes_at=starts - datetime.timedelta(days=1),
    )
    event.areas.set([area])
    return event


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def test_a_member_of_staff_checks_people_in_on_a_phone(phone):
    page = phone
    hendon, adviser = hendon_and_its_adviser()
    event = event_on_now(adviser, hendon)
    for name in ("Pat Robinson", "Sam Okafor", "Chris Bell"):
        RegistrationFactory(event=event, name=name, area=hendon)
    sign_in(page, adviser)

    page.goto(f"/staff/events/{event.slug}/")
    page.get_by_role("link", name="Check people in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Check in: {event.title}")
    expect(page.locator("#checkin-count")).to_contain_text("0 checked in; 3 registered.")
    assert_healthy(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Typing narrows the list at once.
    page.get_by_label("Find a name").fill("rob")
    expect(page.get_by_role("button", name="Check in Sam Okafor")).to_be_hidden()
    page.get_by_role("button", name="Check in Pat Robinson").click()
    pat_row = page.locator(".checkin-row", has_text="Pat Robinson")
    expect(pat_row).to_contain_text("Saved.")
    expect(pat_row).to_contain_text("Checked in")
    expect(page.locator("#checkin-count")).to_contain_text("1 checked in; 3 registered.")
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"Pat Robinson: Checked in \d\d:\d\d by Asha\. Saved\.")
    )
    assert page.url.endswith("/check-in/")  # no page load: one small POST

    # Meanwhile a colleague on another phone ticks Sam in.
    sam = Registration.objects.get(name="Sam Okafor")
    checkin.registration_check_in(registration=sam, by=event.organiser, attended=True)

    page.get_by_label("Find a name").fill("")
    page.get_by_role("button", name="Check in Chris Bell").click()
    expect(page.locator(".checkin-row", has_text="Chris Bell")).to_contain_text("Saved.")
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 3

    # A walk-in.
    page.get_by_role("link", name="Add someone who did not register").click()
    page.get_by_role("button", name="Add and check in").click()
    expect(page.get_by_role("alert")).to_contain_text("Write their name.")
    assert_healthy(page)
    page.get_by_label("Their name").fill("Wally Walker")
    page.get_by_label("Their neighbourhood").select_option(label="Hendon")
    page.get_by_label("They know that we keep these details").check()
    page.get_by_label("They are happy for the Network for Communities adviser").check()
    page.get_by_role("button", name="Add and check in").click()
    expect(page.get_by_text("Added and checked in: Wally Walker.")).to_be_visible()
    expect(page.locator("#checkin-count")).to_contain_text(
        "4 checked in (1 of them walk-in); 3 registered."
    )
    assert Registration.objects.get(walk_in=True).follow_up_consented_at is not None
    assert_healthy(page)


def test_without_script_a_tick_is_a_plain_form_that_comes_back_to_the_list(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    try:
        hendon, adviser = hendon_and_its_adviser()
        event = event_on_now(adviser, hendon)
        RegistrationFactory(event=event, name="Pat Robinson", area=hendon)
        sign_in(page, adviser)
        page.goto(f"/staff/events/{event.slug}/check-in/")
        page.get_by_label("Find a name").fill("pat")
        page.get_by_role("button", name="Find").click()
        page.get_by_role("button", name="Check in Pat Robinson").click()
        expect(page.get_by_text("Saved: Pat Robinson is checked in")).to_be_visible()
        assert "?q=pat" in page.url
        page.get_by_role("button", name="Undo check-in of Pat Robinson").click()
        expect(page.get_by_text("Saved: Pat Robinson is no longer checked in.")).to_be_visible()
        assert Registration.objects.get().checked_in_at is None
    finally:
        context.close()


def test_an_adviser_sees_who_came_from_their_areas_and_makes_an_action_from_it(phone):
    page = phone
    hendon, adviser = hendon_and_its_adviser()
    ended = timezone.now() - datetime.timedelta(days=2)
    event = EventFactory(
        title="North East gathering",
        published=True,
        starts_at=ended - datetime.timedelta(hours=5),
        ends_at=ended,
        registration_closes_at=ended - datetime.timedelta(days=3),
    )
    RegistrationFactory(
        event=event,
        name="Pat Robinson",
        area=hendon,
        email="pat@example.org",
        checked_in_at=ended,
        follow_up_consented_at=ended,
    )
    RegistrationFactory(
        event=event, name="Sam Quiet", area=hendon, email="sam@example.org", checked_in_at=ended
    )
    RegistrationFactory(event=event, name="Absent Annie", area=hendon)
    sign_in(page, adviser)

    panel = page.locator("section", has=page.get_by_role("heading", name="Who came to events"))
    expect(panel).to_contain_text("Pat Robinson")
    expect(panel).to_contain_text("North East gathering")
    expect(panel).not_to_contain_text("Absent Annie")
    # Pat asked to be contacted after the event; Sam did not.
    expect(panel.get_by_role("link", name="pat@example.org")).to_be_visible()
    expect(panel).not_to_contain_text("sam@example.org")
    sams = panel.get_by_role("listitem").filter(has_text="Sam Quiet")
    expect(sams).to_contain_text("They did not ask to be contacted after the event")
    expect(sams.get_by_role("link", name="Make a follow-up action for Sam Quiet")).to_be_visible()
    assert_healthy(page)

    panel.get_by_role("link", name="Make an action to contact them for Pat Robinson").click()
    expect(page.get_by_label("What needs doing")).to_have_value(
        f"Contact Pat Robinson after North East gathering "
        f"({timezone.localtime(event.starts_at):%-d %b})"
    )
    expect(page.get_by_role("link", name="pat@example.org")).to_be_visible()
    page.get_by_label("What needs doing").fill("")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_role("alert")).to_contain_text("Say what needs doing.")
    assert_healthy(page)
    page.get_by_label("What needs doing").fill("Ask Pat to host the next visit")
    page.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("Added: Ask Pat to host the next visit")).to_be_visible()
    expect(panel).to_contain_text("Follow-up: Ask Pat to host the next visit")
    action = Action.objects.get()
    assert (action.area, action.owner) == (hendon, adviser)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_someone_who_came_gives_feedback_on_a_phone_once(phone):
    page = phone
    ended = timezone.now() - datetime.timedelta(days=1)
    event = EventFactory(
        title="North East gathering",
        published=True,
        starts_at=ended - datetime.timedelta(hours=5),
        ends_at=ended,
        registration_closes_at=ended - datetime.timedelta(days=3),
    )
    pat = RegistrationFactory(event=event, name="Pat Robinson", checked_in_at=ended)
    secret = FEEDBACK_LINK.issue(pat, days=14)

    page.goto(f"/events/feedback/{secret}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What did you think of North East gathering?"
    )
    assert_healthy(page)
    page.get_by_label("What will you do next").fill("Visit Seaham's food pantry")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a number from 1 to 5.")
    expect(page.get_by_label("What will you do next")).to_have_value("Visit Seaham's food pantry")
    assert_healthy(page)
    page.get_by_label("5: very useful").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("We have your answers about North East gathering.")).to_be_visible()
    assert_healthy(page)
    assert Feedback.objects.get().rating == 5
