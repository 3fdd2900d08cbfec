"""The dashboard: how the programme is doing, for the people who run it.

One scope (a manager's programme, a regional lead's or a chosen region, an
adviser's caseload) feeds every figure. The figures themselves belong to
the apps that own them and take explicit periods (advisers.delivery for the
2 + 2 days, casework.selectors for requests and actions, areas.selectors for
funding); this module chooses the periods, composes them, and adds the
early-warning score. Each figure is a database aggregate, so the page runs
the same number of queries whatever the size of the data.
"""

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.db import connection
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from advisers.delivery import AreaDelivery, Delivery, area_deliveries, hours_by_month
from advisers.models import ADVISER_CASELOAD_CAP, COMMUNITY_WORKER_AREA_CAP, User
from advisers.permissions import has_perm
from advisers.roles import Role
from advisers.selectors import caseload_overview
from areas.models import Area
from areas.selectors import filter_areas, funding_query, funding_streams
from casework.models import (
    REQUEST_AGES,
    Referral,
    SupportRequest,
    Topic,
    first_contact_deadline,
)
from casework.scheduled import JobState, job_states
from casework.selectors import (
    RESPONSE_MOMENTS,
    AgeRow,
    age_rows,
    open_requests_query,
    overdue_actions_query,
    overdue_by_area,
    owners_overdue,
    requests_by_month,
    response_figures,
    response_times_of,
    response_times_query,
    turned_away_of,
    turned_away_query,
)
from evaluation.models import OutcomeRecord
from evaluation.outcomes import (
    OutcomeCounts,
    outcome_count_quarters,
    outcome_counts,
    outcome_counts_of,
)
from events.models import Connection, Event, Registration
from events.selectors_network import (
    ConnectionsMade,
    RegionAttendance,
    attendance_query,
    came_to_an_event_since,
    connected_in,
    connections_counted,
    connections_query,
    last_twelve_months,
    region_attendance,
    upcoming_of,
    upcoming_query,
)
from nfc.periods import Period, add_months, start_of_day
from nfc.statements import STAND_IN_DAY, STAND_IN_ID, Statement, stand_in_text

if TYPE_CHECKING:
    # django-stubs' type for a model with annotations; a dev dependency only.
    from django_stubs_ext import WithAnnotations  # for mypy only: not installed in production

PERIODS = {
    "month": "This month so far",
    "quarter": "Last 3 months",
    "year": "Last 12 months",
}
DEFAULT_PERIOD = "quarter"


