"""The jobs that run on a schedule and must not be missed: each run is
recorded (JobRun), managers see the latest, and a job whose last run is
older than its period is run again within minutes of beat starting, so a
service redeployed every day still deletes what the privacy notice promises
to delete."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, Q, Subquery
from django.utils import timezone

from casework.models import JobRun


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


def job_run(name: str, work) -> int:
    """Run ``work()`` as job ``name``, recording when, how much (what it
    returns) and whether it failed (the failure is raised again)."""
    run = JobRun.objects.create(name=name, started_at=timezone.now())
    # Saved, not updated in bulk: the dashboard shows the last runs, and
    # keeps its drawn page until a save tells it something changed.
    try:
        count = work()
    except Exception:
        run.finished_at, run.failed = timezone.now(), True
        run.save(update_fields=["finished_at", "failed"])
        raise
    run.finished_at, run.count = timezone.now(), count
    run.save(update_fields=["finished_at", "count"])
    return count


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


def job_states() -> list[JobState]:
    """Each scheduled job's last finished run, in one query however many
    jobs there are (a subquery each, by its index) and however many runs."""
    latest = Q(pk__in=[])
    for job in SCHEDULED:
        last = JobRun.objects.filter(name=job.name, finished_at__isnull=False).values("pk")[:1]
        latest |= Q(pk=Subquery(last))
    runs = {run.name: run for run in JobRun.objects.filter(latest)}
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
