"""Places and the waitlist: offering a free place to the next in line, and
lapsing offers not taken in time.

Each runs with the event's row locked (SELECT ... FOR UPDATE), as every
change to an event's places does, so places are given out one at a time.
These functions enqueue nothing: they return who was offered a place, and
the caller sends the offers (services after their transaction commits; the
scheduled job at once, being a job already).
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casework import audit
from events.models import Event, Registration
from events.retention import registrations_remove_details


def places_taken(event: Event) -> int:
    return Registration.objects.filter(event=event).holding_places().count()


def cancel(registration: Registration, *, by: str, staff=None) -> None:
    """Mark a registration cancelled (the caller holds the event's lock);
    ``staff``: who did it, when not the person."""
    before = audit.snapshot(registration, ["status"])
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.cancelled_by = by
    registration.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    audit.record(obj=registration, by=staff, before=before, area=registration.area)


def offer_free_places(event: Event) -> list[int]:
    """Offer each free place to the next in line (the caller holds the
    event's lock). Each has NFC_EVENT_OFFER_HOURS to take it, and never past
    the event's start. The registrations offered a place."""
    now = timezone.now()
    if event.is_cancelled or event.starts_at <= now:
        return []
    free = event.capacity - places_taken(event)
    if free <= 0:
        return []
    expires = min(now + datetime.timedelta(hours=settings.NFC_EVENT_OFFER_HOURS), event.starts_at)
    offered = list(Registration.objects.filter(event=event).waitlisted()[:free])
    for registration in offered:
        before = audit.snapshot(registration, ["status"])
        registration.status = Registration.Status.OFFERED
        registration.offered_at = now
        registration.offer_expires_at = expires
        registration.save(update_fields=["status", "offered_at", "offer_expires_at"])
        audit.record(obj=registration, by=None, before=before, area=registration.area)
    return [registration.pk for registration in offered]


def offers_lapse() -> list[int]:
    """Lapse the offers not taken in time, and offer each place to the next
    in line. Each event in its own transaction, so one event's trouble holds
    up no other. The registrations offered a place now."""
    now = timezone.now()
    event_ids = set(
        Registration.objects.filter(
            status=Registration.Status.OFFERED, offer_expires_at__lte=now
        ).values_list("event_id", flat=True)
    )
    offered: list[int] = []
    for event_id in sorted(event_ids):
        with transaction.atomic():
            event = Event.objects.select_for_update().get(pk=event_id)
            for registration in Registration.objects.select_for_update().filter(
                event=event, status=Registration.Status.OFFERED, offer_expires_at__lte=now
            ):
                cancel(registration, by=Registration.CancelledBy.OFFER_LAPSED)
            offered += offer_free_places(event)
    return offered


def registrations_remove_old_details() -> int:
    """Remove the names, contact details and needs of registrations for
    events that ended NFC_EVENT_RETENTION_DAYS ago (the privacy notice's
    promise), with the words of their feedback (events.retention); the
    facts stay. How many."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=settings.NFC_EVENT_RETENTION_DAYS)
    old = Registration.objects.filter(event__ends_at__lt=cutoff, details_removed_at=None)
    return registrations_remove_details(registrations=old, now=now).registrations