def _quantize(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"))


@dataclass
class Months:
    """The calendar the dashboard reads: thirteen months up to ``today``."""

    today: datetime.date

    @property
    def current(self) -> datetime.date:
        return self.today.replace(day=1)

    @property
    def first(self) -> datetime.date:
        return add_months(self.current, -12)

    @property
    def all(self) -> list[datetime.date]:
        return [add_months(self.first, n) for n in range(13)]

    @property
    def chart(self) -> list[datetime.date]:
        """The twelve months the charts show: the last eleven and this one."""
        return self.all[1:]

    def in_period(self, period: str) -> list[datetime.date]:
        """The months of a period: this one so far, or the 3 or 12 whole
        months before it."""
        if period == "month":
            return [self.current]
        return Period.months_before(self.today, 3 if period == "quarter" else 12).months


@dataclass
class Scope:
    """Whose figures: what ``user`` may see, narrowed to ``region``."""

    user: User
    region: str = ""

    @property
    def every_area(self):
        """Every area in scope, those that have left the programme too: their
        overdue actions and funding still count, as the lists show them."""
        areas = Area.objects.visible_to(self.user)
        return areas.filter(region=self.region) if self.region else areas

    @property
    def areas(self):
        """The areas in the programme: those support is promised to."""
        return self.every_area.in_programme()

    @property
    def requests(self):
        requests = SupportRequest.objects.visible_to(self.user)
        return requests.filter(area__region=self.region) if self.region else requests

    @property
    def events(self):
        """The events for the scope's people: national ones, and those of
        the region chosen."""
        events = Event.objects.visible_to(self.user)
        return events.filter(Q(region="") | Q(region=self.region)) if self.region else events

    @property
    def registrations(self):
        """Registrations of people from the areas in scope."""
        return Registration.objects.filter(area__in=self.every_area)

    @property
    def connections(self):
        connections = Connection.objects.visible_to(self.user)
        if self.region:
            connections = connections.filter(
                Q(area_a__region=self.region) | Q(area_b__region=self.region)
            )
        return connections

    @property
    def is_programme(self) -> bool:
        """The whole programme, as a national manager sees it."""
        return has_perm(self.user, "areas.view_all") and not self.region


class AreaRow(TypedDict):
    """What _area_rows adds to each area (None where nobody is named)."""

    adviser_id: int | None
    adviser_name: str | None
    community_worker_id: int | None
    community_worker_name: str | None
    worker_days: Decimal | None
    overdue_requests: int
    overdue_actions: int
    overdue_outcomes: int
    at_events_lately: bool
    connected_lately: bool


if TYPE_CHECKING:
    # An area as _area_rows gives it: with those annotations.
    DashboardArea = WithAnnotations[Area, AreaRow]


# Nobody from an area at any event for this long is an early warning.
EVENT_ABSENCE = datetime.timedelta(days=183)
# The period whose support days missed are an early warning.
RISK_PERIOD = "quarter"


# What the dashboard's pages and tables read of each area itself (its
# notes, figures and ranks are the area page's): fewer columns a row.
AREA_FIELDS = ("ward_code", "name", "region", "cohort", "stage", "joined_on")


def _scope_of(role: str, me: int, lead_region: str = "", region: str = "") -> Scope:
    """The scope of someone in ``role`` (their id, the region they lead),
    narrowed to ``region``: what a ScopeStatement builds its query from."""
    return Scope(user=User(pk=me, role=role, region=lead_region), region=region)


class ScopeStatement:
    """A Statement over a scope: ``build(scope, **values)`` compiled once a
    process for each shape of scope (the person's role, whether they lead a
    region, whether a region is chosen), with a stand-in person and
    regions, then run with the request's own. Every scope's SQL comes from
    the querysets the ORM builds for it (Scope, visible_to), so a scope
    reads what it read before; ``stand_ins()`` gives the stand-ins of the
    other values."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        stand_ins: Callable[[], dict] = dict,
        optional: frozenset[str] = frozenset(),
    ):
        self._build = build
        self._stand_ins = stand_ins
        self._optional = optional
        self._by_role: dict[str, Statement] = {}

    def _statement(self, role: str) -> Statement:
        def build(*, me: int, lead_region: str = "", region: str = "", **values) -> QuerySet:
            return self._build(_scope_of(role, me, lead_region, region), **values)

        def stand_ins(shape: tuple[bool, bool]) -> dict:
            leads, chosen = shape
            regions = {
                "lead_region": stand_in_text("the region led") if leads else "",
                "region": stand_in_text("the region chosen") if chosen else "",
            }
            return {"me": STAND_IN_ID, **{k: v for k, v in regions.items() if v}}

        # The person's id is in the SQL only for those who see their own
        # areas (advisers, community workers), not for a manager.
        return Statement(
            build,
            stand_ins=lambda shape: {**stand_ins(shape), **self._stand_ins()},
            optional=frozenset({"me"}) | self._optional,
        )

    def rows(self, scope: Scope, **values) -> list[tuple]:
        user = scope.user
        if not user.is_active:
            # has_perm refuses them whatever their role: no shape compiled
            # for a role is theirs (nor can they sign in to ask).
            return list(self._build(scope, **values))
        if user.role not in self._by_role:
            self._by_role[user.role] = self._statement(user.role)
        return self._by_role[user.role].rows(
            (bool(user.region), bool(scope.region)),
            me=user.pk,
            lead_region=user.region,
            region=scope.region,
            **values,
        )


def _quarter_of(start: datetime.datetime, end: datetime.datetime) -> Period:
    """The period from the start of one day, ``start``, to that of another."""
    period = Period(timezone.localdate(start), timezone.localdate(end))
    if (period.start_moment, period.end_moment) != (start, end):
        raise ValueError("A period's moments are the starts of its days.")
    return period


# The ages' bounds, in days before now (casework.models.age_band).
_AGE_DAYS = sorted({days for _, _, *bounds in REQUEST_AGES for days in bounds if days})


def _request_moments(now: datetime.datetime) -> dict:
    """What open_requests_query reads of ``now``: the response target's
    deadline and the ages' bounds (not ``now`` itself, which the deadline
    equals when the target is 0 working days)."""
    return {
        "deadline": first_contact_deadline(now),
        **{f"{days}_days_ago": now - datetime.timedelta(days=days) for days in _AGE_DAYS},
    }


def _open_requests(scope: Scope, **moments) -> QuerySet:
    now = moments[f"{_AGE_DAYS[0]}_days_ago"] + datetime.timedelta(days=_AGE_DAYS[0])
    if moments != _request_moments(now):
        raise ValueError("The moments are not those of one now.")
    return open_requests_query(requests=scope.requests, now=now)


# The scope's figures the first page shows, compiled once a process: the
# ORM took some 5 ms of CPU a draw to build them, more than PostgreSQL took
# to answer. Each reads its values as the ORM's own queryset does (the
# moments and days it names), tests/evaluation/test_dashboard_statements.py
# holds each one's rows equal to its queryset's.
_OPEN_REQUESTS = ScopeStatement(
    _open_requests,
    # A Saturday: on a weekday the deadline (five working days back) is the
    # week's bound, and stand-ins must differ. (From a Saturday a deadline
    # of one or more working days is a weekday, never a whole number of
    # weeks back.)
    stand_ins=lambda: _request_moments(datetime.datetime(3, 8, 9, 10, tzinfo=datetime.UTC)),
)
_OVERDUE_ACTIONS = ScopeStatement(
    lambda scope, today: overdue_actions_query(areas=scope.every_area, today=today),
    stand_ins=lambda: {"today": STAND_IN_DAY},
)
_FUNDING = ScopeStatement(lambda scope: funding_query(areas=scope.every_area))
_ATTENDANCE = ScopeStatement(
    lambda scope, start, end: attendance_query(
        registrations=scope.registrations, period=_quarter_of(start, end)
    ),
    stand_ins=lambda: {
        "start": start_of_day(datetime.date(3, 1, 1)),
        "end": start_of_day(datetime.date(3, 4, 1)),
    },
)
_UPCOMING = ScopeStatement(
    lambda scope, now: upcoming_query(events=scope.events, now=now),
    stand_ins=lambda: {"now": datetime.datetime(3, 6, 1, 9, tzinfo=datetime.UTC)},
)
# The response times of this quarter and the last, one statement for each
# date read: the periods by their moments, the last quarter's end this one's
# start.
_RESPONSE_TIMES = {
    moment: ScopeStatement(
        lambda scope, this_start, this_end, last_start, moment=moment: response_times_query(
            requests=scope.requests,
            periods=[_quarter_of(this_start, this_end), _quarter_of(last_start, this_start)],
            moment=moment,
        ),
        stand_ins=lambda: {
            "this_start": start_of_day(datetime.date(3, 4, 1)),
            "this_end": start_of_day(datetime.date(3, 7, 1)),
            "last_start": start_of_day(datetime.date(3, 1, 1)),
        },
    )
    for moment in RESPONSE_MOMENTS
}
# The help form's posts turned away (the programme's, whoever asks).
_TURNED_AWAY = Statement(
    lambda start, end: turned_away_query(period=Period(start, end)),
    stand_ins=lambda _: {"start": datetime.date(3, 1, 1), "end": datetime.date(3, 2, 1)},
)
_CONNECTIONS = ScopeStatement(
    lambda scope, start, end: connections_query(
        connections=scope.connections, period=Period(start, end)
    ),
    stand_ins=lambda: {"start": datetime.date(3, 1, 1), "end": datetime.date(3, 4, 1)},
)


# What _area_query reads of each area: its id and AREA_FIELDS, in the
# order of the model's fields (as Model.from_db takes them); then the
# annotations _area_rows adds, in the order the query selects them.
_AREA_COLUMNS = tuple(
    field.attname for field in Area._meta.concrete_fields if field.attname in {"id", *AREA_FIELDS}
)
_AREA_ANNOTATIONS = (
    "adviser_id",
    "adviser_name",
    "community_worker_id",
    "community_worker_name",
    "worker_days",
    "at_events_lately",
    "connected_lately",
)


def _area_query(
    scope: Scope,
    *,
    since: datetime.datetime,
    tomorrow: datetime.datetime,
    year_start: datetime.date,
    year_end: datetime.date,
    year_start_moment: datetime.datetime,
) -> QuerySet:
    """The areas in ``scope`` with their current adviser and community worker
    (joined, not a subquery each), whether someone from them came to an
    event from ``since`` (to ``tomorrow``, the start of the day after
    today's), and whether they connected with another area over the year
    from ``year_start`` to ``year_end`` (today's next day). The moments the
    query reads of those days are named too, the year's start and end
    (``tomorrow``): a statement's values must each be one of its own."""
    year = Period(year_start, year_end)
    if (year.start_moment, year.end_moment) != (year_start_moment, tomorrow):
        raise ValueError("The year's moments are not the starts of its days.")
    # A moment of today's (noon, whatever the clocks): came_to_an_event_since
    # counts to the start of the day after.
    today_noon = tomorrow - datetime.timedelta(hours=12)
    return (
        scope.areas.annotate(
            adviser_now=FilteredRelation(
                "adviser_assignments", condition=Q(adviser_assignments__ended_on__isnull=True)
            ),
            worker_now=_worker_now(),
            adviser_id=F("adviser_now__adviser_id"),
            adviser_name=F("adviser_now__adviser__full_name"),
            community_worker_id=F("worker_now__worker_id"),
            community_worker_name=F("worker_now__worker__full_name"),
            worker_days=F("worker_now__days_per_month"),
            at_events_lately=came_to_an_event_since(since, now=today_noon),
            connected_lately=connected_in(period=year),
        )
        .order_by("name")
        .values_list(*_AREA_COLUMNS, *_AREA_ANNOTATIONS)
    )


def _area_query_values(now: datetime.datetime) -> dict:
    """_area_query's values at ``now``."""
    today = timezone.localdate(now)
    year = last_twelve_months(today)
    return {
        "since": now - EVENT_ABSENCE,
        "tomorrow": start_of_day(today + datetime.timedelta(days=1)),
        "year_start": year.start,
        "year_end": year.end,
        "year_start_moment": year.start_moment,
    }


# The ORM took some 3.5 ms a draw to build and compile the areas' query,
# as long as PostgreSQL took to answer it: its SQL is worked out once a
# process for each shape of scope.
_AREA_ROWS = ScopeStatement(
    _area_query,
    stand_ins=lambda: _area_query_values(
        start_of_day(datetime.date(3, 11, 20)) + datetime.timedelta(hours=15)
    ),
)


def _area_rows(scope: Scope, now: datetime.datetime) -> "list[DashboardArea]":
    """The areas in the programme in ``scope`` (_area_query, of AREA_FIELDS
    alone), their overdue requests, actions and outcomes (in a query of
    their own), whether someone from them came to an event in the last six
    months, and whether they connected with another area in the last 12
    months."""
    width = len(_AREA_COLUMNS)
    db = connection.alias
    rows = []
    for values in _AREA_ROWS.rows(scope, **_area_query_values(now)):
        # As the ORM makes the areas of .only(*AREA_FIELDS).annotate(...).
        area = Area.from_db(db, _AREA_COLUMNS, values[:width])
        for name, value in zip(_AREA_ANNOTATIONS, values[width:], strict=True):
            setattr(area, name, value)
        rows.append(area)
    area_ids = [area.pk for area in rows]
    for figure, by_area in overdue_by_area(areas=area_ids, now=now).items():
        for area in rows:
            setattr(area, figure, by_area.get(area.pk, 0))
    return cast("list[DashboardArea]", rows)


def _worker_now() -> FilteredRelation:
    return FilteredRelation(
        "community_worker_allocations",
        condition=Q(community_worker_allocations__ended_on__isnull=True),
    )


def _plural(count: int, noun: str, after: str = "") -> str:
    return " ".join(filter(None, [str(count), noun + ("" if count == 1 else "s"), after]))


def _away_from_events(area: "DashboardArea", in_by: datetime.date) -> bool:
    """Nobody from ``area`` at any event for six months, when it has been in
    the programme that long (joined by ``in_by``, six months ago)."""
    if area.joined_on is None or area.joined_on > in_by:
        return False
    return not area.at_events_lately


# What each early-warning signal says, from its amount: written only for
# the signals that score (a few of each area's six), not for every one.
REASONS = {
    "days_missed": lambda missed: f"{_quantize(missed)} support days missed in 3 months",
    "overdue_requests": lambda n: _plural(n, "request", "past the response target"),
    "overdue_actions": lambda n: _plural(n, "overdue action"),
    "overdue_outcomes": lambda n: _plural(n, "referral outcome", "not recorded in time"),
    "no_events": lambda _: "no one from this area at any event for 6 months",
    "overdue_outcome_records": lambda n: _plural(n, "outcome record", "overdue"),
}


def _six_months_before(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now - EVENT_ABSENCE)


def _score_early_warning(
    delivery: "AreaDelivery[DashboardArea]", in_by: datetime.date, overdue_records: int
) -> None:
    """The area's early-warning score and the reasons for it, weighted by
    NFC_RISK_WEIGHTS; a signal weighted 0 is switched off (it neither scores
    nor shows). ``in_by``: the day six months ago (_six_months_before),
    worked out once for the dashboard's many areas, not once for each."""
    area = delivery.area
    weights = settings.NFC_RISK_WEIGHTS
    missed = delivery.adviser[RISK_PERIOD].missed + delivery.worker[RISK_PERIOD].missed
    signals = [
        ("days_missed", float(missed), missed),
        ("overdue_requests", area.overdue_requests, area.overdue_requests),
        ("overdue_actions", area.overdue_actions, area.overdue_actions),
        ("overdue_outcomes", area.overdue_outcomes, area.overdue_outcomes),
        ("no_events", float(_away_from_events(area, in_by)), None),
        ("overdue_outcome_records", overdue_records, overdue_records),
    ]
    counted = [(key, weights[key] * amount, said) for key, amount, said in signals if weights[key]]
    delivery.risk = round(sum(score for _, score, _ in counted), 1)
    delivery.reasons = [REASONS[key](said) for key, score, said in counted if score >= 0.05]


def _response_times(scope: Scope, today: datetime.date) -> dict:
    """Median days to first contact and to resolution, this quarter and last."""
    this_quarter = Period.quarter(today)
    periods = [this_quarter, this_quarter.shifted(-3)]
    moments = {
        "this_start": this_quarter.start_moment,
        "this_end": this_quarter.end_moment,
        "last_start": periods[1].start_moment,
    }
    figures: dict = {}
    for moment, statement in _RESPONSE_TIMES.items():
        (figured,) = statement.rows(scope, **moments)
        figures |= response_figures(moment, periods, figured)
    now, before = response_times_of(figures, periods)

    def row(label: str, figure: str, count: str) -> dict:
        return {
            "label": label,
            "now": getattr(now, figure),
            "before": getattr(before, figure),
            "count_now": getattr(now, count),
            "count_before": getattr(before, count),
        }

    return {
        "this_quarter": now.period.start,
        "last_quarter": before.period.start,
        "rows": [
            row("Time to first contact", "first_contact_days", "contacted"),
            row("Time to resolution", "resolution_days", "resolved"),
        ],
    }


def _last_days(today: datetime.date, days: int) -> Period:
    """The ``days`` days up to and including ``today``."""
    return Period(today - datetime.timedelta(days=days - 1), today + datetime.timedelta(days=1))


def _caseloads(scope: Scope, areas: "list[DashboardArea]") -> dict:
    people = caseload_overview(region=scope.region)
    return {
        **people,
        "adviser_cap": ADVISER_CASELOAD_CAP,
        "worker_cap": COMMUNITY_WORKER_AREA_CAP,
        "without_adviser": sum(1 for a in areas if a.adviser_id is None),
        "without_worker": sum(1 for a in areas if a.community_worker_id is None),
    }


@dataclass
class DeliveryFilters:
    """The delivery table's choices, already cleaned."""

    period: str = DEFAULT_PERIOD
    status: str = ""
    sort: str = "name"
    region: str = ""
    area_type: object = None
    cohort: int | None = None
    stage: str = ""
    adviser: User | None = None

    @property
    def narrows_areas(self) -> bool:
        return any([self.region, self.area_type, self.cohort, self.stage, self.adviser])


SORTS = {
    "name": ("Area", lambda d, p: d.area.name.lower()),
    "adviser": ("Adviser", lambda d, p: (d.area.adviser_name or "").lower()),
    "adviser_days": ("Adviser days", lambda d, p: d.adviser[p].given),
    "worker_days": ("Community worker days", lambda d, p: d.worker[p].given),
    "status": ("Status", lambda d, p: Delivery.ORDER.index(d.status(p) or Delivery.ON_TRACK)),
    "risk": ("Early-warning score", lambda d, p: -d.risk),
}


@dataclass
class Dashboard:
    scope: Scope
    months: Months
    deliveries: "list[AreaDelivery[DashboardArea]]"
    open_requests: list[AgeRow]
    response_times: dict
    overdue_actions: list[dict]
    funding: list[dict]
    # The help form's turned-away posts over the last 30 days (programme-wide,
    # so on the whole programme's dashboard only).
    turned_away: list[dict] | None
    # The scheduled jobs' last runs (on the whole programme's dashboard).
    jobs: list[JobState] | None
    filters: DeliveryFilters
    # Events and the network: the next events, who came by region and the
    # connections recorded this quarter.
    upcoming_events: list[Event]
    attendance: list[RegionAttendance]
    connections: ConnectionsMade
    this_quarter: Period
    # How many of each area's outcome records are missing and overdue, by area id.
    outcome_counts: dict[int, OutcomeCounts]
    # The areas the table's area filters choose, and those of them the
    # status filter keeps, in the chosen order.
    filtered: "list[AreaDelivery[DashboardArea]]"
    table: "list[AreaDelivery[DashboardArea]]"

    # The caseload tables and the requests by month are on pages of their
    # own (the dashboard's first page shows neither): asked for when read.
    @cached_property
    def caseloads(self) -> dict | None:
        if not has_perm(self.scope.user, "caseloads.manage"):
            return None
        return _caseloads(self.scope, [d.area for d in self.deliveries])

    @cached_property
    def requests_by_month(self) -> dict:
        return requests_by_month(requests=self.scope.requests, months=self.months.chart)

    @cached_property
    def without_adviser(self) -> int:
        return sum(1 for d in self.deliveries if d.area.adviser_id is None)

    @cached_property
    def without_worker(self) -> int:
        return sum(1 for d in self.deliveries if d.area.community_worker_id is None)

    @cached_property
    def status_counts(self) -> dict[str, dict[str, int]]:
        """Areas in each status, for each period, among those the table's
        area filters choose: each count opens the table with that status."""
        counts = {p: dict.fromkeys(Delivery.ORDER, 0) for p in PERIODS}
        for delivery in self.filtered:
            for period, status in delivery.statuses.items():
                if status:
                    counts[period][status] += 1
        return counts

    @cached_property
    def early_warning(self) -> "list[AreaDelivery[DashboardArea]]":
        at_risk = [d for d in self.deliveries if d.risk > 0]
        return sorted(at_risk, key=lambda d: (-d.risk, d.area.name))[:EARLY_WARNING_LENGTH]

    @cached_property
    def isolated(self) -> "list[DashboardArea]":
        """Areas in scope with no connection in the last 12 months."""
        return [d.area for d in self.deliveries if not d.area.connected_lately]

    @cached_property
    def missing_outcome_records(self) -> int:
        return sum(self.outcome_counts[d.area.pk].missing for d in self.deliveries)

    @cached_property
    def overdue_requests(self) -> int:
        return sum(row.overdue for row in self.open_requests)

    @cached_property
    def days_by_month(self) -> list[dict]:
        rows = []
        for month in self.months.chart:
            adviser = sum((d.monthly[month].adviser.given for d in self.deliveries), Decimal(0))
            worker = sum((d.monthly[month].worker.given for d in self.deliveries), Decimal(0))
            due = sum((d.monthly[month].due for d in self.deliveries), Decimal(0))
            rows.append(
                {
                    "month": month,
                    "adviser": _quantize(adviser),
                    "worker": _quantize(worker),
                    "due": _quantize(due),
                }
            )
        return rows

    @cached_property
    def delivery_by_month(self) -> list[dict]:
        rows = []
        for month in self.months.chart:
            counts = dict.fromkeys(Delivery.ORDER, 0)
            for delivery in self.deliveries:
                status = delivery.monthly[month].status
                if status:
                    counts[status] += 1
            rows.append({"month": month, **counts})
        return rows

    @cached_property
    def topics_by_month(self) -> list[dict]:
        return [
            {
                "month": month,
                **{t: self.requests_by_month.get((month, t), 0) for t in Topic.values},
            }
            for month in self.months.chart
        ]


EARLY_WARNING_LENGTH = 10


def dashboard(
    *,
    user: User,
    region: str = "",
    filters: DeliveryFilters | None = None,
    now: datetime.datetime | None = None,
    first_page: bool = False,
) -> Dashboard:
    """Every figure on the dashboard for ``user``, narrowed to ``region``.

    ``first_page``: only what the first page shows, the areas' days over
    the default period (its status tiles and the early warning's days
    missed), not each month's and each period's that the delivery table,
    the trends and the downloads need: a quarter of the time records read."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    filters = filters or DeliveryFilters()
    scope = Scope(user=user, region=region)
    months = Months(today=today)
    periods = [DEFAULT_PERIOD] if first_page else list(PERIODS)
    read = months.in_period(DEFAULT_PERIOD) if first_page else months.all
    areas = _area_rows(scope, now)
    by_area = area_deliveries(
        areas=areas,
        months=read,
        periods={period: months.in_period(period) for period in periods},
        today=today,
        hours=hours_by_month(areas=[area.pk for area in areas], months=read, today=today),
    )
    deliveries = list(by_area.values())
    counts = outcome_counts(areas=areas, today=today)
    in_by = _six_months_before(now)
    for delivery in deliveries:
        _score_early_warning(delivery, in_by, counts[delivery.area.pk].overdue)
    filtered = deliveries
    if filters.narrows_areas:
        matching = set(
            filter_areas(
                scope.areas,
                region=filters.region,
                area_type=filters.area_type,
                cohort=filters.cohort,
                stage=filters.stage,
                adviser=filters.adviser,
            ).values_list("pk", flat=True)
        )
        filtered = [d for d in deliveries if d.area.pk in matching]
    table = filtered
    if filters.status:
        table = [d for d in table if d.status(filters.period) == filters.status]
    table = sorted(table, key=lambda d: SORTS[filters.sort][1](d, filters.period))
    this_quarter = Period.quarter(today)
    last_30 = _last_days(today, 30)
    return Dashboard(
        scope=scope,
        months=months,
        deliveries=deliveries,
        open_requests=age_rows(_OPEN_REQUESTS.rows(scope, **_request_moments(now))),
        response_times=_response_times(scope, today),
        overdue_actions=owners_overdue(_OVERDUE_ACTIONS.rows(scope, today=today)),
        funding=funding_streams(_FUNDING.rows(scope)),
        turned_away=(
            turned_away_of(_TURNED_AWAY.rows(None, start=last_30.start, end=last_30.end))
            if scope.is_programme
            else None
        ),
        jobs=job_states() if scope.is_programme else None,
        filters=filters,
        # Events not yet over at this moment (not at ``now``, which a test
        # may set to another day).
        upcoming_events=upcoming_of(_UPCOMING.rows(scope, now=timezone.now())),
        attendance=region_attendance(
            _ATTENDANCE.rows(scope, start=this_quarter.start_moment, end=this_quarter.end_moment)
        ),
        connections=connections_counted(
            _CONNECTIONS.rows(scope, start=this_quarter.start, end=this_quarter.end)
        ),
        this_quarter=this_quarter,
        outcome_counts=counts,
        filtered=filtered,
        table=table,
    )


# One area's early-warning inputs, in one statement written out once: the
# ORM took some 5 ms of Python a draw to build the four queries the area's
# page asked (its first page's largest cost), for well under a millisecond
# of the database's work. Each figure is the dashboard's own definition
# (see _overdue, came_to_an_event_since, hours_by_month and
# outcome_counts), asked of this area alone, where the database stops at
# the area's own few rows; tests/evaluation/test_area_early_warning.py
# holds the score and reasons equal to the dashboard row's.
_ONE_AREA_FIGURES = """
SELECT
  (SELECT COUNT(*) FROM casework_supportrequest r
    WHERE r.area_id = a.id AND r.status = %s AND r.created_at < %s),
  (SELECT COUNT(*) FROM casework_action x
    WHERE x.area_id = a.id AND x.done_at IS NULL AND x.due_on < %s),
  (SELECT COUNT(*) FROM casework_referral f
    WHERE f.area_id = a.id AND f.status = %s AND f.delivered_on < %s),
  (SELECT w.days_per_month FROM advisers_communityworkerallocation w
    WHERE w.area_id = a.id AND w.ended_on IS NULL),
  EXISTS(SELECT 1 FROM events_registration g INNER JOIN events_event e ON e.id = g.event_id
    WHERE g.area_id = a.id AND e.starts_at >= %s AND g.checked_in_at IS NOT NULL),
  (SELECT COUNT(*) FROM evaluation_outcomerecord o WHERE o.area_id = a.id AND o.kind = %s),
  (SELECT COUNT(*) FROM evaluation_outcomerecord o
    WHERE o.area_id = a.id AND o.kind = %s AND o.quarter > a.joined_on AND o.quarter < %s),
  (SELECT COUNT(*) FROM evaluation_outcomerecord o
    WHERE o.area_id = a.id AND o.kind = %s AND o.quarter > a.joined_on AND o.quarter < %s
      AND o.quarter <= %s),
  h.*
FROM areas_area a,
  (SELECT {hours} FROM advisers_timerecord t
    WHERE t.area_id = %s AND t.date >= %s AND t.date < %s) h
WHERE a.id = %s
"""
# The hours one side gave the area in one month (to today), each a sum of
# the area's time records over the months read once: one subquery a month
# and side cost PostgreSQL more to plan than to run.
_ONE_AREA_HOURS = "SUM(t.hours) FILTER (WHERE t.role = %s AND t.date >= %s AND t.date < %s)"
_SIDES: tuple[str, ...] = (Role.ADVISER, Role.COMMUNITY_WORKER)


def _decimal(value) -> Decimal | None:
    """A sum as the ORM would give it (SQLite's comes back a float)."""
    return None if value is None else Decimal(str(value))


def area_early_warning(
    *, area: Area, now: datetime.datetime | None = None
) -> "AreaDelivery[DashboardArea] | None":
    """One area's early-warning score and reasons, as its row on the
    dashboard gives them; None for an area outside the programme.

    The same inputs as the dashboard's row, read for this area alone in one
    query (_ONE_AREA_FIGURES): what the score counts, its hours over the
    months the days missed cover, and its outcome records' counts; then
    the dashboard's own scoring."""
    if not area.in_programme:
        return None
    now = now or timezone.now()
    today = timezone.localdate(now)
    months = Months(today=today).in_period(RISK_PERIOD)
    current, last_overdue = outcome_count_quarters(today)
    ops = connection.ops
    day, moment = ops.adapt_datefield_value, ops.adapt_datetimefield_value
    quarter = OutcomeRecord.Kind.QUARTER
    tomorrow = today + datetime.timedelta(days=1)
    hours_params = [
        each
        for side in _SIDES
        for month in months
        for each in (side, day(month), day(min(add_months(month, 1), tomorrow)))
    ]
    params = [
        SupportRequest.Status.NEW,
        moment(first_contact_deadline(now)),
        day(today),
        Referral.Status.DELIVERED,
        day(today - datetime.timedelta(days=settings.NFC_OUTCOME_DUE_DAYS)),
        moment(now - EVENT_ABSENCE),
        OutcomeRecord.Kind.BASELINE,
        quarter,
        day(current),
        quarter,
        day(current),
        day(last_overdue),
        *hours_params,
        area.pk,
        day(min(months)),
        day(min(add_months(max(months), 1), tomorrow)),
        area.pk,
    ]
    sql = _ONE_AREA_FIGURES.format(hours=", ".join([_ONE_AREA_HOURS] * len(_SIDES) * len(months)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        figures = cursor.fetchone()
    (requests, actions, outcomes, worker_days, at_events, baseline, owed, overdue) = figures[:8]
    # The dashboard row's annotations, on a copy of the page's own area.
    row = cast("DashboardArea", copy.copy(area))
    row.overdue_requests, row.overdue_actions, row.overdue_outcomes = requests, actions, outcomes
    row.worker_days = _decimal(worker_days)
    row.at_events_lately = bool(at_events)
    sums = iter(figures[8:])
    hours = {(area.pk, side): {month: _decimal(next(sums)) for month in months} for side in _SIDES}
    (delivery,) = area_deliveries(
        areas=[row], months=months, periods={RISK_PERIOD: months}, today=today, hours=hours
    ).values()
    recorded = {area.pk: {"baseline": baseline, "owed": owed, "overdue": overdue}}
    owed_records = outcome_counts_of(areas=[row], recorded=recorded, today=today)[area.pk]
    _score_early_warning(delivery, _six_months_before(now), owed_records.overdue)
    return delivery


# --- Tables for download ---------------------------------------------------


def _delivery_table(figures: Dashboard):
    header = ["Ward code", "Area", "Region", "Adviser", "Community worker"]
    for label in PERIODS.values():
        header += [
            f"Adviser days: {label}",
            f"Adviser days due: {label}",
            f"Community worker days: {label}",
            f"Community worker days due: {label}",
            f"Status: {label}",
        ]
    header += ["Outcome records missing", "Early-warning score", "Why"]
    rows = []
    for d in figures.table:
        row: list[str | Decimal | float] = [
            d.area.ward_code,
            d.area.name,
            d.area.get_region_display(),
            d.area.adviser_name or "",
            d.area.community_worker_name or "",
        ]
        for period in PERIODS:
            status = d.status(period)
            row += [
                _quantize(d.adviser[period].given),
                _quantize(d.adviser[period].due),
                _quantize(d.worker[period].given),
                _quantize(d.worker[period].due),
                Delivery.LABELS.get(status or "", ""),
            ]
        row += [figures.outcome_counts[d.area.pk].missing, d.risk, "; ".join(d.reasons)]
        rows.append(row)
    return header, rows


def _caseload_tables(figures: Dashboard):
    caseloads = figures.caseloads or {"advisers": [], "community_workers": []}
    advisers = (
        ["Adviser", "Areas", "Most areas", "Room for"],
        [[p.full_name, p.areas_held, ADVISER_CASELOAD_CAP, p.room] for p in caseloads["advisers"]],
    )
    workers = (
        ["Community worker", "Areas", "Most areas", "Days a month"],
        [
            [p.full_name, p.areas_held, COMMUNITY_WORKER_AREA_CAP, p.days_a_month]
            for p in caseloads["community_workers"]
        ],
    )
    return advisers, workers


TABLES = {
    "advisers": lambda f: _caseload_tables(f)[0],
    "community-workers": lambda f: _caseload_tables(f)[1],
    "delivery": _delivery_table,
    "open-requests": lambda f: (
        ["Status", *(label for _, label, *_ in REQUEST_AGES), "Total", "Past the response target"],
        [[r.label, *r.counts, r.total, r.overdue] for r in f.open_requests],
    ),
    "response-times": lambda f: (
        [
            "Measure",
            "Median days this quarter",
            "Requests this quarter",
            "Median days last quarter",
            "Requests last quarter",
        ],
        [
            [r["label"], r["now"], r["count_now"], r["before"], r["count_before"]]
            for r in f.response_times["rows"]
        ],
    ),
    "overdue-actions": lambda f: (
        ["Owner", "Overdue actions"],
        [[r["owner__full_name"], r["overdue"]] for r in f.overdue_actions],
    ),
    "funding": lambda f: (
        ["Stream", "Areas", "Bids", "Awarded", "Sought (£)", "Secured (£)"],
        [
            [r["label"], r["areas"], r["bids"], r["awarded"], r["sought"], r["secured"]]
            for r in f.funding
        ],
    ),
    "early-warning": lambda f: (
        ["Rank", "Ward code", "Area", "Score", "Why"],
        [
            [n, d.area.ward_code, d.area.name, d.risk, "; ".join(d.reasons)]
            for n, d in enumerate(f.early_warning, start=1)
        ],
    ),
    "days-by-month": lambda f: (
        ["Month", "Adviser days", "Community worker days", "Days promised"],
        [[f"{r['month']:%Y-%m}", r["adviser"], r["worker"], r["due"]] for r in f.days_by_month],
    ),
    "requests-by-month": lambda f: (
        ["Month", *Topic.labels],
        [[f"{r['month']:%Y-%m}", *(r[t] for t in Topic.values)] for r in f.topics_by_month],
    ),
    "delivery-by-month": lambda f: (
        ["Month", *(Delivery.LABELS[s] for s in reversed(Delivery.ORDER))],
        [
            [f"{r['month']:%Y-%m}", *(r[s] for s in reversed(Delivery.ORDER))]
            for r in f.delivery_by_month
        ],
    ),
}
