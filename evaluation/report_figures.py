"""The figures of an evaluation report, gathered by SQL aggregation for its
scope and period.

Every figure comes from the apps' period-aware selectors (the same ones
the dashboard reads), one aggregate query per table, so a programme report
over a year of a million interactions runs the same few queries as an area
report over a quarter. Each count links to the portal's own list of the
records it counts, with the same filters, so a reader can check it with a
click; counts of people too small to show are withheld
(evaluation.suppression). A report holds counts, never names of residents.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db import models
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from advisers.roles import Role
from areas.models import Area, Cohort, Region
from areas.selectors import funding_by_stream
from casework.models import Interaction, Referral, SupportRequest, Topic
from casework.selectors import (
    referral_outcomes,
    requests_by_month,
    residents_reached_by_month,
    response_times,
)
from evaluation.area_figures import WHOLE, AreaFigures, deliveries, figures_from
from evaluation.models import OutcomeRecord, Report, quarter_label
from evaluation.outcomes import outcomes_due
from evaluation.report_content import Cell, Chart, Column, ReportContent, Section, Table
from evaluation.suppression import (
    Group,
    count_withheld,
    protect_groups,
    protect_table,
    threshold,
    withhold,
    withhold_with,
)
from events.models import Connection, Registration
from events.selectors import attendance_by_kind
from events.selectors_network import connections_made
from nfc.periods import Period, add_months, quarter_start

DAY = datetime.timedelta(days=1)


def _one_place(value) -> float:
    return float(Decimal(value).quantize(Decimal("0.1")))


def _counted(count: int, one: str, many: str) -> str:
    """A count with its noun: "1 area", "3 areas"."""
    return f"{count:,} {one if count == 1 else many}"


def _days_in_words(value) -> str:
    """Days in a sentence, written as the tables write them: "2,700",
    "224.5" (not "2700.0")."""
    days = _one_place(value)
    return f"{days:,.1f}" if not days.is_integer() else f"{int(days):,}"


# --- Scope ------------------------------------------------------------------


def _the_area(report: Report) -> Area:
    assert report.area is not None, "an area report names its area"
    return report.area


def scope_areas(report: Report) -> QuerySet[Area]:
    """The areas a report counts: those in the programme (of its region or
    cohort) that had joined by the period's end, or its one area."""
    if report.kind == Report.Kind.AREA:
        return Area.objects.filter(pk=_the_area(report).pk)
    areas = Area.objects.in_programme().joined_by(report.period_end - DAY)
    if report.kind == Report.Kind.REGION:
        return areas.filter(region=report.region)
    if report.kind == Report.Kind.COHORT:
        return areas.filter(cohort=report.cohort)
    return areas


def scope_filters(report: Report) -> dict[str, str]:
    """The same scope as the lists' filters (request and referral lists)."""
    if report.kind == Report.Kind.AREA:
        return {"area": _the_area(report).ward_code}
    programme = {"programme": "1", "joined_by": (report.period_end - DAY).isoformat()}
    if report.kind == Report.Kind.REGION:
        return {**programme, "region": report.region}
    if report.kind == Report.Kind.COHORT:
        return {**programme, "cohort": str(report.cohort)}
    return programme


def _dates(period: Period) -> dict[str, str]:
    """A period as the lists' dates from and to (the last day included)."""
    return {"since": period.start.isoformat(), "until": (period.end - DAY).isoformat()}


@dataclass
class Links:
    """Links to the lists of the records a figure counts."""

    scope: dict[str, str]

    def _to(self, name: str, *, kind: str = "", **params) -> str:
        query = {**self.scope, **{k: v for k, v in params.items() if v not in ("", None)}}
        path = reverse(name, kwargs={"kind": kind}) if kind else reverse(name)
        return f"{path}?{urlencode(query)}"

    def requests(self, period: Period, *, dated: str = "received", topic: str = "", **more) -> str:
        return self._to(
            "casework:request_list",
            status="all",
            dated=dated,
            topic=topic,
            **_dates(period),
            **more,
        )

    def referrals(self, period: Period, *, status: str = "all", **more) -> str:
        return self._to("referrals:list", status=status, **_dates(period), **more)

    def interactions(self, period: Period, **more) -> str:
        return self._to("figures:records", kind="interactions", **_dates(period), **more)

    def time(self, period: Period, *, role: str = "", **more) -> str:
        return self._to("figures:records", kind="time", role=role, **_dates(period), **more)

    def attendances(self, period: Period, *, event_kind: str = "", **more) -> str:
        return self._to(
            "figures:records", kind="attendances", event_kind=event_kind, **_dates(period), **more
        )


# --- Gathering --------------------------------------------------------------


@dataclass
class Gathered:
    """What the sections share: the report, its areas and their figures."""

    report: Report
    period: Period
    areas: QuerySet[Area]
    area_rows: list[Area]
    figures: dict[int, AreaFigures]
    links: Links
    delivered: dict
    today: datetime.date

    @property
    def whole_months(self) -> Period:
        """The months the period touches: days are counted by whole months."""
        months = self.period.months
        return Period(months[0], add_months(months[-1], 1))


def _within(period: Period, month: datetime.date) -> Period:
    """The part of ``month`` within ``period``."""
    return Period(max(month, period.start), min(add_months(month, 1), period.end))


def _months_in_words(month: datetime.date) -> str:
    return f"{month:%b %Y}"


