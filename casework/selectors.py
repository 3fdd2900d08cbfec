"""Reads for casework: signposting, search, timelines, and the figures
about requests and actions that the dashboard and the reports count.

The figures take a queryset (of requests, or of areas) and dates, never a
person: whoever calls them has already narrowed the queryset to what its
reader may see.
"""

import datetime
import re
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Avg,
    CharField,
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS_3

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
    Topic,
    age_band,
    first_contact_deadline,
)
from nfc.aggregates import MedianSeconds
from nfc.periods import Period, add_months, minutes_in_words, start_of_day
from nfc.statements import STAND_IN_DAY, Statement, stand_in_ids
from nfc.text import without_direction_controls

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


# --- Search -------------------------------------------------------------------

SEARCH_PAGE_SIZE = 20
# Past this many matches of a kind, the count says "more than 1,000": to
# narrow a search, add words.
SEARCH_COUNT_LIMIT = 1000
# How many days back _search_page looks first, when a kind has more
# matches than are counted.
SEARCH_WINDOWS_DAYS = (7, 92, 1096)


@dataclass(frozen=True)
class SearchKind:
    """One kind of record that search looks in: its words (``fields``; a
    migration indexes the same expressions on PostgreSQL, or a search would
    work out every row's words) and the date its results are ordered by."""

    key: str
    label: str
    fields: tuple[str, ...]
    dated_by: str


SEARCH_KINDS = (
    SearchKind("requests", "Requests", ("reference", "description", "group_name"), "created_at"),
    SearchKind("messages", "Residents' messages", ("text",), "created_at"),
    SearchKind("interactions", "Interactions", ("notes", "next_steps"), "date"),
    SearchKind("actions", "Follow-up actions", ("description",), "created_at"),
    SearchKind("referrals", "Referrals", ("help_asked", "outcome"), "requested_on"),
)
SEARCH_KIND_LABELS = {kind.key: kind.label for kind in SEARCH_KINDS}


@dataclass(frozen=True)
class SearchTerm:
    """A word or a quoted phrase, to find or (``exclude``) to leave out."""

    text: str
    exclude: bool = False


# A quoted phrase (its closing quote may be missing) or a word, either
# perhaps after a minus sign.
_TERM = re.compile(r'(-?)(?:"([^"]*)"?|(\S+))')


# Stripped from a term's ends, as full-text search ignores them: "allotment,"
# finds "allotment.". Inner ones stay (co-op, St Anne's).
_EDGE_PUNCTUATION = "-.,;:!?()[]{}'\u2018\u2019\u201c\u201d"


def search_terms(text: str) -> list[list[SearchTerm]]:
    """``text`` read as PostgreSQL's web-search syntax reads it: words and
    "quoted phrases", all of which must be there; -word or -"a phrase" to
    leave out; "or" between alternatives. Groups of terms, one per
    alternative."""
    groups: list[list[SearchTerm]] = [[]]
    for minus, phrase, word in _TERM.findall(text):
        if not phrase and word.lower() == "or" and not minus:
            groups.append([])
            continue
        words = " ".join((phrase or word).replace('"', " ").split())
        words = words.strip(_EDGE_PUNCTUATION)
        if words:
            groups[-1].append(SearchTerm(words, exclude=bool(minus)))
    return [group for group in groups if group]


ONLY_LEFT_OUT = (
    "Say what to find as well as what to leave out: for example orchard -garden, not -garden alone."
)
ONLY_COMMON_WORDS = (
    "Very common words (the, and, of) are left out of a search: "
    "add a word that says what you are looking for."
)


def search_problem(groups: list[list[SearchTerm]]) -> str:
    """Why ``groups`` cannot be searched for, or "" if they can: each
    alternative needs something to find, not only things to leave out (and
    a search for everything without a word would read every row)."""
    if not groups:
        return "Type a word or a phrase to find."
    if any(all(term.exclude for term in group) for group in groups):
        return ONLY_LEFT_OUT
    return ""


