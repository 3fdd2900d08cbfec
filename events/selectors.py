"""Reads of events for the public pages and the staff pages."""

from django.db.models import Count, QuerySet

from events.models import Event, Registration


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
