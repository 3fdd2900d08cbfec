"""Events' jobs. Each takes ids, never personal data, and sends each e-mail
at most once (nfc.jobs.Notice claims it first)."""

import datetime
import logging

from celery import shared_task

from casework import scheduled
from events import feedback, notifications, waitlist

logger = logging.getLogger(__name__)

# Younger than this, a registration's own job may still be on its way.
SWEEP_GRACE = datetime.timedelta(minutes=5)


@shared_task
def registration_email_task(notice: str, registration_id: int) -> bool:
    """Send one of the e-mails of notifications.BY_NAME to one registration;
    True if it was sent now."""
    return notifications.BY_NAME[notice].send_once(registration_id)


def _emails_and_offers() -> int:
    # A job already: the offers of places passed on are sent now, not by a
    # job each.
    due = [(notifications.OFFER, pk) for pk in waitlist.offers_lapse()]
    due += [(notifications.REMINDER, pk) for pk in notifications.reminders_due()]
    sent = 0
    for notice, pk in due:
        try:
            sent += notice.send_once(pk)
        except Exception:
            logger.exception(
                "%s for registration %s failed; it will be tried again", notice.name, pk
            )
    sent += sum(notice.sweep(older_than=SWEEP_GRACE) for notice in notifications.SWEPT)
    return sent


@shared_task
def event_emails_task() -> int:
    """Every few minutes: lapse offers not taken in time (offering each place
    to the next in line), send the reminders due, and send the e-mails a
    job never sent. How many e-mails went."""
    return scheduled.job_run("event-emails", _emails_and_offers)


@shared_task
def event_retention_task() -> int:
    """Hourly: remove registrations' details past NFC_EVENT_RETENTION_DAYS."""
    return scheduled.job_run("event-retention", waitlist.registrations_remove_old_details)


@shared_task
def event_feedback_task(if_due: bool = False) -> int:
    """Hourly: ask the people checked in at yesterday's events for their
    feedback (each once), and remove feedback words past retention. How many
    e-mails went."""
    return scheduled.job_run("event-feedback", feedback.feedback_job, if_due=if_due)