def _delivery(g: Gathered) -> Section:
    months = g.period.months
    rows = []
    totals = {"adviser": Decimal(0), "worker": Decimal(0), "due": Decimal(0)}
    for month in months:
        adviser = sum((d.monthly[month].adviser.given for d in g.delivered.values()), Decimal(0))
        worker = sum((d.monthly[month].worker.given for d in g.delivered.values()), Decimal(0))
        due = sum((d.monthly[month].due for d in g.delivered.values()), Decimal(0))
        totals = {
            "adviser": totals["adviser"] + adviser,
            "worker": totals["worker"] + worker,
            "due": totals["due"] + due,
        }
        in_month = Period.month(month)
        rows.append(
            {
                "month": Cell.of(_months_in_words(month)),
                "adviser": Cell.of(_one_place(adviser), g.links.time(in_month, role=Role.ADVISER)),
                "worker": Cell.of(
                    _one_place(worker), g.links.time(in_month, role=Role.COMMUNITY_WORKER)
                ),
                "due": Cell.of(_one_place(due)),
            }
        )
    whole_months = g.whole_months
    rows.append(
        {
            "month": Cell.of("Total"),
            "adviser": Cell.of(
                _one_place(totals["adviser"]), g.links.time(whole_months, role=Role.ADVISER)
            ),
            "worker": Cell.of(
                _one_place(totals["worker"]),
                g.links.time(whole_months, role=Role.COMMUNITY_WORKER),
            ),
            "due": Cell.of(_one_place(totals["due"])),
        }
    )
    days = Table(
        slug="days-by-month",
        title="Days of support by month",
        summary=(
            "Adviser and community worker days given each month, "
            "against the days promised (2 + 2 a month for each area)."
        ),
        columns=[
            Column("month", "Month", numeric=False),
            Column("adviser", "Adviser days"),
            Column("worker", "Community worker days"),
            Column("due", "Days promised"),
        ],
        rows=rows,
        has_total_row=True,
        chart=Chart(category="month", series=["adviser", "worker"], unit=("day", "days")),
    )
    statuses = {key: 0 for key in ("on_track", "behind", "far_behind")}
    for delivery in g.delivered.values():
        status = delivery.status(WHOLE)
        if status:
            statuses[status] += 1
    labels = {"on_track": "On track", "behind": "Behind", "far_behind": "Far behind"}
    status_table = Table(
        slug="delivery-status",
        title="Areas by delivery over the period",
        summary=(
            "How many areas had the days promised over the whole period "
            "(an area's worse side counts)."
        ),
        columns=[Column("status", "Delivery", numeric=False), Column("areas", "Areas")],
        rows=[
            {"status": Cell.of(labels[key]), "areas": Cell.of(count)}
            for key, count in statuses.items()
        ],
    )
    given = totals["adviser"] + totals["worker"]
    share = f"{given / totals['due']:.0%}" if totals["due"] else "none"
    return Section(
        slug="delivery",
        title="Support delivered against the 2 + 2 days model",
        paragraphs=[
            f"{_days_in_words(given)} days of support were given against "
            f"{_days_in_words(totals['due'])} promised ({share} of the promise).",
            "Days are counted from the time records staff keep; an area is promised days "
            "from the day it joined.",
        ],
        tables=[days, status_table],
    )


def _requests(g: Gathered, requests: QuerySet[SupportRequest]) -> Section:
    months = g.period.months
    counts = requests_by_month(requests=requests, months=months, within=g.period)
    topics = list(Topic.choices)
    rows = []
    for month in months:
        in_month = _within(g.period, month)
        row = {"month": Cell.of(_months_in_words(month))}
        for topic, _ in topics:
            row[topic] = Cell.of(
                counts.get((month, topic), 0), g.links.requests(in_month, topic=topic)
            )
        row["total"] = Cell.of(
            sum(counts.get((month, t), 0) for t, _ in topics), g.links.requests(in_month)
        )
        rows.append(row)
    total = {"month": Cell.of("Total")}
    for topic, _ in topics:
        total[topic] = Cell.of(
            sum(counts.get((m, topic), 0) for m in months), g.links.requests(g.period, topic=topic)
        )
    total["total"] = Cell.of(sum(counts.values()), g.links.requests(g.period))
    rows.append(total)
    by_topic = Table(
        slug="requests-by-topic",
        title="Requests by topic and month",
        summary="Requests for help received each month, by what they were about.",
        columns=[
            Column("month", "Month", numeric=False),
            *(Column(topic, label) for topic, label in topics),
            Column("total", "All topics"),
        ],
        rows=rows,
        has_total_row=True,
        chart=Chart(category="month", series=[t for t, _ in topics], unit=("request", "requests")),
    )
    protect_table(by_topic, columns=[*(t for t, _ in topics), "total"], row_total="total")

    (times,) = response_times(requests=requests, periods=[g.period])
    below = threshold()
    contacted = Cell.of(times.contacted, g.links.requests(g.period, dated="contacted"))
    resolved = Cell.of(times.resolved, g.links.requests(g.period, dated="resolved"))
    withhold([contacted, resolved], below)
    # A median of fewer than N requests is near enough one resident's own.
    contact_days = Cell.of(times.first_contact_days)
    withhold_with(contact_days, contacted)
    resolution_days = Cell.of(times.resolution_days)
    withhold_with(resolution_days, resolved)
    speed = Table(
        slug="response-times",
        title="Time to first contact and to resolution",
        summary=(
            "The median days from a request arriving to its first contact, and to its "
            "resolution, over the requests first contacted (or resolved) in the period."
        ),
        columns=[
            Column("measure", "Measure", numeric=False),
            Column("days", "Median days"),
            Column("requests", "Requests counted"),
        ],
        rows=[
            {
                "measure": Cell.of("Time to first contact"),
                "days": contact_days,
                "requests": contacted,
            },
            {
                "measure": Cell.of("Time to resolution"),
                "days": resolution_days,
                "requests": resolved,
            },
        ],
    )
    return Section(
        slug="requests",
        title="Requests for help",
        paragraphs=[
            "Requests come from residents through the help form, by phone and at events; "
            "each is counted in the month it arrived."
        ],
        tables=[by_topic, speed],
    )


