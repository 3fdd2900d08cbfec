"""Reads for casework: signposting, search, timelines, and the figures
about requests and actions that the dashboard and the reports count.

The figures take a queryset (of requests, or of areas) and dates, never a
person: whoever calls them has already narrowed the queryset to what its
reader may see.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from areas.models import Area
from casework.models import (
    REQUEST_AGES,
    Action,
    Interaction,
    Referral,
    ResidentMessage,
    Signposting,
    SpamCount,
    StatusChange,
    SupportRequest,
    SupportRequestQuerySet,
    age_band,
    first_contact_deadline,
)
from nfc.aggregates import MedianSeconds
from nfc.periods import Period, add_months, start_of_day

DEFAULT_SIGNPOSTING = (
    "Your local council's community or voluntary sector team can tell you about "
    "groups near you. Your local Council for Voluntary Service (CVS) helps "
    "community groups with advice, training and funding. Citizens Advice can "
    "help with problems of your own, like money or housing."
)


def signposting_text() -> str:
    """Who else can help, for a resident outside the NfC's areas."""
    latest = Signposting.objects.first()
    return latest.text if latest else DEFAULT_SIGNPOSTING


SEARCH_LIMIT = 50


# What each model is searched on. A migration (0012) indexes the same
# expressions on PostgreSQL, so a search reads a GIN index instead of
# working out every row's words.
REQUEST_SEARCH_FIELDS = ["reference", "description", "group_name"]
INTERACTION_SEARCH_FIELDS = ["notes", "next_steps"]


def search_vector(fields: list[str]) -> SearchVector:
    return SearchVector(*fields, config="english")


def _matching(queryset, text: str, fields: list[str], *, newest_first: tuple[str, ...] = ()):
    """Rows whose ``fields`` match ``text``: PostgreSQL's full-text search
    (stemmed English, web-search syntax), or a plain case-insensitive match
    on the local SQLite default. Best matches first, or newest first by
    ``newest_first`` fields: ranking needs every match's words worked out
    again, which a common word in a million notes makes slow."""
    order = [f"-{name}" for name in (*newest_first, "pk")]
    if connection.vendor == "postgresql":
        vector = search_vector(fields)
        query = SearchQuery(text, config="english", search_type="websearch")
        matches = queryset.alias(search=vector).filter(search=query)
        if newest_first:
            return matches.order_by(*order)
        return matches.annotate(rank=SearchRank(vector, query)).order_by("-rank", "-pk")
    match = Q()
    for field in fields:
        match |= Q(**{f"{field}__icontains": text})
    return queryset.filter(match).order_by(*order)


def casework_search(*, user, text: str) -> dict[str, list | bool]:
    """Requests and interactions within ``user``'s scope that match ``text``
    (at most SEARCH_LIMIT of each), and whether each had more."""
    text = text.strip()
    if not text:
        return {
            "requests": [],
            "interactions": [],
            "more_requests": False,
            "more_interactions": False,
        }
    requests = _matching(
        SupportRequest.objects.visible_to(user).select_related("area", "assigned_to"),
        text,
        REQUEST_SEARCH_FIELDS,
    )
    interactions = _matching(
        Interaction.objects.visible_to(user).select_related("area", "logged_by"),
        text,
        INTERACTION_SEARCH_FIELDS,
        newest_first=("date",),
    )
    # One more than is shown, to know whether there were more.
    found_requests = list(requests[: SEARCH_LIMIT + 1])
    found_interactions = list(interactions[: SEARCH_LIMIT + 1])
    return {
        "requests": found_requests[:SEARCH_LIMIT],
        "interactions": found_interactions[:SEARCH_LIMIT],
        "more_requests": len(found_requests) > SEARCH_LIMIT,
        "more_interactions": len(found_interactions) > SEARCH_LIMIT,
    }


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str
    text: str
    by: str = ""
    # What comes next, kept apart so a long note never cuts it off.
    next_steps: str = ""


