"""The areas through the API: scope, filters, what each role reads, and
changes made through the same services and rules as the staff pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from advisers import services as staff_services
from areas.models import FundingBid, LocalContact, Partnership, Region, Stage, StageChange
from casework.models import AuditEntry
from tests.api.counting import queries_for
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

HENDON = "/api/v1/areas/E05001158/"


def _ward_codes(response) -> list[str]:
    return [row["ward_code"] for row in response.json()["results"]]


@pytest.fixture
def elsewhere(outsider):
    """An area in the South West, advised by someone else."""
    area = AreaFactory(name="Elsewhere", region=Region.SOUTH_WEST, local_authority="Torbay")
    staff_services.area_assign_adviser(area=area, adviser=outsider, by=None)
    return area


def test_an_adviser_lists_only_their_caseload_and_nothing_else_is_counted(
    api_as, hendon, elsewhere
):
    response = api_as("adviser").get("/api/v1/areas/")
    assert response.status_code == 200
    assert _ward_codes(response) == ["E05001158"]
    assert response.json()["count"] == 1


def test_an_area_outside_ones_scope_is_not_found(api_as, hendon, elsewhere):
    client = api_as("adviser")
    assert client.get(f"/api/v1/areas/{elsewhere.ward_code}/").status_code == 404
    assert client.get(f"/api/v1/areas/{elsewhere.ward_code}/funding/").status_code == 404
    assert client.post(f"/api/v1/areas/{elsewhere.ward_code}/contacts/", {}).status_code == 404


def test_a_regional_lead_sees_only_their_regions_areas(api_as, hendon, elsewhere):
    client = api_as("regional_lead")
    assert _ward_codes(client.get("/api/v1/areas/")) == ["E05001158"]
    assert client.get(f"/api/v1/areas/{elsewhere.ward_code}/").status_code == 404


def test_the_list_filters_and_searches_as_the_staff_list_does(api_as, hendon, elsewhere):
    client = api_as("manager")
    codes = _ward_codes
    assert codes(client.get("/api/v1/areas/?region=south_west")) == [elsewhere.ward_code]
    assert codes(client.get("/api/v1/areas/?search=torbay")) == [elsewhere.ward_code]
    assert codes(client.get("/api/v1/areas/?search=e05001158")) == ["E05001158"]
    assert codes(
        client.get(f"/api/v1/areas/?adviser={hendon.adviser_assignments.get().adviser_id}")
    ) == ["E05001158"]
    assert codes(client.get("/api/v1/areas/?without_community_worker=true")) == [
        elsewhere.ward_code
    ]
    assert codes(client.get("/api/v1/areas/?stage=delivering")) == []
    bad = client.get("/api/v1/areas/?stage=nowhere")
    assert bad.status_code == 400
    assert "stage" in bad.json()


def test_ordering_is_only_by_the_fields_allowed(api_as, hendon, elsewhere):
    client = api_as("manager")
    assert _ward_codes(client.get("/api/v1/areas/?ordering=-name")) == [
        "E05001158",
        elsewhere.ward_code,
    ]
    # Not in the allowlist: the notes are no order at all, so the default.
    assert _ward_codes(client.get("/api/v1/areas/?ordering=notes")) == [
        elsewhere.ward_code,
        "E05001158",
    ]


def test_notes_are_for_those_who_may_read_what_staff_write(api_as, hendon):
    hendon.notes = "The chair is stepping down in spring."
    hendon.save()
    FundingBid.objects.create(
        area=hendon, stream="lottery", amount_sought=Decimal(9000), description="A new roof"
    )
    StageChange.objects.create(
        area=hendon, stage=Stage.OUTREACH, changed_on=timezone.localdate(), note="Met the council"
    )
    adviser, evaluator = api_as("adviser"), api_as("evaluator")

    assert adviser.get(HENDON).json()["notes"] == "The chair is stepping down in spring."
    assert "notes" not in evaluator.get(HENDON).json()
    assert adviser.get(HENDON + "funding/").json()["results"][0]["description"] == "A new roof"
    assert "description" not in evaluator.get(HENDON + "funding/").json()["results"][0]
    assert adviser.get(HENDON + "stages/").json()["results"][0]["note"] == "Met the council"
    assert "note" not in evaluator.get(HENDON + "stages/").json()["results"][0]
    assert evaluator.get(HENDON + "contacts/").status_code == 403
    assert evaluator.get(HENDON + "partnership/").status_code == 403


def test_an_adviser_moves_their_area_on_and_the_history_says_who(api_as, hendon, adviser):
    response = api_as("adviser").post(
        HENDON + "stages/", {"stage": "year_zero", "note": "Planning begins"}, format="json"
    )
    assert response.status_code == 201, response.content
    hendon.refresh_from_db()
    assert hendon.stage == Stage.YEAR_ZERO
    change = hendon.stage_changes.in_force().first()
    assert change.recorded_by == adviser
    entry = AuditEntry.objects.get(object_id=change.pk, content_type__model="stagechange")
    assert entry.changed_by == adviser
    assert entry.action == AuditEntry.Action.CREATED


def test_an_adviser_cannot_take_their_area_out_of_the_programme(api_as, hendon):
    response = api_as("adviser").post(HENDON + "stages/", {"stage": "left"}, format="json")
    assert response.status_code == 400
    assert "manage caseloads" in response.json()["stage"][0]
    hendon.refresh_from_db()
    assert hendon.stage == Stage.OUTREACH
    assert hendon.adviser_assignments.current().exists()


def test_a_stage_change_is_refused_with_the_services_words(api_as, hendon):
    client = api_as("manager")
    before = hendon.stage_changes.count()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    future = client.post(
        HENDON + "stages/", {"stage": "year_zero", "on": tomorrow.isoformat()}, format="json"
    )
    assert future.status_code == 400
    assert "on" in future.json()
    same = client.post(HENDON + "stages/", {"stage": "outreach"}, format="json")
    assert same.status_code == 400
    assert same.json() == {"non_field_errors": ["Hendon is already at Outreach."]}
    assert hendon.stage_changes.count() == before


def test_a_read_only_token_changes_nothing(api_as, hendon):
    client = api_as("manager", read_only=True)
    assert client.get(HENDON).status_code == 200
    response = client.post(HENDON + "stages/", {"stage": "year_zero"}, format="json")
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    hendon.refresh_from_db()
    assert hendon.stage == Stage.OUTREACH


def test_the_partnership_is_saved_and_audited(api_as, hendon, adviser):
    body = {
        "name": "Hendon Together",
        "contact_name": "Sam Chair",
        "contact_email": "sam@example.org",
        "contact_phone": "",
        "trusted_organisation": "Sunderland CVS",
    }
    response = api_as("adviser").put(HENDON + "partnership/", body, format="json")
    assert response.status_code == 200, response.content
    assert Partnership.objects.get(area=hendon).trusted_organisation == "Sunderland CVS"
    assert AuditEntry.objects.filter(content_type__model="partnership", changed_by=adviser).exists()
    assert api_as("community_worker").get(HENDON + "partnership/").json() == body


def test_a_bad_partnership_is_refused_field_by_field_and_nothing_saved(api_as, hendon):
    response = api_as("adviser").put(
        HENDON + "partnership/",
        {"name": "", "contact_email": "not an address", "area": 3},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) >= {"name", "contact_email"}
    assert not Partnership.objects.filter(area=hendon).exists()


def test_a_field_that_cannot_be_set_is_refused_not_ignored(api_as, hendon):
    response = api_as("adviser").post(
        HENDON + "contacts/",
        {"name": "Cllr Jo Bloggs", "kind": "councillor", "area": "E05000001"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"area": ["This field cannot be set here."]}
    assert not LocalContact.objects.exists()


def test_contacts_are_added_and_removed_with_their_history(api_as, hendon, adviser):
    client = api_as("adviser")
    added = client.post(
        HENDON + "contacts/", {"name": "Cllr Jo Bloggs", "kind": "councillor"}, format="json"
    )
    assert added.status_code == 201, added.content
    pk = added.json()["id"]
    assert [c["name"] for c in client.get(HENDON + "contacts/").json()["results"]] == [
        "Cllr Jo Bloggs"
    ]
    assert client.delete(f"{HENDON}contacts/{pk}/").status_code == 204
    assert not LocalContact.objects.exists()
    actions = set(
        AuditEntry.objects.filter(content_type__model="localcontact", object_id=pk).values_list(
            "action", flat=True
        )
    )
    assert actions == {AuditEntry.Action.CREATED, AuditEntry.Action.REMOVED}


def test_a_community_worker_cannot_change_an_area(api_as, hendon):
    client = api_as("community_worker")
    response = client.post(
        HENDON + "contacts/", {"name": "Cllr Jo Bloggs", "kind": "councillor"}, format="json"
    )
    assert response.status_code == 403
    assert not LocalContact.objects.exists()


def test_a_funding_bid_keeps_the_forms_rules(api_as, hendon):
    client = api_as("adviser")
    response = client.post(
        HENDON + "funding/",
        {"stream": "lottery", "amount_sought": "1000", "amount_secured": "2000"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "amount_secured": ["The amount secured cannot be more than the amount sought."]
    }
    assert not FundingBid.objects.exists()

    made = client.post(
        HENDON + "funding/",
        {"stream": "lottery", "amount_sought": "1000", "description": "Play area"},
        format="json",
    )
    assert made.status_code == 201, made.content
    url = f"{HENDON}funding/{made.json()['id']}/"
    award = client.patch(url, {"status": "awarded"}, format="json")
    assert award.status_code == 400
    assert award.json() == {"amount_secured": ["An award needs the amount secured."]}
    assert FundingBid.objects.get().status == FundingBid.Status.PLANNED

    awarded = client.patch(url, {"status": "awarded", "amount_secured": "800"}, format="json")
    assert awarded.status_code == 200, awarded.content
    bid = FundingBid.objects.get()
    assert (bid.status, bid.amount_secured, bid.description) == ("awarded", 800, "Play area")
    entry = AuditEntry.objects.filter(content_type__model="fundingbid").first()
    assert entry.action == AuditEntry.Action.CHANGED
    assert set(entry.changes) == {"status", "amount_secured"}


def _grow(times: int, adviser, region=Region.NORTH_EAST):
    """``times`` more areas, each with its people, a contact, a bid and a
    stage change."""
    worker = UserFactory(role="community_worker")
    for n in range(times):
        area = AreaFactory(region=region)
        staff_services.area_assign_adviser(area=area, adviser=UserFactory(role="adviser"), by=None)
        if n < 5:
            staff_services.area_allocate_community_worker(area=area, worker=worker, by=None)
        area.types.create(slug=f"type-{area.pk}", name=f"Type {area.pk}")


def _grow_hendon(area, times: int, adviser):
    for n in range(times):
        LocalContact.objects.create(area=area, name=f"Contact {n}", kind="other")
        FundingBid.objects.create(area=area, stream="other", amount_sought=Decimal(100 + n))
        StageChange.objects.create(
            area=area, stage=Stage.OUTREACH, changed_on=timezone.localdate(), recorded_by=adviser
        )


@pytest.mark.parametrize(
    "path", ["", "E05001158/", "E05001158/stages/", "E05001158/contacts/", "E05001158/funding/"]
)
def test_each_list_costs_the_same_with_ten_times_the_data(api_as, hendon, adviser, path):
    client = api_as("manager")
    url = f"/api/v1/areas/{path}"
    _grow(1, adviser)
    _grow_hendon(hendon, 1, adviser)
    small = queries_for(client, url)
    _grow(9, adviser)
    _grow_hendon(hendon, 9, adviser)
    assert queries_for(client, url) == small
