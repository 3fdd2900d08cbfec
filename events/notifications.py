"""The e-mails sent to people registered for events, each once per
registration (see nfc.jobs.Notice): the confirmation (with the event as a
calendar file), the waitlist place, the offer of a place, the reminder two
days before, a change of time or place, and the event's cancellation.

Each carries the person's private link (the same in each: see
manage_link_issue). It stops working when the event ends, or when the
person cancels.
"""

import base64
import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from events.calendar import event_calendar
from events.models import Registration
from nfc.jobs import Notice
from nfc.mail import Attachment, absolute_url, email_send
from nfc.private_links import digest

# The reminder goes this long before the event starts.
REMINDER_BEFORE = datetime.timedelta(days=2)

_with_email = Registration.objects.exclude(email="").filter(details_removed_at=None)
_open_event = Q(event__cancelled_at__isnull=True)


def _secret(registration: Registration) -> str:
    # 32 bytes, URL-safe: the shape of every private link's secret, so
    # nfc.logging masks it as it does the others.
    mac = hmac.new(
        settings.SECRET_KEY.encode(),
        f"events.manage:{registration.pk}:{registration.manage_link_salt}".encode(),
        hashlib.sha256,
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def manage_link_issue(registration: Registration) -> str:
    """The private link for ``registration``, as a full address, working until
    its event ends.

    The same link in every e-mail (a person keeps using the one in their
    confirmation after a reminder came): its secret is made from SECRET_KEY
    and the registration's random salt, and only the secret's hash is kept,
    so a copy of the database alone opens nothing. A revoked link is never
    made to work again: a new salt makes a new link.
    """
    if not registration.manage_link_salt or registration.manage_revoked_at:
        registration.manage_link_salt = secrets.token_hex(16)
        registration.manage_revoked_at = None
    secret = _secret(registration)
    registration.manage_token_hash = digest(secret)
    registration.manage_expires_at = registration.event.ends_at
    registration.save(
        update_fields=[
            "manage_link_salt",
            "manage_token_hash",
            "manage_expires_at",
            "manage_revoked_at",
        ]
    )
    return absolute_url("events_public:manage", secret=secret)


def _send(template: str, registration: Registration, **context) -> bool:
    event = registration.event
    attachments = []
    # A place held, or held when the event was cancelled: the calendar that
    # holds it is sent the new version (a cancelled one marks it so).
    held_a_place = registration.status == Registration.Status.CONFIRMED or (
        event.is_cancelled and registration.confirmed_at
    )
    if held_a_place:
        attachments.append(
            Attachment(
                f"{event.slug}.ics",
                event_calendar(event, joining_link=True),
                "text/calendar; charset=utf-8; method=PUBLISH",
            )
        )
    email_send(
        template=template,
        to=registration.email,
        context={
            "registration": registration,
            "event": event,
            "event_link": absolute_url("events_public:event_detail", slug=event.slug),
            "events_link": absolute_url("events_public:event_list"),
            "manage_link": "" if event.is_cancelled else manage_link_issue(registration),
            **context,
        },
        attachments=attachments,
    )
    return True


def confirmation_send(registration: Registration) -> bool:
    return _send("event_confirmation", registration)


def waitlist_send(registration: Registration) -> bool:
    # Read here, not passed from the form: the place as the e-mail goes.
    waiting_before = (
        Registration.objects.waitlisted()
        .filter(event_id=registration.event_id)
        .filter(
            Q(waitlisted_at__lt=registration.waitlisted_at)
            | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk)
        )
        .count()
    )
    return _send("event_waitlisted", registration, place=waiting_before + 1)


def offer_send(registration: Registration) -> bool:
    return _send("event_offer", registration)


def reminder_send(registration: Registration) -> bool:
    if registration.event.starts_at <= timezone.now():
        # Too late to remind: the claim stands, so it is never sent.
        return False
    return _send("event_reminder", registration)


def change_send(registration: Registration) -> bool:
    return _send("event_changed", registration)


def event_cancelled_send(registration: Registration) -> bool:
    return _send("event_cancelled", registration)


_active = ~Q(status=Registration.Status.CANCELLED)

CONFIRMATION = Notice(
    "confirmation",
    due=_with_email.filter(_open_event, status=Registration.Status.CONFIRMED),
    stamp="confirmation_sent_at",
    since="confirmed_at",
    send=confirmation_send,
    related=("event",),
)
WAITLIST = Notice(
    "waitlist",
    due=_with_email.filter(_open_event, status=Registration.Status.WAITLISTED),
    stamp="waitlist_sent_at",
    since="waitlisted_at",
    send=waitlist_send,
    related=("event",),
)
OFFER = Notice(
    "offer",
    due=_with_email.filter(_open_event, status=Registration.Status.OFFERED),
    stamp="offer_sent_at",
    since="offered_at",
    send=offer_send,
    related=("event",),
)
REMINDER = Notice(
    "reminder",
    due=_with_email.filter(_open_event, status=Registration.Status.CONFIRMED),
    stamp="reminder_sent_at",
    since="confirmed_at",
    send=reminder_send,
    related=("event",),
)
CHANGE = Notice(
    "change",
    due=_with_email.filter(_open_event, _active, event__changed_at__isnull=False),
    stamp="change_sent_at",
    since="event__changed_at",
    send=change_send,
    related=("event",),
)
EVENT_CANCELLED = Notice(
    "event_cancelled",
    due=_with_email.filter(_active, event__cancelled_at__isnull=False),
    stamp="event_cancelled_sent_at",
    since="event__cancelled_at",
    send=event_cancelled_send,
    related=("event",),
)
BY_NAME = {
    notice.name: notice
    for notice in (CONFIRMATION, WAITLIST, OFFER, REMINDER, CHANGE, EVENT_CANCELLED)
}
# Swept for what a job never sent (the reminder has its own time, below).
SWEPT = (CONFIRMATION, WAITLIST, OFFER, CHANGE, EVENT_CANCELLED)


def reminders_due() -> list[int]:
    """Confirmed registrations whose event starts within two days and who
    have not had their reminder."""
    now = timezone.now()
    return list(
        REMINDER.due.filter(
            reminder_sent_at=None,
            event__starts_at__gt=now,
            event__starts_at__lte=now + REMINDER_BEFORE,
        ).values_list("pk", flat=True)
    )
