"""Rules that a view and a template (or a view and a service) once decided
each in their own way, now decided by one helper that both use."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisers import services as staff_services
from advisers.models import TimeRecord
from areas.models import Region, Stage
from areas.services import area_change_stage
from casework import referrals, services
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def workers_action(hendon, community_worker):
    return services.action_add(
        area=hendon,
        owner=community_worker,
        by=community_worker,
        description="Book the hall",
        due_on=timezone.localdate(),
    )


def _offers_mark_done(client, area) -> bool:
    return "Mark done<span" in client.get(f"/staff/areas/{area.ward_code}/").content.decode()


def test_a_manager_is_offered_mark_done_on_anyones_action_and_may_use_it(
    hendon, workers_action, manager
):
    client = client_for(manager)
    assert _offers_mark_done(client, hendon)
    assert client.post(f"/staff/casework/actions/{workers_action.pk}/done/").status_code == 302
    workers_action.refresh_from_db()
    assert workers_action.done_at is not None


@pytest.fixture
def advisers_action(hendon, adviser):
    return services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        description="Ring the council",
        due_on=timezone.localdate(),
    )


def test_a_community_worker_is_not_offered_a_colleagues_action_nor_may_close_it(
    hendon, advisers_action, community_worker
):
    client = client_for(community_worker)
    assert not _offers_mark_done(client, hendon)
    assert client.post(f"/staff/casework/actions/{advisers_action.pk}/done/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.action_done(action=advisers_action, by=community_worker)
    advisers_action.refresh_from_db()
    assert advisers_action.done_at is None


def test_the_adviser_who_holds_the_area_is_offered_a_colleagues_action_and_may_close_it(
    hendon, workers_action, adviser
):
    # Issue 10, item 3: an action follows its area, not the person.
    client = client_for(adviser)
    assert _offers_mark_done(client, hendon)
    assert client.post(f"/staff/casework/actions/{workers_action.pk}/done/").status_code == 302


def test_a_regional_lead_may_not_close_an_action_outside_their_region(
    hendon, workers_action, manager
):
    manager.region = Region.LONDON
    manager.save()
    with pytest.raises(PermissionDenied):
        services.action_done(action=workers_action, by=manager)


def _time(area, person) -> TimeRecord:
    return staff_services.time_record_add(
        person=person,
        area=area,
        date=timezone.localdate(),
        hours=Decimal("2"),
        kind=TimeRecord.Kind.VISIT,
        by=person,
    )


def test_remove_is_offered_exactly_where_it_works(hendon, adviser, community_worker, manager):
    own = _time(hendon, adviser)
    colleagues = _time(hendon, community_worker)
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/time/").content.decode()
    assert f"/staff/time/{own.pk}/remove/" in page
    assert f"/staff/time/{colleagues.pk}/remove/" not in page
    with pytest.raises(PermissionDenied):
        staff_services.time_record_remove(record=colleagues, by=adviser)
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/time/").content.decode()
    assert f"/staff/time/{colleagues.pk}/remove/" in page


def test_only_a_manager_takes_an_area_out_of_the_programme_whoever_calls(hendon, adviser, manager):
    with pytest.raises(PermissionDenied):
        area_change_stage(area=hendon, stage=Stage.LEAVING, on=timezone.localdate(), by=adviser)
    area_change_stage(area=hendon, stage=Stage.LEAVING, on=timezone.localdate(), by=manager)
    hendon.refresh_from_db()
    assert hendon.stage == Stage.LEAVING


def test_only_managers_add_or_change_partners(adviser, manager):
    with pytest.raises(PermissionDenied):
        referrals.partner_add(by=adviser, name="Planning Aid", expertise=["planning"])
    partner = referrals.partner_add(by=manager, name="Planning Aid", expertise=["planning"])
    with pytest.raises(PermissionDenied):
        referrals.partner_change(partner=partner, by=adviser, name="Renamed")


def test_an_adviser_may_not_bring_an_area_back_from_leaving(hendon, adviser, manager):
    area_change_stage(area=hendon, stage=Stage.LEAVING, on=timezone.localdate(), by=manager)
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/").content.decode()
    assert "Move to another stage" not in page
    response = client_for(adviser).post(
        f"/staff/areas/{hendon.ward_code}/stage/",
        {"stage": Stage.DELIVERING, "on": timezone.localdate()},
    )
    assert response.status_code == 200
    with pytest.raises(PermissionDenied):
        area_change_stage(area=hendon, stage=Stage.DELIVERING, on=timezone.localdate(), by=adviser)
    hendon.refresh_from_db()
    assert hendon.stage == Stage.LEAVING
    assert (
        "Move to another stage"
        in client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").content.decode()
    )


def test_the_second_person_to_mark_an_action_done_is_told_it_already_was(
    hendon, workers_action, community_worker, manager
):
    late = client_for(manager)
    client_for(community_worker).post(f"/staff/casework/actions/{workers_action.pk}/done/")
    response = late.post(f"/staff/casework/actions/{workers_action.pk}/done/", follow=True)
    assert "Book the hall was already marked done." in response.content.decode()
    assert services.action_done(action=workers_action, by=manager) is False


def test_a_managers_pages_stay_flat_however_many_colleagues_records_they_may_close(
    hendon, community_worker, manager
):
    # The filters that decide "Mark done" and "Remove" read each record's
    # area: it must come with the list, not a query per row.
    client = client_for(manager)

    def queries_for(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    request = SupportRequestFactory(area=hendon)

    def add_records():
        services.action_add(
            area=hendon,
            owner=community_worker,
            by=community_worker,
            support_request=request,
            description="Book the hall",
            due_on=timezone.localdate(),
        )
        _time(hendon, community_worker)

    add_records()
    pages = [
        f"/staff/areas/{hendon.ward_code}/",
        f"/staff/areas/{hendon.ward_code}/time/",
        f"/staff/casework/requests/{request.reference}/",
        f"/staff/casework/actions/?owner={community_worker.pk}",
    ]
    [queries_for(url) for url in pages]  # the first views fill the session's caches
    before = [queries_for(url) for url in pages]
    for _ in range(5):
        add_records()
    assert [queries_for(url) for url in pages] == before