def _midday(day: datetime.date) -> datetime.datetime:
    # Dated records (an interaction) sort among timed ones (a status change).
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _interaction_text(interaction: Interaction) -> str:
    """An interaction in one line: what, how long, with how many, about what,
    and what was said."""
    facts = []
    if interaction.minutes:
        facts.append(f"{interaction.minutes} min")
    if interaction.residents:
        facts.append(f"{interaction.residents} resident{'' if interaction.residents == 1 else 's'}")
    facts.extend(interaction.topic_labels)
    text = interaction.get_kind_display() + (f" ({'; '.join(facts)})" if facts else "")
    if interaction.notes:
        text += f": {interaction.notes}"
    return text


def timeline(*, area=None, support_request=None, limit: int = 100) -> list[TimelineEntry]:
    """What happened, newest first: status changes, interactions, actions,
    referrals and residents' messages for a request, or all of an area's. A fixed number of
    queries, each capped at ``limit``."""
    where = {"support_request": support_request} if support_request else {"area": area}
    entries = [
        TimelineEntry(
            _midday(i.date), "Interaction", _interaction_text(i), str(i.logged_by), i.next_steps
        )
        for i in Interaction.objects.filter(**where)
        .select_related("logged_by")
        .order_by("-date", "-pk")[:limit]
    ]
    for action in (
        Action.objects.filter(**where).select_related("owner").order_by("-created_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                action.created_at,
                "Action set",
                f"{action.description} (by {action.due_on:%-d %b %Y})",
                str(action.owner),
            )
        )
        if action.done_at:
            entries.append(
                TimelineEntry(action.done_at, "Action done", action.description, str(action.owner))
            )
    changes = StatusChange.objects.select_related("changed_by", "support_request")
    changes = (
        changes.filter(support_request=support_request)
        if support_request
        else changes.filter(support_request__area=area)
    )
    for change in changes[:limit]:
        label = f"{change.support_request.reference}: " if not support_request else ""
        moved = f"{change.get_from_status_display()} → {change.get_to_status_display()}"
        note = f": {change.note}" if change.note else ""
        entries.append(
            TimelineEntry(
                change.changed_at, "Status", f"{label}{moved}{note}", str(change.changed_by or "")
            )
        )
    messages = ResidentMessage.objects.all()
    messages = (
        messages.filter(support_request=support_request)
        if support_request
        else messages.filter(support_request__area=area)
    )
    for message in messages.select_related("support_request")[:limit]:
        entries.append(
            TimelineEntry(
                message.created_at, "Message from the resident", message.support_request.reference
            )
        )
    for referral in Referral.objects.filter(**where).select_related("partner")[:limit]:
        entries.append(
            TimelineEntry(
                _midday(referral.last_step_on),
                "Referral",
                f"{referral.partner}: {referral.get_status_display()}",
            )
        )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]


# --- Figures ------------------------------------------------------------------


@dataclass
class AgeRow:
    """Open requests in one status, by age band."""

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