def _postgresql_problem(text: str) -> str:
    """The same, as PostgreSQL reads ``text``: it leaves out very common
    words, so "the -orchard" is only "-orchard", which would read every
    row (15 s on the bench's data). querytree() is the part of the query
    an index can answer: 'T' when none is, empty when no word is left."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT querytree(websearch_to_tsquery('english', %s))", [text])
        (tree,) = cursor.fetchone()
    if tree == "T":
        return ONLY_LEFT_OUT
    return ONLY_COMMON_WORDS if not tree else ""


def _matching(queryset, text: str, fields, groups: list[list[SearchTerm]]):
    """Rows whose ``fields`` match ``text``: PostgreSQL's full-text search
    (stemmed English, web-search syntax), or on the local SQLite default a
    case-insensitive match of the same terms' exact letters."""
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config="english", search_type="websearch")
        return queryset.alias(search=SearchVector(*fields, config="english")).filter(search=query)

    def contains(term: SearchTerm) -> Q:
        found = Q()
        for name in fields:
            found |= Q(**{f"{name}__icontains": term.text})
        return found

    match = Q()
    for group in groups:
        every = Q()
        for term in group:
            every &= ~contains(term) if term.exclude else contains(term)
        match |= every
    return queryset.filter(match)


def search_within(queryset: QuerySet, *, kind: str, text: str) -> tuple[QuerySet, str]:
    """``queryset`` (of the model of SEARCH_KINDS' ``kind``) narrowed to the
    rows the search page would find for ``text``, and why ``text`` cannot be
    searched for ("" when it can): the API's ``?search=`` reads words as the
    search page does."""
    text = " ".join(text.split())
    groups = search_terms(text)
    problem = search_problem(groups)
    if not problem and connection.vendor == "postgresql":
        problem = _postgresql_problem(text)
    if problem:
        return queryset.none(), problem
    fields = next(each.fields for each in SEARCH_KINDS if each.key == kind)
    return _matching(queryset, text, fields, groups), ""


def _search_scopes(user) -> dict[str, QuerySet]:
    """What ``user`` may find of each kind: what the pages each result
    links to would show them."""
    return {
        "requests": SupportRequest.objects.visible_to(user),
        "messages": ResidentMessage.objects.visible_to(user),
        "interactions": Interaction.objects.visible_to(user, areas_listed=True),
        # A person's own actions elsewhere are theirs to close (visible_to),
        # but only the open ones are on a page they can open: My actions.
        "actions": Action.objects.visible_to(user).filter(
            Q(area__in=Area.objects.visible_to(user)) | Q(owner=user, done_at__isnull=True)
        ),
        "referrals": Referral.objects.visible_to(user),
    }


# What search.html shows of each kind's rows; a person's name is their
# full name or else their e-mail address (User.__str__).
_STAFF = ("full_name", "email")
_SHOWN = {
    "requests": (
        "reference",
        "created_at",
        "status",
        "group_name",
        "description",
        "area__name",
        *(f"assigned_to__{name}" for name in _STAFF),
    ),
    "messages": (
        "created_at",
        "text",
        "support_request__reference",
        "support_request__area__name",
    ),
    "interactions": (
        "date",
        "kind",
        "minutes",
        "residents",
        "new_residents",
        "topics",
        "notes",
        "next_steps",
        "area__ward_code",
        "area__name",
        "support_request__reference",
        *(f"logged_by__{name}" for name in _STAFF),
    ),
    "actions": (
        "created_at",
        "description",
        "done_at",
        "due_on",
        "area__ward_code",
        "area__name",
        "support_request__reference",
        *(f"owner__{name}" for name in _STAFF),
    ),
    "referrals": (
        "requested_on",
        "status",
        "help_asked",
        "outcome",
        "area__name",
        "partner__name",
        "support_request__reference",
    ),
}


