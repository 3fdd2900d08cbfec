"""The dashboard's figures: caseloads, delivery against the model, requests,
actions, funding, trends and early warning.

One scope (a manager's programme, a regional lead's or a chosen region, an
adviser's caseload) feeds every figure. Each figure is a database aggregate;
Python only adds up monthly sums (at most thirteen an area) and judges them
against the model, so the page runs the same number of queries whatever the
size of the data.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from advisers.models import (
    ADVISER_CASELOAD_CAP,
    COMMUNITY_WORKER_AREA_CAP,
    Role,
    TimeRecord,
    User,
)
from advisers.permissions import has_perm
from advisers.selectors import caseload_overview, hours_as_days
from areas.models import Area, FundingBid
from areas.selectors import filter_areas
from casework.models import (
    REQUEST_AGES,
    Action,
    Referral,
    SupportRequest,
    Topic,
    age_band,
    first_contact_deadline,
)
from nfc.aggregates import MedianSeconds


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
        if share >= Decimal(str(settings.NFC_DELIVERY_ON_TRACK_SHARE)):
            return Delivery.ON_TRACK
        if share >= Decimal(str(settings.NFC_DELIVERY_FAR_BEHIND_SHARE)):
            return Delivery.BEHIND
        return Delivery.FAR_BEHIND

    @staticmethod
    def worse(*statuses: str | None) -> str | None:
        known = [s for s in statuses if s]
        return min(known, key=Delivery.ORDER.index) if known else None


PERIODS = {
    "month": "This month so far",
    "quarter": "Last 3 months",
    "year": "Last 12 months",
}
DEFAULT_PERIOD = "quarter"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


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
        if period == "month":
            return [self.current]
        count = 3 if period == "quarter" else 12
        return [add_months(self.current, -n) for n in range(count, 0, -1)]

    def share_due(self, month: datetime.date, joined_on: datetime.date | None) -> Decimal:
        """How much of ``month``'s promise was due: all of it for a month
        gone by, the days so far for this one, none before the area joined."""
        end = add_months(month, 1)
        start = max(month, joined_on) if joined_on else month
        until = min(end, self.today + datetime.timedelta(days=1))
        if until <= start:
            return Decimal(0)
        return Decimal((until - start).days) / Decimal((end - month).days)


@dataclass
class Side:
    """One side of an area's support (its adviser's, or its community
    worker's) for one period."""

    given: Decimal
    due: Decimal

    @property
    def status(self) -> str | None:
        return Delivery.judge(self.given, self.due)

    @property
    def status_label(self) -> str:
        return Delivery.LABELS.get(self.status, "")

    @property
    def missed(self) -> Decimal:
        return max(self.due - self.given, Decimal(0))


@dataclass
class AreaDelivery:
    area: Area
    adviser: dict[str, Side] = field(default_factory=dict)
    worker: dict[str, Side] = field(default_factory=dict)
    # Each month: adviser days, community worker days, status, days due.
    monthly: dict[datetime.date, tuple] = field(default_factory=dict)
    risk: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def status(self, period: str) -> str | None:
        return Delivery.worse(self.adviser[period].status, self.worker[period].status)

    @property
    def statuses(self) -> dict[str, str | None]:
        return {period: self.status(period) for period in PERIODS}

    @property
    def sides(self) -> list[Side]:
        """The table's cells: the adviser's periods, then the community worker's."""
        return [self.adviser[p] for p in PERIODS] + [self.worker[p] for p in PERIODS]


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
    def is_programme(self) -> bool:
        """The whole programme, as a national manager sees it."""
        return has_perm(self.user, "areas.view_all") and not self.region


def _count(queryset) -> Coalesce:
    """A correlated count of ``queryset``'s rows for the outer area."""
    counted = queryset.filter(area=OuterRef("pk")).order_by().values("area").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), Value(0), output_field=IntegerField())


