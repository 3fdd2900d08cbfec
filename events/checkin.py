"""On the day: ticking people in at an event, and adding the people who came
without registering (walk-ins).

Each tick is one person's row, changed by a conditional UPDATE of that row
alone: two people checking in on two phones never overwrite each other's
ticks (no form carries the whole list), and the same person ticked on both
is ticked once, keeping the first tick's time and name.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from advisers.permissions import may_check_in
from areas.models import Area
from casework import audit
from casework import services as casework_services
from events.feedback import FEEDBACK_LINK
from events.models import Event, Registration
from nfc.periods import start_of_day

# Staff may record who came for a week after the event (from a paper list,
# say); the feedback e-mail still goes to people ticked in that week.
CHECK_IN_DAYS_AFTER = 7


def check_in_opens(event: Event) -> datetime.datetime:
    """The start of the event's first day, UK time."""
    return start_of_day(timezone.localdate(event.starts_at))


def check_in_closes(event: Event) -> datetime.datetime:
    return event.ends_at + datetime.timedelta(days=CHECK_IN_DAYS_AFTER)


def check_in_open(event: Event) -> bool:
    now = timezone.now()
    return not event.is_cancelled and check_in_opens(event) <= now < check_in_closes(event)


def _check(event: Event, by) -> None:
    if not may_check_in(by, event):
        raise PermissionDenied
    if event.is_cancelled:
        raise ValidationError("This event was cancelled: nobody can be checked in.")
    if not check_in_open(event):
        raise ValidationError(
            f"Check-in opens on the day of the event "
            f"({timezone.localtime(check_in_opens(event)):%-d %B %Y}) and closes "
            f"{CHECK_IN_DAYS_AFTER} days after it ends."
        )


def checkin_list(event: Event, *, search: str = "") -> QuerySet[Registration]:
    """The people with a place (walk-ins among them), by name, each with
    their area and who ticked them: one query, however many there are."""
    people = (
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("area", "checked_in_by")
        .order_by("name", "pk")
    )
    for word in search.split():
        people = people.filter(name__icontains=word)
    return people


def checkin_counts(event: Event) -> dict[str, int]:
    """How many have a place, and how many of them (walk-ins too) came."""
    return Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED).aggregate(
        expected=Count("pk", filter=Q(walk_in=False)),
        came=Count("pk", filter=Q(checked_in_at__isnull=False)),
        walk_ins=Count("pk", filter=Q(walk_in=True)),
    )


@transaction.atomic
def registration_check_in(*, registration: Registration, by, attended: bool) -> Registration:
    """Tick ``registration`` as there (``attended``) or take the tick back.

    Says what happened, never toggles: a tick sent twice (a retry on a slow
    connection) or from two phones changes the row once. Taking a tick back
    stops their feedback link working (they were not there after all).
    """
    event = registration.event
    _check(event, by)
    if registration.status != Registration.Status.CONFIRMED:
        raise ValidationError(
            "Only people with a place can be checked in: add them as a walk-in instead."
        )
    row = Registration.objects.filter(pk=registration.pk, status=Registration.Status.CONFIRMED)
    before = audit.stored(registration, ["checked_in_at"])
    if attended:
        changed = row.filter(checked_in_at=None).update(
            checked_in_at=timezone.now(), checked_in_by=by
        )
    else:
        changed = row.filter(checked_in_at__isnull=False).update(
            checked_in_at=None, checked_in_by=None
        )
    registration.refresh_from_db(fields=["checked_in_at", "checked_in_by"])
    if changed:
        if not attended:
            FEEDBACK_LINK.revoke(registration)
        audit.record(obj=registration, by=by, before=before, area=registration.area)
    return registration


def walk_in_add(
    *,
    event: Event,
    by,
    name: str,
    area: Area | None,
    email: str = "",
    phone: str = "",
    follow_up_contact: bool = False,
    form_token_hash: str = "",
) -> Registration:
    """Add someone who came without registering, ticked in at once. Their
    place is on top of the capacity: they are in the room already.
    ``follow_up_contact``: they told staff that the adviser for their area
    may contact them after the event.
    ``form_token_hash`` makes one walk-in of a form sent twice (a double tap
    on a slow connection)."""
    _check(event, by)
    now = timezone.now()
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                event=event,
                name=name,
                area=area,
                email=email,
                phone=phone,
                walk_in=True,
                status=Registration.Status.CONFIRMED,
                confirmed_at=now,
                checked_in_at=now,
                checked_in_by=by,
                # Staff told them how their details are used, as the form says.
                consented_at=now,
                privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
                # Only an area of ours has an adviser to contact them.
                follow_up_consented_at=now if follow_up_contact and area else None,
                # Nothing to send them before the event: it has begun.
                confirmation_sent_at=now,
                reminder_sent_at=now,
                form_token_hash=form_token_hash,
            )
            audit.record(
                obj=registration,
                by=by,
                fields=["status", "area", "walk_in", "checked_in_at"],
                area=area,
            )
    except IntegrityError:
        already = (
            Registration.objects.filter(form_token_hash=form_token_hash, event=event).first()
            if form_token_hash
            else None
        )
        if already is None:
            raise
        return already
    return registration


@transaction.atomic
def attendance_follow_up(
    *, registration: Registration, by, description: str, due_on: datetime.date
) -> Registration:
    """A follow-up action for ``by``, in the casework of the area the person
    came from (casework checks that ``by`` works there), kept with their
    attendance so the home page shows it was made."""
    if registration.checked_in_at is None or registration.area is None:
        raise ValidationError("Only someone who came, from one of our areas, can be followed up.")
    action = casework_services.action_add(
        area=registration.area, owner=by, by=by, description=description, due_on=due_on
    )
    before = audit.snapshot(registration, ["follow_up_action"])
    registration.follow_up_action = action
    registration.save(update_fields=["follow_up_action"])
    audit.record(obj=registration, by=by, before=before, area=registration.area)
    return registration
