"""The audit history page: words not codes, filters by area, person, kind
and dates, the regional lead's scope, and a flat query count."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from advisers import services as staff_services
from advisers.models import Role
from areas import services as area_services
from areas.models import Region, Stage
from casework import referrals
from casework import services as casework_services
from casework.models import AuditEntry, AuditKind
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory
from tests.support import audit_history_writable, client_for

pytestmark = pytest.mark.django_db

URL = "/staff/casework/audit/"


@pytest.fixture
def northwood(outsider):
    """An area of the North West, with its own adviser."""
    area = AreaFactory(name="Northwood", region=Region.NORTH_WEST)
    staff_services.area_assign_adviser(area=area, adviser=outsider, by=None)
    return area


@pytest.fixture
def regional_lead(db):
    return UserFactory(role=Role.MANAGER, full_name="Nia Lead", region=Region.NORTH_WEST)


def shown(response) -> list[AuditEntry]:
    return list(response.context["page"].object_list)


def test_the_page_shows_words_not_codes(hendon, adviser, manager):
    support_request = SupportRequestFactory(area=hendon)
    for status in ("acknowledged", "in_progress"):
        casework_services.support_request_move(
            support_request=support_request, to_status=status, by=adviser
        )
    text = client_for(manager).get(URL).text
    assert "Status: Acknowledged" in text
    assert "In progress" in text
    assert "in_progress" not in text
    assert "Changed support request" in text
    assert f'href="/staff/areas/{hendon.ward_code}/"' in text


def test_filtering_by_area_shows_that_areas_changes_only(hendon, northwood, adviser, manager):
    casework_services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        description="Book the hall",
        due_on=timezone.localdate(),
    )
    entries = shown(client_for(manager).get(URL, {"area": northwood.ward_code}))
    assert entries
    assert {e.area for e in entries} == {northwood}


def test_filtering_by_person_and_by_nobody(hendon, adviser, manager):
    area_services.area_change_stage(
        area=hendon, stage=Stage.YEAR_ZERO, on=timezone.localdate(), by=adviser
    )
    by_adviser = shown(client_for(manager).get(URL, {"person": adviser.pk}))
    assert [e.content_type.model for e in by_adviser] == ["stagechange"]
    by_nobody = shown(client_for(manager).get(URL, {"person": "nobody"}))
    assert by_nobody
    assert {e.changed_by for e in by_nobody} == {None}


@pytest.mark.parametrize(
    ("kind", "model"),
    [
        (AuditKind.STAGES, "stagechange"),
        (AuditKind.ASSIGNMENTS, "adviserassignment"),
        (AuditKind.TIME, "timerecord"),
        (AuditKind.PARTNERS, "partner"),
        (AuditKind.FUNDING, "fundingbid"),
    ],
)
def test_filtering_by_kind(hendon, adviser, manager, kind, model):
    today = timezone.localdate()
    area_services.area_change_stage(area=hendon, stage=Stage.YEAR_ZERO, on=today, by=adviser)
    staff_services.time_record_add(
        person=adviser, area=hendon, date=today, hours=Decimal(2), kind="visit", by=adviser
    )
    referrals.partner_add(by=manager, name="Planning Aid", expertise=["planning"])
    area_services.funding_bid_save(
        area=hendon, by=adviser, stream="ukspf", amount_sought=Decimal(1000)
    )
    entries = shown(client_for(manager).get(URL, {"kind": kind}))
    assert entries
    models = {e.content_type.model for e in entries}
    assert model in models
    if kind != AuditKind.STAGES and kind != AuditKind.ASSIGNMENTS:
        assert models == {model}


def test_filtering_by_dates_takes_days_as_they_are_in_england(hendon, adviser, manager):
    support_request = SupportRequestFactory(area=hendon)
    old = AuditEntry.objects.get(support_request=support_request)
    # Half past midnight on 11 June in London: still 10 June in UTC.
    with audit_history_writable():
        AuditEntry.objects.filter(pk=old.pk).update(
            at=datetime.datetime(2025, 6, 11, 0, 30, tzinfo=ZoneInfo("Europe/London"))
        )
    client = client_for(manager)
    on_the_day = shown(client.get(URL, {"since": "2025-06-11", "until": "2025-06-11"}))
    assert on_the_day == [old]
    assert shown(client.get(URL, {"until": "2025-06-10"})) == []
    since_july = shown(client.get(URL, {"since": "2025-07-01"}))
    assert old not in since_july
    assert since_july


def test_bad_filters_say_what_is_wrong_keep_what_was_typed_and_show_nothing_unasked(
    hendon, manager
):
    SupportRequestFactory(area=hendon)
    response = client_for(manager).get(
        URL, {"since": "2026-05-02", "until": "2026-05-01", "kind": "stages", "area": "E05999999"}
    )
    assert response.status_code == 200
    text = response.text
    assert "There is a problem" in text
    assert "The last day cannot be before the first." in text
    assert "Choose one of the areas in the list." in text
    assert 'value="2026-05-02"' in text
    assert '<option value="stages" selected>' in text
    assert shown(response) == []
    assert "Correct the filters above" in text


def test_pages_keep_the_filters(hendon, adviser, manager):
    for _ in range(51):
        staff_services.time_record_add(
            person=adviser,
            area=hendon,
            date=timezone.localdate(),
            hours=Decimal("0.25"),
            kind="visit",
            by=adviser,
        )
    response = client_for(manager).get(URL, {"kind": "time"})
    assert response.context["page"].paginator.count == 51
    assert "?kind=time&amp;page=2" in response.text
    second = client_for(manager).get(URL, {"kind": "time", "page": 2})
    assert len(shown(second)) == 1


def test_a_regional_lead_sees_their_regions_area_records_and_no_one_elses(
    hendon, northwood, adviser, manager, regional_lead
):
    today = timezone.localdate()
    area_services.area_change_stage(area=hendon, stage=Stage.YEAR_ZERO, on=today, by=adviser)
    area_services.area_change_stage(area=northwood, stage=Stage.YEAR_ZERO, on=today, by=manager)
    referrals.partner_add(by=manager, name="Planning Aid", expertise=["planning"])
    client = client_for(regional_lead)
    entries = shown(client.get(URL))
    assert entries
    assert {e.area for e in entries} == {northwood}
    assert "Hendon" not in client.get(URL).text
    # Nor by asking for another region's area.
    refused = client.get(URL, {"area": hendon.ward_code})
    assert "Choose one of the areas in the list." in refused.text
    assert shown(refused) == []


@pytest.mark.parametrize("role", ["adviser", "community_worker", "evaluator", "administrator"])
def test_nobody_else_sees_the_audit_history(request, role):
    assert client_for(request.getfixturevalue(role)).get(URL).status_code == 403


def test_the_audit_page_query_count_stays_flat_as_every_kind_grows(
    hendon, adviser, outsider, manager, django_assert_max_num_queries
):
    client = client_for(manager)

    def load(**filters):
        with django_assert_max_num_queries(10):
            response = client.get(URL, filters)
        assert response.status_code == 200

    load()
    load(kind="time", person=adviser.pk, area=hendon.ward_code, since="2020-01-01")
    today = timezone.localdate()
    for n in range(10):
        support_request = SupportRequestFactory(area=hendon)
        casework_services.support_request_move(
            support_request=support_request, to_status="acknowledged", by=adviser
        )
        staff_services.time_record_add(
            person=adviser, area=hendon, date=today, hours=Decimal(1), kind="visit", by=adviser
        )
        area_services.local_contact_add(area=hendon, by=adviser, name=f"Jo {n}", kind="other")
        referrals.partner_add(by=manager, name=f"Partner {n}", expertise=["legal"])
    staff_services.area_assign_adviser(area=hendon, adviser=outsider, by=manager)
    load()
    load(kind="time", person=adviser.pk, area=hendon.ward_code, since="2020-01-01")
