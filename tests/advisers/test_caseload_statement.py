"""The caseload's query, compiled once a process with stand-ins and run with
each person's values, answers as the queryset it was compiled from would:
the same areas, figures and types, for each adviser and month."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from advisers import selectors, services
from advisers.models import TimeRecord
from casework.models import Interaction, SupportRequest
from nfc.periods import month_bounds
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory

pytestmark = pytest.mark.django_db

FIGURES = ("ward_code", "name", "assigned_on", "hours_this_month", "last_contact", "open_requests")


def _as_the_queryset_reads(person, month):
    start, end = month_bounds(month)
    return list(
        selectors._caseload_queryset(adviser_pk=person.pk, role=person.role, start=start, end=end)
    )


def _figures(areas):
    return [
        tuple((getattr(area, name), type(getattr(area, name))) for name in FIGURES)
        for area in areas
    ]


def test_the_statement_answers_as_its_queryset_for_each_adviser_and_month(adviser, outsider):
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=1)
    mine = [AreaFactory(name=name) for name in ("Vange", "Alton Park", "Pier")]
    theirs = AreaFactory(name="Hendon")
    for area in mine:
        services.area_assign_adviser(area=area, adviser=adviser, by=None)
    services.area_assign_adviser(area=theirs, adviser=outsider, by=None)
    worker = UserFactory(role="community_worker")
    for person, area, day, hours in [
        (adviser, mine[0], today, Decimal("7.5")),
        (adviser, mine[0], last_month, Decimal("3.25")),
        (worker, mine[0], today, Decimal("2")),
        (outsider, theirs, today, Decimal("1")),
    ]:
        TimeRecord.objects.create(person=person, role=person.role, area=area, date=day, hours=hours)
    Interaction.objects.create(area=mine[1], date=last_month, kind="call", logged_by=adviser)
    SupportRequestFactory(area=mine[1])
    SupportRequestFactory(area=mine[1])
    SupportRequestFactory(area=mine[2], status=SupportRequest.Status.CLOSED)
    for person in (adviser, outsider, UserFactory(role="adviser")):
        for month in (today, last_month):
            made = selectors.caseload(adviser=person, month=month)
            assert _figures(made) == _figures(_as_the_queryset_reads(person, month))
    [first, second, third] = selectors.caseload(adviser=adviser, month=today)
    assert (first.name, first.open_requests, first.last_contact) == ("Alton Park", 2, last_month)
    assert (second.name, second.hours_this_month, second.last_contact) == ("Pier", 0, None)
    assert (third.name, third.hours_this_month) == ("Vange", Decimal("7.50"))


def test_the_open_requests_are_counted_from_their_index_alone(adviser):
    """COUNT(*), not COUNT of the ids: PostgreSQL can answer it from the open
    requests' partial index without reading the table."""
    area = AreaFactory()
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    SupportRequestFactory(area=area)
    start, end = month_bounds(timezone.localdate())
    sql = str(
        selectors._caseload_queryset(
            adviser_pk=adviser.pk, role=adviser.role, start=start, end=end
        ).query
    )
    counted = sql[sql.index('FROM "casework_supportrequest"') - 40 :]
    assert "COUNT(*)" in counted
    [read] = selectors.caseload(adviser=adviser, month=timezone.localdate())
    assert read.open_requests == 1