def _search_results(scope: QuerySet, kind: str, ids: list[int], user) -> dict[int, object]:
    """The found rows of one kind, by id, with what their results show (and
    nothing else: an area's notes, a request's contact details)."""
    related = {
        "requests": ("area", "assigned_to"),
        "messages": ("support_request__area",),
        "interactions": ("area", "logged_by", "support_request"),
        "actions": ("area", "owner", "support_request"),
        "referrals": ("area", "partner", "support_request"),
    }[kind]
    rows = scope.filter(pk__in=ids).select_related(*related).only(*_SHOWN[kind])
    if kind == "actions":
        # Whether the action's area page would open for them: else it is
        # shown under My actions.
        rows = rows.annotate(
            area_visible=Exists(Area.objects.visible_to(user).filter(pk=OuterRef("area")))
        )
    return {row.pk: row for row in rows}


@dataclass(frozen=True)
class SearchHit:
    """A found row, and which of SEARCH_KINDS it is."""

    kind: str
    item: object


@dataclass
class SearchResults:
    """One page of what matched, newest first, and how many matched of
    each kind (all of them, not only this page's)."""

    text: str
    kind: str = ""
    problem: str = ""
    hits: list[SearchHit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    number: int = 1
    page_size: int = SEARCH_PAGE_SIZE

    @property
    def total(self) -> int:
        """How many matched, of every kind (as counted: see
        SEARCH_COUNT_LIMIT)."""
        return sum(self.counts.values())

    @property
    def count(self) -> int:
        """How many matched of the chosen kind (or of every kind)."""
        return self.counts.get(self.kind, 0) if self.kind else self.total

    def _in_words(self, kinds) -> str:
        """How many of ``kinds`` matched, "more than" the counted ones when
        any kind had more matches than are counted."""
        counts = [self.counts.get(each, 0) for each in kinds]
        if any(count > SEARCH_COUNT_LIMIT for count in counts):
            return f"more than {sum(min(count, SEARCH_COUNT_LIMIT) for count in counts):,}"
        return f"{sum(counts):,}"

    @property
    def total_words(self) -> str:
        return self._in_words(SEARCH_KIND_LABELS)

    @property
    def count_words(self) -> str:
        return self._in_words([self.kind] if self.kind else SEARCH_KIND_LABELS)

    @property
    def capped(self) -> bool:
        """More matched than are counted, so the pages stop short of the
        oldest: the page says to add words."""
        return self.count_words.startswith("more")

    @property
    def pages_words(self) -> str:
        """How many pages, "listed" when more matched than are counted: the
        pages go as far as the count, and no further."""
        if self.capped:
            return f"{self.num_pages} listed"
        return str(self.num_pages)

    @property
    def kind_label(self) -> str:
        return SEARCH_KIND_LABELS.get(self.kind, "")

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.hits else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.hits)

    @property
    def kinds(self) -> list[tuple[str, str, str]]:
        """Each kind's key, words and count in words ("" for none), for
        choosing what to show."""
        return [
            (k.key, k.label, self._in_words([k.key]) if self.counts.get(k.key) else "")
            for k in SEARCH_KINDS
        ]


def casework_search(*, user, text: str, kind: str = "", page: int = 1) -> SearchResults:
    """What matches ``text`` among the requests, residents' messages,
    interactions, follow-up actions and referrals ``user`` may see: page
    ``page`` (of SEARCH_PAGE_SIZE, newest first) of those of ``kind`` (or
    of every kind), with how many matched of each kind (up to
    SEARCH_COUNT_LIMIT, past which "more than" that).

    One query counts, one or a few (see _search_page) find the page, then
    one per kind on the page reads its rows: the same few queries however
    many rows match."""
    text = " ".join(text.split())
    kind = kind if kind in SEARCH_KIND_LABELS else ""
    if not text:
        return SearchResults(text=text, kind=kind)
    groups = search_terms(text)
    problem = search_problem(groups)
    if not problem and connection.vendor == "postgresql":
        problem = _postgresql_problem(text)
    if problem:
        return SearchResults(text=text, kind=kind, problem=problem)
    scopes = _search_scopes(user)
    matching = {
        each.key: _matching(scopes[each.key], text, each.fields, groups) for each in SEARCH_KINDS
    }
    with _bitmap_plans() as cursor:
        counts = _search_counts(cursor, matching)
        results = SearchResults(text=text, kind=kind, counts=counts, number=max(1, page))
        # A page past the end (an old link, a typed number): the last one.
        results.number = min(results.number, results.num_pages)
        wanted_kinds = [kind] if kind else list(counts)
        if not any(counts.get(each) for each in wanted_kinds):
            return results
        # Only a kind with more matches than are counted is worth narrowing
        # to recent rows first: the others are few enough to order whole.
        many = any(counts.get(each, 0) > SEARCH_COUNT_LIMIT for each in wanted_kinds)
        rows = _search_page(cursor, matching, kinds=wanted_kinds, page=results.number, narrow=many)
    wanted: dict[str, list[int]] = {}
    for found_kind, found_id in rows:
        wanted.setdefault(found_kind, []).append(found_id)
    found_rows = {
        found_kind: _search_results(scopes[found_kind], found_kind, ids, user)
        for found_kind, ids in wanted.items()
    }
    results.hits = [
        SearchHit(found_kind, found_rows[found_kind][found_id])
        for found_kind, found_id in rows
        if found_id in found_rows[found_kind]
    ]
    return results