def _reach(g: Gathered, interactions: QuerySet[Interaction]) -> Section:
    months = g.period.months
    by_month = list(
        reversed(
            residents_reached_by_month(interactions=interactions, months=months, within=g.period)
        )
    )
    rows = []
    for r in by_month:
        link = g.links.interactions(_within(g.period, r.month))
        rows.append(
            {
                "month": Cell.of(_months_in_words(r.month)),
                "interactions": Cell.of(r.interactions, link),
                "residents": Cell.of(r.residents, link),
                "new_residents": Cell.of(r.new_residents, link),
            }
        )
    link = g.links.interactions(g.period)
    rows.append(
        {
            "month": Cell.of("Total"),
            "interactions": Cell.of(sum(r.interactions for r in by_month), link),
            "residents": Cell.of(sum(r.residents for r in by_month), link),
            "new_residents": Cell.of(sum(r.new_residents for r in by_month), link),
        }
    )
    table = Table(
        slug="residents-reached",
        title="Interactions and residents reached by month",
        summary=(
            "Meetings, calls and visits staff logged each month, the residents who took part, "
            "and how many of them were new to the NfC."
        ),
        columns=[
            Column("month", "Month", numeric=False),
            Column("interactions", "Interactions"),
            Column("residents", "Residents taking part"),
            Column("new_residents", "Of them new"),
        ],
        rows=rows,
        has_total_row=True,
        chart=Chart(category="month", series=["residents"], unit=("resident", "residents")),
        notes=[
            "A resident at two meetings counts twice: interactions count the people present, "
            "never their names."
        ],
    )
    protect_table(table, columns=["residents", "new_residents"])
    return Section(
        slug="reach",
        title="Interactions and residents reached",
        tables=[table],
    )


def _referrals(g: Gathered, referrals: QuerySet[Referral]) -> Section:
    outcomes = referral_outcomes(referrals=referrals, period=g.period)
    rows = [
        {
            "status": Cell.of(label),
            "referrals": Cell.of(
                outcomes.by_status[status], g.links.referrals(g.period, status=status)
            ),
        }
        for status, label in Referral.Status.choices
    ]
    rows.append(
        {
            "status": Cell.of("All referrals"),
            "referrals": Cell.of(sum(outcomes.by_status.values()), g.links.referrals(g.period)),
        }
    )
    table = Table(
        slug="referrals",
        title="Referrals to specialist partners, by where they stand",
        summary="Referrals asked for in the period, by their status when the report was made.",
        columns=[Column("status", "Status", numeric=False), Column("referrals", "Referrals")],
        rows=rows,
        has_total_row=True,
    )
    paragraphs = ["A referral sends an area's group to a partner for specialist help."]
    if outcomes.rated:
        paragraphs.append(
            f"Groups rated {outcomes.rated} of the referrals delivered: "
            f"{outcomes.average_rating} out of 5 on average."
        )
    return Section(
        slug="referrals",
        title="Referrals and their outcomes",
        paragraphs=paragraphs,
        tables=[table],
    )


def _events(g: Gathered) -> Section:
    registrations = Registration.objects.filter(area__in=g.areas.values("pk"))
    by_kind = attendance_by_kind(registrations=registrations, period=g.period)
    rows = [
        {
            "kind": Cell.of(row["label"]),
            "events": Cell.of(row["events"]),
            "people": Cell.of(row["people"], g.links.attendances(g.period, event_kind=row["kind"])),
            "areas": Cell.of(row["areas"]),
        }
        for row in by_kind
    ]
    rows.append(
        {
            "kind": Cell.of("All events"),
            "events": Cell.of(sum(row["events"] for row in by_kind)),
            "people": Cell.of(sum(row["people"] for row in by_kind), g.links.attendances(g.period)),
            # An area at two kinds of event is one area: not a sum.
            "areas": Cell.of(""),
        }
    )
    attendance = Table(
        slug="attendance",
        title="Events and who came, by kind of event",
        summary=(
            "People from the areas checked in at events that began in the period, "
            "by the kind of event, with how many events and how many areas they came from."
        ),
        columns=[
            Column("kind", "Kind of event", numeric=False),
            Column("events", "Events"),
            Column("people", "People who came"),
            Column("areas", "Areas they came from"),
        ],
        rows=rows,
        has_total_row=True,
    )
    protect_table(attendance, columns=["people"])
    connections = Connection.objects.filter(
        Q(area_a__in=g.areas.values("pk")) | Q(area_b__in=g.areas.values("pk"))
    )
    made = connections_made(connections=connections, period=g.period)
    # No links: the network page shows the last 12 months of every area,
    # not the report's period and areas, so it could not confirm these.
    connected = Table(
        slug="connections",
        title="Connections between areas",
        summary="Connections staff recorded between the areas and others in the period.",
        columns=[Column("what", "What", numeric=False), Column("count", "Count")],
        rows=[
            {"what": Cell.of("Connections recorded"), "count": Cell.of(made.recorded)},
            {"what": Cell.of("Of them followed up"), "count": Cell.of(made.followed_up)},
            {"what": Cell.of("Areas they joined"), "count": Cell.of(made.areas)},
        ],
    )
    return Section(
        slug="events",
        title="Events, attendance and connections between areas",
        paragraphs=["People are counted where they were checked in at the event."],
        tables=[attendance, connected],
    )


