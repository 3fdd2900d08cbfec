"""The 2 + 2 days model: the days advisers and community workers give each
area, against the days promised, over any months.

Each area in the programme is promised NFC_ADVISER_DAYS_PER_AREA adviser
days and its community worker's agreed days (NFC_COMMUNITY_WORKER_DAYS_PER_AREA
by default) each month, from the day it joined. These selectors take a
queryset of areas and the months to count, never a person: the dashboard,
the evaluation reports and the API ask them for their own areas and periods.
"""

import datetime
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Generic, TypedDict, TypeVar

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from advisers.models import TimeRecord
from advisers.roles import Role
from advisers.selectors import hours_as_days
from areas.models import Area
from nfc.periods import add_months
from nfc.statements import STAND_IN_DAY, Statement, stand_in_ids

if TYPE_CHECKING:
    # django-stubs' type for a model with annotations; a dev dependency only.
    from django_stubs_ext import WithAnnotations  # for mypy only: not installed in production


class WorkerDays(TypedDict):
    """What area_deliveries needs annotated on each area: its community
    worker's agreed days a month (None for the default)."""

    worker_days: Decimal | None


# An area with at least ``worker_days``: the caller's own annotations (the
# dashboard's) come back on each AreaDelivery's ``area``.
AreaT = TypeVar("AreaT", bound="WithAnnotations[Area, WorkerDays]")


@functools.lru_cache
def _decimal(share: float) -> Decimal:
    """A share from the settings as a Decimal, made once for each value, not
    for each of the dashboard's hundreds of judgements a page."""
    return Decimal(str(share))


class Delivery:
    """How an area's days compare with the days promised."""

    ON_TRACK = "on_track"
    BEHIND = "behind"
    FAR_BEHIND = "far_behind"
    LABELS = {ON_TRACK: "On track", BEHIND: "Behind", FAR_BEHIND: "Far behind"}
    # Worst first: an area's status is its worse side's.
    ORDER = [FAR_BEHIND, BEHIND, ON_TRACK]

    @staticmethod
    def judge(given: Decimal, due: Decimal) -> str | None:
        """The status of ``given`` days against ``due``; None when nothing was due."""
        if due <= 0:
            return None
        share = given / due
        if share >= _decimal(settings.NFC_DELIVERY_ON_TRACK_SHARE):
            return Delivery.ON_TRACK
        if share >= _decimal(settings.NFC_DELIVERY_FAR_BEHIND_SHARE):
            return Delivery.BEHIND
        return Delivery.FAR_BEHIND

    @staticmethod
    def worse(*statuses: str | None) -> str | None:
        known = [s for s in statuses if s]
        return min(known, key=Delivery.ORDER.index) if known else None


@dataclass
class Side:
    """One side of an area's support (its adviser's, or its community
    worker's) over one period."""

    given: Decimal
    due: Decimal

    @property
    def status(self) -> str | None:
        return Delivery.judge(self.given, self.due)

    @property
    def status_label(self) -> str:
        return Delivery.LABELS.get(self.status or "", "")

    @property
    def missed(self) -> Decimal:
        return max(self.due - self.given, Decimal(0))


@dataclass
class MonthDelivery:
    adviser: Side
    worker: Side

    @property
    def status(self) -> str | None:
        return Delivery.worse(self.adviser.status, self.worker.status)

    @property
    def due(self) -> Decimal:
        return self.adviser.due + self.worker.due


@dataclass
class AreaDelivery(Generic[AreaT]):
    """An area's days, month by month and over each period asked for."""

    area: AreaT
    monthly: dict[datetime.date, MonthDelivery] = field(default_factory=dict)
    adviser: dict[str, Side] = field(default_factory=dict)
    worker: dict[str, Side] = field(default_factory=dict)
    # The early warning's score and its reasons, where a page shows them.
    risk: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def status(self, period: str) -> str | None:
        return Delivery.worse(self.adviser[period].status, self.worker[period].status)

    @property
    def statuses(self) -> dict[str, str | None]:
        return {period: self.status(period) for period in self.adviser}

    @property
    def sides(self) -> list[Side]:
        """The table's cells: the adviser's periods, then the community worker's."""
        return [*self.adviser.values(), *self.worker.values()]


def share_due(
    month: datetime.date, *, joined_on: datetime.date | None, today: datetime.date
) -> Decimal:
    """How much of ``month``'s promise was due: all of it for a month gone
    by, the days so far for this one, none before the area joined."""
    end = add_months(month, 1)
    start = max(month, joined_on) if joined_on else month
    until = min(end, today + datetime.timedelta(days=1))
    if until <= start:
        return Decimal(0)
    return Decimal((until - start).days) / Decimal((end - month).days)


def _hours_of(
    *,
    areas,
    starts: list[datetime.date],
    ends: list[datetime.date],
    until: datetime.date,
):
    """hours_by_month's rows: area id, role, then a sum for each month
    (from ``starts[n]`` to ``ends[n]``), time to ``until`` (not included)."""
    sums = {
        f"m{n}": Sum("hours", filter=Q(date__gte=start, date__lt=end))
        for n, (start, end) in enumerate(zip(starts, ends, strict=True))
    }
    return (
        TimeRecord.objects.filter(
            area__in=areas,
            date__gte=starts[0],
            date__lt=until,
            role__in=[Role.ADVISER, Role.COMMUNITY_WORKER],
        )
        .values("area_id", "role")
        .annotate(**sums)
        .order_by()
        .values_list("area_id", "role", *sums)
    )


