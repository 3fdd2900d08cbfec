"""The records behind a report's figures: interactions, time given and
people at events, with the same filters as the figures, within what the
reader may see, naming no resident."""

import datetime
from decimal import Decimal

import pytest

from advisers.models import Role, TimeRecord
from casework.models import Interaction
from events.models import Event
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

JULY = datetime.date(2026, 7, 14)
SECRET_NOTE = "Mrs Jones told us about her son"


def interaction(area, by, day=JULY, residents=3):
    return Interaction.objects.create(
        area=area,
        date=day,
        kind=Interaction.Kind.MEETING,
        residents=residents,
        new_residents=1,
        notes=SECRET_NOTE,
        logged_by=by,
    )


def test_interactions_are_listed_with_their_totals_and_never_their_notes(hendon, adviser):
    interaction(hendon, adviser)
    interaction(hendon, adviser, residents=4)
    interaction(hendon, adviser, day=datetime.date(2026, 8, 1))
    client = client_for(UserFactory(role=Role.EVALUATOR))
    response = client.get("/staff/figures/interactions/?since=2026-07-01&until=2026-07-31")
    assert response.status_code == 200
    assert "2 interactions, with 7 residents taking part (2 new)" in response.text
    assert SECRET_NOTE not in response.text
    assert "Hendon" in response.text


def test_time_is_listed_by_role_in_days(hendon, adviser, community_worker):
    for person, hours in ((adviser, "7.5"), (adviser, "3.75"), (community_worker, "7.5")):
        TimeRecord.objects.create(
            person=person, role=person.role, area=hendon, date=JULY, hours=Decimal(hours)
        )
    client = client_for(UserFactory(role=Role.MANAGER))
    response = client.get("/staff/figures/time/?role=adviser&area=E05001158")
    assert "2 time records: 1.5 days" in response.text
    response = client.get("/staff/figures/time/?role=community_worker")
    assert "1 time record: 1.0 day " in response.text


def test_people_at_events_are_counted_by_event_and_area_never_named(hendon):
    event = EventFactory(published=True)
    for _ in range(3):
        RegistrationFactory(
            event=event, area=hendon, name="Rosa Resident", checked_in_at=event.starts_at
        )
    RegistrationFactory(event=event, area=hendon, name="Not Came")
    client = client_for(UserFactory(role=Role.EVALUATOR))
    response = client.get(f"/staff/figures/attendances/?event_kind={Event.Kind.REGIONAL}")
    assert "3 people came to 1 event" in response.text
    assert "Rosa Resident" not in response.text
    response = client.get(f"/staff/figures/attendances/?event_kind={Event.Kind.NATIONAL}")
    assert "0 people came to 0 events" in response.text


def test_an_adviser_sees_only_their_own_areas_records(hendon, adviser, outsider):
    interaction(hendon, adviser)
    response = client_for(outsider).get("/staff/figures/interactions/")
    assert response.status_code == 200
    assert "0 interactions" in response.text
    response = client_for(adviser).get("/staff/figures/interactions/")
    assert "1 interaction," in response.text


def test_an_unknown_kind_of_record_is_not_found(manager):
    assert client_for(manager).get("/staff/figures/people/").status_code == 404


def test_bad_dates_are_refused_with_a_clear_message_and_nothing_listed(hendon, adviser, manager):
    interaction(hendon, adviser)
    response = client_for(manager).get(
        "/staff/figures/interactions/?since=2026-08-01&until=2026-07-01"
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "The date to must be on or after the date from." in response.text
    assert "1 interaction" not in response.text


def test_the_lists_query_count_stays_flat(hendon, adviser, manager, django_assert_max_num_queries):
    client = client_for(manager)

    def load():
        for kind in ("interactions", "time", "attendances"):
            with django_assert_max_num_queries(10):
                assert client.get(f"/staff/figures/{kind}/?programme=on").status_code == 200

    load()
    event = EventFactory(published=True)
    for n in range(12):
        area = AreaFactory(name=f"More {n}")
        interaction(area, adviser)
        TimeRecord.objects.create(
            person=adviser, role=adviser.role, area=area, date=JULY, hours=Decimal(2)
        )
        RegistrationFactory(event=event, area=area, checked_in_at=event.starts_at)
    load()
