"""Evaluation's jobs, on the reports queue (nfc/settings.py routes them), so
a long report never holds up an e-mail. Each takes a report's id."""

import datetime
import logging

import redis
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from areas.models import Region
from casework import scheduled
from evaluation import reports
from evaluation.models import Report
from nfc.celery import TRANSIENT_ERRORS
from nfc.periods import Period, add_months, quarter_start

logger = logging.getLogger(__name__)

# Well below the broker's visibility timeout (2 h, nfc/settings.py), so
# Redis never hands a job still running to a second worker.
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = 35 * 60
REPORT_RETRIES = 5
# Younger than this, a waiting report's job may still be on its way.
SWEEP_GRACE = datetime.timedelta(minutes=5)
# A report "being built" for longer than the hard limit has lost its worker.
LOST_AFTER = datetime.timedelta(seconds=TIME_LIMIT + 5 * 60)
# A report whose worker was lost this many times is given up.
MOST_ATTEMPTS = 3
TRANSIENT = (*TRANSIENT_ERRORS, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

TOO_LONG = (
    "It took longer than 30 minutes to build and was stopped. Try a shorter period or a "
    "smaller scope, or ask the portal's administrators to look at the reports worker."
)
AWAY = (
    "The database or another service the portal needs did not answer, even after "
    "several tries. Try again in a few minutes; if it fails again, tell the portal's "
    "administrators."
)
BROKEN = (
    "Something went wrong while building it. Try again; if it fails again, tell the "
    "portal's administrators (they can find the details in the reports worker's log "
    "at the time it failed)."
)
LOST = (
    "Its worker stopped {attempts} times before it could finish. Try again; if it "
    "fails again, tell the portal's administrators."
)


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=REPORT_RETRIES,
)
def report_build_task(self, report_id: int) -> str:
    """Build a report; its status at the end. A transient fault (the
    database or Redis briefly away) is retried with growing delays; after
    the last retry, or on any other fault, the report is marked failed with
    words a person can act on."""
    try:
        return reports.report_build(report_id).status
    except SoftTimeLimitExceeded:
        reports.report_fail(report_id=report_id, failure=TOO_LONG)
    except TRANSIENT:
        if self.request.retries < self.max_retries:
            raise  # retried by autoretry_for, after a growing delay
        logger.exception("Report %s: a service stayed away; marked failed", report_id)
        reports.report_fail(report_id=report_id, failure=AWAY)
    except Exception:
        logger.exception("Report %s failed", report_id)
        reports.report_fail(report_id=report_id, failure=BROKEN)
    return Report.Status.FAILED


def reports_sweep() -> int:
    """Send again the jobs of reports that were asked for but whose job
    never reached the broker (it was away), and of reports whose worker was
    lost mid-way (a machine gone: Redis would give the job back only after
    its visibility timeout). How many were sent."""
    now = timezone.now()
    sent = 0
    # Waiting while another is built is normal (one report at a time); only
    # a queue with nothing being built and a report waiting long is stuck.
    if not Report.objects.filter(status=Report.Status.RUNNING).exists():
        for pk in Report.objects.filter(
            status=Report.Status.QUEUED, requested_at__lt=now - SWEEP_GRACE
        ).values_list("pk", flat=True):
            report_build_task.delay_on_commit(pk)
            sent += 1
    for report in Report.objects.filter(
        status=Report.Status.RUNNING, started_at__lt=now - LOST_AFTER
    ):
        if report.attempts >= MOST_ATTEMPTS:
            reports.report_fail(report_id=report.pk, failure=LOST.format(attempts=report.attempts))
        else:
            report_build_task.delay_on_commit(report.pk)
            sent += 1
    return sent


@shared_task
def reports_sweep_task() -> int:
    """Every ten minutes: reports_sweep."""
    return scheduled.job_run("reports-sweep", reports_sweep)


def scheduled_periods(today: datetime.date) -> list[tuple[str, str, Period]]:
    """The scheduled reports due by ``today``: (kind, region, period).
    Last month's for the whole programme; last quarter's for each region."""
    month = Period.months_before(today, 1)
    quarter_end = quarter_start(today)
    quarter = Period(add_months(quarter_end, -3), quarter_end)
    due = [(Report.Kind.PROGRAMME, "", month)]
    due += [(Report.Kind.REGION, region, quarter) for region in Region.values]
    return due


def reports_scheduled(today: datetime.date | None = None) -> int:
    """Ask for each scheduled report not yet asked for (by the schedule) for
    its period; one that failed stays failed (its page offers a retry).
    How many were asked for."""
    today = today or timezone.localdate()
    asked = 0
    for kind, region, period in scheduled_periods(today):
        key = Report.key_for(kind=kind, region=region)
        if Report.objects.filter(
            requested_by=None, scope_key=key, period_start=period.start, period_end=period.end
        ).exists():
            continue
        reports.report_request(
            kind=kind,
            region=region,
            span=Report.Span.CUSTOM if kind == Report.Kind.PROGRAMME else Report.Span.QUARTER,
            start=period.start,
            end=period.end,
            by=None,
        )
        asked += 1
    return asked


@shared_task
def reports_scheduled_task() -> int:
    """Hourly: reports_scheduled (each period's reports asked for once)."""
    return scheduled.job_run("reports-scheduled", reports_scheduled)
