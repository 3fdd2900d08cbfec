"""Time counts under the role its giver had when they gave it: a later change
of role never moves past days to the other side of the 2 + 2 model."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from advisers import selectors, services
from advisers.models import Role, TimeRecord
from evaluation.dashboard import dashboard
from nfc.periods import add_months
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

DAY = Decimal("7.5")


def three_months_before_this_one() -> list[datetime.date]:
    this_month = timezone.localdate().replace(day=1)
    return [add_months(this_month, n).replace(day=15) for n in (-3, -2, -1)]


@pytest.fixture
def worked_as_a_community_worker(community_worker):
    """An area where Callum, a community worker, gave 2 days in each of the
    three months before this one."""
    months = three_months_before_this_one()
    area = AreaFactory(programme=True)
    services.area_allocate_community_worker(
        area=area, worker=community_worker, by=None, on=months[0].replace(day=1)
    )
    for day in months:
        services.time_record_add(
            person=community_worker,
            area=area,
            date=day,
            hours=2 * DAY,
            kind="visit",
            by=community_worker,
        )
    return area


def sides(area, manager):
    """The area's days on each side for the last quarter and each month."""
    delivery = next(d for d in dashboard(user=manager).deliveries if d.area.pk == area.pk)
    return {
        "adviser": delivery.adviser["quarter"].given,
        "worker": delivery.worker["quarter"].given,
        "status": delivery.status("quarter"),
        "months": {
            month: (monthly.adviser.given, monthly.worker.given)
            for month, monthly in delivery.monthly.items()
        },
    }


def test_each_record_keeps_the_role_it_was_given_in(worked_as_a_community_worker):
    records = TimeRecord.objects.filter(area=worked_as_a_community_worker)
    assert {record.role for record in records} == {Role.COMMUNITY_WORKER}


def test_a_new_role_leaves_the_past_days_on_the_side_they_were_given(
    worked_as_a_community_worker, community_worker, manager
):
    area = worked_as_a_community_worker
    before = sides(area, manager)
    assert (before["adviser"], before["worker"]) == (0, 6)

    community_worker.role = Role.ADVISER
    services.staff_account_save(user=community_worker, changed=["role"])

    assert sides(area, manager) == before


def test_a_new_role_on_the_admin_site_leaves_the_past_days_where_they_were(
    worked_as_a_community_worker, community_worker, manager, admin_client_for
):
    area = worked_as_a_community_worker
    before = sides(area, manager)
    response = admin_client_for.post(
        f"/admin/advisers/user/{community_worker.pk}/change/",
        {
            "full_name": community_worker.full_name,
            "email": community_worker.email,
            "role": Role.ADVISER,
            "region": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    page = admin_client_for.get(response.url).text
    assert (
        "The time Callum Worker recorded so far still counts under the role they had when "
        "they gave it; from now on it counts under their new role, adviser."
    ) in page
    community_worker.refresh_from_db()
    assert community_worker.role == Role.ADVISER
    assert sides(area, manager) == before


def test_time_given_in_the_new_role_counts_on_the_new_side(
    worked_as_a_community_worker, community_worker, manager
):
    area = worked_as_a_community_worker
    before = sides(area, manager)
    community_worker.role = Role.ADVISER
    services.staff_account_save(user=community_worker, changed=["role"])
    services.area_assign_adviser(area=area, adviser=community_worker, by=manager)
    today = timezone.localdate()
    services.time_record_add(
        person=community_worker,
        area=area,
        date=today,
        hours=DAY,
        kind="meeting",
        by=community_worker,
    )
    after = sides(area, manager)
    this_month = today.replace(day=1)
    assert after["months"][this_month] == (1, 0)
    # The months already reported have not moved.
    assert {m: v for m, v in after["months"].items() if m != this_month} == {
        m: v for m, v in before["months"].items() if m != this_month
    }
    # Their own caseload counts their adviser days only.
    [row] = selectors.caseload(adviser=community_worker, month=today)
    assert row.hours_this_month == DAY


def test_time_a_manager_records_for_a_day_before_the_change_counts_under_the_old_role(
    worked_as_a_community_worker, community_worker, manager
):
    area = worked_as_a_community_worker
    community_worker.role = Role.ADVISER
    services.staff_account_save(user=community_worker, changed=["role"])
    day = three_months_before_this_one()[1].replace(day=20)
    record = services.time_record_add(
        person=community_worker, area=area, date=day, hours=DAY, kind="call", by=manager
    )
    assert record.role == Role.COMMUNITY_WORKER


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_todays_records_the_role_they_were_given_in():
    """Records from before the role was kept: the place the person held in the
    area that day tells the role; with none, their role now."""
    executor = MigrationExecutor(connection)
    before = [("advisers", "0006_dashboard_indexes")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    User = old.get_model("advisers", "User")
    Area = old.get_model("areas", "Area")
    Assignment = old.get_model("advisers", "AdviserAssignment")
    Allocation = old.get_model("advisers", "CommunityWorkerAllocation")
    OldTimeRecord = old.get_model("advisers", "TimeRecord")

    area = Area.objects.create(
        ward_code="E05999001", name="Old Estate", local_authority="Sunderland", region="north_east"
    )
    elsewhere = Area.objects.create(
        ward_code="E05999002", name="Elsewhere", local_authority="Sunderland", region="north_east"
    )
    # A community worker until 1 June, an adviser since (in the same area).
    changed = User.objects.create(email="cal@example.org", full_name="Cal", role=Role.ADVISER)
    adviser = User.objects.create(email="ash@example.org", full_name="Ash", role=Role.ADVISER)
    june = datetime.date(2026, 6, 1)
    Allocation.objects.create(
        area=area, worker=changed, slot=1, started_on=datetime.date(2026, 1, 1), ended_on=june
    )
    Assignment.objects.create(area=area, adviser=changed, slot=1, started_on=june)

    def record(person, on, where=area):
        return OldTimeRecord.objects.create(person=person, area=where, date=on, hours=2).pk

    as_worker = record(changed, datetime.date(2026, 3, 10))
    change_day = record(changed, june)
    as_adviser = record(changed, datetime.date(2026, 7, 10))
    nowhere = record(changed, datetime.date(2026, 7, 10), where=elsewhere)
    plain = record(adviser, datetime.date(2026, 7, 10))

    call_command("migrate", verbosity=0)

    roles = dict(TimeRecord.objects.values_list("pk", "role"))
    assert roles == {
        as_worker: Role.COMMUNITY_WORKER,
        change_day: Role.ADVISER,
        as_adviser: Role.ADVISER,
        nowhere: Role.ADVISER,
        plain: Role.ADVISER,
    }


def test_the_database_refuses_a_record_without_a_role(hendon, adviser):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeRecord.objects.create(person=adviser, area=hendon, date=timezone.localdate(), hours=1)