def open_requests_by_age(*, requests: SupportRequestQuerySet, now: datetime.datetime):
    """Open requests by status and age, and how many are past the response
    target (new ones only): one query."""
    buckets = {key: Count("pk", filter=age_band(key, now)) for key, *_ in REQUEST_AGES}
    rows = {
        row["status"]: row
        for row in requests.open()
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


@dataclass(frozen=True)
class ResponseTimes:
    """Median days to first contact and to resolution over one period, and
    how many requests each median is taken over."""

    period: Period
    first_contact_days: float | None
    contacted: int
    resolution_days: float | None
    resolved: int


def response_times(
    *, requests: QuerySet[SupportRequest], periods: Sequence[Period]
) -> list[ResponseTimes]:
    """For each period: the median days from a request's arrival to its
    first contact (first leaving "new") and to its resolution, counting the
    requests first contacted (or resolved) in that period. One aggregate."""
    earliest = start_of_day(min(period.start for period in periods))
    # Only the periods' rows: the indexes on both dates find them.
    recent = Q(first_contact_at__gte=earliest) | Q(resolved_at__gte=earliest)
    aggregates: dict[str, Aggregate] = {}
    for n, period in enumerate(periods):
        contacted = Q(
            first_contact_at__gte=period.start_moment, first_contact_at__lt=period.end_moment
        )
        resolved = Q(resolved_at__gte=period.start_moment, resolved_at__lt=period.end_moment)
        aggregates |= {
            f"contact{n}": MedianSeconds("first_contact_at", "created_at", filter=contacted),
            f"contacted{n}": Count("pk", filter=contacted),
            f"resolution{n}": MedianSeconds("resolved_at", "created_at", filter=resolved),
            f"resolved{n}": Count("pk", filter=resolved),
        }
    figures = requests.filter(recent).aggregate(**aggregates)

    def days(seconds):
        return None if seconds is None else round(seconds / 86400, 1)

    return [
        ResponseTimes(
            period=period,
            first_contact_days=days(figures[f"contact{n}"]),
            contacted=figures[f"contacted{n}"],
            resolution_days=days(figures[f"resolution{n}"]),
            resolved=figures[f"resolved{n}"],
        )
        for n, period in enumerate(periods)
    ]


def requests_by_month(
    *, requests: QuerySet[SupportRequest], months: list[datetime.date]
) -> dict[tuple[datetime.date, str], int]:
    """New requests by month and topic: {(month, topic): count}, over
    ``months`` (consecutive first days of months)."""
    rows = (
        requests.filter(
            created_at__gte=start_of_day(months[0]),
            created_at__lt=start_of_day(add_months(months[-1], 1)),
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month", "topic")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[datetime.date, str], int] = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        counts[(month, row["topic"])] = counts.get((month, row["topic"]), 0) + row["n"]
    return counts


@dataclass(frozen=True)
class ResidentsReached:
    month: datetime.date
    interactions: int
    residents: int
    new_residents: int


def residents_reached_by_month(
    *, interactions: QuerySet[Interaction], months: list[datetime.date]
) -> list[ResidentsReached]:
    """Interactions and the residents who took part in them (and how many
    were new to us), by month over ``months``, newest first: one query.
    A resident at two meetings counts twice: interactions count people
    present, not names."""
    rows = {
        row["month"]: row
        for row in interactions.filter(date__gte=months[0], date__lt=add_months(months[-1], 1))
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("pk"), residents=Sum("residents"), new=Sum("new_residents"))
        .order_by()
    }
    return [
        ResidentsReached(
            month=month,
            interactions=rows.get(month, {}).get("n", 0),
            residents=rows.get(month, {}).get("residents") or 0,
            new_residents=rows.get(month, {}).get("new") or 0,
        )
        for month in reversed(months)
    ]


def overdue_actions_by_owner(*, areas: QuerySet[Area], today: datetime.date) -> list[dict]:
    """Open actions past their due date in ``areas``, counted by owner."""
    return list(
        Action.objects.open()
        .filter(due_on__lt=today, area__in=areas.values("pk"))
        .values("owner_id", "owner__full_name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "owner__full_name")
    )


def _count_per_area(queryset: QuerySet) -> Coalesce:
    """A correlated count of ``queryset``'s rows for the outer area."""
    counted = queryset.filter(area=OuterRef("pk")).order_by().values("area").annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n")), Value(0), output_field=IntegerField())


def overdue_per_area(*, now: datetime.datetime) -> dict[str, Coalesce]:
    """Annotations for a queryset of areas: each area's requests past the
    response target, overdue actions, and referral outcomes not recorded in
    time (NFC_OUTCOME_DUE_DAYS after delivery)."""
    today = timezone.localdate(now)
    return {
        "overdue_requests": _count_per_area(SupportRequest.objects.overdue(now)),
        "overdue_actions": _count_per_area(Action.objects.open().filter(due_on__lt=today)),
        "overdue_outcomes": _count_per_area(Referral.objects.outcome_overdue(today)),
    }


def turned_away_by_reason(*, period: Period) -> list[dict]:
    """How many help-form posts were turned away in ``period``, by reason
    (every reason listed, with noughts): counted, never stored."""
    counts = dict(
        SpamCount.objects.filter(day__gte=period.start, day__lt=period.end)
        .values("reason")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("reason", "n")
    )
    return [
        {"reason": reason, "label": label, "count": counts.get(reason, 0)}
        for reason, label in SpamCount.Reason.choices
    ]
