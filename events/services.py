"""The writes of events: organising an event, and registering for one.

Every place is given out with the event's row locked (SELECT ... FOR
UPDATE), so registrations, cancellations and offers for one event happen
one at a time: two people taking the last place at the same moment cannot
both get it. E-mails are sent by jobs after the transaction commits.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from advisers.permissions import may_organise_event
from areas.models import Area, Region
from casework import audit
from events.models import (
    MANAGE_LINK,
    Event,
    EventSession,
    EventTopic,
    Registration,
    new_slug,
)
from events.notifications import CHANGE, CONFIRMATION, EVENT_CANCELLED, OFFER, WAITLIST, Notice
from events.tasks import registration_email_task
from events.waitlist import cancel, offer_free_places, places_taken

# What staff may set on an event (the form's fields, less topics and areas).
EVENT_FIELDS = [
    "kind",
    "title",
    "summary",
    "starts_at",
    "ends_at",
    "online",
    "venue_name",
    "venue_address",
    "accessibility_notes",
    "joining_link",
    "region",
    "invited",
    "host_area",
    "capacity",
    "registration_closes_at",
]
# A change to any of these is told to everyone registered.
TIME_AND_PLACE = ["starts_at", "ends_at", "online", "venue_name", "venue_address", "joining_link"]
AUDITED = [
    *EVENT_FIELDS,
    "areas",
    "topics",
    "organiser",
    "published_at",
    "cancelled_at",
    "cancellation_reason",
]


def not_organiser_message(user) -> str:
    """Why the event as given is not the user's to organise."""
    if user.region:
        return (
            f"You can organise events only for the {Region(user.region).label}: "
            "choose it as the event's region (national events are organised nationally)."
        )
    return (
        "You can organise events only for your own areas: a visit between them, "
        "or an event for the areas you choose."
    )


def _check_organiser(event: Event, by, area_ids) -> None:
    if not may_organise_event(by, event, area_ids=area_ids):
        raise PermissionDenied


def _set_topics_and_areas(event: Event, *, topics, areas) -> None:
    event.topics.all().delete()
    EventTopic.objects.bulk_create(EventTopic(event=event, topic=topic) for topic in topics)
    event.areas.set(areas)


@transaction.atomic
def event_create(
    *, by, topics: list[str], areas: list[Area], sessions: list[dict] | None = None, **fields
) -> Event:
    """Save a new event (unpublished) organised by ``by``; refused unless
    they may organise an event for those areas (advisers: their own)."""
    event = Event(organiser=by, slug=new_slug(fields["title"]), **fields)
    _check_organiser(event, by, [a.pk for a in areas])
    event.full_clean(exclude=["slug", "organiser"])
    event.save()
    _set_topics_and_areas(event, topics=topics, areas=areas)
    EventSession.objects.bulk_create(EventSession(event=event, **s) for s in sessions or [])
    audit.record(obj=event, by=by, fields=AUDITED, area=event.host_area)
    return event


def _sessions_changed(event: Event, sessions: list[dict]) -> bool:
    before = [(s.starts_at, s.ends_at) for s in event.sessions.all()]
    return before != [(s["starts_at"], s["ends_at"]) for s in sessions]


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


@transaction.atomic
def event_update(
    *,
    event: Event,
    by,
    topics: list[str],
    areas: list[Area],
    sessions: list[dict] | None = None,
    **fields,
) -> Event:
    """Change an event. A change of its time or place is e-mailed to everyone
    registered; more places are offered to the waitlist."""
    event = _locked(event)
    _check_organiser(event, by, None)
    before = audit.snapshot(event, AUDITED)
    for name, value in fields.items():
        setattr(event, name, value)
    _check_organiser(event, by, [a.pk for a in areas])
    event.full_clean(exclude=["slug", "organiser"])
    moved = any(before[name] != audit.snapshot(event, [name])[name] for name in TIME_AND_PLACE)
    if moved:
        event.changed_at = timezone.now()
    if sessions is not None:
        moved = moved or _sessions_changed(event, sessions)
        if moved:
            event.changed_at = timezone.now()
        event.sessions.all().delete()
        EventSession.objects.bulk_create(EventSession(event=event, **s) for s in sessions)
    event.save()
    _set_topics_and_areas(event, topics=topics, areas=areas)
    audit.record(obj=event, by=by, before=before, area=event.host_area)
    if moved and event.is_published:
        _tell(Registration.objects.active().filter(event=event), CHANGE, reset="change_sent_at")
    _offer(offer_free_places(event))
    return event


@transaction.atomic
def event_publish(*, event: Event, by) -> Event:
    """Put the event on the public list, open for registration."""
    event = _locked(event)
    _check_organiser(event, by, None)
    if event.is_cancelled:
        raise ValidationError("A cancelled event cannot be published.")
    if event.is_published:
        return event
    before = audit.snapshot(event, ["published_at"])
    event.published_at = timezone.now()
    event.save(update_fields=["published_at"])
    audit.record(obj=event, by=by, before=before, area=event.host_area)
    return event


@transaction.atomic
def event_cancel(*, event: Event, by, reason: str) -> Event:
    """Cancel the event and tell everyone registered (and waiting) by e-mail."""
    event = _locked(event)
    _check_organiser(event, by, None)
    if event.is_cancelled:
        return event
    if event.is_over:
        raise ValidationError("This event is over: it cannot be cancelled.")
    before = audit.snapshot(event, ["cancelled_at", "cancellation_reason"])
    event.cancelled_at = timezone.now()
    event.cancellation_reason = reason
    event.save(update_fields=["cancelled_at", "cancellation_reason"])
    audit.record(obj=event, by=by, before=before, area=event.host_area)
    _tell(Registration.objects.active().filter(event=event), EVENT_CANCELLED)
    return event


