"""Time records through the API: recorded for oneself or, by those who
correct time, for anybody, through the same service and its rules; read in
one's scope with a cursor; taken back as on the web."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from advisers import services
from advisers.models import TimeRecord
from areas.models import Region
from casework.models import AuditEntry
from tests.api.counting import queries_for
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db


def _record(person, area, *, hours="2", days_ago=0, note=""):
    return TimeRecord.objects.create(
        person=person,
        area=area,
        role=person.role,
        date=timezone.localdate() - datetime.timedelta(days=days_ago),
        hours=Decimal(hours),
        note=note,
    )


def test_an_adviser_records_their_own_time_and_the_history_says_so(api_as, hendon, adviser):
    response = api_as("adviser").post(
        "/api/v1/time/",
        {"area": "E05001158", "date": str(timezone.localdate()), "hours": "3.5", "kind": "call"},
        format="json",
    )
    assert response.status_code == 201, response.content
    record = TimeRecord.objects.get()
    assert (record.person, record.recorded_by, record.hours) == (adviser, adviser, Decimal("3.5"))
    assert record.role == "adviser"
    assert AuditEntry.objects.filter(
        content_type__model="timerecord", object_id=record.pk, changed_by=adviser
    ).exists()


def test_an_adviser_cannot_record_someone_elses_time(api_as, hendon, community_worker):
    response = api_as("adviser").post(
        "/api/v1/time/",
        {
            "area": "E05001158",
            "person": community_worker.pk,
            "date": str(timezone.localdate()),
            "hours": "2",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["person"]
    assert not TimeRecord.objects.exists()


def test_an_area_outside_ones_scope_is_refused_by_name(api_as, hendon):
    torbay = AreaFactory(region=Region.SOUTH_WEST)
    response = api_as("adviser").post(
        "/api/v1/time/",
        {"area": torbay.ward_code, "date": str(timezone.localdate()), "hours": "2"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"area": ["No area with this ward code is in your scope."]}


def test_a_manager_records_time_for_an_adviser(api_as, hendon, adviser, manager):
    response = api_as("manager").post(
        "/api/v1/time/",
        {
            "area": "E05001158",
            "person": adviser.pk,
            "date": str(timezone.localdate()),
            "hours": "7.5",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    record = TimeRecord.objects.get()
    assert (record.person, record.recorded_by) == (adviser, manager)


def test_more_than_a_day_on_one_date_is_refused_and_nothing_saved(api_as, hendon, adviser):
    _record(adviser, hendon, hours="20")
    response = api_as("adviser").post(
        "/api/v1/time/",
        {"area": "E05001158", "date": str(timezone.localdate()), "hours": "5"},
        format="json",
    )
    assert response.status_code == 400
    assert "over 24 hours in one day" in response.json()["non_field_errors"][0]
    assert TimeRecord.objects.count() == 1


def test_unknown_fields_and_bad_hours_are_refused_field_by_field(api_as, hendon):
    response = api_as("adviser").post(
        "/api/v1/time/",
        {"area": "E05001158", "date": str(timezone.localdate()), "hours": "30", "role": "manager"},
        format="json",
    )
    assert response.status_code == 400
    # Every mistake at once: the hours, and the field nobody may set.
    assert set(response.json()) == {"hours", "role"}
    response = api_as("adviser").post(
        "/api/v1/time/",
        {"area": "E05001158", "date": str(timezone.localdate()), "hours": "3", "role": "manager"},
        format="json",
    )
    assert response.json() == {"role": ["This field cannot be set here."]}
    assert not TimeRecord.objects.exists()


def test_the_list_is_in_scope_filtered_and_paged_by_a_cursor(
    api_as, hendon, adviser, community_worker, outsider
):
    torbay = AreaFactory(region=Region.SOUTH_WEST)
    services.area_assign_adviser(area=torbay, adviser=outsider, by=None)
    _record(outsider, torbay)
    for days_ago in range(3):
        _record(adviser, hendon, days_ago=days_ago, note="Met the chair")
    _record(community_worker, hendon, days_ago=10)

    client = api_as("adviser")
    page = client.get("/api/v1/time/?page_size=2").json()
    assert "count" not in page
    assert len(page["results"]) == 2
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 2
    every = page["results"] + rest["results"]
    assert {row["area"] for row in every} == {"E05001158"}
    assert [row["date"] for row in every] == sorted((row["date"] for row in every), reverse=True)

    since = str(timezone.localdate() - datetime.timedelta(days=1))
    assert len(client.get(f"/api/v1/time/?since={since}").json()["results"]) == 2
    assert len(client.get(f"/api/v1/time/?person={community_worker.pk}").json()["results"]) == 1
    assert client.get(f"/api/v1/time/?area={torbay.ward_code}").json()["results"] == []
    assert client.get(f"/api/v1/time/{TimeRecord.objects.get(area=torbay).pk}/").status_code == 404


def test_notes_are_for_those_who_may_read_what_staff_write(api_as, hendon, adviser):
    _record(adviser, hendon, note="Met the chair")
    assert api_as("adviser").get("/api/v1/time/").json()["results"][0]["note"] == "Met the chair"
    assert "note" not in api_as("evaluator").get("/api/v1/time/").json()["results"][0]


def test_one_takes_back_ones_own_record_but_not_a_colleagues(
    api_as, hendon, adviser, community_worker
):
    own, colleagues = _record(adviser, hendon), _record(community_worker, hendon)
    client = api_as("adviser")
    assert client.delete(f"/api/v1/time/{colleagues.pk}/").status_code == 404
    assert client.delete(f"/api/v1/time/{own.pk}/").status_code == 204
    assert list(TimeRecord.objects.all()) == [colleagues]
    assert AuditEntry.objects.filter(
        content_type__model="timerecord", object_id=own.pk, action=AuditEntry.Action.REMOVED
    ).exists()
    # Those who correct time may take back anyone's in their areas.
    assert api_as("manager").delete(f"/api/v1/time/{colleagues.pk}/").status_code == 204


def test_a_read_only_token_records_nothing(api_as, hendon, adviser):
    response = api_as("adviser", read_only=True).post(
        "/api/v1/time/",
        {"area": "E05001158", "date": str(timezone.localdate()), "hours": "2"},
        format="json",
    )
    assert response.status_code == 403
    assert not TimeRecord.objects.exists()


def _grow(times: int, area):
    for n in range(times):
        person = UserFactory(role="adviser")
        _record(person, area, days_ago=n % 20)
        _record(person, AreaFactory(), days_ago=n % 20)


@pytest.mark.parametrize("persona", ["adviser", "manager"])
def test_the_list_costs_the_same_with_ten_times_the_records(api_as, hendon, persona):
    client = api_as(persona)
    _grow(5, hendon)
    small = queries_for(client, "/api/v1/time/")
    _grow(45, hendon)
    assert queries_for(client, "/api/v1/time/") == small


@pytest.mark.parametrize("ordering", ["date", "-date"])
def test_records_on_the_same_day_are_each_on_one_page_of_the_cursor(
    api_as, hendon, adviser, ordering
):
    # Twelve records share three days: ordered by day alone, a cursor would
    # repeat some across pages and skip others.
    made = {_record(adviser, hendon, days_ago=n % 3).pk for n in range(12)}
    client = api_as("adviser")
    seen = []
    url = f"/api/v1/time/?ordering={ordering}&page_size=5"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(made)
