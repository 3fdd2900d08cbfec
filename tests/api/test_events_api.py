"""The events API: events as the staff pages show them to each role,
organised through the web's forms and services (the same messages, the
same audit history), who registered only for those who may see it on the
web, check-in, and the connections between areas."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisers.roles import Role
from areas.models import Region
from casework.models import AuditEntry
from events.models import Connection, Event, Registration
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _soon(days: int, hour: int = 10) -> str:
    moment = (timezone.now() + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return moment.isoformat()


def _new_event(hendon, **changes) -> dict:
    return {
        "kind": "regional",
        "title": "Hendon plans together",
        "summary": "An afternoon on neighbourhood plans.",
        "starts_at": _soon(30, 13),
        "ends_at": _soon(30, 16),
        "venue_name": "Hendon Community Centre",
        "region": hendon.region,
        "invited": "areas",
        "areas": [hendon.ward_code],
        "topics": ["neighbourhood_plan"],
        "capacity": 30,
        "registration_closes_at": _soon(29),
        **changes,
    }


def _hendons_event(hendon, **fields) -> Event:
    event = EventFactory(invited=Event.Invited.AREAS, region=hendon.region, **fields)
    event.areas.set([hendon])
    return event


# --- Organising ------------------------------------------------------------------


def test_an_adviser_organises_an_event_for_their_area_through_the_api(api_as, adviser, hendon):
    response = api_as("adviser").post("/api/v1/events/", _new_event(hendon), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft"
    assert body["areas"] == [{"ward_code": hendon.ward_code, "name": "Hendon"}]
    assert body["topics"] == ["neighbourhood_plan"]
    event = Event.objects.get(slug=body["slug"])
    assert event.organiser == adviser
    # In the audit history, as a change on the web is.
    entry = AuditEntry.objects.get(content_type__model="event", object_id=event.pk)
    assert entry.changed_by == adviser
    assert "capacity" in entry.changes


def test_an_event_the_form_would_refuse_is_refused_field_by_field_and_nothing_saved(api_as, hendon):
    response = api_as("adviser").post(
        "/api/v1/events/",
        _new_event(hendon, ends_at=_soon(30, 9), topics=[], venue_name=""),
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()
    assert errors["ends_at"] == ["The event must end after it starts."]
    assert errors["topics"] == ["Choose at least one topic."]
    assert errors["venue_name"] == ["Give the venue, or tick \u201cIt is online\u201d."]
    assert not Event.objects.exists()


def test_fields_nobody_sets_are_refused_not_ignored(api_as, hendon, manager):
    response = api_as("adviser").post(
        "/api/v1/events/",
        _new_event(hendon, organiser=manager.pk, published_at=_soon(1)),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "organiser": ["This field cannot be set here."],
        "published_at": ["This field cannot be set here."],
    }
    assert not Event.objects.exists()


def test_an_adviser_cannot_organise_an_event_beyond_their_areas(api_as, hendon):
    response = api_as("adviser").post(
        "/api/v1/events/", _new_event(hendon, invited="everyone", areas=[]), format="json"
    )

    assert response.status_code == 400
    assert "only for your own areas" in response.json()["non_field_errors"][0]
    assert not Event.objects.exists()


def test_a_change_sends_only_what_changes_and_is_audited(api_as, manager, hendon):
    event = _hendons_event(hendon)
    event.topics.create(topic="neighbourhood_plan")

    response = api_as("manager").patch(
        f"/api/v1/events/{event.slug}/", {"capacity": 45}, format="json"
    )

    assert response.status_code == 200, response.json()
    event.refresh_from_db()
    assert event.capacity == 45
    assert event.title.startswith("North East gathering")
    entry = AuditEntry.objects.filter(content_type__model="event", object_id=event.pk).latest("pk")
    assert entry.changed_by == manager
    assert "capacity" in entry.changes


def test_publishing_then_cancelling_as_the_web_does(api_as, manager, hendon):
    event = _hendons_event(hendon)
    client = api_as("manager")

    published = client.post(f"/api/v1/events/{event.slug}/publish/")
    no_reason = client.post(f"/api/v1/events/{event.slug}/cancel/", {}, format="json")
    cancelled = client.post(
        f"/api/v1/events/{event.slug}/cancel/", {"reason": "The hall flooded."}, format="json"
    )
    changed = client.patch(f"/api/v1/events/{event.slug}/", {"capacity": 5}, format="json")
    again = client.post(f"/api/v1/events/{event.slug}/publish/")

    assert published.json()["state"] == "published"
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["Say why, so that people registered know."]}
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["cancellation_reason"] == "The hall flooded."
    assert changed.status_code == 400
    assert changed.json() == {"non_field_errors": ["A cancelled event cannot be changed."]}
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["A cancelled event cannot be published."]}


def test_an_adviser_may_not_change_an_event_they_do_not_organise(api_as, hendon):
    event = EventFactory()  # a regional event open to all: a manager's

    response = api_as("adviser").patch(
        f"/api/v1/events/{event.slug}/", {"capacity": 1}, format="json"
    )

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.capacity == 20


def test_a_read_only_token_cannot_organise(api_as, hendon):
    response = api_as("manager", read_only=True).post(
        "/api/v1/events/", _new_event(hendon), format="json"
    )

    assert response.status_code == 403
    assert not Event.objects.exists()


# --- Scope -----------------------------------------------------------------------------


def test_a_regional_lead_does_not_see_another_regions_events(api_as, regional_lead):
    ours = EventFactory(region=Region.NORTH_EAST)
    national = EventFactory(kind=Event.Kind.NATIONAL, region="")
    theirs = EventFactory(region=Region.LONDON)
    client = api_as("regional_lead")

    listed = client.get("/api/v1/events/").json()
    detail = client.get(f"/api/v1/events/{theirs.slug}/")

    assert {row["slug"] for row in listed["results"]} == {ours.slug, national.slug}
    assert listed["count"] == 2
    assert detail.status_code == 404


def test_past_events_are_listed_apart_latest_first(api_as, manager):
    now = timezone.now()
    older = EventFactory(
        starts_at=now - datetime.timedelta(days=30),
        ends_at=now - datetime.timedelta(days=30) + datetime.timedelta(hours=2),
        registration_closes_at=now - datetime.timedelta(days=31),
    )
    newer = EventFactory(
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=3) + datetime.timedelta(hours=2),
        registration_closes_at=now - datetime.timedelta(days=4),
    )
    upcoming = EventFactory()
    client = api_as("manager")

    past = client.get("/api/v1/events/?when=past").json()["results"]
    soon = client.get("/api/v1/events/").json()["results"]

    assert [row["slug"] for row in past] == [newer.slug, older.slug]
    assert [row["slug"] for row in soon] == [upcoming.slug]
    assert client.get("/api/v1/events/?when=whenever").status_code == 400


# --- Who registered ------------------------------------------------------------------------


def _names_and_addresses(registrations) -> set[str]:
    return {value for r in registrations for value in (r.name, r.email)}


@pytest.mark.parametrize("persona", ["community_worker", "evaluator", "administrator", "outsider"])
def test_who_registered_never_reaches_those_the_web_does_not_show_it(api_as, hendon, persona):
    event = _hendons_event(hendon, published=True)
    people = RegistrationFactory.create_batch(3, event=event, area=hendon)
    client = api_as(persona)

    listed = client.get(f"/api/v1/events/{event.slug}/registrations/")
    detail = client.get(f"/api/v1/events/{event.slug}/")
    events = client.get("/api/v1/events/")

    assert listed.status_code == 403
    assert detail.status_code == 200
    assert detail.json()["counts"]["confirmed"] == 3
    assert detail.json()["may_see_registrations"] is False
    for answer in (listed, detail, events):
        text = answer.content.decode()
        assert not any(value in text for value in _names_and_addresses(people))


def test_the_organiser_sees_who_registered_as_on_the_events_page(api_as, hendon):
    event = _hendons_event(hendon, published=True, capacity=1)
    coming = RegistrationFactory(
        event=event, area=hendon, phone="0191 000 0000", dietary_needs="Vegetarian"
    )
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    response = api_as("adviser").get(f"/api/v1/events/{event.slug}/registrations/")

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[coming.pk]["name"] == coming.name
    assert rows[coming.pk]["email"] == coming.email
    assert rows[coming.pk]["phone"] == "0191 000 0000"
    assert rows[coming.pk]["dietary_needs"] == "Vegetarian"
    assert rows[coming.pk]["area"] == {"ward_code": hendon.ward_code, "name": "Hendon"}
    assert rows[waiting.pk]["status"] == "waitlisted"
    assert rows[waiting.pk]["area"] is None
    only_waiting = api_as("adviser").get(
        f"/api/v1/events/{event.slug}/registrations/?status=waitlisted"
    )
    assert [row["id"] for row in only_waiting.json()["results"]] == [waiting.pk]


def test_an_online_events_registrations_have_no_food(api_as, hendon):
    event = _hendons_event(hendon, published=True, online=True, joining_link="https://x.example")
    RegistrationFactory(event=event, dietary_needs="Halal")

    rows = api_as("manager").get(f"/api/v1/events/{event.slug}/registrations/").json()

    assert rows["results"][0]["dietary_needs"] is None


def test_checking_someone_in_through_the_api_is_audited(api_as, adviser, hendon):
    now = timezone.now()
    event = _hendons_event(
        hendon,
        published=True,
        starts_at=now - datetime.timedelta(hours=1),
        ends_at=now + datetime.timedelta(hours=2),
        registration_closes_at=now - datetime.timedelta(hours=2),
    )
    person = RegistrationFactory(event=event, area=hendon)
    client = api_as("adviser")
    url = f"/api/v1/events/{event.slug}/registrations/{person.pk}/check-in/"

    ticked = client.post(url, {"attended": True}, format="json")
    twice = client.post(url, {"attended": True}, format="json")
    nonsense = client.post(url, {"attended": True, "checked_in_by": 1}, format="json")

    assert ticked.status_code == 200
    assert ticked.json()["checked_in_at"] == twice.json()["checked_in_at"]
    assert nonsense.status_code == 400
    person.refresh_from_db()
    assert person.checked_in_by == adviser
    entries = AuditEntry.objects.filter(content_type__model="registration", object_id=person.pk)
    assert entries.count() == 1


def test_check_in_before_the_day_is_refused_in_words(api_as, hendon):
    event = _hendons_event(hendon, published=True)
    person = RegistrationFactory(event=event, area=hendon)

    response = api_as("adviser").post(
        f"/api/v1/events/{event.slug}/registrations/{person.pk}/check-in/",
        {"attended": True},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("Check-in opens on the day")
    person.refresh_from_db()
    assert person.checked_in_at is None


# --- Connections -------------------------------------------------------------------------------


def _connect(area, other, by, topic="funding", note="") -> Connection:
    first, second = sorted([area, other], key=lambda a: a.pk)
    return Connection.objects.create(
        area_a=first,
        area_b=second,
        topic=topic,
        origin=Connection.Origin.VISIT,
        made_on=timezone.localdate(),
        recorded_by=by,
        note=note,
    )


def test_an_adviser_lists_their_areas_connections_only(api_as, hendon, manager):
    ryhope, far, farther = (AreaFactory(name=n) for n in ("Ryhope", "Far", "Farther"))
    mine = _connect(hendon, ryhope, manager)
    _connect(far, farther, manager)

    listed = api_as("adviser").get("/api/v1/connections/").json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["count"] == 1


def test_evaluators_see_connections_but_not_the_notes_staff_write(api_as, hendon, manager):
    _connect(hendon, AreaFactory(name="Ryhope"), manager, note="Their chair rang ours")

    evaluators = api_as("evaluator").get("/api/v1/connections/").json()["results"]
    advisers = api_as("adviser").get("/api/v1/connections/").json()["results"]

    assert evaluators[0]["note"] is None
    assert advisers[0]["note"] == "Their chair rang ours"


def test_recording_a_connection_through_the_api(api_as, adviser, hendon):
    ryhope = AreaFactory(name="Ryhope")
    client = api_as("adviser")
    sent = {
        "area": hendon.ward_code,
        "other": ryhope.ward_code,
        "topic": "funding",
        "origin": "introduction",
    }

    made = client.post("/api/v1/connections/", sent, format="json")
    again = client.post("/api/v1/connections/", sent, format="json")
    itself = client.post("/api/v1/connections/", {**sent, "other": hendon.ward_code}, format="json")

    assert made.status_code == 201, made.json()
    assert {made.json()["area_a"]["name"], made.json()["area_b"]["name"]} == {"Hendon", "Ryhope"}
    assert again.status_code == 400
    assert "already recorded as connected" in again.json()["non_field_errors"][0]
    assert itself.json() == {
        "other": ["Choose a different area: an area cannot connect to itself."]
    }
    connection = Connection.objects.get()
    entry = AuditEntry.objects.get(content_type__model="connection", object_id=connection.pk)
    assert entry.changed_by == adviser


def test_an_adviser_cannot_record_a_connection_between_two_areas_not_theirs(api_as, hendon):
    far, farther = AreaFactory(name="Far"), AreaFactory(name="Farther")

    response = api_as("adviser").post(
        "/api/v1/connections/",
        {"area": far.ward_code, "other": farther.ward_code, "topic": "funding", "origin": "visit"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"area": ["Choose the area from the list."]}
    assert not Connection.objects.exists()


# --- Query counts ------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    # A first call notes when the token was last used; what follows is the list's own.
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _events_and_people(hendon, times: int) -> Event:
    organiser = UserFactory(role=Role.MANAGER)
    last = None
    for _ in range(times):
        last = _hendons_event(hendon, published=True, organiser=organiser)
        last.topics.create(topic="neighbourhood_plan")
        RegistrationFactory.create_batch(2, event=last, area=hendon)
        _connect(hendon, AreaFactory(), organiser)
    return last


@pytest.mark.parametrize(
    "url",
    ["/api/v1/events/", "/api/v1/events/{slug}/registrations/", "/api/v1/connections/"],
)
def test_each_list_asks_as_many_queries_for_ten_times_the_data(
    api_as, hendon, url, django_assert_num_queries
):
    client = api_as("manager")
    event = _events_and_people(hendon, 1)
    once = _queries(client, url.format(slug=event.slug))
    event = _events_and_people(hendon, 9)
    with django_assert_num_queries(once):
        client.get(url.format(slug=event.slug))


def test_values_of_the_wrong_shape_are_refused_not_a_server_error(api_as, hendon):
    client = api_as("adviser")

    shapes = client.post(
        "/api/v1/events/",
        _new_event(hendon, title={"words": "Hello"}, topics="neighbourhood_plan", starts_at=5),
        format="json",
    )
    not_an_object = client.post("/api/v1/events/", ["a", "list"], format="json")
    sessions = client.post(
        "/api/v1/events/", _new_event(hendon, sessions=[{"title": "No times"}]), format="json"
    )

    assert shapes.status_code == 400
    assert shapes.json()["title"] == ["Send one value, not a list or an object."]
    assert shapes.json()["topics"] == ["Send a list of values."]
    assert not_an_object.json() == {"non_field_errors": ["Send a JSON object."]}
    assert sessions.status_code == 400
    assert "Session 1 needs its title" in sessions.json()["sessions"][0]
    assert not Event.objects.exists()


def test_a_training_series_takes_its_sessions_as_a_list(api_as, hendon):
    starts = timezone.localtime(timezone.now() + datetime.timedelta(days=30)).replace(
        hour=13, minute=0, second=0, microsecond=0
    )
    response = api_as("adviser").post(
        "/api/v1/events/",
        _new_event(
            hendon,
            kind="training",
            sessions=[
                {
                    "title": "Chairing meetings",
                    "starts_at": (starts + datetime.timedelta(hours=1)).isoformat(),
                    "ends_at": (starts + datetime.timedelta(hours=2)).isoformat(),
                }
            ],
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert [s["title"] for s in response.json()["sessions"]] == ["Chairing meetings"]


def test_text_with_a_null_character_is_refused_before_it_reaches_the_database(api_as, hendon):
    response = api_as("adviser").post(
        "/api/v1/connections/",
        {"area": "E05\x00", "other": hendon.ward_code, "topic": "funding", "origin": "visit"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"area": ["Null characters are not allowed."]}
