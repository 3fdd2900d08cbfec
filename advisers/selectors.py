"""Reads across staff, areas and time: caseloads and suggestions."""

import datetime
import functools
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf

from advisers.models import (
    ADVISER_CASELOAD_CAP,
    COMMUNITY_WORKER_AREA_CAP,
    AdviserAssignment,
    CommunityWorkerAllocation,
    TimeRecord,
    User,
)
from advisers.roles import Role
from areas.models import Area
from casework.models import Interaction, SupportRequest
from nfc.periods import month_bounds


def hours_as_days(hours) -> Decimal:
    """Hours of support as days of NFC_HOURS_PER_DAY, unrounded (for sums)."""
    return Decimal(hours or 0) / Decimal(str(settings.NFC_HOURS_PER_DAY))


def hours_to_days(hours: Decimal) -> Decimal:
    return hours_as_days(hours).quantize(Decimal("0.1"))


def _hours_given(person: User, month: datetime.date):
    """The hours ``person`` gave each area in ``month`` in their present
    role: what they gave in another role counts on that side, as on the
    dashboard."""
    return _hours_given_by(person.pk, person.role, *month_bounds(month))


def _hours_given_by(person_pk: int, role: str, start: datetime.date, end: datetime.date):
    given = (
        TimeRecord.objects.filter(
            area=OuterRef("pk"), person=person_pk, role=role, date__gte=start, date__lt=end
        )
        .order_by()
        .values("area")
        .annotate(hours=Sum("hours"))
        .values("hours")
    )
    return Coalesce(
        Subquery(given),
        Value(Decimal(0)),
        output_field=DecimalField(max_digits=8, decimal_places=2),
    )


# Before any day recorded: what an area with no time or interaction
# counts as, then reads as None.
_NO_DAY = datetime.date(1, 1, 1)


# The two figures below are the same for every adviser and month: each
# expression is made once a process (annotate copies it before resolving
# it, so the one kept is never changed), not rebuilt on every home page.
@functools.cache
def _last_contact():
    """The latest day anyone recorded time or logged an interaction there."""
    time = TimeRecord.objects.filter(area=OuterRef("pk")).order_by("-date").values("date")[:1]
    met = Interaction.objects.filter(area=OuterRef("pk")).order_by("-date").values("date")[:1]
    # Each missing one as the earliest day, so GREATEST has no NULL to
    # treat differently (PostgreSQL skips it, SQLite answers NULL): two
    # subqueries, not each written twice.
    no_day = Value(_NO_DAY, output_field=DateField())
    return NullIf(
        Greatest(Coalesce(Subquery(time), no_day), Coalesce(Subquery(met), no_day)),
        no_day,
        output_field=DateField(),
    )