def _sql(queryset: QuerySet) -> tuple[str, tuple] | None:
    """``queryset``'s SQL and parameters, or None when it can find nothing
    (nothing of its kind in the person's scope at all)."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


def _search_counts(cursor, matching: dict[str, QuerySet]) -> dict[str, int]:
    """How many rows of each kind match, in one query, counting no further
    than one past SEARCH_COUNT_LIMIT: a common word matches tens of
    thousands of interactions, and counting them all would read most of
    the table (80 ms on the bench's data); counting 1,001 reads a few
    hundred pages."""
    branches: list[str] = []
    params: list = []
    for key, queryset in matching.items():
        compiled = _sql(queryset.order_by().values("pk")[: SEARCH_COUNT_LIMIT + 1])
        if compiled is None:
            continue
        sql, branch_params = compiled
        branches.append(f"SELECT %s, COUNT(*) FROM ({sql}) AS c")
        params.extend([key, *branch_params])
    if not branches:
        return {}
    cursor.execute(" UNION ALL ".join(branches), params)
    return {key: count for key, count in cursor.fetchall() if count}


@contextmanager
def _bitmap_plans():
    """A cursor, in a transaction, whose statements find rows through
    indexes' bitmaps only (on PostgreSQL). Left to itself, the planner reads a common word's
    count by scanning the table until 1,001 rows match, or its newest by
    walking a date index back, working out each row's words on the way
    (60 us a row): 0.2 s for a word in a third of the notes, and minutes
    for one that only recent notes use, as a table scan meets them last."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_indexscan = off")
        try:
            yield cursor
        finally:
            # It only reads: rolling back undoes the settings, even within
            # a caller's transaction (where SET LOCAL would outlast a
            # savepoint's release).
            transaction.set_rollback(True)


def _found(queryset: QuerySet, kind: SearchKind, since: datetime.datetime | None) -> QuerySet:
    """Each row's kind, id and date (as a moment, to order every kind's
    rows together), for _search_page; only those since ``since`` (a
    midnight, UTC) if given. The date is compared in its own column's
    terms, so an index on it can narrow the search's matches."""
    is_moment = isinstance(queryset.model._meta.get_field(kind.dated_by), DateTimeField)
    dated: F | Cast = F(kind.dated_by) if is_moment else Cast(kind.dated_by, DateTimeField())
    if since is not None:
        queryset = queryset.filter(
            **{f"{kind.dated_by}__gte": since if is_moment else since.date()}
        )
    return (
        queryset.annotate(
            found_kind=Value(kind.key, output_field=CharField()),
            found_id=F("pk"),
            found_at=dated,
        )
        .order_by()
        .values_list("found_kind", "found_id", "found_at")
    )


