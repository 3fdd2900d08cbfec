"""Organising events: who may, what the forms refuse, and what people
registered are told."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from advisers import services as staff_services
from advisers.permissions import may_organise_event, may_see_registrations
from advisers.roles import Role
from areas.models import Region
from casework.models import AuditEntry
from events import services
from events.models import Event, Registration
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def in_days(days: int, hour: int = 10) -> str:
    moment = timezone.localtime() + datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0).strftime("%Y-%m-%dT%H:%M")


def event_answers(**changes) -> dict:
    data = {
        "kind": "regional",
        "title": "Hendon and Millfield get together",
        "summary": "Share what worked.",
        "starts_at": in_days(20, 10),
        "ends_at": in_days(20, 15),
        "online": "",
        "venue_name": "Hendon Community Centre",
        "venue_address": "1 High Street",
        "accessibility_notes": "Step-free",
        "joining_link": "",
        "region": "north_east",
        "invited": "areas",
        "host_area": "",
        "capacity": "30",
        "registration_closes_at": in_days(18),
        "topics": ["plan", "ukspf"],
    }
    data.update(changes)
    return data


@pytest.fixture
def millfield(adviser):
    area = AreaFactory(name="Millfield")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    return area


def test_an_adviser_organises_an_event_for_their_own_areas(adviser, hendon, millfield):
    client = client_for(adviser)

    response = client.post("/staff/events/new/", event_answers(areas=[hendon.pk, millfield.pk]))

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.organiser == adviser
    assert set(event.areas.all()) == {hendon, millfield}
    assert sorted(t.topic for t in event.topics.all()) == ["plan", "ukspf"]
    assert not event.is_published
    assert str(event.pk) not in event.slug
    assert event.starts_at.tzinfo is not None
    assert timezone.localtime(event.starts_at).hour == 10
    assert AuditEntry.objects.filter(
        object_id=event.pk, action="created", content_type__model="event"
    ).exists()


def test_an_adviser_cannot_organise_for_areas_they_do_not_hold(adviser, hendon):
    other = AreaFactory(name="Elsewhere")
    client = client_for(adviser)

    response = client.post("/staff/events/new/", event_answers(areas=[hendon.pk, other.pk]))

    assert response.status_code == 200
    assert Event.objects.count() == 0


def test_an_adviser_cannot_organise_the_national_event_or_one_open_to_all(adviser, hendon):
    client = client_for(adviser)

    national = client.post(
        "/staff/events/new/", event_answers(kind="national", region="", invited="everyone")
    )
    everyone = client.post("/staff/events/new/", event_answers(invited="everyone"))

    assert national.status_code == 200
    assert everyone.status_code == 200
    assert "only for your own areas" in everyone.content.decode()
    assert Event.objects.count() == 0


def test_a_visit_between_an_advisers_areas(adviser, hendon, millfield):
    response = client_for(adviser).post(
        "/staff/events/new/",
        event_answers(kind="visit", host_area=hendon.pk, areas=[millfield.pk], invited="areas"),
    )

    assert response.status_code == 302
    assert Event.objects.get().host_area == hendon


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "Give the event a title."),
        ({"kind": ""}, "kind", "Choose the kind of event."),
        ({"summary": ""}, "summary", "what the event is for"),
        ({"starts_at": ""}, "starts_at", "Give the day and time it starts."),
        ({"ends_at": ""}, "ends_at", "Give the day and time it ends."),
        ({"registration_closes_at": ""}, "registration_closes_at", "registration closes"),
        ({"ends_at": in_days(19)}, "ends_at", "end after it starts"),
        ({"starts_at": in_days(-3), "ends_at": in_days(-2)}, "starts_at", "in the future"),
        ({"registration_closes_at": in_days(25)}, "registration_closes_at", "close by the end"),
        ({"kind": "national"}, "region", "belongs to no region"),
        ({"region": ""}, "region", "Choose the region"),
        ({"kind": "visit"}, "host_area", "hosts the visit"),
        ({"venue_name": ""}, "venue_name", "Give the venue"),
        ({"online": "on", "venue_name": ""}, "joining_link", "Give the link"),
        ({"capacity": "0"}, "capacity", "at least one place"),
        ({"topics": []}, "topics", "at least one topic"),
        ({"invited": "areas"}, "areas", "Choose the areas invited"),
        ({"joining_link": "not a link", "online": "on"}, "joining_link", "valid URL"),
    ],
)
def test_bad_event_answers_are_explained_and_nothing_is_saved(manager, changes, field, message):
    response = client_for(manager).post("/staff/events/new/", event_answers(**changes))

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, response.context["form"].errors
    assert Event.objects.count() == 0


def test_a_manager_publishes_and_it_appears_on_the_public_list(manager):
    event = EventFactory()
    client = client_for(manager)
    assert event.title not in Client().get("/events/").content.decode()

    client.post(f"/staff/events/{event.slug}/publish/")

    assert event.title in Client().get("/events/").content.decode()


def test_cancelling_tells_everyone_registered_and_waiting(
    manager, django_capture_on_commit_callbacks
):
    event = EventFactory(published=True, capacity=1)
    RegistrationFactory(event=event, email="a@example.org")
    RegistrationFactory(
        event=event,
        email="b@example.org",
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
    )
    RegistrationFactory(event=event, email="", phone="0191 498 0000")
    RegistrationFactory(event=event, email="gone@example.org", status=Registration.Status.CANCELLED)
    client = client_for(manager)

    empty = client.post(f"/staff/events/{event.slug}/cancel/", {"reason": ""})
    assert "Say why" in empty.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/events/{event.slug}/cancel/", {"reason": "The hall flooded."})

    event.refresh_from_db()
    assert event.is_cancelled
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert all("The hall flooded." in m.body for m in mail.outbox)
    assert event.title not in Client().get("/events/").content.decode()


def test_a_change_of_time_is_told_once_to_each_and_again_at_the_next_change(
    manager, django_capture_on_commit_callbacks
):
    event = EventFactory(published=True)
    RegistrationFactory(event=event, email="a@example.org")
    client = client_for(manager)
    area_free = {"areas": [], "invited": "everyone", "region": event.region}

    def change(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/staff/events/{event.slug}/edit/", event_answers(**area_free, **fields)
            )

    assert change(starts_at=in_days(21, 9), ends_at=in_days(21, 12)).status_code == 302
    assert change(title="A new name", starts_at=in_days(21, 9), ends_at=in_days(21, 12))
    assert [m.subject for m in mail.outbox] == [
        "Changed: the time or place of Hendon and Millfield get together"
    ]
    change(title="A new name", starts_at=in_days(22, 9), ends_at=in_days(22, 12))
    assert len(mail.outbox) == 2
    assert "9:00 a.m." in mail.outbox[1].body or "9 a.m." in mail.outbox[1].body


def test_a_change_of_places_alone_tells_nobody_in_british_summer_time(
    manager, django_capture_on_commit_callbacks
):
    # In summer the form gives 10:00+01:00 and the database 09:00+00:00: the
    # same moment, so neither "changed" e-mails nor the history may say it moved.
    summer = timezone.localdate().year + 1
    starts = datetime.datetime(summer, 6, 10, 9, 0, tzinfo=datetime.UTC)
    event = EventFactory(
        published=True,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
        registration_closes_at=starts - datetime.timedelta(days=1),
    )
    RegistrationFactory(event=event, email="a@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(
            f"/staff/events/{event.slug}/edit/",
            event_answers(
                areas=[],
                invited="everyone",
                venue_address=event.venue_address,
                starts_at=f"{summer}-06-10T10:00",
                ends_at=f"{summer}-06-10T15:00",
                registration_closes_at=f"{summer}-06-09T10:00",
                capacity="40",
            ),
        )

    assert response.status_code == 302
    assert [m.subject for m in mail.outbox] == []
    entry = AuditEntry.objects.filter(content_type__model="event", object_id=event.pk).latest("pk")
    assert "capacity" in entry.changes
    assert "starts_at" not in entry.changes
    assert "ends_at" not in entry.changes


def test_more_places_are_offered_to_the_waitlist(manager, django_capture_on_commit_callbacks):
    event = EventFactory(published=True, capacity=1)
    RegistrationFactory(event=event)
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    fields = {
        name: getattr(event, name) for name in services.EVENT_FIELDS if name not in ("capacity",)
    }

    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            event=event, by=manager, topics=["plan"], areas=[], capacity=2, **fields
        )

    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.OFFERED
    assert [m.to for m in mail.outbox] == [[waiting.email]]


def test_copying_makes_an_unpublished_event_with_the_same_topics_and_sessions(manager):
    event = EventFactory(published=True, kind=Event.Kind.TRAINING)
    event.topics.create(topic="skills")
    event.sessions.create(
        title="Part 1",
        starts_at=event.starts_at,
        ends_at=event.starts_at + datetime.timedelta(hours=2),
    )

    response = client_for(manager).post(f"/staff/events/{event.slug}/copy/")

    copy = Event.objects.exclude(pk=event.pk).get()
    assert response.url == f"/staff/events/{copy.slug}/edit/"
    assert copy.copied_from == event
    assert not copy.is_published
    assert [t.topic for t in copy.topics.all()] == ["skills"]
    assert copy.sessions.count() == 1
    assert copy.organiser == manager


def test_a_regional_lead_sees_and_organises_only_their_region_and_national_events():
    lead = UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST)
    theirs = EventFactory(region=Region.NORTH_EAST)
    national = EventFactory(kind=Event.Kind.NATIONAL, region="")
    other = EventFactory(region=Region.SOUTH_WEST)
    client = client_for(lead)

    assert set(Event.objects.visible_to(lead)) == {theirs, national}
    assert client.get(f"/staff/events/{other.slug}/").status_code == 404
    assert client.get(f"/staff/events/{theirs.slug}/edit/").status_code == 200
    assert client.get(f"/staff/events/{national.slug}/edit/").status_code == 403
    assert may_organise_event(lead, theirs)
    assert not may_organise_event(lead, national)


def test_a_regional_lead_is_told_in_their_own_terms_why_an_event_is_not_theirs():
    lead = UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST)

    response = client_for(lead).post(
        "/staff/events/new/", event_answers(region="south_west", invited="everyone")
    )

    assert "only for the North East" in response.content.decode()
    assert "your own areas" not in response.content.decode()
    assert Event.objects.count() == 0


def test_evaluators_see_events_and_numbers_but_never_who_registered(evaluator, manager):
    event = EventFactory(published=True)
    RegistrationFactory(event=event, name="Priya Patel")

    page = client_for(evaluator).get(f"/staff/events/{event.slug}/").content.decode()

    assert "1 confirmed" in page
    assert "Priya Patel" not in page
    assert not may_see_registrations(evaluator, event)
    assert "Priya Patel" in client_for(manager).get(f"/staff/events/{event.slug}/").content.decode()


def test_an_adviser_sees_who_registered_only_for_events_they_may_organise(adviser, hendon):
    theirs = EventFactory(invited=Event.Invited.AREAS)
    theirs.areas.set([hendon])
    not_theirs = EventFactory()
    RegistrationFactory(event=theirs, name="Priya Patel")
    RegistrationFactory(event=not_theirs, name="Sam Smith")
    client = client_for(adviser)

    assert "Priya Patel" in client.get(f"/staff/events/{theirs.slug}/").content.decode()
    assert "Sam Smith" not in client.get(f"/staff/events/{not_theirs.slug}/").content.decode()


def test_the_staff_list_asks_the_same_number_of_queries_however_many_events(
    manager, django_assert_max_num_queries
):
    client = client_for(manager)

    def make(n):
        for _ in range(n):
            event = EventFactory(published=True)
            event.topics.create(topic="plan")
            RegistrationFactory(event=event)

    make(2)
    with django_assert_max_num_queries(12) as few:
        client.get("/staff/events/")
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/staff/events/").status_code == 200


def test_the_public_list_asks_the_same_number_of_queries_however_many_events(
    django_assert_max_num_queries,
):
    client = Client()

    def make(n):
        for _ in range(n):
            event = EventFactory(published=True)
            event.topics.create(topic="plan")
            RegistrationFactory(event=event)

    make(2)
    with django_assert_max_num_queries(8) as few:
        client.get("/events/")
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/events/?topic=plan&region=north_east&kind=regional").status_code == 200


def test_the_public_list_filters_by_region_kind_and_topic():
    north = EventFactory(published=True, title="North event")
    north.topics.create(topic="skills")
    south = EventFactory(published=True, title="South event", region=Region.SOUTH_WEST)
    south.topics.create(topic="plan")
    EventFactory(
        published=True,
        title="Online event",
        kind=Event.Kind.VIRTUAL,
        online=True,
        venue_name="",
        joining_link="https://meet.example/a",
    )
    past = EventFactory(published=True, title="Past event")
    Event.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=2),
        registration_closes_at=timezone.now() - datetime.timedelta(days=4),
    )
    client = Client()

    def titles(query):
        return [e.title for e in client.get(f"/events/{query}").context["page"].object_list]

    assert titles("") == ["North event", "South event", "Online event"]
    assert titles("?region=south_west") == ["South event"]
    assert titles("?kind=virtual") == ["Online event"]
    assert titles("?topic=skills") == ["North event"]
    assert client.get("/events/?region=nowhere").status_code == 200


def test_a_training_series_is_organised_with_its_sessions_one_a_line(manager):
    day = (timezone.localdate() + datetime.timedelta(days=20)).strftime("%d/%m/%Y")
    later = (timezone.localdate() + datetime.timedelta(days=27)).strftime("%d/%m/%Y")
    answers = event_answers(
        kind="training",
        invited="everyone",
        ends_at=in_days(27, 21),
        starts_at=in_days(20, 18),
        sessions=f"{day} 18:00-20:00 Chairing\n\n{later} 18:00-20:00 Money",
    )

    bad = client_for(manager).post(
        "/staff/events/new/", {**answers, "sessions": f"{day} 6pm Chairing"}
    )
    assert "Line 1 is not a session" in bad.content.decode()
    missing = client_for(manager).post("/staff/events/new/", {**answers, "sessions": ""})
    assert "needs its sessions" in missing.content.decode()
    assert Event.objects.count() == 0
    response = client_for(manager).post("/staff/events/new/", answers)

    assert response.status_code == 302
    event = Event.objects.get()
    assert [s.title for s in event.sessions.all()] == ["Chairing", "Money"]
    assert timezone.localtime(event.sessions.first().starts_at).hour == 18
    edit = client_for(manager).get(f"/staff/events/{event.slug}/edit/").content.decode()
    assert f"{day} 18:00-20:00 Chairing" in edit


def test_an_organiser_cancels_a_registration_for_someone_who_rang(
    manager, evaluator, django_capture_on_commit_callbacks
):
    event = EventFactory(published=True, capacity=1)
    caller = RegistrationFactory(event=event, email="", phone="0191 498 0000")
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )
    url = f"/staff/events/{event.slug}/registrations/{caller.pk}/cancel/"
    assert client_for(evaluator).post(url).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        client_for(manager).post(url)

    caller.refresh_from_db()
    waiting.refresh_from_db()
    assert caller.status == Registration.Status.CANCELLED
    assert caller.cancelled_by == Registration.CancelledBy.STAFF
    assert waiting.status == Registration.Status.OFFERED
    entry = AuditEntry.objects.get(
        object_id=caller.pk, action="changed", content_type__model="registration"
    )
    assert entry.changed_by == manager


def test_an_events_staff_page_asks_the_same_number_of_queries_however_many_registered(
    manager, django_assert_max_num_queries
):
    event = EventFactory(published=True, capacity=500)
    client = client_for(manager)
    for _ in range(3):
        RegistrationFactory(event=event, area=AreaFactory())
    with django_assert_max_num_queries(30) as few:
        client.get(f"/staff/events/{event.slug}/")
    for _ in range(30):
        RegistrationFactory(event=event, area=AreaFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/staff/events/{event.slug}/").status_code == 200


def test_a_change_of_topics_and_areas_is_in_the_audit_history(manager, hendon, millfield):
    event = EventFactory(invited=Event.Invited.AREAS)
    event.areas.set([hendon])
    event.topics.create(topic="plan")
    fields = {name: getattr(event, name) for name in services.EVENT_FIELDS}

    services.event_update(
        event=event, by=manager, topics=["skills"], areas=[hendon, millfield], **fields
    )

    entry = AuditEntry.objects.get(
        object_id=event.pk, action="changed", content_type__model="event"
    )
    assert entry.changes["areas"] == [
        ["Hendon (Sunderland)"],
        sorted([str(hendon), str(millfield)]),
    ]
    assert entry.changes["topics"] == [
        ["Confidence and a plan for change"],
        ["Skills and expertise"],
    ]


def test_the_audit_page_shows_events_changes(manager, hendon, millfield):
    event = EventFactory(invited=Event.Invited.AREAS, title="Gathering")
    event.areas.set([hendon])
    fields = {name: getattr(event, name) for name in services.EVENT_FIELDS}
    services.event_update(
        event=event, by=manager, topics=["skills"], areas=[millfield], **{**fields, "capacity": 5}
    )
    services.event_publish(event=event, by=manager)

    page = client_for(manager).get("/staff/casework/audit/?kind=events")

    assert page.status_code == 200
    assert "Gathering" in page.text
    assert "Skills and expertise" in page.text


def test_what_people_typed_is_shown_to_the_organiser_without_direction_overrides(manager):
    # A name with a right-to-left override would show the text after it
    # backwards (a name, or a whole row, spoofed); their needs keep their lines.
    event = EventFactory(published=True, organiser=manager)
    RegistrationFactory(
        event=event,
        name="Bob \u202eowT",
        phone="0191 498 0000",
        access_needs="A ramp\nand a hearing loop",
        dietary_needs="Vegan\u2066",
    )

    page = client_for(manager).get(f"/staff/events/{event.slug}/").text

    assert "Bob owT" in page
    assert "\u202e" not in page
    assert "\u2066" not in page
    assert "A ramp<br>and a hearing loop" in page


def test_an_organiser_gives_the_place_offered_to_someone_with_only_a_phone(
    manager, evaluator, django_capture_on_commit_callbacks
):
    # They have no link to take it with: staff phone them and press for them,
    # before the offer passes to the next in line.
    event = EventFactory(published=True, capacity=1)
    leaving = RegistrationFactory(event=event)
    caller = RegistrationFactory(
        event=event,
        email="",
        phone="0191 498 0000",
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=leaving)
    caller.refresh_from_db()
    assert caller.status == Registration.Status.OFFERED
    page = client_for(manager).get(f"/staff/events/{event.slug}/").text
    url = f"/staff/events/{event.slug}/registrations/{caller.pk}/take-offer/"
    assert "No e-mail address: phone them to offer it." in page
    assert f'action="{url}"' in page
    assert client_for(evaluator).post(url).status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(manager).post(url, follow=True)

    caller.refresh_from_db()
    assert caller.status == Registration.Status.CONFIRMED
    assert "Done: they have the place." in response.text
    entry = AuditEntry.objects.filter(
        object_id=caller.pk, action="changed", content_type__model="registration"
    ).latest("pk")
    assert entry.changed_by == manager


def test_an_event_of_one_place_says_place_and_its_closing_time_is_in_uk_time(manager):
    event = EventFactory(published=True, capacity=1, organiser=manager)

    staff = client_for(manager).get(f"/staff/events/{event.slug}/").content.decode()
    public = Client().get(f"/events/{event.slug}/").content.decode()

    assert "0 confirmed of 1 place;" in staff
    closes = public.split("<dt>Registration closes</dt>")[1].split("</dd>")[0]
    assert "(UK time)" in closes
