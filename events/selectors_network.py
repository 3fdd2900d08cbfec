"""Reads of the network between areas, and of events for the dashboard.

Each takes querysets already narrowed to what the person may see, and the
period to count over (nfc.periods), so the network page, an area's page and
the dashboard ask the same questions of different scopes. Each is one
aggregate query (or a few), whatever the size of the data.

Who came to an event: the people checked in (``Registration.checked_in_at``,
from the check-in page); see ``attended``.
"""

import datetime
import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from areas.models import Area, Region, Stage
from casework.models import Interaction
from events.models import TOPIC_LABELS, Connection, Event, Registration
from nfc.aggregates import JoinedIds
from nfc.periods import Period, start_of_day

# The stages an area can be ahead in: an area leaving or gone is no peer.
STAGES_IN_ORDER = [Stage.OUTREACH, Stage.YEAR_ZERO, Stage.PLAN_AGREED, Stage.DELIVERING]
SUGGESTIONS = 5


def last_twelve_months(today: datetime.date | None = None) -> Period:
    """The year up to and including ``today``: what "lately" means for
    connections and the areas without one."""
    today = today or timezone.localdate()
    return Period(today - datetime.timedelta(days=365), today + datetime.timedelta(days=1))


def _attended_q(prefix: str = "") -> Q:
    """The condition on a registration (reached through ``prefix``) that
    its person came."""
    return Q(**{f"{prefix}checked_in_at__isnull": False})


def attended(registrations: QuerySet[Registration]) -> QuerySet[Registration]:
    """The registrations of people who came."""
    return registrations.filter(_attended_q())


def _in_period(period: Period, prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}starts_at__gte": period.start_moment,
            f"{prefix}starts_at__lt": period.end_moment,
        }
    )


# --- Links ---------------------------------------------------------------


@dataclass(frozen=True)
class EventLink:
    """Two areas whose people came to the same events: a weaker link than a
    connection staff recorded, found without anyone writing it down."""

    area_a: int
    area_b: int
    events: int
    last: datetime.datetime


def links_at_events(*, areas: QuerySet[Area], period: Period) -> list[EventLink]:
    """Each pair of areas (the lower id first) with people at the same
    events (other than the national one) that began in ``period``, one at
    least of the pair among
    ``areas``: how many events, and the last. One query."""
    if areas.query.is_empty():
        return []
    sql, params = _links_sql(areas=areas, period=period)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [EventLink(a, b, events, _moment(last)) for a, b, events, last in rows]


def strongest_links_at_events(
    *, areas: QuerySet[Area], period: Period, most: int
) -> tuple[list[EventLink], int]:
    """The ``most`` pairs of links_at_events() that met at the most events
    (then the latest first), and how many pairs there are in all. Two
    queries, whatever the size of the data.

    A year of a full programme's events pairs some 20,000 pairs of areas
    (too many to draw or to read) from 100,000 rows of an event and two of
    its areas: joined and grouped in the database, that took 200 ms. Here
    each area's events are the bits of one number (the period's events in
    the order they began, the first the lowest bit), so the events two
    areas met at are the bits their numbers share: a row an area read, and
    one AND a pair."""
    if areas.query.is_empty():
        return [], 0
    events = Event.objects.filter(_in_period(period)).exclude(kind=Event.Kind.NATIONAL)
    began = list(events.order_by("starts_at", "pk").values_list("pk", "starts_at"))
    if not began:
        return [], 0
    bit = {str(pk): 1 << n for n, (pk, _) in enumerate(began)}
    # Events that began at the same moment rank alike, as they sort alike.
    moments = sorted({starts_at for _, starts_at in began})
    rank = {moment: n for n, moment in enumerate(moments)}
    ranks = [rank[starts_at] for _, starts_at in began]
    in_scope = ExpressionWrapper(Q(area__in=areas.order_by().values("pk")), BooleanField())
    came = (
        attended(
            Registration.objects.filter(
                _event_among([pk for pk, _ in began], events), area__isnull=False
            )
        )
        .order_by("area_id")
        .values_list("area_id")
        .annotate(events=JoinedIds("event_id"), theirs=in_scope)
        .values_list("area_id", "events", "theirs")
    )
    areas_came: list[int] = []
    events_of: list[int] = []
    theirs: list[bool] = []
    for area_id, joined, in_scope in came:
        areas_came.append(area_id)
        # An event moved into the period since it was read above counts
        # from the next reading.
        events_of.append(sum(bit.get(pk, 0) for pk in set(joined.split(","))))
        theirs.append(in_scope)
    # Each pair's shared events, and how many, a row of pairs at a time:
    # mapped over the row, not a Python step a pair (the 20,000 pairs of a
    # full programme's year took 7 ms so, 5 this way). A pair counts if
    # one of its areas is in scope.
    rows: list[tuple[int, Sequence[int], list[int], list[int]]] = []
    tally: Counter[int] = Counter()
    for n, events_a in enumerate(events_of):
        if theirs[n]:
            others: Sequence[int] = range(n + 1, len(events_of))
            shared = list(map(events_a.__and__, events_of[n + 1 :]))
        else:
            others = list(compress(range(n + 1, len(events_of)), theirs[n + 1 :]))
            shared = list(map(events_a.__and__, map(events_of.__getitem__, others)))
        counts = list(map(int.bit_count, shared))
        tally.update(counts)
        rows.append((n, others, shared, counts))
    total = tally.total() - tally.pop(0, 0)
    # The fewest events met at among the ``most`` strongest pairs: only
    # the pairs that met at as many are put in order.
    least, kept = 1, 0
    for events in sorted(tally, reverse=True):
        kept += tally[events]
        if kept >= most:
            least = events
            break
    # (-events, -the last one's rank, area_a, area_b): the strongest sort first.
    pairs: list[tuple[int, int, int, int]] = []
    for n, others, shared, counts in rows:
        if counts and max(counts) >= least:
            pairs += [
                (-both.bit_count(), -ranks[both.bit_length() - 1], areas_came[n], areas_came[m])
                for m, both in compress(zip(others, shared, strict=True), map(least.__le__, counts))
            ]
    strongest = heapq.nsmallest(most, pairs)
    links = [
        EventLink(area_a, area_b, -minus_events, moments[-minus_last])
        for minus_events, minus_last, area_a, area_b in strongest
    ]
    return links, total