def _area_rows(scope: Scope, now: datetime.datetime) -> list[Area]:
    """The areas with their current adviser and community worker (joined, not
    a subquery each) and their overdue requests and actions."""
    today = timezone.localdate(now)
    overdue_actions = Action.objects.open().filter(due_on__lt=today)
    return list(
        scope.areas.annotate(
            adviser_now=FilteredRelation(
                "adviser_assignments", condition=Q(adviser_assignments__ended_on__isnull=True)
            ),
            worker_now=FilteredRelation(
                "community_worker_allocations",
                condition=Q(community_worker_allocations__ended_on__isnull=True),
            ),
            adviser_id=F("adviser_now__adviser_id"),
            adviser_name=F("adviser_now__adviser__full_name"),
            community_worker_id=F("worker_now__worker_id"),
            community_worker_name=F("worker_now__worker__full_name"),
            worker_days=F("worker_now__days_per_month"),
            overdue_requests=_count(SupportRequest.objects.overdue(now)),
            overdue_actions=_count(overdue_actions),
            overdue_outcomes=_count(Referral.objects.outcome_overdue(today)),
        ).order_by("name")
    )


def _monthly_hours(scope: Scope, months: Months) -> dict:
    """Hours given by month, area and side: {(area id, side): {month: hours}}.

    One row per area and side, a sum per month, so thirteen months of time
    come back as a few hundred rows."""
    sums = {
        f"m{n}": Sum("hours", filter=Q(date__gte=month, date__lt=add_months(month, 1)))
        for n, month in enumerate(months.all)
    }
    rows = (
        TimeRecord.objects.filter(
            area__in=scope.areas.values("pk"),
            date__gte=months.first,
            date__lte=months.today,
            person__role__in=[Role.ADVISER, Role.COMMUNITY_WORKER],
        )
        .values("area_id", "person__role")
        .annotate(**sums)
        .order_by()
    )
    return {
        (row["area_id"], row["person__role"]): {
            month: row[f"m{n}"] for n, month in enumerate(months.all)
        }
        for row in rows
    }


def _deliveries(areas: list[Area], hours: dict, months: Months) -> dict[int, AreaDelivery]:
    adviser_rate = Decimal(settings.NFC_ADVISER_DAYS_PER_AREA)
    weights = settings.NFC_RISK_WEIGHTS
    periods = {period: months.in_period(period) for period in PERIODS}
    nothing: dict = {}
    deliveries = {}
    for area in areas:
        worker_rate = Decimal(area.worker_days or settings.NFC_COMMUNITY_WORKER_DAYS_PER_AREA)
        delivery = AreaDelivery(area=area)
        shares = {month: months.share_due(month, area.joined_on) for month in months.all}
        adviser_hours = hours.get((area.pk, Role.ADVISER), nothing)
        worker_hours = hours.get((area.pk, Role.COMMUNITY_WORKER), nothing)
        for month, share in shares.items():
            adviser = Side(hours_as_days(adviser_hours.get(month)), adviser_rate * share)
            worker = Side(hours_as_days(worker_hours.get(month)), worker_rate * share)
            delivery.monthly[month] = (
                adviser.given,
                worker.given,
                Delivery.worse(adviser.status, worker.status),
                adviser.due + worker.due,
            )
        for period, in_period in periods.items():
            share = sum((shares[m] for m in in_period), Decimal(0))
            for side, index, rate in (("adviser", 0, adviser_rate), ("worker", 1, worker_rate)):
                given = sum((delivery.monthly[m][index] for m in in_period), Decimal(0))
                getattr(delivery, side)[period] = Side(given, rate * share)
        missed = delivery.adviser["quarter"].missed + delivery.worker["quarter"].missed
        signals = [
            ("days_missed", float(missed), f"{_quantize(missed)} support days missed in 3 months"),
            (
                "overdue_requests",
                area.overdue_requests,
                _plural(area.overdue_requests, "request", "past the response target"),
            ),
            (
                "overdue_actions",
                area.overdue_actions,
                _plural(area.overdue_actions, "overdue action"),
            ),
            (
                "overdue_outcomes",
                area.overdue_outcomes,
                _plural(area.overdue_outcomes, "referral outcome", "not recorded in time"),
            ),
        ]
        # A signal weighted 0 is switched off: it neither scores nor shows.
        counted = [(weights[key] * amount, why) for key, amount, why in signals if weights[key]]
        delivery.risk = round(sum(score for score, _ in counted), 1)
        delivery.reasons = [why for score, why in counted if score >= 0.05]
        deliveries[area.pk] = delivery
    return deliveries


