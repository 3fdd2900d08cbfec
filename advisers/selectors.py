"""Reads across staff, areas and time: caseloads and suggestions."""

import datetime
import functools
from decimal import Decimal

from django.conf import settings
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
from nfc.statements import STAND_IN_DAY, STAND_IN_ID, Statement, stand_in_text


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
    # COUNT(*), not of the ids: PostgreSQL counts from the open requests'
    # partial index alone (support_request_open_area_idx), with no visit to
    # the table for each request's id (a third of the buffers the caseload
    # read).
    counted = (
        SupportRequest.objects.open()
        .filter(area=OuterRef("pk"))
        .order_by()
        .values("area")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted), Value(0))


# Each figure is a correlated subquery, not a join and GROUP BY: joined to
# an area's years of time records, PostgreSQL would group thousands of rows
# and run the other subqueries once for each of them.


# What the home page and its panels draw of each area of a caseload.
CASELOAD_FIELDS = ("ward_code", "name", "local_authority", "stage", "cohort", "joined_on")


# The caseload's figures, after the area's own fields in each row.
CASELOAD_FIGURES = ("assigned_on", "hours_this_month", "last_contact", "open_requests")
# The area's fields the query reads, in the model's own order of fields, as
# Model.from_db takes them.
_CASELOAD_AREA_FIELDS = tuple(
    field.attname
    for field in Area._meta.concrete_fields
    if field.attname == "id" or field.attname in CASELOAD_FIELDS
)


def caseload(*, adviser: User, month: datetime.date) -> list[Area]:
    """The adviser's areas, each with the day it came to them
    (``assigned_on``), the hours they gave it in ``month``, the last day
    anyone recorded time there, and its open requests. One query, whatever
    the size."""
    start, end = month_bounds(month)
    split = len(_CASELOAD_AREA_FIELDS)
    areas = []
    for row in _CASELOAD.rows(None, adviser_pk=adviser.pk, role=adviser.role, start=start, end=end):
        area = Area.from_db("default", _CASELOAD_AREA_FIELDS, row[:split])
        vars(area).update(zip(CASELOAD_FIGURES, row[split:], strict=True))
        areas.append(area)
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


def _caseload_rows(*, adviser_pk: int, role: str, start: datetime.date, end: datetime.date):
    return _caseload_queryset(adviser_pk=adviser_pk, role=role, start=start, end=end).values_list(
        *_CASELOAD_AREA_FIELDS, *CASELOAD_FIGURES
    )


# Compiled once a process: the ORM took 2 ms a home page over it, ten times
# what PostgreSQL takes to answer, and reading it as a raw queryset another
# 0.3 ms. The rows come through the queryset's own converters (SQLite hands
# a subquery's day back as text).
_CASELOAD = Statement(
    _caseload_rows,
    stand_ins=lambda shape: {
        "adviser_pk": STAND_IN_ID,
        "role": stand_in_text("role"),
        "start": STAND_IN_DAY,
        "end": STAND_IN_DAY + datetime.timedelta(days=31),
    },
)


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
