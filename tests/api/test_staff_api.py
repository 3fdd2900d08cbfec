"""Staff with their caseloads, and naming an area's people, through the
API: the caseloads page's people and the caps' refusals, field by field."""

import pytest

from advisers import services
from advisers.models import AdviserAssignment, CommunityWorkerAllocation
from areas.models import Region
from casework.models import AuditEntry
from tests.api.counting import queries_for
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

HENDON = "/api/v1/areas/E05001158/"


def _by_name(response) -> dict:
    return {row["full_name"]: row for row in response.json()["results"]}


def test_a_manager_sees_who_holds_what_and_who_has_room(api_as, hendon, adviser):
    staff = _by_name(api_as("manager").get("/api/v1/staff/"))
    asha, callum = staff["Asha Adviser"], staff["Callum Worker"]
    assert (asha["areas_held"], asha["cap"], asha["room"]) == (1, 10, 9)
    assert [area["ward_code"] for area in asha["areas"]] == ["E05001158"]
    assert asha["days_a_month"] is None
    assert (callum["areas_held"], callum["cap"], callum["days_a_month"]) == (1, 5, 2)
    assert "Mina Manager" not in staff


def test_a_regional_lead_sees_the_people_of_their_region_and_only_its_areas(
    api_as, hendon, adviser
):
    torbay = AreaFactory(name="Torbay Estate", region=Region.SOUTH_WEST)
    services.area_assign_adviser(area=torbay, adviser=adviser, by=None)
    elsewhere = UserFactory(role="adviser", full_name="Otto Outsider")
    services.area_assign_adviser(
        area=AreaFactory(region=Region.SOUTH_WEST), adviser=elsewhere, by=None
    )

    client = api_as("regional_lead")
    staff = _by_name(client.get("/api/v1/staff/"))
    assert "Otto Outsider" not in staff
    asha = staff["Asha Adviser"]
    # The cap counts all their areas; the lead is shown their region's.
    assert (asha["areas_held"], asha["areas_here"]) == (2, 1)
    assert [area["name"] for area in asha["areas"]] == ["Hendon"]
    assert client.get(f"/api/v1/staff/{elsewhere.pk}/").status_code == 404
    assert api_as("manager").get(f"/api/v1/staff/{elsewhere.pk}/").status_code == 200


def test_staff_are_filtered_by_role(api_as, hendon):
    rows = api_as("manager").get("/api/v1/staff/?role=community_worker").json()["results"]
    assert [row["full_name"] for row in rows] == ["Callum Worker"]


def test_an_adviser_cannot_see_the_caseloads(api_as, hendon):
    assert api_as("adviser").get("/api/v1/staff/").status_code == 403


def test_a_manager_names_an_areas_adviser_and_the_history_says_so(api_as, hendon, manager):
    newcomer = UserFactory(role="adviser", full_name="Nia New")
    response = api_as("manager").post(
        HENDON + "adviser/", {"adviser": newcomer.pk, "reason": "Balancing"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["adviser_name"] == "Nia New"
    current = AdviserAssignment.objects.current().get(area=hendon)
    assert current.adviser == newcomer
    assert AuditEntry.objects.filter(
        content_type__model="adviserassignment", object_id=current.pk, changed_by=manager
    ).exists()


def test_an_eleventh_area_is_refused_under_the_adviser_and_nothing_is_saved(api_as, hendon):
    full = UserFactory(role="adviser", full_name="Fay Full")
    for _ in range(10):
        services.area_assign_adviser(area=AreaFactory(), adviser=full, by=None)

    response = api_as("manager").post(HENDON + "adviser/", {"adviser": full.pk}, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["adviser"]
    assert "Fay Full already has 10 areas" in errors["adviser"][0]
    assert AdviserAssignment.objects.current().get(area=hendon).adviser.full_name == "Asha Adviser"


def test_a_sixth_area_is_refused_under_the_worker_and_nothing_is_saved(api_as, hendon):
    busy = UserFactory(role="community_worker", full_name="Bea Busy")
    for _ in range(5):
        services.area_allocate_community_worker(area=AreaFactory(), worker=busy, by=None)

    response = api_as("manager").post(
        HENDON + "community-worker/", {"worker": busy.pk}, format="json"
    )

    assert response.status_code == 400
    assert "Bea Busy already works in 5 areas" in response.json()["worker"][0]
    assert CommunityWorkerAllocation.objects.current().get(area=hendon).worker.full_name == (
        "Callum Worker"
    )


def test_someone_who_is_not_an_adviser_cannot_be_named_one(api_as, hendon, community_worker):
    response = api_as("manager").post(
        HENDON + "adviser/", {"adviser": community_worker.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"adviser": ["No active adviser has this id."]}


def test_days_a_month_out_of_range_are_refused(api_as, hendon):
    worker = UserFactory(role="community_worker")
    response = api_as("manager").post(
        HENDON + "community-worker/", {"worker": worker.pk, "days_per_month": "40"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["days_per_month"]
    assert not CommunityWorkerAllocation.objects.filter(worker=worker).exists()


def test_a_regional_lead_cannot_name_people_outside_their_region(api_as, hendon):
    torbay = AreaFactory(region=Region.SOUTH_WEST)
    newcomer = UserFactory(role="adviser")
    response = api_as("regional_lead").post(
        f"/api/v1/areas/{torbay.ward_code}/adviser/", {"adviser": newcomer.pk}, format="json"
    )
    assert response.status_code == 404
    assert not AdviserAssignment.objects.filter(area=torbay).exists()


def _grow(times: int):
    worker = UserFactory(role="community_worker")
    for n in range(times):
        adviser = UserFactory(role="adviser")
        for _ in range(2):
            area = AreaFactory()
            services.area_assign_adviser(area=area, adviser=adviser, by=None)
        if n % 5 == 0:
            worker = UserFactory(role="community_worker")
        services.area_allocate_community_worker(area=area, worker=worker, by=None)


@pytest.mark.parametrize("persona", ["manager", "regional_lead"])
def test_the_staff_list_costs_the_same_with_ten_times_the_people(api_as, hendon, persona):
    client = api_as(persona)
    _grow(1)
    small = queries_for(client, "/api/v1/staff/")
    _grow(9)
    assert queries_for(client, "/api/v1/staff/") == small


def test_an_area_outside_the_programme_is_refused_as_the_areas_fault(api_as, manager):
    outside = AreaFactory(programme=False)
    newcomer = UserFactory(role="adviser")
    response = api_as("manager").post(
        f"/api/v1/areas/{outside.ward_code}/adviser/", {"adviser": newcomer.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert "not in the programme" in response.json()["non_field_errors"][0]