def _plural(count: int, noun: str, after: str = "") -> str:
    return " ".join(filter(None, [str(count), noun + ("" if count == 1 else "s"), after]))


@dataclass
class AgeRow:
    status: str
    label: str
    counts: list[int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def cells(self) -> list[tuple[str, int]]:
        """Each age band's key with its count, for links to the list."""
        return [(key, count) for (key, *_), count in zip(REQUEST_AGES, self.counts, strict=True)]


def _open_requests(scope: Scope, now: datetime.datetime) -> list[AgeRow]:
    """Open requests by status and age, and how many are past the target."""
    buckets = {key: Count("pk", filter=age_band(key, now)) for key, *_ in REQUEST_AGES}
    rows = {
        row["status"]: row
        for row in scope.requests.open()
        .values("status")
        .annotate(
            overdue=Count("pk", filter=Q(created_at__lt=first_contact_deadline(now))),
            **buckets,
        )
        .order_by()
    }
    return [
        AgeRow(
            status=status,
            label=label,
            counts=[rows.get(status, {}).get(key, 0) for key, *_ in REQUEST_AGES],
            overdue=rows.get(status, {}).get("overdue", 0) if status == "new" else 0,
        )
        for status, label in SupportRequest.Status.choices
        if status not in SupportRequest.CLOSED_STATUSES
    ]


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _response_times(scope: Scope, today: datetime.date) -> dict:
    """Median days to first contact and to resolution, this quarter and last."""
    this_quarter = quarter_start(today)
    last_quarter = add_months(this_quarter, -3)
    next_quarter = add_months(this_quarter, 3)

    def moment(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))

    def within(name, start, end):
        return Q(**{f"{name}__gte": moment(start), f"{name}__lt": moment(end)})

    # Only the two quarters' rows: the indexes on both dates find them.
    recent = Q(first_contact_at__gte=moment(last_quarter)) | Q(
        resolved_at__gte=moment(last_quarter)
    )
    figures = scope.requests.filter(recent).aggregate(
        contact_now=MedianSeconds(
            "first_contact_at",
            "created_at",
            filter=within("first_contact_at", this_quarter, next_quarter),
        ),
        contact_before=MedianSeconds(
            "first_contact_at",
            "created_at",
            filter=within("first_contact_at", last_quarter, this_quarter),
        ),
        resolved_now=MedianSeconds(
            "resolved_at", "created_at", filter=within("resolved_at", this_quarter, next_quarter)
        ),
        resolved_before=MedianSeconds(
            "resolved_at", "created_at", filter=within("resolved_at", last_quarter, this_quarter)
        ),
        contacted_now=Count("pk", filter=within("first_contact_at", this_quarter, next_quarter)),
        contacted_before=Count("pk", filter=within("first_contact_at", last_quarter, this_quarter)),
        resolved_count_now=Count("pk", filter=within("resolved_at", this_quarter, next_quarter)),
        resolved_count_before=Count("pk", filter=within("resolved_at", last_quarter, this_quarter)),
    )

    def days(seconds):
        return None if seconds is None else round(seconds / 86400, 1)

    return {
        "this_quarter": this_quarter,
        "last_quarter": last_quarter,
        "rows": [
            {
                "label": "Time to first contact",
                "now": days(figures["contact_now"]),
                "before": days(figures["contact_before"]),
                "count_now": figures["contacted_now"],
                "count_before": figures["contacted_before"],
            },
            {
                "label": "Time to resolution",
                "now": days(figures["resolved_now"]),
                "before": days(figures["resolved_before"]),
                "count_now": figures["resolved_count_now"],
                "count_before": figures["resolved_count_before"],
            },
        ],
    }


