"""Reads of events for the public pages and the staff pages."""

from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet

from events.models import Event, Feedback, Registration
from nfc.periods import Period


def events_listed(events: QuerySet[Event], *, region="", kind="", topic="") -> QuerySet[Event]:
    """``events`` filtered as asked, each with its places taken and waitlist
    counted, its topics fetched with it: a page's worth in three queries,
    however many events and registrations there are."""
    if region:
        events = events.filter(region=region)
    if kind:
        events = events.filter(kind=kind)
    if topic:
        events = events.filter(topics__topic=topic)
    return (
        events.with_places_taken()
        .select_related("host_area")
        .prefetch_related("topics")
        .order_by("starts_at", "pk")
    )


def event_registrations(event: Event) -> dict[str, list[Registration]]:
    """An event's registrations by status, the waitlist in its order."""
    groups: dict[str, list[Registration]] = {status: [] for status in Registration.Status}
    for registration in (
        Registration.objects.filter(event=event)
        .select_related("area")
        .order_by("waitlisted_at", "created_at", "pk")
    ):
        groups[registration.status].append(registration)
    return groups


def event_counts(event: Event) -> dict[str, int]:
    """How many registrations the event has in each status (no names)."""
    counts = dict.fromkeys(Registration.Status.values, 0)
    counts.update(
        Registration.objects.filter(event=event)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return counts


# --- On the day, and after: attendance and feedback ---------------------------

_came = Q(checked_in_at__isnull=False)


def attendance_by_area(*, registrations: QuerySet[Registration], period: Period) -> list[dict]:
    """For each area with anyone checked in at an event that started in
    ``period``: its name, how many people came and to how many events, most
    first. One aggregate query."""
    return list(
        registrations.filter(
            _came,
            area__isnull=False,
            status=Registration.Status.CONFIRMED,
            event__starts_at__gte=period.start_moment,
            event__starts_at__lt=period.end_moment,
        )
        .values("area_id", "area__name", "area__ward_code")
        .annotate(people=Count("pk"), events=Count("event", distinct=True))
        .order_by("-people", "area__name")
    )


def attendance_per_event(*, registrations: QuerySet[Registration], period: Period) -> list[dict]:
    """For each event that started in ``period`` with anyone of
    ``registrations`` checked in: its title, address and start, and how many
    of them came, the latest first. One aggregate query."""
    return list(
        registrations.filter(
            _came,
            status=Registration.Status.CONFIRMED,
            event__starts_at__gte=period.start_moment,
            event__starts_at__lt=period.end_moment,
        )
        .values("event_id", "event__slug", "event__title", "event__starts_at")
        .annotate(people=Count("pk"))
        .order_by("-event__starts_at", "event_id")
    )


def attendance_by_event(*, events: QuerySet[Event]) -> QuerySet[Event]:
    """``events``, each with ``expected`` (registered with a place), ``came``
    (checked in, walk-ins too) and ``walk_ins`` counted in the same query."""
    confirmed = Q(registrations__status=Registration.Status.CONFIRMED)
    return events.annotate(
        expected=Count("registrations", filter=confirmed & Q(registrations__walk_in=False)),
        came=Count(
            "registrations", filter=confirmed & Q(registrations__checked_in_at__isnull=False)
        ),
        walk_ins=Count("registrations", filter=confirmed & Q(registrations__walk_in=True)),
    )


def attendees_from(
    *, registrations: QuerySet[Registration], area_ids: list[int], period: Period
) -> QuerySet[Registration]:
    """The people from the areas ``area_ids`` checked in at events that ended
    in ``period``, the latest first, each with its event and area: one query.
    The ids as a list, not a query of areas: with that as a subquery the
    planner chose to read every registration of the period's events."""
    return (
        registrations.filter(
            _came,
            area_id__in=area_ids,
            status=Registration.Status.CONFIRMED,
            event__ends_at__gte=period.start_moment,
            event__ends_at__lt=period.end_moment,
        )
        .select_related("event", "area", "follow_up_action")
        .order_by("-event__ends_at", "name", "pk")
    )


@dataclass(frozen=True)
class FeedbackSummary:
    answers: int
    average: float | None
    # How many gave each rating, 1 to 5.
    by_rating: dict[int, int]


def feedback_summary(*, feedback: QuerySet[Feedback]) -> FeedbackSummary:
    """How many answered, their average rating and how many gave each: one
    aggregate query."""
    figures = feedback.aggregate(
        answers=Count("pk"),
        average=Avg("rating"),
        **{f"rated{n}": Count("pk", filter=Q(rating=n)) for n in range(1, 6)},
    )
    average = figures["average"]
    return FeedbackSummary(
        answers=figures["answers"],
        average=None if average is None else round(float(average), 1),
        by_rating={n: figures[f"rated{n}"] for n in range(1, 6)},
    )


def attendance_by_kind(*, registrations: QuerySet[Registration], period: Period) -> list[dict]:
    """For each kind of event (every kind listed): how many of
    ``registrations`` came to events of that kind that started in
    ``period``, to how many events, from how many areas. One query."""
    rows = {
        row["event__kind"]: row
        for row in registrations.filter(
            _came,
            area__isnull=False,
            status=Registration.Status.CONFIRMED,
            event__starts_at__gte=period.start_moment,
            event__starts_at__lt=period.end_moment,
        )
        .values("event__kind")
        .annotate(
            people=Count("pk"),
            events=Count("event", distinct=True),
            areas=Count("area", distinct=True),
        )
        .order_by()
    }
    return [
        {
            "kind": kind,
            "label": label,
            "people": rows.get(kind, {}).get("people", 0),
            "events": rows.get(kind, {}).get("events", 0),
            "areas": rows.get(kind, {}).get("areas", 0),
        }
        for kind, label in Event.Kind.choices
    ]