PEOPLE_MEASURES = ("residents_involved", "volunteers", "leaders", "leaders_trained")


def _measure_label(name: str) -> str:
    field = OutcomeRecord._meta.get_field(name)
    assert isinstance(field, models.Field)
    return str(field.verbose_name).capitalize()


@dataclass
class Outcomes:
    """The outcome records the report counts, by area id. Only the areas
    with a baseline and a quarterly record in the period (``both``) are
    added up, in every table and in the open data's totals alike, so no
    total differs from another by one area's figures."""

    baselines: dict[int, dict]
    latest: dict[int, dict]
    by_quarter: list[dict]
    # Of the areas in ``both``, those that recorded each quarter.
    recording: dict[datetime.date, list[int]]

    @property
    def both(self) -> list[int]:
        return [pk for pk in self.latest if pk in self.baselines]


def outcomes_of(areas: QuerySet[Area], period: Period) -> Outcomes:
    """Two queries: the baselines, and each area's quarterly records in
    the period (a few hundred rows: one per area and quarter), added up
    quarter by quarter here over the areas with a baseline."""
    measures = [*OutcomeRecord.COUNTS, *OutcomeRecord.PLANS]
    records = OutcomeRecord.objects.filter(area__in=areas.values("pk"))
    baselines = {
        row["area_id"]: row for row in records.baselines().values("area_id", *measures).order_by()
    }
    in_period = records.quarterly().filter(
        quarter__gte=quarter_start(period.start), quarter__lt=period.end
    )
    latest: dict[int, dict] = {}
    sums: dict[datetime.date, dict] = {}
    recording: dict[datetime.date, list[int]] = {}
    for row in in_period.values("area_id", "quarter", *measures).order_by("area_id", "quarter"):
        latest[row["area_id"]] = row
        if row["area_id"] not in baselines:
            continue
        quarter = sums.setdefault(
            row["quarter"], {"quarter": row["quarter"], "areas": 0, **dict.fromkeys(measures, 0)}
        )
        quarter["areas"] += 1
        for name in OutcomeRecord.COUNTS:
            quarter[name] += row[name]
        for name in OutcomeRecord.PLANS:
            quarter[name] += 1 if row[name] else 0
        recording.setdefault(row["quarter"], []).append(row["area_id"])
    return Outcomes(
        baselines=baselines,
        latest=latest,
        by_quarter=[sums[quarter] for quarter in sorted(sums)],
        recording=recording,
    )


# --- Counts of people, withheld once ----------------------------------------

# The counts of people the comparisons and the open data both publish.
COMPARED_PEOPLE = ("requests", "residents_reached", "event_attendances")
WHENS = ("baseline", "latest")


@dataclass
class Published:
    """The counts of people the report and its open data publish in more
    than one place: each area's (the open data's rows), their totals by
    region and by cohort (the comparisons), for all the areas, and the
    outcome records' sums. They are withheld once, over every total any
    output prints, so a cell withheld in one output cannot be worked out
    from the cells another shows."""

    areas: dict[tuple[int, str], Cell]
    # (table slug, group value, figure) -> the comparison's cell.
    compared: dict[tuple[str, object, str], Cell]
    # (measure, "baseline" or "latest") -> the "Outcomes against the baseline" cell.
    against: dict[tuple[str, str], Cell]
    # (quarter, measure) -> the "Outcomes quarter by quarter" cell.
    quarters: dict[tuple[datetime.date, str], Cell]


def _comparison_keys(report: Report) -> list[tuple[str, Callable[[Area], object]]]:
    """The comparison tables ``report`` prints: their slugs and each
    area's group in them (None for an area in none)."""
    keys: list[tuple[str, Callable[[Area], object]]] = []
    if report.kind in (Report.Kind.PROGRAMME, Report.Kind.COHORT):
        keys.append(("by-region", lambda area: area.region if area.region in Region else None))
    if report.kind in (Report.Kind.PROGRAMME, Report.Kind.REGION):
        keys.append(("by-cohort", lambda area: area.cohort if area.cohort in Cohort else None))
    return keys


def _publish(g: Gathered, outcomes: Outcomes, below: int) -> Published:
    areas: dict[tuple[int, str], Cell] = {}
    for area in g.area_rows:
        for name in COMPARED_PEOPLE:
            areas[area.pk, name] = Cell.of(getattr(g.figures[area.pk], name))
        for when, records in (("baseline", outcomes.baselines), ("latest", outcomes.latest)):
            record = records.get(area.pk)
            if record is not None:
                for name in PEOPLE_MEASURES:
                    areas[area.pk, f"{name}_{when}"] = Cell.of(record[name])
    groups: list[Group] = []
    compared: dict[tuple[str, object, str], Cell] = {}
    # A total over the same areas is one cell, wherever it is printed.
    totals: dict[tuple[frozenset[int], str], Cell] = {}

    def total_of(pks: list[int], name: str) -> Cell:
        key = (frozenset(pks), name)
        if key not in totals:
            totals[key] = Cell.of(sum(areas[pk, name].value for pk in pks))
            groups.append(Group([areas[pk, name] for pk in pks], totals[key]))
        return totals[key]

    everyone = [area.pk for area in g.area_rows]
    for name in COMPARED_PEOPLE:
        total_of(everyone, name)
    for slug, key in _comparison_keys(g.report):
        by_group: dict[object, list[int]] = {}
        for area in g.area_rows:
            value = key(area)
            if value is not None:
                by_group.setdefault(value, []).append(area.pk)
        counted = [pk for pks in by_group.values() for pk in pks]
        for name in COMPARED_PEOPLE:
            cells = {value: total_of(pks, name) for value, pks in by_group.items()}
            compared.update({(slug, value, name): cell for value, cell in cells.items()})
            whole = total_of(counted, name)
            compared[slug, None, name] = whole
            groups.append(Group(list(cells.values()), whole))
    against: dict[tuple[str, str], Cell] = {}
    quarters: dict[tuple[datetime.date, str], Cell] = {}
    both = outcomes.both
    for name in PEOPLE_MEASURES:
        for when in WHENS:
            against[name, when] = total_of(both, f"{name}_{when}")
        for sums in outcomes.by_quarter:
            quarter = sums["quarter"]
            recording = outcomes.recording[quarter]
            # An area's record of this quarter is published (in the open
            # data) only where it is the area's latest.
            latest = [pk for pk in recording if outcomes.latest[pk]["quarter"] == quarter]
            cell = Cell.of(sums[name])
            quarters[quarter, name] = cell
            groups.append(
                Group(
                    [areas[pk, f"{name}_latest"] for pk in latest],
                    cell,
                    unseen=len(recording) - len(latest),
                )
            )
    # Each area's count stands alone too (an area with a baseline and no
    # record in the period is in no total).
    withhold(areas.values(), below)
    protect_groups(groups, below)
    return Published(areas=areas, compared=compared, against=against, quarters=quarters)


