"""Evaluation's jobs, on the reports queue (nfc/settings.py routes them), so
a long report never holds up an e-mail. Each takes a report's id."""

import datetime
import logging

import redis
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import Q
from django.utils import timezone

from areas.models import Region
from casework import scheduled
from evaluation import reports
from evaluation.models import Report
from nfc.celery import TRANSIENT_ERRORS
from nfc.periods import Period, add_months, quarter_start

logger = logging.getLogger(__name__)

REPORT_RETRIES = 5
# A job sent less long ago than this may still be on its way, or waiting
# behind others on the queue. Longer than the sweep's ten minutes, so while
# the workers are down a report gets a copy of its job every other sweep at
# most, not every one.
SWEEP_GRACE = datetime.timedelta(minutes=15)
TRANSIENT = (*TRANSIENT_ERRORS, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

TOO_LONG = (
    f"It took longer than {reports.SOFT_TIME_LIMIT // 60} minutes to build and was stopped. "
    "Try a shorter period or a smaller scope, or ask the portal's administrators to look "
    "at the reports worker."
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


@shared_task(
    bind=True,
    acks_late=True,
    soft_time_limit=reports.SOFT_TIME_LIMIT,
    time_limit=reports.TIME_LIMIT,
    autoretry_for=TRANSIENT,
    # 30 s, then 1, 2, 4 and 8 minutes: long enough for the database to come
    # back from a restart, not only a blink.
    retry_backoff=30,
    retry_backoff_max=10 * 60,
    retry_jitter=True,
    max_retries=REPORT_RETRIES,
)
def report_build_task(self, report_id: int) -> str:
    """Build a report; its status at the end. A delivery that cannot claim
    the report (built, or being built by another) leaves it alone. A
    transient fault (the database or Redis briefly away) is retried with
    growing delays; after the last retry, or on any other fault, the report
    is marked failed with words a person can act on."""
    # The broker gives a job back marked redelivered when its worker was
    # lost (acks_late, reject on worker lost): that run is gone.
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    report = reports.report_claim(report_id=report_id, redelivered=redelivered)
    if report is None:
        return Report.objects.filter(pk=report_id).values_list("status", flat=True).first() or ""
    try:
        return reports.report_build_claimed(report=report).status
    except SoftTimeLimitExceeded:
        reports.report_fail(report=report, failure=TOO_LONG)
    except TRANSIENT:
        if self.request.retries < self.max_retries:
            # For the retry to claim (if the database is away even for
            # this, the sweep takes the report over after LOST_AFTER).
            reports.report_release(report=report)
            raise  # retried by autoretry_for, after a growing delay
        logger.exception("Report %s: a service stayed away; marked failed", report_id)
        reports.report_fail(report=report, failure=AWAY)
    except Exception:
        logger.exception("Report %s failed", report_id)
        reports.report_fail(report=report, failure=BROKEN)
    return Report.Status.FAILED


def reports_sweep() -> int:
    """Send again the jobs of reports that were asked for but whose job was
    sent long ago and has not started (it never reached the broker: it was
    away), and of reports whose worker was lost mid-way (a machine gone:
    Redis would give the job back only after its visibility timeout). Each
    is sent at most once a grace period, so copies never pile up while the
    workers are down; a copy that finds its report built or being built
    leaves it alone (reports.report_claim). How many were sent."""
    now = timezone.now()
    sent = 0
    waiting = Report.objects.filter(status=Report.Status.QUEUED).filter(
        Q(enqueued_at__lt=now - SWEEP_GRACE)
        | Q(enqueued_at=None, requested_at__lt=now - SWEEP_GRACE)
    )
    lost = Report.objects.filter(
        status=Report.Status.RUNNING, started_at__lt=now - reports.LOST_AFTER
    )
    for report in lost.filter(attempts__gte=reports.MOST_ATTEMPTS):
        reports.report_fail(report=report, failure=reports.LOST.format(attempts=report.attempts))
    again = lost.filter(attempts__lt=reports.MOST_ATTEMPTS).filter(
        Q(enqueued_at=None) | Q(enqueued_at__lt=now - SWEEP_GRACE)
    )
    for report in (waiting | again).distinct():
        reports.report_enqueue(report=report)
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
    """Ask for each scheduled report not yet asked for for its period: one
    the schedule asked for, or anyone's waiting, being built or built (a
    person's, asked for first, serves). One the schedule asked for that
    failed stays failed (its page offers a retry). How many were asked for."""
    today = today or timezone.localdate()
    asked = 0
    for kind, region, period in scheduled_periods(today):
        key = Report.key_for(kind=kind, region=region)
        if (
            Report.objects.filter(scope_key=key, period_start=period.start, period_end=period.end)
            .filter(Q(scheduled=True) | ~Q(status=Report.Status.FAILED))
            .exists()
        ):
            continue
        reports.report_request(
            kind=kind,
            region=region,
            span=Report.Span.CUSTOM if kind == Report.Kind.PROGRAMME else Report.Span.QUARTER,
            start=period.start,
            end=period.end,
            by=None,
            scheduled=True,
        )
        asked += 1
    return asked


@shared_task
def reports_scheduled_task() -> int:
    """Hourly: reports_scheduled (each period's reports asked for once)."""
    return scheduled.job_run("reports-scheduled", reports_scheduled)