def _search_page(
    cursor, matching: dict[str, QuerySet], *, kinds: list[str], page: int, narrow: bool
) -> list[tuple[str, int]]:
    """One page of the matches of ``kinds`` (kind and id, newest first).

    Ordering a common word's matches means reading every one for its date;
    when ``narrow``, the search first looks only at the last week's rows,
    then the last quarter's, then three years', then all: if a window
    holds a whole page, those are the newest (every row outside it is
    older than every row in it), and an index on the date meets the
    search's own index so only the window's matches are read."""
    offset = (page - 1) * SEARCH_PAGE_SIZE
    today = timezone.now().astimezone(datetime.UTC).date()
    windows = SEARCH_WINDOWS_DAYS if narrow else ()
    for days in (*windows, None):
        since = (
            None
            if days is None
            else datetime.datetime.combine(
                today - datetime.timedelta(days=days), datetime.time.min, tzinfo=datetime.UTC
            )
        )
        branches: list[str] = []
        params: list = []
        for each in SEARCH_KINDS:
            if each.key not in kinds:
                continue
            compiled = _sql(_found(matching[each.key], each, since))
            if compiled is None:
                continue
            sql, branch_params = compiled
            branches.append(f"SELECT b.found_kind, b.found_id, b.found_at FROM ({sql}) AS b")
            params.extend(branch_params)
        if not branches:
            return []
        sql = f"""
            WITH found (kind, id, at) AS ({" UNION ALL ".join(branches)})
            SELECT kind, id FROM found ORDER BY at DESC, kind, id DESC LIMIT %s OFFSET %s
        """
        cursor.execute(sql, [*params, SEARCH_PAGE_SIZE, offset])
        rows = cursor.fetchall()
        if len(rows) == SEARCH_PAGE_SIZE:
            break
    return [(found_kind, found_id) for found_kind, found_id in rows]


# --- The request list -----------------------------------------------------------

# What the request list shows of each request: not the words, nor the
# resident's contact details, nor the area's notes.
REQUEST_LIST_FIELDS = (
    "reference",
    "created_at",
    "topic",
    "status",
    "area__name",
    "assigned_to__full_name",
    "assigned_to__email",
)
_TOPIC_LABELS = dict(Topic.choices)
_STATUS_LABELS = dict(SupportRequest.Status.choices)


@dataclass(frozen=True)
class RequestRow:
    """One line of the request list, in words. Worked out here, not in the
    template: fifty rows of its lookups, filters and {% url %} took three
    times as long as this and the template's loop together."""

    reference: str
    url: str
    received: str
    area: str
    topic: str
    status: str
    overdue: bool
    with_whom: str


