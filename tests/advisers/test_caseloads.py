"""The caps (10 areas an adviser, 5 a community worker), history, suggestions and time."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from advisers import selectors, services
from advisers.models import AdviserAssignment, CommunityWorkerAllocation, Role, TimeRecord
from areas.models import AreaType, Region, Stage
from areas.services import area_change_stage
from casework.models import Interaction
from tests.factories import AreaFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def give_areas(adviser, count, **area_fields):
    areas = [AreaFactory(**area_fields) for _ in range(count)]
    for area in areas:
        services.area_assign_adviser(area=area, adviser=adviser, by=None)
    return areas


def test_an_adviser_cannot_take_an_eleventh_area(adviser):
    areas = give_areas(adviser, 10)
    eleventh = AreaFactory(name="Eleventh Estate")
    with pytest.raises(ValidationError) as refused:
        services.area_assign_adviser(area=eleventh, adviser=adviser, by=None)
    message = refused.value.messages[0]
    assert "Asha Adviser already has 10 areas" in message
    assert areas[0].name in message
    assert not AdviserAssignment.objects.filter(area=eleventh).exists()


def test_the_database_refuses_an_eleventh_place_or_a_shared_one(adviser):
    give_areas(adviser, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdviserAssignment.objects.create(
            area=AreaFactory(), adviser=adviser, slot=11, started_on=timezone.localdate()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        AdviserAssignment.objects.create(
            area=AreaFactory(), adviser=adviser, slot=1, started_on=timezone.localdate()
        )


def test_the_database_refuses_two_named_advisers_for_one_area(adviser, outsider):
    [area] = give_areas(adviser, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AdviserAssignment.objects.create(
            area=area, adviser=outsider, slot=1, started_on=timezone.localdate()
        )


def test_a_reassignment_keeps_the_history_and_frees_the_place(adviser, outsider, manager):
    [area] = give_areas(adviser, 1)
    on = timezone.localdate()
    services.area_assign_adviser(
        area=area, adviser=outsider, by=manager, reason="Balancing caseloads", on=on
    )
    earlier, current = area.adviser_assignments.order_by("pk")
    assert (earlier.adviser, earlier.ended_on) == (adviser, on)
    assert (current.adviser, current.started_on, current.reason, current.assigned_by) == (
        outsider,
        on,
        "Balancing caseloads",
        manager,
    )
    # The freed place can be used again.
    give_areas(adviser, 10)


def test_naming_the_same_adviser_again_is_refused(adviser):
    [area] = give_areas(adviser, 1)
    with pytest.raises(ValidationError, match="already the named adviser"):
        services.area_assign_adviser(area=area, adviser=adviser, by=None)


def test_only_an_active_adviser_can_be_named(community_worker, adviser):
    with pytest.raises(ValidationError, match="not an active adviser"):
        services.area_assign_adviser(area=AreaFactory(), adviser=community_worker, by=None)
    adviser.is_active = False
    adviser.save()
    with pytest.raises(ValidationError, match="not an active adviser"):
        services.area_assign_adviser(area=AreaFactory(), adviser=adviser, by=None)


def test_a_community_worker_has_at_most_5_areas_at_2_days_each_by_default(community_worker):
    for _ in range(5):
        allocation = services.area_allocate_community_worker(
            area=AreaFactory(), worker=community_worker, by=None
        )
        assert allocation.days_per_month == 2
    with pytest.raises(ValidationError, match=f"{community_worker} already works in 5 areas"):
        services.area_allocate_community_worker(
            area=AreaFactory(), worker=community_worker, by=None
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityWorkerAllocation.objects.create(
            area=AreaFactory(), worker=community_worker, slot=6, started_on=timezone.localdate()
        )


def test_a_community_workers_days_in_an_area_can_differ(community_worker):
    area = AreaFactory()
    services.area_allocate_community_worker(area=area, worker=community_worker, by=None)
    changed = services.area_allocate_community_worker(
        area=area, worker=community_worker, by=None, days_per_month=Decimal("3.5")
    )
    assert changed.days_per_month == Decimal("3.5")
    # The earlier agreement stays in the history.
    assert CommunityWorkerAllocation.objects.current().get(area=area) == changed
    assert CommunityWorkerAllocation.objects.filter(area=area).count() == 2


def test_an_area_that_leaves_gives_up_its_places(adviser, community_worker):
    area = AreaFactory(programme=Stage.DELIVERING)
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    services.area_allocate_community_worker(area=area, worker=community_worker, by=None)
    area_change_stage(area=area, stage=Stage.LEFT, on=timezone.localdate())
    assert not AdviserAssignment.objects.current().filter(area=area).exists()
    assert not CommunityWorkerAllocation.objects.current().filter(area=area).exists()


def test_the_suggested_adviser_works_in_the_same_region_first():
    north = UserFactory(role=Role.ADVISER, full_name="Nell North")
    south = UserFactory(role=Role.ADVISER, full_name="Sam South")
    give_areas(north, 8, region=Region.NORTH_EAST)
    give_areas(south, 1, region=Region.SOUTH_WEST)
    assert selectors.adviser_suggestion(area=AreaFactory(region=Region.NORTH_EAST)) == north
    assert selectors.adviser_suggestion(area=AreaFactory(region=Region.SOUTH_WEST)) == south


def test_the_suggestion_then_follows_the_kind_of_area_then_spare_room():
    coastal = AreaType.objects.get(slug="coastal")
    seaside = UserFactory(role=Role.ADVISER, full_name="Sid Seaside")
    roomy = UserFactory(role=Role.ADVISER, full_name="Rae Roomy")
    for area in give_areas(seaside, 5, region=Region.NORTH_WEST):
        area.types.add(coastal)
    give_areas(roomy, 2, region=Region.NORTH_WEST)
    new_coastal = AreaFactory(region=Region.EAST)
    new_coastal.types.add(coastal)
    assert selectors.adviser_suggestion(area=new_coastal) == seaside
    assert selectors.adviser_suggestion(area=AreaFactory(region=Region.EAST)) == roomy


def test_the_suggestion_never_breaks_the_cap(adviser):
    give_areas(adviser, 10, region=Region.NORTH_EAST)
    assert selectors.adviser_suggestion(area=AreaFactory(region=Region.NORTH_EAST)) is None


def test_people_record_time_for_their_own_areas_only(adviser, outsider, manager):
    [area] = give_areas(adviser, 1)
    today = timezone.localdate()
    record = services.time_record_add(
        person=adviser,
        area=area,
        date=today,
        hours=Decimal("7.5"),
        kind=TimeRecord.Kind.VISIT,
        by=adviser,
    )
    assert record.recorded_by == adviser
    with pytest.raises(ValidationError, match="were not working in"):
        services.time_record_add(
            person=outsider, area=area, date=today, hours=Decimal(2), kind="call", by=outsider
        )
    corrected = services.time_record_add(
        person=adviser,
        area=area,
        date=today,
        hours=Decimal(1),
        kind="call",
        by=manager,
        note="Missed call log",
    )
    assert corrected.recorded_by == manager
    assert TimeRecord.objects.count() == 2


@pytest.mark.parametrize(
    ("days_ahead", "hours", "message"),
    [(1, Decimal(2), "future"), (0, Decimal(25), "24 hours"), (0, Decimal(0), "24 hours")],
)
def test_time_outside_sense_is_refused(adviser, days_ahead, hours, message):
    [area] = give_areas(adviser, 1)
    with pytest.raises(ValidationError, match=message):
        services.time_record_add(
            person=adviser,
            area=area,
            date=timezone.localdate() + datetime.timedelta(days=days_ahead),
            hours=hours,
            kind="visit",
            by=adviser,
        )
    assert not TimeRecord.objects.exists()


def test_the_caseload_counts_this_months_days_and_the_last_contact(adviser, community_worker):
    first, second = give_areas(adviser, 2)
    services.area_allocate_community_worker(area=first, worker=community_worker, by=None)
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    for date, hours, person in [
        (today, Decimal("7.5"), adviser),
        (today, Decimal("3.75"), adviser),
        (last_month, Decimal("7.5"), adviser),
        (today, Decimal("7.5"), community_worker),
    ]:
        TimeRecord.objects.create(
            person=person, role=person.role, area=first, date=date, hours=hours
        )
    rows = {area.pk: area for area in selectors.caseload(adviser=adviser, month=today)}
    assert rows[first.pk].hours_this_month == Decimal("11.25")
    assert selectors.hours_to_days(rows[first.pk].hours_this_month) == Decimal("1.5")
    assert rows[first.pk].last_contact == today
    assert rows[second.pk].hours_this_month == 0
    assert rows[second.pk].last_contact is None


def test_time_cannot_be_recorded_for_a_day_before_the_person_worked_there(adviser):
    [area] = give_areas(adviser, 1)
    before = AdviserAssignment.objects.get(area=area).started_on - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="were not working in"):
        services.time_record_add(
            person=adviser, area=area, date=before, hours=Decimal(2), kind="visit", by=adviser
        )


def test_the_previous_adviser_may_still_record_the_days_they_worked(adviser, outsider):
    [area] = give_areas(adviser, 1)
    AdviserAssignment.objects.filter(area=area).update(started_on=datetime.date(2026, 1, 1))
    services.area_assign_adviser(area=area, adviser=outsider, by=None, on=datetime.date(2026, 6, 1))
    services.time_record_add(
        person=adviser,
        area=area,
        date=datetime.date(2026, 5, 20),
        hours=Decimal(2),
        kind="visit",
        by=adviser,
    )
    with pytest.raises(ValidationError, match="were not working in"):
        services.time_record_add(
            person=adviser,
            area=area,
            date=datetime.date(2026, 6, 2),
            hours=Decimal(2),
            kind="visit",
            by=adviser,
        )


def test_a_manager_records_no_time_of_their_own_in_areas(manager):
    area = AreaFactory()
    with pytest.raises(ValidationError, match="were not working in"):
        services.time_record_add(
            person=manager,
            area=area,
            date=timezone.localdate(),
            hours=Decimal(2),
            kind="visit",
            by=manager,
        )


@pytest.mark.parametrize("days", [-400, 1])
def test_an_assignment_cannot_start_before_the_present_one_or_in_the_future(
    adviser, outsider, days
):
    [area] = give_areas(adviser, 1)
    with pytest.raises(ValidationError, match="start date cannot be"):
        services.area_assign_adviser(
            area=area,
            adviser=outsider,
            by=None,
            on=timezone.localdate() + datetime.timedelta(days=days),
        )
    assert AdviserAssignment.objects.current().get(area=area).adviser == adviser


def test_leaving_cannot_be_dated_before_the_present_assignment(adviser):
    area = AreaFactory(programme=Stage.DELIVERING)
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    with pytest.raises(ValidationError, match="cannot be before"):
        area_change_stage(area=area, stage=Stage.LEFT, on=datetime.date(2026, 6, 2))
    area.refresh_from_db()
    assert area.stage == Stage.DELIVERING
    assert AdviserAssignment.objects.current().filter(area=area).exists()


def test_closing_an_account_or_changing_its_role_frees_its_areas(adviser, community_worker):
    give_areas(adviser, 3)
    services.area_allocate_community_worker(area=AreaFactory(), worker=community_worker, by=None)
    adviser.is_active = False
    assert services.staff_account_save(user=adviser, changed=["is_active"]) == 3
    community_worker.role = Role.ADVISER
    assert services.staff_account_save(user=community_worker, changed=["role"]) == 1
    assert not AdviserAssignment.objects.current().exists()
    assert not CommunityWorkerAllocation.objects.current().exists()


def test_a_name_change_keeps_the_areas(adviser):
    give_areas(adviser, 2)
    adviser.full_name = "Asha Adviser-Smith"
    assert services.staff_account_save(user=adviser, changed=["full_name"]) == 0
    assert AdviserAssignment.objects.current().filter(adviser=adviser).count() == 2


def test_the_caseloads_page_shows_who_has_room_and_what_waits(
    client, manager, adviser, community_worker
):
    give_areas(adviser, 7)
    services.area_allocate_community_worker(
        area=AreaFactory(), worker=community_worker, by=None, days_per_month=Decimal("3")
    )
    AreaFactory(name="Waiting Ward")
    client.force_login(manager)
    page = client.get("/staff/caseloads/").text
    assert "7 of 10" in page
    assert "3 more" in page
    assert "1 of 5" in page
    # Two areas have no adviser: the worker's, and the waiting one.
    assert "2 areas in the programme have no named adviser" in page


def test_the_caseloads_page_query_count_stays_flat(client, manager, django_assert_max_num_queries):
    client.force_login(manager)

    def load():
        with django_assert_max_num_queries(10):
            assert client.get("/staff/caseloads/").status_code == 200

    load()
    for _ in range(5):
        give_areas(UserFactory(role=Role.ADVISER), 3)
    load()


def test_the_last_contact_is_the_latest_time_or_interaction(adviser):
    only_met, both, only_time = give_areas(adviser, 3)
    today = timezone.localdate()
    week_ago = today - datetime.timedelta(days=7)
    Interaction.objects.create(area=only_met, date=week_ago, kind="meeting", logged_by=adviser)
    Interaction.objects.create(area=both, date=today, kind="call", logged_by=adviser)
    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=both, date=week_ago, hours=Decimal("2")
    )
    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=only_time, date=week_ago, hours=Decimal("2")
    )
    rows = {area.pk: area for area in selectors.caseload(adviser=adviser, month=today)}
    assert rows[only_met.pk].last_contact == week_ago
    assert rows[both.pk].last_contact == today
    assert rows[only_time.pk].last_contact == week_ago


def test_the_caseload_table_shows_what_was_typed_as_text(adviser):
    # The table's rows are written in Python: every value escaped.
    [area] = give_areas(adviser, 1, name="<b>Hendon</b>", local_authority="Sunderland & Co")

    page = client_for(adviser).get("/staff/").text

    assert '&lt;b&gt;Hendon&lt;/b&gt;</a><br><span class="muted">Sunderland &amp; Co</span>' in page
    assert "<b>Hendon</b>" not in page
    assert f"<td>{area.get_stage_display()}</td>" in page