def _outcomes(g: Gathered, outcomes: Outcomes, published: Published) -> Section:
    both = outcomes.both
    rows = []
    for name in [*OutcomeRecord.COUNTS, *OutcomeRecord.PLANS]:
        if name in OutcomeRecord.PLANS:
            baseline = sum(1 for pk in both if outcomes.baselines[pk][name])
            latest = sum(1 for pk in both if outcomes.latest[pk][name])
        else:
            baseline = sum(outcomes.baselines[pk][name] for pk in both)
            latest = sum(outcomes.latest[pk][name] for pk in both)
        if name in PEOPLE_MEASURES:
            # Withheld with the open data (_publish).
            baseline_cell = published.against[name, "baseline"]
            latest_cell = published.against[name, "latest"]
        else:
            baseline_cell, latest_cell = Cell.of(baseline), Cell.of(latest)
        row = {
            "measure": Cell.of(
                _measure_label(name) + (" (areas with one)" if name in OutcomeRecord.PLANS else "")
            ),
            "baseline": baseline_cell,
            "latest": latest_cell,
            "change": Cell.of(latest - baseline),
        }
        # A change beside a withheld figure would give it back.
        withhold_with(row["change"], row["baseline"])
        withhold_with(row["change"], row["latest"])
        rows.append(row)
    against = Table(
        slug="outcomes-against-baseline",
        title="Outcomes against the baseline",
        summary=(
            f"For the {_counted(len(both), 'area', 'areas')} with a baseline and a quarterly "
            "record in the period: "
            "their baselines, their latest records, and the change."
        ),
        columns=[
            Column("measure", "Measure", numeric=False),
            Column("baseline", "At the baseline"),
            Column("latest", "Latest record"),
            Column("change", "Change"),
        ],
        rows=rows,
    )
    quarter_rows = []
    for sums in outcomes.by_quarter:
        quarter = sums["quarter"]
        quarter_rows.append(
            {
                "quarter": Cell.of(quarter_label(quarter)),
                "areas": Cell.of(sums["areas"]),
                **{
                    name: published.quarters[quarter, name]
                    if name in PEOPLE_MEASURES
                    else Cell.of(sums[name])
                    for name in OutcomeRecord.COUNTS
                },
                "plans": Cell.of(sum(sums[name] for name in OutcomeRecord.PLANS)),
            }
        )
    over_time = Table(
        slug="outcomes-by-quarter",
        title="Outcomes quarter by quarter",
        summary=(
            "The quarterly records of the areas with a baseline added up, quarter by quarter, "
            "with how many areas recorded."
        ),
        columns=[
            Column("quarter", "Quarter", numeric=False),
            Column("areas", "Areas recording"),
            *(Column(name, _measure_label(name)) for name in OutcomeRecord.COUNTS),
            Column("plans", "Plans in place"),
        ],
        rows=quarter_rows,
        notes=[
            "A quarter's sums are of the areas with a baseline that recorded it: see the areas "
            "recording."
        ],
    )
    return Section(
        slug="outcomes",
        title="Outcomes against the baseline, and change over time",
        paragraphs=[
            "Each area records a baseline when it joins and then what its people have built each "
            "quarter, with the local group. Counts are of people and groups, never names; the "
            "narratives are left out of reports, as they may name people."
        ],
        tables=[against, over_time],
    )


def _funding(g: Gathered) -> Section:
    streams = funding_by_stream(areas=g.areas, period=g.period)
    rows = [
        {
            "stream": Cell.of(row["label"]),
            # Not linked: the area list shows every area that ever bid to a
            # stream, not those that bid in the period.
            "areas": Cell.of(row["areas"]),
            "bids": Cell.of(row["bids"]),
            "awarded": Cell.of(row["awarded"]),
            "sought": Cell.of(row["sought"]),
            "secured": Cell.of(row["secured"]),
        }
        for row in streams
    ]
    rows.append(
        {
            "stream": Cell.of("All streams"),
            "areas": Cell.of(""),
            "bids": Cell.of(sum(r["bids"] for r in streams)),
            "awarded": Cell.of(sum(r["awarded"] for r in streams)),
            "sought": Cell.of(sum((r["sought"] for r in streams), Decimal(0))),
            "secured": Cell.of(sum((r["secured"] for r in streams), Decimal(0))),
        }
    )
    table = Table(
        slug="funding",
        title="Funding by stream",
        summary=(
            "Bids submitted or decided in the period, by funding stream: money sought in bids "
            "submitted, money secured in awards decided."
        ),
        columns=[
            Column("stream", "Stream", numeric=False),
            Column("areas", "Areas bidding"),
            Column("bids", "Bids"),
            Column("awarded", "Awarded"),
            Column("sought", "Sought (£)"),
            Column("secured", "Secured (£)"),
        ],
        rows=rows,
        has_total_row=True,
        chart=Chart(category="stream", series=["secured"], unit=("pound", "pounds")),
    )
    return Section(slug="funding", title="Funding secured by stream", tables=[table])


