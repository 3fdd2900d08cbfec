"""The jobs that run on a schedule and must not be missed: each run is
recorded (JobRun), managers see the latest, and a job whose last run is
older than its period is run again within minutes of beat starting, so a
service redeployed every day still deletes what the privacy notice promises
to delete."""

import datetime
import functools
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, Subquery
from django.utils import timezone

from casework.models import JobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    task: str
    every: datetime.timedelta
    words: str
    # What the count its task returns is of, for the dashboard.
    counted: str = "done"


SCHEDULED = [
    ScheduledJob(
        "retention",
        "casework.tasks.retention_task",
        datetime.timedelta(days=1),
        "Remove residents' details past the retention period",
        "requests cleared",
    ),
    ScheduledJob(
        "acknowledgements",
        "casework.tasks.acknowledgements_sweep_task",
        datetime.timedelta(minutes=5),
        "Send the acknowledgements and notices not sent at the time",
        "e-mails sent",
    ),
    ScheduledJob(
        "event-feedback",
        "events.tasks.event_feedback_task",
        datetime.timedelta(hours=1),
        "Ask the people checked in at yesterday's events for feedback; remove old feedback words",
    ),
]
BY_NAME = {job.name: job for job in SCHEDULED}


# The constraint that holds a job's claim (casework.models.JobRun).
ONE_UNFINISHED = "job_run_one_unfinished_per_job"
# Celery kills a task at CELERY_TASK_TIME_LIMIT: a claim older than that,
# with a minute's grace, belongs to a worker that is gone.
CLAIM_LOST_AFTER = datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def job_run(name: str, work, *, if_due: bool = False) -> int:
    """Run ``work()`` as job ``name``, recording when, how much (what it
    returns) and whether it failed (the failure is raised again).

    Once at a time, whichever worker runs it: the run is claimed first (one
    unfinished run per job, held by the database), so the same job sent
    twice at once (by two beats started by mistake, or by beat and the
    catch-up together) is done by one worker; the other does nothing and
    returns 0. With ``if_due`` (the catch-up's runs), only if the job is
    still due once claimed: another worker may have just run it.
    """
    run = _claim(name)
    if run is None:
        logger.info("Job %s is running on another worker: not run twice.", name)
        return 0
    if if_due and name in BY_NAME and BY_NAME[name] not in jobs_due():
        logger.info("Job %s was run meanwhile by another worker: not run twice.", name)
        run.delete()
        return 0
    # Saved, not updated in bulk: the dashboard shows the last runs, and
    # keeps its drawn page until a save tells it something changed.
    # BaseException too: a worker shut down mid-job must not leave the job
    # claimed until the claim is taken for lost.
    try:
        count = work()
    except BaseException:
        run.finished_at, run.failed = timezone.now(), True
        run.save(update_fields=["finished_at", "failed"])
        raise
    run.finished_at, run.count = timezone.now(), count
    run.save(update_fields=["finished_at", "count"])
    return count


def _claim(name: str) -> JobRun | None:
    """A new run of job ``name``, or None while another is unfinished
    (casework migration 0024's constraint allows one). A run unfinished
    after Celery's hard time limit for a task (which every scheduled job
    runs under) was lost with its worker: it is marked failed, and no
    longer holds the job, so a redelivered job is not turned away for long."""
    now = timezone.now()
    lost_before = now - CLAIM_LOST_AFTER
    for lost in JobRun.objects.filter(name=name, finished_at=None, started_at__lt=lost_before):
        lost.finished_at, lost.failed = now, True
        lost.save(update_fields=["finished_at", "failed"])
    try:
        with transaction.atomic():
            return JobRun.objects.create(name=name, started_at=now)
    except IntegrityError as error:
        if ONE_UNFINISHED not in str(error):
            raise
        return None


@dataclass(frozen=True)
class JobState:
    job: ScheduledJob
    last_finished: datetime.datetime | None
    last_count: int | None
    last_failed: bool

    def is_late(self, now: datetime.datetime) -> bool:
        # A run counts late after its period and half again (a run on time
        # can take a while to be picked up).
        return self.last_finished is None or now - self.last_finished > self.job.every * 1.5


@functools.cache
def _last_runs_sql() -> tuple[str, tuple]:
    """The query for each job's last finished run, made once a process: the
    jobs are fixed, so it never changes, and building it (a subquery each,
    ORed) cost more than running it."""
    latest = Q(pk__in=[])
    for job in SCHEDULED:
        last = JobRun.objects.filter(name=job.name, finished_at__isnull=False).values("pk")[:1]
        latest |= Q(pk=Subquery(last))
    return JobRun.objects.filter(latest).query.sql_with_params()


def job_states() -> list[JobState]:
    """Each scheduled job's last finished run, in one query however many
    jobs there are (a subquery each, by its index) and however many runs."""
    sql, params = _last_runs_sql()
    runs = {run.name: run for run in JobRun.objects.raw(sql, params)}
    states = []
    for job in SCHEDULED:
        last = runs.get(job.name)
        states.append(
            JobState(
                job=job,
                last_finished=last.finished_at if last else None,
                last_count=last.count if last else None,
                last_failed=last.failed if last else False,
            )
        )
    return states


def jobs_due(now: datetime.datetime | None = None) -> list[ScheduledJob]:
    """The jobs whose last successful run is older than their period."""
    now = now or timezone.now()
    done = dict(
        JobRun.objects.filter(finished_at__isnull=False, failed=False)
        .values_list("name")
        .annotate(last=Max("finished_at"))
    )
    return [job for job in SCHEDULED if job.name not in done or now - done[job.name] >= job.every]
