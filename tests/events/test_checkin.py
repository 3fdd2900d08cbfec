"""Check-in on the day: who may, ticks one person at a time (so two phones
never lose each other's ticks), walk-ins, and the list's queries."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from advisers.roles import Role
from casework.models import AuditEntry
from events import checkin
from events.models import Event, Registration
from events.notifications import CONFIRMATION, REMINDER
from tests.at_once import at_once
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.test_permission_matrix import signed_in

pytestmark = pytest.mark.django_db


def today_event(**kwargs) -> Event:
    """An event on now: started an hour ago, ends in five hours."""
    starts = timezone.now() - datetime.timedelta(hours=1)
    fields = {
        "published": True,
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=6),
        "registration_closes_at": starts - datetime.timedelta(days=1),
    }
    return EventFactory(**{**fields, **kwargs})


def list_url(event) -> str:
    return f"/staff/events/{event.slug}/check-in/"


def tick_url(event, registration) -> str:
    return f"/staff/events/{event.slug}/check-in/{registration.pk}/"


@pytest.fixture
def event(manager):
    return today_event(organiser=manager)


def test_a_tick_without_script_saves_and_returns_to_the_list_with_the_search(event, manager):
    pat = RegistrationFactory(event=event, name="Pat Robinson")
    client = signed_in(manager)

    response = client.post(tick_url(event, pat), {"attended": "yes", "q": "rob"})

    assert response.status_code == 302
    assert response.url == f"{list_url(event)}?q=rob#person-{pat.pk}"
    pat.refresh_from_db()
    assert pat.checked_in_at is not None
    assert pat.checked_in_by == manager
    page = client.get(response.url)
    assert "Saved: Pat Robinson is checked in" in page.text
    assert "1</strong> checked in; 1 registered." in page.text


def test_a_tick_from_the_page_script_gets_back_the_row_saying_it_was_saved(event, manager):
    pat = RegistrationFactory(event=event, name="Pat Robinson")

    response = signed_in(manager).post(
        tick_url(event, pat), {"attended": "yes"}, headers={"X-NfC-Fragment": "row"}
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<li class="checkin-row is-in"')
    assert "Checked in" in response.text
    assert "Saved." in response.text
    assert 'data-came="1"' in response.text


def test_a_tick_sent_twice_keeps_the_first_time_and_name(event, manager, adviser):
    pat = RegistrationFactory(event=event)
    signed_in(manager).post(tick_url(event, pat), {"attended": "yes"})
    first = Registration.objects.get(pk=pat.pk).checked_in_at

    # The organiser's colleague (a manager) ticks the same person again.
    other = UserFactory(role=Role.MANAGER)
    signed_in(other).post(tick_url(event, pat), {"attended": "yes"})

    pat.refresh_from_db()
    assert (pat.checked_in_at, pat.checked_in_by) == (first, manager)
    assert AuditEntry.objects.filter(object_id=pat.pk, action="changed").count() == 1


def test_a_phone_showing_an_old_list_does_not_undo_another_phones_tick(event, manager):
    pat, sam = RegistrationFactory(event=event), RegistrationFactory(event=event)
    phone_one, phone_two = signed_in(manager), signed_in(UserFactory(role=Role.MANAGER))
    # Both phones open the list while nobody is checked in.
    assert phone_one.get(list_url(event)).status_code == 200
    assert phone_two.get(list_url(event)).status_code == 200

    phone_one.post(tick_url(event, pat), {"attended": "yes"})
    phone_two.post(tick_url(event, sam), {"attended": "yes"})

    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_phones_ticking_at_the_same_moment_both_save():
    manager = UserFactory(role=Role.MANAGER)
    event = today_event(organiser=manager)
    people = [RegistrationFactory(event=event) for _ in range(2)]
    phones = [signed_in(manager), signed_in(manager)]

    def tick(n):
        return lambda: phones[n].post(
            tick_url(event, people[n]), {"attended": "yes"}, headers={"X-NfC-Fragment": "row"}
        )

    answers = at_once(tick(0), tick(1))

    assert [answer.status_code for answer in answers] == [200, 200]
    assert Registration.objects.filter(checked_in_at__isnull=False).count() == 2


def test_a_tick_can_be_taken_back_and_that_stops_the_feedback_link(event, manager):
    pat = RegistrationFactory(
        event=event,
        checked_in_at=timezone.now(),
        feedback_token_hash="x" * 64,
        feedback_expires_at=timezone.now() + datetime.timedelta(days=3),
    )

    signed_in(manager).post(tick_url(event, pat), {"attended": "no"})

    pat.refresh_from_db()
    assert pat.checked_in_at is None
    assert pat.feedback_revoked_at is not None


@pytest.mark.parametrize("data", [{}, {"attended": "maybe"}, {"attended": ""}])
def test_a_tick_with_bad_input_saves_nothing_and_says_so(event, manager, data):
    pat = RegistrationFactory(event=event)

    response = signed_in(manager).post(tick_url(event, pat), data, follow=True)

    assert "Not saved: say whether they came." in response.text
    pat.refresh_from_db()
    assert pat.checked_in_at is None


def test_before_the_day_a_tick_is_refused_in_words(manager):
    event = EventFactory(published=True, organiser=manager)
    pat = RegistrationFactory(event=event)

    response = signed_in(manager).post(
        tick_url(event, pat), {"attended": "yes"}, headers={"X-NfC-Fragment": "row"}
    )

    assert response.status_code == 400
    assert "Check-in opens on the day of the event" in response.text
    assert Registration.objects.get(pk=pat.pk).checked_in_at is None


def test_someone_on_the_waitlist_is_not_listed_nor_ticked(event, manager):
    waiting = RegistrationFactory(
        event=event,
        name="Wendy Waiting",
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
    )
    client = signed_in(manager)

    assert "Wendy Waiting" not in client.get(list_url(event)).text
    response = client.post(tick_url(event, waiting), {"attended": "yes"}, follow=True)
    assert "add them as a walk-in instead" in response.text
    assert Registration.objects.get(pk=waiting.pk).checked_in_at is None


def test_the_search_finds_names_by_any_part(event, manager):
    RegistrationFactory(event=event, name="Pat Robinson")
    RegistrationFactory(event=event, name="Sam Okafor")

    page = signed_in(manager).get(list_url(event), {"q": "oKa"}).text

    assert "Sam Okafor" in page
    assert "Pat Robinson" not in page


def test_a_walk_in_is_added_and_checked_in_once_even_when_sent_twice(event, manager, hendon):
    client = signed_in(manager)
    data = {
        "name": "Wally Walker",
        "area": str(hendon.pk),
        "email": "",
        "phone": "",
        "told_privacy": "on",
        "once": "a-random-token-from-the-form",
    }

    first = client.post(f"/staff/events/{event.slug}/check-in/walk-in/", data)
    second = client.post(f"/staff/events/{event.slug}/check-in/walk-in/", data)

    walk_in = Registration.objects.get(walk_in=True)
    assert first.status_code == second.status_code == 302
    assert (walk_in.name, walk_in.area, walk_in.checked_in_by) == ("Wally Walker", hendon, manager)
    assert walk_in.checked_in_at is not None
    assert walk_in.status == Registration.Status.CONFIRMED
    assert "Added and checked in: Wally Walker." in client.get(first.url).text
    assert walk_in.follow_up_consented_at is None


@pytest.mark.parametrize(("area", "consented"), [("hendon", True), ("none", False)])
def test_a_walk_in_may_ask_to_be_contacted_by_their_areas_adviser(
    event, manager, hendon, area, consented
):
    data = {
        "name": "Wally Walker",
        "area": str(hendon.pk) if area == "hendon" else "none",
        "phone": "07700 900123",
        "told_privacy": "on",
        "follow_up_contact": "on",
    }

    response = signed_in(manager).post(f"/staff/events/{event.slug}/check-in/walk-in/", data)

    assert response.status_code == 302
    walk_in = Registration.objects.get(walk_in=True)
    # Only an area of ours has an adviser to contact them.
    assert (walk_in.follow_up_consented_at is not None) is consented


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "area": "none", "told_privacy": "on"}, "Write their name."),
        ({"name": "Wally", "area": "", "told_privacy": "on"}, "Choose their neighbourhood"),
        ({"name": "Wally", "area": "999999", "told_privacy": "on"}, "from the list"),
        ({"name": "Wally", "area": "none"}, "Tell them how we use their details"),
        (
            {"name": "Wally", "area": "none", "told_privacy": "on", "email": "wally@"},
            "Write the e-mail address as it is written",
        ),
        (
            {"name": "Wally", "area": "none", "told_privacy": "on", "phone": "call me"},
            "phone",
        ),
        ({"name": "W" * 101, "area": "none", "told_privacy": "on"}, "Keep this to 100 letters"),
    ],
)
def test_a_walk_in_with_bad_input_saves_nothing_and_keeps_what_was_typed(
    event, manager, data, message
):
    response = signed_in(manager).post(f"/staff/events/{event.slug}/check-in/walk-in/", data)

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Registration.objects.filter(walk_in=True).exists()
    if data["name"] and len(data["name"]) < 100:
        assert f'value="{data["name"]}"' in response.text


def test_a_walk_in_before_the_day_is_refused_in_words(manager):
    event = EventFactory(published=True, organiser=manager)

    response = signed_in(manager).post(
        f"/staff/events/{event.slug}/check-in/walk-in/",
        {"name": "Wally", "area": "none", "told_privacy": "on"},
    )

    assert "Check-in opens on the day of the event" in response.text
    assert not Registration.objects.filter(walk_in=True).exists()


def test_a_walk_in_is_not_sent_the_confirmation_nor_the_reminder(event, manager, mailoutbox):
    checkin.walk_in_add(event=event, by=manager, name="Wally", area=None, email="w@example.org")
    assert CONFIRMATION.waiting(older_than=datetime.timedelta(0)) == []
    assert REMINDER.due.filter(reminder_sent_at=None).count() == 0
    assert mailoutbox == []


def test_the_organiser_and_those_who_may_organise_it_check_in_others_get_403(
    hendon, adviser, outsider, community_worker, evaluator
):
    organiser = UserFactory(role=Role.ADVISER)
    event = today_event(organiser=organiser, invited=Event.Invited.AREAS)
    event.areas.set([hendon])
    regional_lead = UserFactory(role=Role.MANAGER, region=hendon.region)
    other_region = UserFactory(role=Role.MANAGER, region="london")

    def status(user):
        return signed_in(user).get(list_url(event)).status_code

    # The organiser (even no longer holding the area), Hendon's adviser, the
    # region's lead.
    assert status(organiser) == 200
    assert status(adviser) == 200
    assert status(regional_lead) == 200
    # An adviser of other areas, the community worker, the evaluator: no.
    assert status(outsider) == 403
    assert status(community_worker) == 403
    assert status(evaluator) == 403
    # A lead of another region does not see the event at all.
    assert status(other_region) == 404


def test_the_check_in_list_asks_the_same_number_of_queries_however_many_came(
    event, manager, django_assert_max_num_queries
):
    client = signed_in(manager)
    area = AreaFactory()

    def people(n):
        for _ in range(n):
            RegistrationFactory(
                event=event, area=area, checked_in_at=timezone.now(), checked_in_by=manager
            )
            RegistrationFactory(event=event, walk_in=True, email="", phone="")

    people(2)
    with django_assert_max_num_queries(12) as few:
        assert client.get(list_url(event)).status_code == 200
    people(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(list_url(event))
    assert response.text.count('class="checkin-row') == 64


def test_the_page_says_when_check_in_is_not_open_and_offers_no_buttons(manager):
    event = EventFactory(published=True, organiser=manager)
    RegistrationFactory(event=event, name="Pat Robinson")

    page = signed_in(manager).get(list_url(event)).text

    assert "Check-in opens on the day of the event" in page
    assert "Pat Robinson" in page
    assert "Check in<span" not in page


def test_an_anonymous_visitor_is_sent_to_sign_in(event):
    assert Client().get(list_url(event)).status_code == 302


def test_a_tick_for_someone_of_another_event_is_not_found(event, manager):
    elsewhere = RegistrationFactory(event=today_event(organiser=manager))

    response = signed_in(manager).post(tick_url(event, elsewhere), {"attended": "yes"})

    assert response.status_code == 404
    assert Registration.objects.get(pk=elsewhere.pk).checked_in_at is None


def test_the_walk_in_form_lists_the_events_own_areas_first(manager, hendon):
    event = today_event(organiser=manager, invited=Event.Invited.AREAS)
    event.areas.set([hendon])
    AreaFactory(name="Aardvark Estate")

    page = signed_in(manager).get(f"/staff/events/{event.slug}/check-in/walk-in/").text

    first_group = page.index('<optgroup label="This event&#x27;s areas">')
    assert first_group < page.index(">Hendon<") < page.index(">Aardvark Estate<")


def test_names_on_the_check_in_list_have_no_direction_overrides(event, manager):
    eve = RegistrationFactory(event=event, name="Eve \u202eeviF")
    client = signed_in(manager)

    page = client.get(list_url(event)).text
    saved = client.post(tick_url(event, eve), {"attended": "yes"}, follow=True).text

    assert "Eve eviF" in page
    assert "Saved: Eve eviF is checked in" in saved
    assert "\u202e" not in page + saved


def test_a_big_event_lists_its_names_a_page_at_a_time_and_a_tick_returns_to_its_page(
    event, manager, monkeypatch
):
    monkeypatch.setattr("events.checkin_views.CHECKIN_PER_PAGE", 2)
    names = ["Ali Khan", "Bea Jones", "Cal Evans", "Dee Price", "Eve Shaw"]
    people = [RegistrationFactory(event=event, name=name) for name in names]
    client = signed_in(manager)

    first = client.get(list_url(event)).text
    assert first.count('class="checkin-row') == 2
    assert "5 people with a place. Names 1 to 2" in first
    assert "Next names" in first
    # Typing filters only the names shown: on a page of a longer list the
    # search goes to the server instead.
    assert "data-checkin-search" not in first

    second = client.get(list_url(event) + "?page=2").text
    assert "Cal Evans" in second
    assert "Ali Khan" not in second
    assert 'name="page" value="2"' in second

    response = client.post(tick_url(event, people[2]), {"attended": "yes", "page": "2"})
    assert response.url == f"{list_url(event)}?page=2#person-{people[2].pk}"
    assert "Cal Evans" in client.get(response.url).text


def test_a_search_finds_a_name_on_any_page(event, manager, monkeypatch):
    monkeypatch.setattr("events.checkin_views.CHECKIN_PER_PAGE", 2)
    for name in ["Ali Khan", "Bea Jones", "Cal Evans", "Dee Price", "Eve Shaw"]:
        RegistrationFactory(event=event, name=name)

    page = signed_in(manager).get(list_url(event) + "?q=shaw").text

    assert "Eve Shaw" in page
    assert "1 name with" in page
    assert "data-checkin-search" in page