def _requests_by_month(scope: Scope, months: Months) -> dict:
    """New requests by month and topic: {(month, topic): count}."""
    start = timezone.make_aware(datetime.datetime.combine(months.chart[0], datetime.time()))
    rows = (
        scope.requests.filter(created_at__gte=start)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "topic")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        counts[(month, row["topic"])] = counts.get((month, row["topic"]), 0) + row["n"]
    return counts


def _overdue_actions(scope: Scope, today: datetime.date) -> list[dict]:
    return list(
        Action.objects.open()
        .filter(due_on__lt=today, area__in=scope.every_area.values("pk"))
        .values("owner_id", "owner__full_name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "owner__full_name")
    )


def _funding(scope: Scope) -> list[dict]:
    money = {"sought": Decimal(0), "secured": Decimal(0)}
    rows = {
        row["stream"]: row
        for row in FundingBid.objects.filter(area__in=scope.every_area.values("pk"))
        .values("stream")
        .annotate(
            bids=Count("pk"),
            areas=Count("area", distinct=True),
            awarded=Count("pk", filter=Q(status=FundingBid.Status.AWARDED)),
            sought=Sum("amount_sought"),
            secured=Sum("amount_secured"),
        )
        .order_by()
    }
    return [
        {
            "stream": stream,
            "label": label,
            "bids": rows.get(stream, {}).get("bids", 0),
            "areas": rows.get(stream, {}).get("areas", 0),
            "awarded": rows.get(stream, {}).get("awarded", 0),
            "sought": rows.get(stream, {}).get("sought") or money["sought"],
            "secured": rows.get(stream, {}).get("secured") or money["secured"],
        }
        for stream, label in FundingBid.Stream.choices
    ]


def _caseloads(scope: Scope, areas: list[Area]) -> dict:
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
    deliveries: list[AreaDelivery]
    caseloads: dict | None
    open_requests: list[AgeRow]
    response_times: dict
    requests_by_month: dict
    overdue_actions: list[dict]
    funding: list[dict]
    filters: DeliveryFilters
    # The areas the table's area filters choose, and those of them the
    # status filter keeps, in the chosen order.
    filtered: list[AreaDelivery]
    table: list[AreaDelivery]

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
    def early_warning(self) -> list[AreaDelivery]:
        at_risk = [d for d in self.deliveries if d.risk > 0]
        return sorted(at_risk, key=lambda d: (-d.risk, d.area.name))[:EARLY_WARNING_LENGTH]

    @cached_property
    def overdue_requests(self) -> int:
        return sum(row.overdue for row in self.open_requests)

    @cached_property
    def days_by_month(self) -> list[dict]:
        rows = []
        for month in self.months.chart:
            adviser = sum((d.monthly[month][0] for d in self.deliveries), Decimal(0))
            worker = sum((d.monthly[month][1] for d in self.deliveries), Decimal(0))
            due = sum((d.monthly[month][3] for d in self.deliveries), Decimal(0))
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
                status = delivery.monthly[month][2]
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
) -> Dashboard:
    """Every figure on the dashboard for ``user``, narrowed to ``region``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    filters = filters or DeliveryFilters()
    scope = Scope(user=user, region=region)
    months = Months(today=today)
    areas = _area_rows(scope, now)
    by_area = _deliveries(areas, _monthly_hours(scope, months), months)
    deliveries = list(by_area.values())
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
    return Dashboard(
        scope=scope,
        months=months,
        deliveries=deliveries,
        caseloads=_caseloads(scope, areas) if has_perm(user, "caseloads.manage") else None,
        open_requests=_open_requests(scope, now),
        response_times=_response_times(scope, today),
        requests_by_month=_requests_by_month(scope, months),
        overdue_actions=_overdue_actions(scope, today),
        funding=_funding(scope),
        filters=filters,
        filtered=filtered,
        table=table,
    )


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
    header.append("Early-warning score")
    rows = []
    for d in figures.table:
        row = [
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
                Delivery.LABELS.get(status, ""),
            ]
        row.append(d.risk)
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
