"""hours_by_month: the same sums from a list of the areas' ids (its SQL
compiled once a process) as from a queryset of them."""

import datetime
from decimal import Decimal

import pytest

from advisers.delivery import hours_by_month
from advisers.models import TimeRecord
from areas.models import Area
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 18)
MONTHS = [datetime.date(2026, m, 1) for m in (8, 9, 10, 11)]


def test_a_list_of_ids_sums_as_the_queryset_does(adviser, community_worker):
    busy, quiet, other, left_out = (AreaFactory(name=n) for n in ("Busy", "Quiet", "Other", "Out"))
    for area in (busy, other, left_out):
        for person, day, hours in (
            (adviser, datetime.date(2026, 8, 3), "7.50"),
            (adviser, datetime.date(2026, 8, 31), "1.25"),
            (community_worker, datetime.date(2026, 10, 1), "3.00"),
            (adviser, datetime.date(2026, 11, 18), "2.00"),
            # After today, and before the first month: not counted.
            (adviser, datetime.date(2026, 11, 19), "4.00"),
            (community_worker, datetime.date(2026, 7, 31), "5.00"),
        ):
            TimeRecord.objects.create(
                person=person, role=person.role, area=area, date=day, hours=Decimal(hours)
            )
    asked = [busy, quiet, other]
    by_queryset = hours_by_month(
        areas=Area.objects.filter(pk__in=[a.pk for a in asked]), months=MONTHS, today=TODAY
    )
    for months in (MONTHS, MONTHS[2:]):
        assert hours_by_month(
            areas=[a.pk for a in asked], months=months, today=TODAY
        ) == hours_by_month(
            areas=Area.objects.filter(pk__in=[a.pk for a in asked]), months=months, today=TODAY
        )
    by_ids = hours_by_month(areas=[a.pk for a in asked], months=MONTHS, today=TODAY)
    assert by_ids == by_queryset
    assert by_ids[(busy.pk, "adviser")] == {
        MONTHS[0]: Decimal("8.75"),
        MONTHS[1]: None,
        MONTHS[2]: None,
        MONTHS[3]: Decimal("2.00"),
    }
    assert by_ids[(other.pk, "community_worker")][MONTHS[2]] == Decimal("3.00")
    assert not any(area_id == quiet.pk for area_id, _ in by_ids)
    assert hours_by_month(areas=[], months=MONTHS, today=TODAY) == {}