@functools.cache
def _open_requests():
    counted = (
        SupportRequest.objects.open()
        .filter(area=OuterRef("pk"))
        .order_by()
        .values("area")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


# Each figure is a correlated subquery, not a join and GROUP BY: joined to
# an area's years of time records, PostgreSQL would group thousands of rows
# and run the other subqueries once for each of them.


# What the home page and its panels draw of each area of a caseload.
CASELOAD_FIELDS = ("ward_code", "name", "local_authority", "stage", "cohort", "joined_on")


def caseload(*, adviser: User, month: datetime.date) -> list[Area]:
    """The adviser's areas, each with the day it came to them
    (``assigned_on``), the hours they gave it in ``month``, the last day
    anyone recorded time there, and its open requests. One query, whatever
    the size."""
    sql, places = _caseload_statement(connection.vendor)
    start, end = month_bounds(month)
    given = {
        _ADVISER: adviser.pk,
        _ROLE: adviser.role,
        _START: connection.ops.adapt_datefield_value(start),
        _END: connection.ops.adapt_datefield_value(end),
    }
    areas = list(Area.objects.raw(sql, [given.get(place, place) for place in places]))
    # The figures as the queryset's own converters give them (SQLite hands
    # a subquery's day back as text).
    for area in areas:
        figures = vars(area)
        figures["assigned_on"] = _as_day(figures["assigned_on"])
        figures["last_contact"] = _as_day(figures["last_contact"])
        figures["hours_this_month"] = _as_hours(figures["hours_this_month"])
    return areas


def _caseload_queryset(*, adviser_pk: int, role: str, start: datetime.date, end: datetime.date):
    return (
        Area.objects.advised_by(adviser_pk)
        .only(*CASELOAD_FIELDS)
        .annotate(
            # The current assignment advised_by joined, not another join.
            assigned_on=F("adviser_assignments__started_on"),
            hours_this_month=_hours_given_by(adviser_pk, role, start, end),
            last_contact=_last_contact(),
            open_requests=_open_requests(),
        )
        .order_by("name")
    )


# Stand-ins for the caseload's four values: its query is built and compiled
# with these once a process (the ORM took 2 ms a home page over it, ten
# times what PostgreSQL takes to answer), then run with each person's own.
# None of them can be a real value or one of the query's constants.
_ADVISER = object()
_ROLE = object()
_START = object()
_END = object()
_STAND_IN_PK = -7_351_900_001
_STAND_IN_ROLE = "stand-in role for the caseload's statement"
_STAND_IN_START = datetime.date(2, 3, 1)
_STAND_IN_END = datetime.date(2, 4, 1)


@functools.cache
def _caseload_statement(vendor: str) -> tuple[str, list]:
    """The caseload's SQL for the database ``vendor``, and its parameters,
    each stand-in's replaced by the marker of the value that goes there."""
    sql, params = _caseload_queryset(
        adviser_pk=_STAND_IN_PK, role=_STAND_IN_ROLE, start=_STAND_IN_START, end=_STAND_IN_END
    ).query.sql_with_params()
    adapt = connection.ops.adapt_datefield_value
    markers = {
        _STAND_IN_PK: _ADVISER,
        _STAND_IN_ROLE: _ROLE,
        adapt(_STAND_IN_START): _START,
        adapt(_STAND_IN_END): _END,
    }
    places = [markers.get(param, param) for param in params]
    if {_ADVISER, _ROLE, _START, _END} - set(places):
        raise RuntimeError("a stand-in of the caseload's query is missing from its parameters")
    return sql, places


def _as_day(value) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _as_hours(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def community_worker_areas(*, worker: User, month: datetime.date) -> list[Area]:
    """The worker's areas, with their allocation and the hours given in ``month``."""
    allocation = CommunityWorkerAllocation.objects.current().filter(
        area=OuterRef("pk"), worker=worker
    )
    return list(
        Area.objects.worked_in_by(worker)
        .annotate(
            days_allocated=Subquery(allocation.values("days_per_month")[:1]),
            hours_this_month=_hours_given(worker, month),
        )
        .order_by("name")
    )


def adviser_suggestion(*, area: Area) -> User | None:
    """Who should be the area's adviser: someone already working in the same
    region, then someone with areas of the same type, then whoever has the
    most room; never an adviser whose caseload is full."""
    current = AdviserAssignment.objects.current()
    return (
        User.objects.filter(role=Role.ADVISER, is_active=True)
        .exclude(adviser_assignments__in=current.filter(area=area))
        .annotate(
            areas_held=Count(
                "adviser_assignments", filter=Q(adviser_assignments__ended_on__isnull=True)
            ),
            same_region=Exists(current.filter(adviser=OuterRef("pk"), area__region=area.region)),
            same_type=Exists(
                current.filter(adviser=OuterRef("pk"), area__types__in=area.types.all())
            ),
        )
        .filter(areas_held__lt=ADVISER_CASELOAD_CAP)
        .order_by("-same_region", "-same_type", "areas_held", "full_name")
        .first()
    )


def caseload_overview(*, region: str = "") -> dict[str, list[User]]:
    """Every active adviser and community worker with how many areas they
    hold now (and, for workers, the days a month those add up to): two
    queries, whatever the number of people or areas. For a ``region``: the
    people who hold areas there, with how many of those are there
    (``areas_here``) beside their whole caseload, which the caps apply to."""
    held = Q(adviser_assignments__ended_on__isnull=True)
    advisers = (
        User.objects.filter(role=Role.ADVISER, is_active=True)
        .annotate(
            areas_held=Count("adviser_assignments", filter=held),
            areas_here=Count(
                "adviser_assignments",
                filter=held & Q(adviser_assignments__area__region=region) if region else held,
            ),
        )
        .annotate(room=Value(ADVISER_CASELOAD_CAP) - F("areas_held"))
        .order_by("full_name")
    )
    allocated = Q(allocations__ended_on__isnull=True)
    workers = (
        User.objects.filter(role=Role.COMMUNITY_WORKER, is_active=True)
        .annotate(
            areas_held=Count("allocations", filter=allocated),
            areas_here=Count(
                "allocations",
                filter=allocated & Q(allocations__area__region=region) if region else allocated,
            ),
            days_a_month=Coalesce(
                Sum("allocations__days_per_month", filter=allocated),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=6, decimal_places=1),
            ),
        )
        .order_by("full_name")
    )
    if region:
        advisers = advisers.filter(areas_here__gt=0)
        workers = workers.filter(areas_here__gt=0)
    return {"advisers": list(advisers), "community_workers": list(workers)}


def staff_with_caseloads(*, region: str = ""):
    """The caseloads page's people as one list: every active adviser and
    community worker with the areas they hold now (``areas_held``, which
    the caps apply to), those of them in ``region`` (``areas_here``; all of
    them without one), the room left and, for workers, the days a month.
    For a ``region``, only those who hold areas there. Each figure is a
    subquery, so the cost is the same for 10 people or 100."""

    def counted(model, person: str, *, here: bool):
        rows = model.objects.current().filter(**{person: OuterRef("pk")})
        if here and region:
            rows = rows.filter(area__region=region)
        return Coalesce(
            Subquery(rows.order_by().values(person).annotate(n=Count("pk")).values("n")),
            Value(0),
        )

    days = (
        CommunityWorkerAllocation.objects.current()
        .filter(worker=OuterRef("pk"))
        .order_by()
        .values("worker")
        .annotate(days=Sum("days_per_month"))
        .values("days")
    )
    people = (
        User.objects.filter(role__in=[Role.ADVISER, Role.COMMUNITY_WORKER], is_active=True)
        .annotate(
            advising=counted(AdviserAssignment, "adviser", here=False),
            advising_here=counted(AdviserAssignment, "adviser", here=True),
            working=counted(CommunityWorkerAllocation, "worker", here=False),
            working_here=counted(CommunityWorkerAllocation, "worker", here=True),
            days_a_month=Coalesce(
                Subquery(days),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=6, decimal_places=1),
            ),
        )
        .annotate(
            areas_held=Case(When(role=Role.ADVISER, then=F("advising")), default=F("working")),
            areas_here=Case(
                When(role=Role.ADVISER, then=F("advising_here")), default=F("working_here")
            ),
            cap=Case(
                When(role=Role.ADVISER, then=Value(ADVISER_CASELOAD_CAP)),
                default=Value(COMMUNITY_WORKER_AREA_CAP),
            ),
        )
        .annotate(room=F("cap") - F("areas_held"))
        .order_by("full_name", "pk")
    )
    return people.filter(areas_here__gt=0) if region else people