COMPARED = [
    ("adviser_days", "Adviser days", False),
    ("worker_days", "Community worker days", False),
    ("days_due", "Days promised", False),
    ("requests", "Requests", True),
    ("interactions", "Interactions", False),
    ("residents_reached", "Residents reached", True),
    ("referrals", "Referrals", False),
    ("funding_secured", "Funding secured (£)", False),
    ("event_attendances", "People at events", True),
]


def _compare(
    g: Gathered,
    published: Published,
    *,
    slug: str,
    title: str,
    groups: list[tuple[object, str]],
    link_params: Callable[[object], dict],
) -> Table:
    key = dict(_comparison_keys(g.report))[slug]
    sums: dict[object, dict[str, Decimal]] = {
        value: {name: Decimal(0) for name, *_ in COMPARED} for value, _ in groups
    }
    counts: dict[object, int] = dict.fromkeys(sums, 0)
    for area in g.area_rows:
        group = key(area)
        if group is None:
            continue
        counts[group] += 1
        figures = g.figures[area.pk]
        for name, *_ in COMPARED:
            sums[group][name] += Decimal(getattr(figures, name))
    shown = [(value, label) for value, label in groups if counts[value]]

    def cells(
        group: object, total: dict[str, Decimal], areas: int, params: dict | None
    ) -> dict[str, Cell]:
        # Numbers of areas are not linked: the area list's region (and
        # cohort) filters take in wards outside the programme (and areas
        # that left it), so its count would not match.
        row = {"areas": Cell.of(areas)}
        for name, _, people in COMPARED:
            link = ""
            if params is not None:
                link = {
                    "adviser_days": lambda p: g.links.time(g.whole_months, role=Role.ADVISER, **p),
                    "worker_days": lambda p: g.links.time(
                        g.whole_months, role=Role.COMMUNITY_WORKER, **p
                    ),
                    "requests": lambda p: g.links.requests(g.period, **p),
                    "interactions": lambda p: g.links.interactions(g.period, **p),
                    "residents_reached": lambda p: g.links.interactions(g.period, **p),
                    "referrals": lambda p: g.links.referrals(g.period, **p),
                    "event_attendances": lambda p: g.links.attendances(g.period, **p),
                }.get(name, lambda p: "")(params)
            if people:
                # Withheld with the open data (_publish): one cell however
                # many tables print it.
                cell = published.compared[slug, group, name]
                row[name] = Cell(
                    value=cell.value,
                    link=link,
                    suppressed=cell.suppressed,
                    secondary=cell.secondary,
                )
                continue
            whole = name in ("interactions", "referrals")
            row[name] = Cell.of(int(total[name]) if whole else _one_place(total[name]), link)
        due = total["days_due"]
        given = total["adviser_days"] + total["worker_days"]
        row["share"] = Cell.of(round(float(given / due) * 100) if due else None)
        return row

    rows = [
        {"group": Cell.of(label), **cells(value, sums[value], counts[value], link_params(value))}
        for value, label in shown
    ]
    grand = {name: sum((sums[v][name] for v, _ in shown), Decimal(0)) for name, *_ in COMPARED}
    rows.append({"group": Cell.of("All"), **cells(None, grand, sum(counts.values()), None)})
    return Table(
        slug=slug,
        title=title,
        summary=f"The figures of the period, {title.lower().replace('comparison ', '')}.",
        columns=[
            Column("group", title.split(" by ")[-1].capitalize(), numeric=False),
            Column("areas", "Areas"),
            *(Column(name, label) for name, label, _ in COMPARED),
            Column("share", "Days given (% of promised)"),
        ],
        rows=rows,
        has_total_row=True,
    )


def _comparisons(g: Gathered, published: Published) -> Section | None:
    tables = []
    for slug, _ in _comparison_keys(g.report):
        if slug == "by-region":
            tables.append(
                _compare(
                    g,
                    published,
                    slug=slug,
                    title="Comparison by region",
                    groups=list(Region.choices),
                    link_params=lambda value: {"region": value},
                )
            )
        else:
            tables.append(
                _compare(
                    g,
                    published,
                    slug=slug,
                    title="Comparison by cohort",
                    groups=[(value, f"Cohort {label}") for value, label in Cohort.choices],
                    link_params=lambda value: {"cohort": str(value)},
                )
            )
    if not tables:
        return None
    return Section(
        slug="comparisons",
        title="Comparisons across cohorts and regions",
        paragraphs=[
            "Areas differ in how long they have been in the programme: a later cohort has had "
            "fewer months of support."
        ],
        tables=tables,
    )