def request_rows(requests: Iterable[dict], *, deadline: datetime.datetime) -> list[RequestRow]:
    """The request list's lines for ``requests`` (REQUEST_LIST_FIELDS of
    each, as .values() reads them: fifty model instances, with their area's
    and adviser's, cost more than the rest of this), a new one received
    before ``deadline`` marked overdue."""
    # One reverse() for the page, not one a row: only the reference differs.
    url = reverse("casework:request_detail", args=["REFERENCE"])
    # "j M Y" as dateformat writes it, each month's name looked up once a
    # page rather than dateformat's machinery once a row.
    months = {number: str(MONTHS_3[number]).title() for number in MONTHS_3}
    # As timezone.localtime, the zone asked for once rather than once a row.
    zone = timezone.get_current_timezone()
    rows = []
    for each in requests:
        received = each["created_at"].astimezone(zone)
        # As advisers.models.User.__str__ names a person.
        named = each["assigned_to__full_name"] or each["assigned_to__email"]
        rows.append(
            RequestRow(
                reference=each["reference"],
                url=url.replace("REFERENCE", quote(each["reference"])),
                received=f"{received.day} {months[received.month]} {received.year}",
                area=each["area__name"] or "Not known",
                topic=_TOPIC_LABELS.get(each["topic"], each["topic"]),
                status=_STATUS_LABELS.get(each["status"], each["status"]),
                overdue=each["status"] == SupportRequest.Status.NEW
                and each["created_at"] < deadline,
                with_whom=(without_direction_controls(named) if named else "") or "Triage",
            )
        )
    return rows


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
        facts.append(minutes_in_words(interaction.minutes))
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
    actions = Action.objects.filter(**where).select_related("owner", "created_by", "done_by")
    for action in actions.order_by("-created_at")[:limit]:
        # Each step names who took it; the action's owner is in its words.
        entries.append(
            TimelineEntry(
                action.created_at,
                "Action set",
                f"{action.description} (for {action.owner}, by {action.due_on:%-d %b %Y})",
                str(action.created_by or ""),
            )
        )
        if action.done_at:
            entries.append(
                TimelineEntry(
                    action.done_at,
                    "Action done",
                    action.description,
                    str(action.done_by or action.owner),
                )
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


def open_requests_query(*, requests: SupportRequestQuerySet, now: datetime.datetime) -> QuerySet:
    """Open requests by status and age, and how many are past the response
    target (new ones only), for each status with open requests: (status,
    past the response target, each of REQUEST_AGES). age_rows reads them."""
    buckets = {key: Count("pk", filter=age_band(key, now)) for key, *_ in REQUEST_AGES}
    return (
        requests.open()
        .values("status")
        .annotate(
            overdue=Count("pk", filter=Q(created_at__lt=first_contact_deadline(now))),
            **buckets,
        )
        .order_by()
        .values_list("status", "overdue", *buckets)
    )


def age_rows(rows: Iterable[tuple]) -> list[AgeRow]:
    """Every open status, from open_requests_query's ``rows``."""
    found = {status: (overdue, counts) for status, overdue, *counts in rows}
    return [
        AgeRow(
            status=status,
            label=label,
            counts=found[status][1] if status in found else [0] * len(REQUEST_AGES),
            overdue=found[status][0] if status in found and status == "new" else 0,
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
    requests first contacted (or resolved) in that period. Two aggregates,
    one for each date (response_times_query)."""
    figures: dict = {}
    for moment in RESPONSE_MOMENTS:
        (row,) = response_times_query(requests=requests, periods=periods, moment=moment)
        figures |= response_figures(moment, periods, row)
    return response_times_of(figures, periods)


# Each date response_times reads, and the names of its median and count.
RESPONSE_MOMENTS = {
    "first_contact_at": ("contact", "contacted"),
    "resolved_at": ("resolution", "resolved"),
}


def _response_names(moment: str, periods: Sequence[Period]) -> list[str]:
    median, count = RESPONSE_MOMENTS[moment]
    return [name for n in range(len(periods)) for name in (f"{median}{n}", f"{count}{n}")]


def response_times_query(
    *, requests: QuerySet[SupportRequest], periods: Sequence[Period], moment: str
) -> QuerySet:
    """One row: for each of ``periods``, the median seconds from arrival to
    ``moment`` (a date of RESPONSE_MOMENTS) and how many requests reached it
    in the period. It reads only the periods' rows, from the date's index
    alone (the index carries created_at), where one query for both dates
    needed every row either date found, from the table.

    An aggregate written as a queryset, so that it can be compiled once
    (the dashboard's statements): grouped by a constant, which PostgreSQL
    and SQLite are asked as no grouping at all, one row whatever the rows."""
    earliest = start_of_day(min(period.start for period in periods))
    median, count = RESPONSE_MOMENTS[moment]
    aggregates: dict[str, Aggregate] = {}
    for n, period in enumerate(periods):
        within = Q(**{f"{moment}__gte": period.start_moment, f"{moment}__lt": period.end_moment})
        aggregates |= {
            f"{median}{n}": MedianSeconds(moment, "created_at", filter=within),
            f"{count}{n}": Count(moment, filter=within),
        }
    return (
        requests.filter(**{f"{moment}__gte": earliest})
        .order_by()
        .annotate(every_row=Value(1, output_field=IntegerField()))
        .values("every_row")
        .annotate(**aggregates)
        .values_list(*_response_names(moment, periods))
    )


def response_figures(moment: str, periods: Sequence[Period], row: tuple) -> dict:
    """response_times_query's ``row`` by name."""
    return dict(zip(_response_names(moment, periods), row, strict=True))


def response_times_of(figures: dict, periods: Sequence[Period]) -> list[ResponseTimes]:
    """The response times of each of ``periods``, from response_figures."""

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
    *,
    requests: QuerySet[SupportRequest],
    months: list[datetime.date],
    within: Period | None = None,
) -> dict[tuple[datetime.date, str], int]:
    """New requests by month and topic: {(month, topic): count}, over
    ``months`` (consecutive first days of months), and only those received
    ``within`` a period when one is given (a report's, which may begin or
    end within a month)."""
    if within is not None:
        requests = requests.filter(_received_in(within))
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
    *,
    interactions: QuerySet[Interaction],
    months: list[datetime.date],
    within: Period | None = None,
) -> list[ResidentsReached]:
    """Interactions and the residents who took part in them (and how many
    were new to us), by month over ``months`` (only those ``within`` a
    period when one is given), newest first: one query.
    A resident at two meetings counts twice: interactions count people
    present, not names."""
    if within is not None:
        interactions = interactions.filter(_in_period("date", within))
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


def overdue_actions_query(*, areas: QuerySet[Area], today: datetime.date) -> QuerySet:
    """Open actions past their due date in ``areas``, counted by owner:
    (owner id, their name, how many). owners_overdue reads them."""
    return (
        Action.objects.open()
        .filter(due_on__lt=today, area__in=areas.values("pk"))
        .values("owner_id", "owner__full_name")
        .annotate(overdue=Count("pk"))
        .order_by("-overdue", "owner__full_name")
        .values_list("owner_id", "owner__full_name", "overdue")
    )


def owners_overdue(rows: Iterable[tuple]) -> list[dict]:
    return [
        {"owner_id": owner, "owner__full_name": name, "overdue": overdue}
        for owner, name, overdue in rows
    ]


def _overdue(now: datetime.datetime) -> dict[str, QuerySet]:
    """What is overdue: requests past the response target, actions past
    their date, and referral outcomes not recorded in time
    (NFC_OUTCOME_DUE_DAYS after delivery)."""
    return _overdue_by(**_overdue_cutoffs(now))


def _overdue_cutoffs(now: datetime.datetime) -> dict:
    """The moment and days before which a request, an action and a referral
    outcome is overdue at ``now`` (SupportRequest.objects.overdue,
    Action.objects.overdue and Referral.objects.outcome_overdue)."""
    today = timezone.localdate(now)
    return {
        "deadline": first_contact_deadline(now),
        "today": today,
        "outcomes_due": today - datetime.timedelta(days=settings.NFC_OUTCOME_DUE_DAYS),
    }


def _overdue_by(
    *, deadline: datetime.datetime, today: datetime.date, outcomes_due: datetime.date
) -> dict[str, QuerySet]:
    return {
        "overdue_requests": SupportRequest.objects.filter(
            status=SupportRequest.Status.NEW, created_at__lt=deadline
        ),
        "overdue_actions": Action.objects.open().filter(due_on__lt=today),
        "overdue_outcomes": Referral.objects.filter(
            status=Referral.Status.DELIVERED, delivered_on__lt=outcomes_due
        ),
    }


def _overdue_counts(areas, **cutoffs) -> QuerySet:
    """(figure, area id, count) of each figure of _overdue_by, for ``areas``
    (a queryset of them, or their ids)."""
    first, *others = [
        rows.filter(area__in=areas)
        .order_by()
        .values("area")
        .annotate(n=Count("pk"), figure=Value(figure, output_field=CharField()))
        .values_list("figure", "area", "n")
        for figure, rows in _overdue_by(**cutoffs).items()
    ]
    return first.union(*others, all=True)


# The ORM took some 3 ms a draw to build and compile the union for the
# dashboard; its SQL is worked out once a process for each number of areas.
_OVERDUE_COUNTS = Statement(
    lambda area_ids, **cutoffs: _overdue_counts(area_ids, **cutoffs),
    stand_ins=lambda areas: {
        "area_ids": stand_in_ids(areas),
        "deadline": datetime.datetime(3, 5, 8, tzinfo=datetime.UTC),
        "today": STAND_IN_DAY,
        "outcomes_due": datetime.date(3, 5, 9),
    },
)


def overdue_by_area(
    *, areas: QuerySet[Area] | Sequence[int], now: datetime.datetime
) -> dict[str, dict[int, int]]:
    """Each of many ``areas``' overdue requests, actions and referral
    outcomes (see _overdue): {figure: {area id: count}}, an area with none
    left out. One query, a grouped count for each figure (the few overdue
    rows found by their status and date): counting for each area in turn
    costs a search of each area's rows. ``areas``: a queryset of them, or
    a list of their ids (then the query's SQL is compiled once a process)."""
    cutoffs = _overdue_cutoffs(now)
    found: dict[str, dict[int, int]] = {figure: {} for figure in _overdue_by(**cutoffs)}
    rows: Iterable[tuple]
    if isinstance(areas, QuerySet):
        rows = _overdue_counts(areas.values("pk"), **cutoffs)
    elif areas:
        area_ids = list(areas)
        rows = _OVERDUE_COUNTS.rows(len(area_ids), area_ids=area_ids, **cutoffs)
    else:
        rows = []
    for figure, area_id, count in rows:
        found[figure][area_id] = count
    return found


def turned_away_query(*, period: Period) -> QuerySet:
    """How many help-form posts were turned away in ``period``, by reason
    (counted, never stored): (reason, how many). turned_away_of lists every
    reason, with noughts."""
    return (
        SpamCount.objects.filter(day__gte=period.start, day__lt=period.end)
        .values("reason")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("reason", "n")
    )


def turned_away_of(rows: Iterable[tuple]) -> list[dict]:
    counts = dict(rows)
    return [
        {"reason": reason, "label": label, "count": counts.get(reason, 0)}
        for reason, label in SpamCount.Reason.choices
    ]


def _in_period(field: str, period: Period) -> Q:
    """``field`` (a date, or a moment) falls within ``period``."""
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _received_in(period: Period) -> Q:
    return Q(created_at__gte=period.start_moment, created_at__lt=period.end_moment)


def requests_per_area(*, requests: QuerySet[SupportRequest], period: Period) -> dict[int, int]:
    """Requests received in ``period``, by area: {area id: count}. One query."""
    return dict(
        requests.filter(_received_in(period), area__isnull=False)
        .values("area_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("area_id", "n")
    )


@dataclass(frozen=True)
class AreaReach:
    interactions: int
    residents: int
    new_residents: int


def reach_per_area(*, interactions: QuerySet[Interaction], period: Period) -> dict[int, AreaReach]:
    """Interactions in ``period`` and the residents who took part, by area.
    One query."""
    rows = (
        interactions.filter(_in_period("date", period))
        .values("area_id")
        .annotate(n=Count("pk"), residents=Sum("residents"), new=Sum("new_residents"))
        .order_by()
    )
    return {
        row["area_id"]: AreaReach(row["n"], row["residents"] or 0, row["new"] or 0) for row in rows
    }


def referrals_per_area(*, referrals: QuerySet[Referral], period: Period) -> dict[int, int]:
    """Referrals asked for in ``period``, by area. One query."""
    return dict(
        referrals.filter(_in_period("requested_on", period))
        .values("area_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("area_id", "n")
    )


@dataclass(frozen=True)
class ReferralOutcomes:
    """The referrals asked for in a period, by where they stand now."""

    by_status: dict[str, int]
    rated: int
    average_rating: float | None


def referral_outcomes(*, referrals: QuerySet[Referral], period: Period) -> ReferralOutcomes:
    """Referrals asked for in ``period`` by their status now (every status
    listed), and the groups' average rating of those rated. One query."""
    asked = referrals.filter(_in_period("requested_on", period))
    figures = asked.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Referral.Status.values},
        rated=Count("group_rating"),
        average=Avg("group_rating"),
    )
    return ReferralOutcomes(
        by_status={status: figures[status] for status in Referral.Status.values},
        rated=figures["rated"],
        average_rating=None if figures["average"] is None else round(figures["average"], 1),
    )