# Compiled once a process for each number of areas and of months: the ORM
# took a millisecond or more a dashboard to build and compile the sums.
_HOURS_OF = Statement(
    lambda area_ids, **bounds: _hours_of(areas=area_ids, **bounds),
    stand_ins=lambda shape: {
        "area_ids": stand_in_ids(shape[0]),
        "starts": [STAND_IN_DAY + datetime.timedelta(days=n) for n in range(shape[1])],
        "ends": [STAND_IN_DAY + datetime.timedelta(days=100 + n) for n in range(shape[1])],
        "until": STAND_IN_DAY + datetime.timedelta(days=300),
    },
)


def hours_by_month(
    *,
    areas: QuerySet[Area] | Sequence[int],
    months: list[datetime.date],
    today: datetime.date,
) -> dict[tuple[int, str], dict[datetime.date, Decimal | None]]:
    """Hours given by month, area and side: {(area id, role): {month: hours}}.

    One query: a row per area and side, a sum per month, so a year of time
    comes back as a few hundred rows. Time counts under the role its giver
    had when they gave it (kept on each record), so a later change of role
    never moves past days from one side to the other. ``areas``: a queryset
    of them, or a list of their ids (then the SQL is compiled once a
    process)."""
    bounds: dict[str, Any] = {
        "starts": list(months),
        "ends": [add_months(month, 1) for month in months],
        "until": min(add_months(months[-1], 1), today + datetime.timedelta(days=1)),
    }
    rows: Iterable[tuple]
    if isinstance(areas, QuerySet):
        rows = _hours_of(areas=areas.values("pk"), **bounds)
    elif areas:
        area_ids = list(areas)
        rows = _HOURS_OF.rows((len(area_ids), len(months)), area_ids=area_ids, **bounds)
    else:
        rows = []
    return {(area_id, role): dict(zip(months, sums, strict=True)) for area_id, role, *sums in rows}


def area_deliveries(
    *,
    areas: list[AreaT],
    months: list[datetime.date],
    periods: dict[str, list[datetime.date]],
    today: datetime.date,
    hours: dict[tuple[int, str], dict[datetime.date, Decimal | None]],
) -> dict[int, AreaDelivery[AreaT]]:
    """Each area's days against the promise, for each of ``months`` and for
    each named period (a list of those months), from ``hours_by_month``.

    Each area needs ``worker_days``: its community worker's agreed days a
    month (None for the default)."""
    adviser_rate = Decimal(settings.NFC_ADVISER_DAYS_PER_AREA)
    default_worker_rate = settings.NFC_COMMUNITY_WORKER_DAYS_PER_AREA
    nothing: dict = {}
    deliveries = {}
    # Read once for the whole programme, not once for each area and month:
    # the days in hours, and the shares due (areas join in cohorts, so many
    # share a day).
    days_of: dict[Decimal | None, Decimal] = {}

    def days(hours: Decimal | None) -> Decimal:
        if hours not in days_of:
            days_of[hours] = hours_as_days(hours)
        return days_of[hours]

    # An area that joined before the first month owes each month whole, as
    # one whose joining day is not known: those share one set of shares.
    first = min(months, default=None)
    shares_from: dict[datetime.date | None, dict[datetime.date, Decimal]] = {}
    period_shares_from: dict[datetime.date | None, dict[str, Decimal]] = {}
    for area in areas:
        worker_rate = Decimal(area.worker_days or default_worker_rate)
        delivery = AreaDelivery(area=area)
        joined_on = area.joined_on if area.joined_on and first and area.joined_on > first else None
        if joined_on not in shares_from:
            shares_from[joined_on] = {
                month: share_due(month, joined_on=joined_on, today=today) for month in months
            }
            period_shares_from[joined_on] = {
                period: sum((shares_from[joined_on][m] for m in in_period), Decimal(0))
                for period, in_period in periods.items()
            }
        shares = shares_from[joined_on]
        period_shares = period_shares_from[joined_on]
        adviser_hours = hours.get((area.pk, Role.ADVISER), nothing)
        worker_hours = hours.get((area.pk, Role.COMMUNITY_WORKER), nothing)
        for month, share in shares.items():
            delivery.monthly[month] = MonthDelivery(
                adviser=Side(days(adviser_hours.get(month)), adviser_rate * share),
                worker=Side(days(worker_hours.get(month)), worker_rate * share),
            )
        for period, in_period in periods.items():
            share = period_shares[period]
            delivery.adviser[period] = Side(
                sum((delivery.monthly[m].adviser.given for m in in_period), Decimal(0)),
                adviser_rate * share,
            )
            delivery.worker[period] = Side(
                sum((delivery.monthly[m].worker.given for m in in_period), Decimal(0)),
                worker_rate * share,
            )
        deliveries[area.pk] = delivery
    return deliveries