def _context(g: Gathered) -> Section:
    """IMD 2019 for the report's areas beside the 'left behind' wards outside
    the programme: one query."""
    ours = Q(pk__in=g.areas.values("pk"))
    others = ~Q(pk__in=Area.objects.in_programme().values("pk"))
    if g.report.kind in (Report.Kind.REGION, Report.Kind.AREA):
        region = g.report.region or _the_area(g.report).region
        others &= Q(region=region)
    figures = Area.objects.aggregate(
        **{
            f"{prefix}_{name}": aggregate
            for prefix, where in (("ours", ours), ("others", others))
            for name, aggregate in {
                "wards": Count("pk", filter=where),
                "imd_rank": Avg("imd_rank", filter=where),
                "population": Sum("population", filter=where),
                "deprived_people": Sum("population_most_deprived", filter=where),
                "small_areas": Sum("small_areas", filter=where),
                "deprived_small_areas": Sum("small_areas_most_deprived", filter=where),
                "cni_rank": Avg("cni_rank", filter=where),
            }.items()
        }
    )

    def share(part, whole) -> float | None:
        return round(part / whole * 100, 1) if part is not None and whole else None

    def row(prefix: str, label: str) -> dict[str, Cell]:
        f = {
            name.removeprefix(f"{prefix}_"): v
            for name, v in figures.items()
            if name.startswith(prefix)
        }
        return {
            "group": Cell.of(label),
            "wards": Cell.of(f["wards"]),
            "imd_rank": Cell.of(round(f["imd_rank"]) if f["imd_rank"] is not None else None),
            "cni_rank": Cell.of(round(f["cni_rank"]) if f["cni_rank"] is not None else None),
            "small_areas": Cell.of(share(f["deprived_small_areas"], f["small_areas"])),
            "people": Cell.of(share(f["deprived_people"], f["population"])),
        }

    where = "in the same region" if g.report.kind in (Report.Kind.REGION, Report.Kind.AREA) else ""
    table = Table(
        slug="comparison-group",
        title="Context: the areas beside other 'left behind' wards",
        summary=(
            "Public indicators (Index of Multiple Deprivation 2019, Community Needs Index) for "
            "the report's areas and for the 'left behind' wards outside the programme."
        ),
        columns=[
            Column("group", "Wards", numeric=False),
            Column("wards", "Number of wards"),
            Column("imd_rank", "Average IMD 2019 rank (1 is most deprived)"),
            Column("cni_rank", "Average Community Needs Index rank"),
            Column("small_areas", "Small areas in the most deprived 10% (%)"),
            Column("people", "People living in them (%)"),
        ],
        rows=[
            row("ours", "This report's areas"),
            row(
                "others",
                " ".join(filter(None, ["'Left behind' wards outside the programme", where])),
            ),
        ],
        notes=[
            "This is context, not proof of impact: the wards outside the programme were not "
            "chosen to match, and these indicators were measured before the programme began."
        ],
    )
    return Section(
        slug="context",
        title="Context: a comparison group",
        paragraphs=[
            "How the report's areas stood, on public indicators, beside the other 'left behind' "
            "wards. Context, not proof of impact."
        ],
        tables=[table],
    )


# The areas a method note names before it says "and N more".
NAMED = 20


def _names(names: list[str]) -> str:
    more = len(names) - NAMED
    return "; ".join(names[:NAMED]) + (f"; and {more} more" if more > 0 else "")


def _missing(g: Gathered) -> tuple[list[tuple[str, int]], int]:
    """The areas missing quarterly outcome records in the period, with how
    many each, and the quarters due in all: what the adviser's home page
    and the dashboard say is due (evaluation.outcomes), cut to the period."""
    first = quarter_start(g.period.start)
    missing: list[tuple[str, int]] = []
    due_total = 0
    owed = outcomes_due(areas=g.area_rows, today=g.today)
    for area in g.area_rows:
        # A quarter recorded early (the one under way) is not yet due.
        due = [
            item
            for item in owed[area.pk].quarters
            if first <= item.quarter < g.period.end
            and (not item.recorded or add_months(item.quarter, 3) <= g.today)
        ]
        due_total += len(due)
        gaps = sum(1 for item in due if not item.recorded)
        if gaps:
            missing.append((area.name, gaps))
    return missing, due_total


def _method(g: Gathered, outcomes: Outcomes, content: ReportContent) -> list[str]:
    below = threshold()
    missing, due_total = _missing(g)
    without_baseline = [a.name for a in g.area_rows if a.pk not in outcomes.baselines]
    notes = [
        "Sources: the portal's own records: staff time records (days of support), requests for "
        "help and their status changes, interactions, referrals, funding bids, event check-ins "
        "and connections, and the outcome records areas keep with their advisers. Each figure "
        "is counted from the records with the same filters as the list it links to.",
        f"Coverage: {_counted(len(g.area_rows), 'area', 'areas')} "
        f"({'in the programme' if g.report.kind != Report.Kind.AREA else 'this area'}), "
        f"from {g.period.start:%-d %B %Y} to {(g.period.end - DAY):%-d %B %Y}. Requests not yet "
        "matched to an area are not counted. Days are counted by whole months.",
    ]
    if missing:
        listed = _names([f"{name} ({n})" for name, n in missing])
        notes.append(
            f"Gaps: {_counted(len(missing), 'area is', 'areas are')} missing quarterly outcome "
            f"records ({sum(n for _, n in missing)} of the "
            f"{_counted(due_total, 'quarter', 'quarters')} due): {listed}."
        )
    else:
        notes.append(
            "Gaps: no quarterly outcome records missing "
            f"({_counted(due_total, 'quarter', 'quarters')} due)."
        )
    if without_baseline:
        notes.append(
            f"{_counted(len(without_baseline), 'area has', 'areas have')} no baseline, and "
            f"{'is' if len(without_baseline) == 1 else 'are'} left out of the outcome sums: "
            f"{_names(without_baseline)}."
        )
    withheld = count_withheld(content.tables())
    notes.append(
        f"Suppression: counts of people (requests, residents, people at events, volunteers, "
        f'leaders) from 1 to {below - 1} are withheld and shown as "fewer than {below}"; where a '
        "total would give a withheld count back, the next smallest count is withheld too, "
        'shown as "withheld" (it may be larger), as are the medians and changes resting on a '
        "withheld count. "
        f"Noughts are shown, as they say nobody was counted. {withheld} figures were withheld "
        "in this report. Days, money and numbers of areas are not withheld. The open data is "
        "withheld together with the report's totals, over the same areas, so neither gives "
        "back what the other withholds."
    )
    notes.append(
        "Links: in the portal each figure links to the list of the records it counts, for "
        "staff who may read those records already. Suppression protects what leaves the "
        "portal (this report as a PDF or workbook, and the open data) and the page as read by "
        "someone who may not open the records; a withheld figure has no link, nor has any "
        "figure whose list would show a withheld count."
    )
    notes.append(
        "No resident's personal data is in this report: it holds counts, never names. The "
        "narratives of the outcome records are left out, as they may name people."
    )
    notes.append(
        "The comparison group is context, not proof of impact: public indicators (IMD 2019) of "
        "the 'left behind' wards outside the programme, which were not chosen to match."
    )
    return notes


