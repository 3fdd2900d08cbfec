"""Scheduled jobs that must not be missed: each run is recorded, a job whose
last run is older than its period runs again at the next catch-up (so a
beat restarted every day still runs the daily retention), and managers see
the last runs on the dashboard."""

import datetime
from pathlib import Path

import pytest
import yaml
from django.utils import timezone

from casework import scheduled
from casework.models import JobRun
from casework.tasks import acknowledgements_sweep_task, jobs_catch_up_task, retention_task
from tests.support import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def ran(name, *, ago, failed=False, count=0):
    at = timezone.now() - ago
    return JobRun.objects.create(
        name=name, started_at=at, finished_at=at, count=count, failed=failed
    )


def test_each_run_is_recorded_with_its_count():
    assert retention_task() == 0
    run = JobRun.objects.get(name="retention")
    assert (run.count, run.failed) == (0, False)
    assert run.finished_at >= run.started_at
    acknowledgements_sweep_task()
    assert JobRun.objects.filter(name="acknowledgements").count() == 1


def events_jobs_ran_just_now():
    """The events' jobs are out of these tests' way (they have their own)."""
    for job in scheduled.SCHEDULED:
        if job.name.startswith("event-"):
            ran(job.name, ago=datetime.timedelta(seconds=1))


def test_a_job_never_run_or_run_too_long_ago_is_due():
    assert {job.name for job in scheduled.jobs_due()} == {job.name for job in scheduled.SCHEDULED}
    events_jobs_ran_just_now()
    assert {job.name for job in scheduled.jobs_due()} == {"retention", "acknowledgements"}
    ran("retention", ago=datetime.timedelta(hours=3))
    ran("acknowledgements", ago=datetime.timedelta(minutes=6))
    assert [job.name for job in scheduled.jobs_due()] == ["acknowledgements"]


def test_a_failed_run_does_not_count_as_done():
    ran("retention", ago=datetime.timedelta(days=2))
    ran("retention", ago=datetime.timedelta(hours=1), failed=True)
    assert "retention" in {job.name for job in scheduled.jobs_due()}


def test_the_catch_up_runs_what_is_due_at_once(django_capture_on_commit_callbacks):
    # Tasks run in-process in the tests, so "sent" means run.
    events_jobs_ran_just_now()
    ran("acknowledgements", ago=datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_catch_up_task() == ["retention"]
    assert JobRun.objects.filter(name="retention", failed=False).exists()
    assert jobs_catch_up_task() == []


def test_managers_see_the_last_runs_on_the_dashboard(manager, adviser):
    ran("retention", ago=datetime.timedelta(days=3), count=7)
    page = client_for(manager).get("/dashboard/").text
    assert "Scheduled jobs" in page
    assert "Remove residents&#x27; details past the retention period" in page
    assert "late" in page
    assert "Scheduled jobs" not in client_for(adviser).get("/dashboard/").text


def test_beats_schedule_is_kept_where_it_survives_a_redeployment():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["beat"]["command"]
    schedule = command[command.index("--schedule") + 1]
    assert not schedule.startswith("/tmp/")
    volume = schedule.rsplit("/", 1)[0]
    assert any(v.endswith(f":{volume}") for v in compose["services"]["beat"]["volumes"])


def test_the_last_runs_are_read_in_one_query_however_many_jobs(django_assert_num_queries):
    # One query a job used to make the dashboard's count grow with each new job.
    for job in scheduled.SCHEDULED:
        ran(job.name, ago=datetime.timedelta(hours=3), count=1)
        ran(job.name, ago=datetime.timedelta(hours=1), count=2)
    ran(scheduled.SCHEDULED[0].name, ago=datetime.timedelta(minutes=1), count=3, failed=True)
    with django_assert_num_queries(1):
        states = scheduled.job_states()
    assert [s.job for s in states] == scheduled.SCHEDULED
    assert [s.last_count for s in states] == [3] + [2] * (len(scheduled.SCHEDULED) - 1)
    assert states[0].last_failed


def _not_to_be_run():
    raise AssertionError("the job ran twice")


def test_a_job_running_on_another_worker_is_not_run_again_at_once():
    running = JobRun.objects.create(name="retention", started_at=timezone.now())
    assert scheduled.job_run("retention", _not_to_be_run) == 0
    assert list(JobRun.objects.filter(name="retention")) == [running]
    # Another job is not held up by it.
    assert scheduled.job_run("acknowledgements", lambda: 2) == 2


def test_a_run_lost_with_its_worker_no_longer_holds_the_job(settings):
    # Celery has killed any task by its hard time limit: a claim a little
    # older than that (not an hour, the longest a report may take) is lost.
    lost = JobRun.objects.create(
        name="retention",
        started_at=timezone.now()
        - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 90),
    )
    assert scheduled.job_run("retention", lambda: 3) == 3
    lost.refresh_from_db()
    assert lost.failed
    assert lost.finished_at is not None
    assert JobRun.objects.get(name="retention", failed=False).count == 3


def test_a_job_stopped_by_a_shutdown_leaves_no_claim_behind():
    def shut_down():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scheduled.job_run("retention", shut_down)
    assert JobRun.objects.get(name="retention").failed
    assert scheduled.job_run("retention", lambda: 4) == 4


def test_the_catch_ups_run_stands_back_when_another_worker_has_just_run_the_job():
    # Two beats' catch-ups both found retention due; one worker ran it.
    ran("retention", ago=datetime.timedelta(seconds=5), count=1)
    assert retention_task(if_due=True) == 0
    assert JobRun.objects.filter(name="retention").count() == 1
    # Sent by beat itself (not the catch-up), it runs.
    assert retention_task() == 0
    assert JobRun.objects.filter(name="retention").count() == 2


def test_the_catch_up_sends_each_job_to_run_only_if_still_due(django_capture_on_commit_callbacks):
    events_jobs_ran_just_now()
    ran("acknowledgements", ago=datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks() as callbacks:
        jobs_catch_up_task()
    (sent,) = callbacks
    assert sent.keywords == {"if_due": True}