@transaction.atomic
def event_copy(*, event: Event, by) -> Event:
    """A new, unpublished event like ``event`` (its topics, areas and
    sessions too), organised by ``by``, for them to change before they
    publish it."""
    _check_organiser(event, by, None)
    copy = Event(
        organiser=by,
        slug=new_slug(event.title),
        copied_from=event,
        **{name: getattr(event, name) for name in EVENT_FIELDS},
    )
    copy.save()
    _set_topics_and_areas(
        copy, topics=[t.topic for t in event.topics.all()], areas=list(event.areas.all())
    )
    EventSession.objects.bulk_create(
        EventSession(event=copy, title=s.title, starts_at=s.starts_at, ends_at=s.ends_at)
        for s in event.sessions.all()
    )
    audit.record(obj=copy, by=by, fields=AUDITED, area=copy.host_area)
    return copy


# --- Registration ------------------------------------------------------------


def _tell(registrations, notice: Notice, *, reset: str | None = None) -> None:
    """Enqueue ``notice`` for each registration with an e-mail address, once
    this transaction commits. ``reset``: the stamp to empty first, for a
    notice sent again at each change."""
    with_email = registrations.exclude(email="")
    if reset:
        with_email.update(**{reset: None})
    for pk in with_email.values_list("pk", flat=True):
        registration_email_task.delay_on_commit(notice.name, pk)


def _offer(registration_ids: list[int]) -> None:
    _tell(Registration.objects.filter(pk__in=registration_ids), OFFER)


def waitlist_place(registration: Registration) -> int:
    """Where ``registration`` is in its event's waitlist: 1 is next."""
    return (
        Registration.objects.waitlisted()
        .filter(event_id=registration.event_id, waitlisted_at__lte=registration.waitlisted_at)
        .exclude(waitlisted_at=registration.waitlisted_at, pk__gt=registration.pk)
        .count()
    )


def registration_submit(
    *, event: Event, form_token_hash: str = "", follow_up_contact: bool = False, **details
) -> Registration:
    """Register a person: a place when there is one and nobody is waiting
    for it, else the waitlist. Then (once saved) e-mail them.

    The event's row is locked first, so registrations for one event are
    decided one at a time. ``form_token_hash`` makes one registration of a
    form sent twice. ``follow_up_contact``: they ticked that the adviser of
    their area may contact them after the event.
    """
    try:
        with transaction.atomic():
            event = _locked(event)
            if not event.registration_open:
                raise ValidationError("Registration for this event has closed.")
            now = timezone.now()
            waiting = Registration.objects.filter(event=event).waitlisted().exists()
            if not waiting and places_taken(event) < event.capacity:
                extra = {"status": Registration.Status.CONFIRMED, "confirmed_at": now}
            else:
                extra = {"status": Registration.Status.WAITLISTED, "waitlisted_at": now}
            registration = Registration.objects.create(
                event=event,
                consented_at=now,
                privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
                # Only an area of ours has an adviser to contact them.
                follow_up_consented_at=now if follow_up_contact and details.get("area") else None,
                form_token_hash=form_token_hash,
                **extra,
                **details,
            )
            # In the same transaction: one commit (one wait for the disk)
            # a registration, not two.
            audit.record(obj=registration, by=None, fields=["status", "area"])
            notice = (
                CONFIRMATION if registration.status == Registration.Status.CONFIRMED else WAITLIST
            )
            _tell(Registration.objects.filter(pk=registration.pk), notice)
    except IntegrityError:
        already = (
            Registration.objects.filter(form_token_hash=form_token_hash).first()
            if form_token_hash
            else None
        )
        if already is None:
            raise
        return already
    return registration


@transaction.atomic
def registration_cancel(*, registration: Registration, by=None) -> Registration:
    """The person gives up their place (or leaves the waitlist), by their
    private link, or a member of staff ``by`` does it for them (a person
    who rang); a place freed is offered to the first in line. The link
    stops working."""
    event = _locked(registration.event)
    if by is not None:
        _check_organiser(event, by, None)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return registration
    cancel(
        registration,
        by=Registration.CancelledBy.STAFF if by else Registration.CancelledBy.PERSON,
        staff=by,
    )
    MANAGE_LINK.revoke(registration)
    _offer(offer_free_places(event))
    return registration


class OfferGone(Exception):
    """The offer has lapsed or was never made."""


@transaction.atomic
def registration_take_offer(*, registration: Registration, by=None) -> Registration:
    """The person takes the place offered to them, before the offer lapses:
    by their link, or a member of staff ``by`` does it for them (someone who
    gave only a phone number has no link, and is phoned)."""
    event = _locked(registration.event)
    if by is not None:
        _check_organiser(event, by, None)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CONFIRMED:
        return registration
    if (
        registration.status != Registration.Status.OFFERED
        or registration.offer_expires_at <= timezone.now()
        or registration.event.is_cancelled
    ):
        raise OfferGone
    before = audit.snapshot(registration, ["status"])
    registration.status = Registration.Status.CONFIRMED
    registration.confirmed_at = timezone.now()
    registration.save(update_fields=["status", "confirmed_at"])
    audit.record(obj=registration, by=by, before=before, area=registration.area)
    _tell(Registration.objects.filter(pk=registration.pk), CONFIRMATION)
    return registration