def _gathered(report: Report, today: datetime.date | None = None) -> Gathered:
    period = report.period
    areas = scope_areas(report)
    today = today or timezone.localdate()
    delivered = deliveries(areas=areas, period=period, today=today)
    return Gathered(
        report=report,
        period=period,
        areas=areas,
        area_rows=[d.area for d in delivered.values()],
        figures=figures_from(areas=areas, period=period, delivered=delivered),
        links=Links(scope_filters(report)),
        delivered=delivered,
        today=today,
    )


def _unlink_withheld(content: ReportContent) -> None:
    """No link beside a withheld count to the very list that counts it (a
    row's interactions and residents share one): the list would show the
    count the cell withholds. Staff who follow links may read those
    records anyway; the link is dropped so the page says nothing the
    exports do not."""
    withheld = {
        cell.link
        for table in content.tables()
        for row in table.rows
        for cell in row.values()
        if cell.suppressed and cell.link
    }
    for table in content.tables():
        for row in table.rows:
            for cell in row.values():
                if cell.link in withheld:
                    cell.link = ""


OpenData = tuple[list[str], list[list]]


def build(report: Report) -> tuple[ReportContent, OpenData]:
    """Every figure of ``report``, for its scope and period, and its open
    data: gathered once (one "today"), the counts of people withheld once
    for both."""
    g = _gathered(report)
    in_scope = g.areas.values("pk")
    outcomes = outcomes_of(g.areas, g.period)
    below = threshold()
    published = _publish(g, outcomes, below)
    sections = [
        _delivery(g),
        _requests(g, SupportRequest.objects.filter(area__in=in_scope)),
        _reach(g, Interaction.objects.filter(area__in=in_scope)),
        _referrals(g, Referral.objects.filter(area__in=in_scope)),
        _events(g),
        _outcomes(g, outcomes, published),
        _funding(g),
    ]
    compared = _comparisons(g, published)
    if compared:
        sections.append(compared)
    sections.append(_context(g))
    content = ReportContent(
        title=f"Evaluation report: {report.scope_label}",
        scope=report.scope_label,
        period=report.period_label,
        sections=sections,
        suppress_below=below,
    )
    _unlink_withheld(content)
    content.method = _method(g, outcomes, content)
    return content, _open_data(g, outcomes, published, below)


# --- Open data --------------------------------------------------------------


def _open_data(g: Gathered, outcomes: Outcomes, published: Published, below: int) -> OpenData:
    """Area-level figures fit to publish (withheld with the report's
    totals, _publish): a header and one row per area. A withheld count is
    written as "fewer than N", or "withheld" where it is withheld to
    protect another."""

    def shown(area: Area, name: str):
        cell = published.areas[area.pk, name]
        return cell.withheld_text(below) if cell.suppressed else cell.value

    figure_names = [
        "adviser_days",
        "worker_days",
        "days_due",
        "requests",
        "interactions",
        "residents_reached",
        "referrals",
        "funding_applied",
        "funding_secured",
        "event_attendances",
    ]
    header = [
        "ward_code",
        "area",
        "region",
        "cohort",
        "period_start",
        "period_end",
        *figure_names,
    ]
    for name in OutcomeRecord.COUNTS:
        header += [f"{name}_baseline", f"{name}_latest"]
    header += ["plans_baseline", "plans_latest", "latest_quarter"]
    rows = []
    for area in g.area_rows:
        figures = g.figures[area.pk]
        row: list = [
            area.ward_code,
            area.name,
            area.get_region_display(),
            area.cohort or "",
            g.period.start.isoformat(),
            (g.period.end - DAY).isoformat(),
        ]
        for name in figure_names:
            value = getattr(figures, name)
            if name in COMPARED_PEOPLE:
                row.append(shown(area, name))
            elif isinstance(value, Decimal):
                row.append(_one_place(value) if "days" in name else float(value))
            else:
                row.append(value)
        baseline = outcomes.baselines.get(area.pk)
        latest = outcomes.latest.get(area.pk)
        for name in OutcomeRecord.COUNTS:
            for when, record in (("baseline", baseline), ("latest", latest)):
                if record is None:
                    row.append("")
                elif name in PEOPLE_MEASURES:
                    row.append(shown(area, f"{name}_{when}"))
                else:
                    row.append(record[name])
        for record in (baseline, latest):
            row.append(sum(int(record[name]) for name in OutcomeRecord.PLANS) if record else "")
        row.append(latest["quarter"].isoformat() if latest else "")
        rows.append(row)
    return header, rows
