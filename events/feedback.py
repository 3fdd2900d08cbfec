"""Feedback the day after: the people checked in at an event (and only they)
are e-mailed a private link, from nine in the morning UK time the day after
it ends, to say how useful it was (1 to 5), what was useful and what they
will do next. One answer each.

The e-mail is sent once per person (nfc.jobs.Notice claims it first) by the
scheduled job; the link is issued inside the claim's transaction, so a
failed send leaves no link behind. It stops working after LINK_DAYS, when a
check-in is taken back, and when retention removes the person's details.
"""

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework import audit
from events.models import Feedback, Registration
from events.retention import registrations_remove_details
from nfc.jobs import Notice
from nfc.mail import absolute_url, email_send
from nfc.periods import start_of_day
from nfc.private_links import PrivateLink

logger = logging.getLogger(__name__)

FEEDBACK_LINK = PrivateLink("feedback")
# The link works this long after the e-mail goes.
LINK_DAYS = 14
# Nobody is e-mailed at midnight: the day after starts at nine.
SEND_FROM_HOUR = 9
# A check-in recorded late (staff have a week) still asks for feedback, but
# nobody is asked about an event long past.
ASK_UNTIL_DAYS_AFTER = 8


def feedback_request_send(registration: Registration) -> bool:
    secret = FEEDBACK_LINK.issue(registration, days=LINK_DAYS)
    email_send(
        template="event_feedback",
        to=registration.email,
        context={
            "registration": registration,
            "event": registration.event,
            "feedback_link": absolute_url("events_public:feedback", secret=secret),
            "link_days": LINK_DAYS,
        },
    )
    return True


FEEDBACK_REQUEST = Notice(
    "feedback",
    due=Registration.objects.exclude(email="").filter(
        status=Registration.Status.CONFIRMED,
        checked_in_at__isnull=False,
        details_removed_at=None,
        event__cancelled_at__isnull=True,
    ),
    stamp="feedback_sent_at",
    since="checked_in_at",
    send=feedback_request_send,
    related=("event",),
)


def feedback_requests_due(*, now: datetime.datetime | None = None) -> list[int]:
    """The people checked in at events that ended before today (before
    yesterday, until nine), within the last ASK_UNTIL_DAYS_AFTER days, not
    yet asked."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    day = local.date() if local.hour >= SEND_FROM_HOUR else local.date() - datetime.timedelta(1)
    return list(
        FEEDBACK_REQUEST.due.filter(
            feedback_sent_at=None,
            event__ends_at__lt=start_of_day(day),
            event__ends_at__gte=now - datetime.timedelta(days=ASK_UNTIL_DAYS_AFTER),
        ).values_list("pk", flat=True)
    )


def feedback_requests_send() -> int:
    """Send each feedback request due; one that fails (a refused address)
    is logged and tried again at the next run. How many went."""
    sent = 0
    for pk in feedback_requests_due():
        try:
            sent += FEEDBACK_REQUEST.send_once(pk)
        except Exception:
            logger.exception("Feedback request for registration %s failed; tried again later", pk)
    return sent


def feedback_remove_old_words() -> int:
    """What people wrote, and their links, go with their other details
    NFC_EVENT_RETENTION_DAYS after the event (the ratings stay, for the
    figures). How many answers lost their words."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=settings.NFC_EVENT_RETENTION_DAYS)
    old = Registration.objects.filter(event__ends_at__lt=cutoff)
    return registrations_remove_details(registrations=old, now=now).feedback


def feedback_job() -> int:
    """The scheduled job: send the requests due, remove old words."""
    sent = feedback_requests_send()
    feedback_remove_old_words()
    return sent


def feedback_give(
    *, registration: Registration, rating: int, useful: str, next_steps: str
) -> tuple[Feedback, bool]:
    """Save the person's answer, once. A second answer (the form sent again,
    or from another tab) saves nothing: the first is given back, with False."""
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                registration=registration, rating=rating, useful=useful, next_steps=next_steps
            )
            # Only the rating: their words stay out of the history.
            audit.record(obj=feedback, by=None, fields=["rating"], area=registration.area)
    except IntegrityError:
        return Feedback.objects.get(registration=registration), False
    return feedback, True