def _event_among(ids: list[int], events: QuerySet[Event]) -> Q | RawSQL:
    """The condition on a registration that its event is one of ``ids``,
    the ids of ``events`` read already. On PostgreSQL, an array of them: the
    index of who came to each event is read in one pass, not once an event
    joined again (a year's thousand events: some 12 ms to 8). Elsewhere
    (the local SQLite demo), ``events`` asked again."""
    if connection.vendor != "postgresql":
        return Q(event__in=events)
    return RawSQL('"events_registration"."event_id" = ANY(%s)', (ids,), output_field=BooleanField())


def _links_sql(*, areas: QuerySet[Area], period: Period) -> tuple[str, list]:
    """The pairs' SQL and its parameters.

    Written as SQL around the ORM's own queries: each event's areas are
    made distinct first (several people come from one area), then paired
    with themselves, which the ORM cannot say; pairing every registration
    with every other took seconds on a year of busy events."""
    # Only the events someone from ``areas`` came to: an area's page pairs
    # a handful of events, not the year's. Not the national event: everyone
    # meets everyone there, and its hundred areas would pair each with all
    # the others, drowning the links that say something.
    at_smaller_events = Registration.objects.filter(
        _in_period(period, "event__"), area__isnull=False
    ).exclude(event__kind=Event.Kind.NATIONAL)
    theirs = attended(at_smaller_events.filter(area__in=areas)).values("event_id")
    came = (
        attended(at_smaller_events.filter(event__in=theirs))
        .order_by()
        .values_list("event_id", "area_id", "event__starts_at")
        .distinct()
    )
    came_sql, came_params = came.query.sql_with_params()
    scope_sql, scope_params = areas.order_by().values("pk").query.sql_with_params()
    sql = f"""
        WITH came (event_id, area_id, starts_at) AS ({came_sql})
        SELECT one.area_id AS area_a, other.area_id AS area_b, COUNT(*) AS events,
            MAX(one.starts_at) AS last
        FROM came one JOIN came other
            ON other.event_id = one.event_id AND other.area_id > one.area_id
        WHERE one.area_id IN ({scope_sql}) OR other.area_id IN ({scope_sql})
        GROUP BY one.area_id, other.area_id
    """  # noqa: S608 (the ORM's SQL, its values passed as parameters)
    return sql, [*came_params, *scope_params, *scope_params]


def _moment(value) -> datetime.datetime:
    # PostgreSQL gives a datetime back; SQLite (the local demo) its text.
    if isinstance(value, str):
        moment = parse_datetime(value)
        assert moment is not None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment, datetime.UTC)
    return value


@dataclass(frozen=True)
class RecordedPair:
    """The connections staff recorded between two areas."""

    area_a: int
    area_b: int
    count: int
    topics: list[str]
    last: datetime.date


