"""Casework's jobs. Each takes an id, never personal data, and sends its
e-mail at most once (nfc.jobs.Notice claims it first)."""

import datetime

from celery import current_app, shared_task

from casework import notifications, retention, scheduled

# Younger than this, a record's own job may still be on its way.
SWEEP_GRACE = datetime.timedelta(minutes=5)


@shared_task
def acknowledgement_send_task(request_id: int) -> bool:
    """E-mail a resident their reference; True if it was sent now."""
    return notifications.ACKNOWLEDGEMENT.send_once(request_id)


@shared_task
def assignee_tell_task(request_id: int) -> bool:
    """E-mail the adviser (or worker) a request landed with; True if sent now."""
    return notifications.ASSIGNEE.send_once(request_id)


@shared_task
def request_received_tell_task(request_id: int) -> int:
    """E-mail a new request's resident their reference and the adviser (or
    worker) it landed with that it came: the two e-mails of
    acknowledgement_send_task and assignee_tell_task in one job, each sent
    once (the sweep's later try sends only what did not go). How many went
    now."""
    sent, failures = 0, []
    for notice in (notifications.ACKNOWLEDGEMENT, notifications.ASSIGNEE):
        try:
            sent += notice.send_once(request_id)
        except Exception as error:
            # A resident's address refused must not keep the adviser's
            # e-mail back (nor the other way round): both are tried, then
            # the job fails for what did not go, which the sweep of unsent
            # e-mails sends later.
            failures.append(error)
    if failures:
        raise failures[0]
    return sent


@shared_task
def resident_message_tell_task(message_id: int) -> bool:
    """E-mail the person a request is with that its resident sent a message
    (never the message itself); True if sent now."""
    return notifications.RESIDENT_MESSAGE.send_once(message_id)


@shared_task
def withdrawal_tell_task(request_id: int) -> bool:
    """E-mail the person a request was with that its resident withdrew it."""
    return notifications.WITHDRAWAL.send_once(request_id)


@shared_task
def referral_partner_tell_task(referral_id: int) -> bool:
    """E-mail a partner that a referral was made to them; True if sent now."""
    return notifications.REFERRAL_PARTNER.send_once(referral_id)


@shared_task
def acknowledgements_sweep_task(if_due: bool = False) -> int:
    """Send the acknowledgements and the notices that were never enqueued
    (the broker was down) or whose job was lost; each is still sent only
    once. How many went."""
    return scheduled.job_run(
        "acknowledgements",
        lambda: sum(notice.sweep(older_than=SWEEP_GRACE) for notice in notifications.SWEPT),
        if_due=if_due,
    )


@shared_task
def retention_task(if_due: bool = False) -> int:
    """Daily: remove residents' details past the retention period; how many."""
    return scheduled.job_run(
        "retention", retention.support_requests_remove_old_details, if_due=if_due
    )


@shared_task
def jobs_catch_up_task() -> list[str]:
    """Every few minutes: run each scheduled job whose last run is older than
    its period (never run, failed, or missed while beat was down, as after
    a redeployment). The names of those started. Each is run only if
    still due when a worker takes it: two beats started by mistake send
    this twice, and the job must still run once."""
    due = scheduled.jobs_due()
    for job in due:
        current_app.tasks[job.task].delay_on_commit(if_due=True)
    return [job.name for job in due]