def recorded_pairs(*, connections: QuerySet[Connection], period: Period) -> list[RecordedPair]:
    """The pairs of areas with a connection recorded in ``period``, each
    with how many and on which topics. One query."""
    rows = (
        connections.filter(made_on__gte=period.start, made_on__lt=period.end)
        .order_by("area_a_id", "area_b_id", "topic")
        .values_list("area_a_id", "area_b_id", "topic", "made_on")
    )
    pairs: dict[tuple[int, int], RecordedPair] = {}
    for area_a, area_b, topic, made_on in rows:
        pair = pairs.get((area_a, area_b))
        if pair is None:
            pairs[area_a, area_b] = RecordedPair(area_a, area_b, 1, [TOPIC_LABELS[topic]], made_on)
        else:
            pairs[area_a, area_b] = RecordedPair(
                area_a,
                area_b,
                pair.count + 1,
                [*pair.topics, TOPIC_LABELS[topic]],
                max(pair.last, made_on),
            )
    return list(pairs.values())


def connected_in(*, period: Period) -> Q:
    """The condition on an area that it connected with another in
    ``period``: a connection recorded, or someone from it at an event with
    people from another area. For a filter or an annotation."""
    # The connections of the period are read once, as two lists of areas,
    # not searched again for each area.
    recorded = Connection.objects.filter(made_on__gte=period.start, made_on__lt=period.end)
    others_there = Registration.objects.filter(
        _attended_q(), event=OuterRef("event"), area__isnull=False
    ).exclude(area=OuterRef(OuterRef("pk")))
    met = Registration.objects.filter(
        _attended_q(), _in_period(period, "event__"), area=OuterRef("pk")
    ).filter(Exists(others_there))
    return (
        Q(pk__in=recorded.values("area_a")) | Q(pk__in=recorded.values("area_b")) | Q(Exists(met))
    )


def isolated_areas(*, areas: QuerySet[Area], period: Period) -> QuerySet[Area]:
    """The areas in the programme among ``areas`` with no connection in
    ``period``: none recorded, and nobody from them at an event with people
    from another area. One query."""
    return areas.in_programme().exclude(connected_in(period=period)).order_by("region", "name")


# --- Peer suggestions ----------------------------------------------------


@dataclass
class Suggestion:
    """An area a stage ahead that ``for_area`` could learn from."""

    peer: Area
    types: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    @property
    def topic(self) -> str:
        """What to introduce them on: the first topic they share, or
        networks of support."""
        return self.topics[0] if self.topics else "networks"

    @property
    def why(self) -> str:
        """What they share, in a few words: the types, and three topics."""
        topics = [TOPIC_LABELS[t].lower() for t in self.topics]
        more = len(topics) - 3
        reasons = [*self.types, *topics[:3], *([f"{more} more topics"] if more > 0 else [])]
        return ", ".join(reasons)


def peer_suggestions(
    *, area: Area, today: datetime.date | None = None, limit: int = SUGGESTIONS
) -> list[Suggestion]:
    """Areas in the programme a stage or more ahead of ``area`` (up to
    delivering its plan), of the same type or facing the same topics (those
    staff logged time on in the last 12 months), with no connection to it
    recorded yet; those sharing most first, then those in its region, then
    those nearest in stage. Four queries, however many areas."""
    if area.stage not in STAGES_IN_ORDER:
        return []
    today = today or timezone.localdate()
    ahead = STAGES_IN_ORDER[STAGES_IN_ORDER.index(area.stage) + 1 :]
    if not ahead:
        return []
    connected = Connection.objects.of_area(area).values_list("area_a_id", "area_b_id")
    known = {pk for pair in connected for pk in pair} | {area.pk}
    candidates = {
        candidate.pk: candidate
        for candidate in Area.objects.in_programme().filter(stage__in=ahead).exclude(pk__in=known)
    }
    # The area's and the candidates' types and topics, each in one query.
    involved = Q(area=area) | Q(area__in=list(candidates))
    types: dict[int, dict[int, str]] = {}
    for area_id, type_id, name in Area.types.through.objects.filter(involved).values_list(
        "area_id", "areatype_id", "areatype__name"
    ):
        types.setdefault(area_id, {})[type_id] = name
    topics: dict[int, set[str]] = {}
    for area_id, listed in Interaction.objects.filter(
        involved, date__gte=today - datetime.timedelta(days=365)
    ).values_list("area_id", "topics"):
        topics.setdefault(area_id, set()).update(t for t in listed or [] if t in TOPIC_LABELS)
    own_types = types.get(area.pk, {})
    own_topics = topics.get(area.pk, set())
    suggestions = []
    for pk, candidate in candidates.items():
        shared_types = sorted(name for t, name in types.get(pk, {}).items() if t in own_types)
        shared_topics = sorted(own_topics & topics.get(pk, set()))
        if shared_types or shared_topics:
            suggestions.append(Suggestion(peer=candidate, types=shared_types, topics=shared_topics))
    suggestions.sort(
        key=lambda s: (
            -(len(s.types) + len(s.topics)),
            s.peer.region != area.region,
            STAGES_IN_ORDER.index(s.peer.stage),
            s.peer.name,
        )
    )
    return suggestions[:limit]


# --- The dashboard -------------------------------------------------------


# What upcoming_query reads of each event, in the order of the model's
# fields (as Model.from_db takes them), then its places taken.
UPCOMING_COLUMNS = tuple(
    field.attname
    for field in Event._meta.concrete_fields
    if field.attname in {"id", "slug", "title", "starts_at", "region", "capacity"}
)


def upcoming_query(*, events: QuerySet[Event], now: datetime.datetime, limit: int = 5) -> QuerySet:
    """The next published events that are not cancelled (upcoming_of makes
    them events): the columns the dashboard shows, and the
    places counted for those ``limit`` events only (a subquery each, after
    the limit), not for every event still to come.

    Ordered by the start plus nothing: ordered by the start itself, the
    database walks the starts index from the first event ever held to find
    the few not yet over (ten years of events read for five); this way it
    finds those not yet over by their end, and sorts them."""
    taken = (
        Registration.objects.holding_places()
        .filter(event=OuterRef("pk"))
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        events.upcoming(now)
        .annotate(places_taken=Coalesce(Subquery(taken), 0))
        .order_by(
            ExpressionWrapper(F("starts_at") + datetime.timedelta(0), output_field=DateTimeField()),
            "pk",
        )
        .values_list(*UPCOMING_COLUMNS, "places_taken")[:limit]
    )


def upcoming_of(rows: Iterable[tuple]) -> list[Event]:
    """upcoming_query's ``rows`` as the events, made as the ORM makes those
    of ``.only()``, each with its ``places_taken``."""
    width = len(UPCOMING_COLUMNS)
    events = []
    for row in rows:
        event = Event.from_db(connection.alias, UPCOMING_COLUMNS, row[:width])
        event.places_taken = row[width]
        events.append(event)
    return events


@dataclass(frozen=True)
class RegionAttendance:
    region: str
    label: str
    people: int
    areas: int
    events: int


def attendance_query(*, registrations: QuerySet[Registration], period: Period) -> QuerySet:
    """People who came to events that began in ``period``, by the region of
    the area they came from: (region, people, areas, events), read
    from the index of who came to each event (registration_came_idx)
    alone: each person is counted as a row, not by their id, which is not
    in that index."""
    return (
        attended(registrations)
        .filter(_in_period(period, "event__"), area__isnull=False)
        .values("area__region")
        .annotate(
            people=Count("*"),
            areas=Count("area", distinct=True),
            events=Count("event", distinct=True),
        )
        .order_by()
        .values_list("area__region", "people", "areas", "events")
    )


def region_attendance(rows: Iterable[tuple]) -> list[RegionAttendance]:
    """attendance_query's ``rows``, in the regions' order."""
    found = {region: (people, areas, events) for region, people, areas, events in rows}
    return [
        RegionAttendance(region.value, region.label, *found[region.value])
        for region in Region
        if region.value in found
    ]


@dataclass(frozen=True)
class ConnectionsMade:
    recorded: int
    followed_up: int
    areas: int


def connections_made(*, connections: QuerySet[Connection], period: Period) -> ConnectionsMade:
    """The connections recorded as made in ``period``: how many, how many
    followed up, and how many areas they joined. One query."""
    return connections_counted(list(connections_query(connections=connections, period=period)))


def connections_query(*, connections: QuerySet[Connection], period: Period) -> QuerySet:
    """The connections made in ``period``: (area a, area b, followed up)."""
    return (
        connections.filter(made_on__gte=period.start, made_on__lt=period.end)
        .order_by()
        .values_list("area_a_id", "area_b_id", "followed_up")
    )


def connections_counted(rows: list[tuple]) -> ConnectionsMade:
    """connections_query's ``rows`` counted: a quarter's connections are
    tens, not thousands."""
    return ConnectionsMade(
        recorded=len(rows),
        followed_up=sum(1 for *_, followed_up in rows if followed_up),
        areas=len({pk for area_a, area_b, _ in rows for pk in (area_a, area_b)}),
    )


def came_to_an_event_since(moment: datetime.datetime, *, now: datetime.datetime) -> Q:
    """The condition on an area that someone from it came to an event
    starting at or after ``moment``. An area's id against one list of the
    areas that came (the database reads it once), not a search of each
    area's registrations over the years: for a filter or an annotation.

    Check-in opens on an event's first day (events.checkin), so nobody has
    come to an event that starts after ``now``'s day: those (the months of
    events published ahead, as many as the half-year behind) are left
    unsearched."""
    tomorrow = start_of_day(timezone.localdate(now) + datetime.timedelta(days=1))
    came = attended(
        Registration.objects.filter(
            event__starts_at__gte=moment, event__starts_at__lt=tomorrow, area__isnull=False
        )
    ).values("area_id")
    return Q(pk__in=came)
