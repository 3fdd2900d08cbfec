"""Celery on the real Redis, with a real worker."""

import os
import re
import signal
import subprocess
import sys
import time
import uuid

import psutil
import pytest
import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from advisers import services
from advisers.models import Role, StaffSession, User
from advisers.tasks import invitation_send_task, sessions_clear_expired_task
from nfc.celery import app
from tests.celery_tasks import attempt_counted_task, fails_once_task
from tests.support import PROJECT_ROOT, clean_env


def test_a_task_goes_through_redis_to_a_real_worker_and_its_result_comes_back(celery_worker):
    StaffSession.objects.create(
        session_key="expired-session",
        session_data="",
        expire_date=timezone.now() - timezone.timedelta(days=1),
    )
    StaffSession.objects.create(
        session_key="current-session",
        session_data="",
        expire_date=timezone.now() + timezone.timedelta(days=1),
    )
    result = sessions_clear_expired_task.delay()
    assert result.get(timeout=20) == 1
    assert list(StaffSession.objects.values_list("session_key", flat=True)) == ["current-session"]


def test_the_worker_sends_an_invitation_e_mail(celery_worker, mailoutbox):
    newcomer = User.objects.create_user(
        "worker@example.org", full_name="Wen Worker", role=Role.ADVISER
    )
    result = invitation_send_task.delay(newcomer.pk)
    assert result.get(timeout=20) is True
    assert [m.to for m in mailoutbox] == [["worker@example.org"]]
    # A second delivery of the same job finds the work claimed and sends nothing.
    assert invitation_send_task.delay(newcomer.pk).get(timeout=20) is False
    assert len(mailoutbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_is_sent_to_the_broker_only_when_the_transaction_commits(celery_on_redis):
    broker = redis.Redis.from_url(celery_on_redis.conf.broker_url)
    broker.delete("default")
    with transaction.atomic():
        services.staff_invite(
            user=User(email="later@example.org", full_name="Lou Later", role=Role.ADVISER)
        )
        assert broker.llen("default") == 0
    assert broker.llen("default") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_nothing_is_sent_when_the_transaction_rolls_back(celery_on_redis):
    broker = redis.Redis.from_url(celery_on_redis.conf.broker_url)
    broker.delete("default")
    try:
        with transaction.atomic():
            services.staff_invite(
                user=User(email="never@example.org", full_name="Ned Never", role=Role.ADVISER)
            )
            raise RuntimeError("something later in the request failed")
    except RuntimeError:
        pass
    assert broker.llen("default") == 0
    assert not User.objects.filter(email="never@example.org").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_arguments_are_ids_not_personal_data(celery_on_redis):
    broker = redis.Redis.from_url(celery_on_redis.conf.broker_url)
    broker.delete("default")
    with transaction.atomic():
        services.staff_invite(
            user=User(email="private@example.org", full_name="Pat Private", role=Role.ADVISER)
        )
    message = broker.lindex("default", 0).decode()
    assert "private@example.org" not in message
    assert "Pat Private" not in message


def test_jobs_are_not_lost_when_a_worker_dies():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    # Redis re-delivers an unacknowledged job only after the visibility
    # timeout, which must outlast the longest job.
    assert conf.broker_transport_options["visibility_timeout"] > settings.NFC_LONGEST_TASK_SECONDS


def test_every_task_of_ours_retries_transient_failures_with_backoff():
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        # True (a first delay of 1 s, doubling) or the first delay in
        # seconds (report jobs wait 30 s for a database briefly away).
        assert task.retry_backoff is True or task.retry_backoff >= 1, name
        assert ConnectionError in task.autoretry_for, name


def test_report_jobs_have_a_queue_of_their_own():
    route = app.amqp.router.route({}, "evaluation.tasks.report_build_task")
    assert route["queue"].name == "reports"
    assert (
        app.amqp.router.route({}, "advisers.tasks.invitation_send_task")["queue"].name == "default"
    )


def test_the_beat_schedule_names_tasks_that_exist():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
    assert invitation_send_task.name in app.tasks


def test_a_jobs_log_lines_carry_its_task_id(celery_worker, caplog):
    import logging

    def ids():
        return {
            getattr(r, "request_id", None) for r in caplog.records if r.name == "celery.app.trace"
        }

    with caplog.at_level(logging.INFO):
        result = sessions_clear_expired_task.delay()
        result.get(timeout=20)
        # The worker logs "succeeded" just after it stores the result, so a
        # busy machine can answer get() first.
        deadline = time.monotonic() + 10
        while result.id not in ids() and time.monotonic() < deadline:
            time.sleep(0.05)
    assert result.id in ids()


def test_a_transient_failure_is_retried_by_the_worker(celery_worker):
    key = f"fails-once-{uuid.uuid4()}"
    assert fails_once_task.delay(key).get(timeout=30) == 2


@pytest.mark.slow  # starts a worker of its own, as a separate process
def test_a_job_whose_worker_process_is_killed_goes_back_on_the_queue(celery_on_redis, redis_url):
    key = f"attempts-{uuid.uuid4()}"
    broker = redis.Redis.from_url(redis_url)
    env = clean_env(
        REDIS_URL=redis_url,
        PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "nfc",
        "worker",
        "--queues",
        "default",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--include",
        "tests.celery_tasks",
        "--hostname",
        f"redelivery-{uuid.uuid4().hex[:6]}@%h",
        "--loglevel",
        "INFO",
    ]
    worker = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        result = attempt_counted_task.delay(key, 120)
        deadline = time.monotonic() + 60
        while broker.get(key) != b"1":
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.2)
        [child] = psutil.Process(worker.pid).children()
        child.send_signal(signal.SIGKILL)
        assert result.get(timeout=60) == 2
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_app_code_enqueues_only_on_commit():
    # .delay() inside a transaction could reach a worker before the rows it
    # needs are committed; app code uses delay_on_commit (or
    # apply_async_on_commit) instead.
    eager_send = re.compile(r"\.(delay|apply_async)\(")
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for app_dir in ("nfc", "advisers", "areas", "casework", "events", "evaluation")
        for path in (PROJECT_ROOT / app_dir).rglob("*.py")
        # nfc/celery.py is where delay_on_commit itself is made.
        if path != PROJECT_ROOT / "nfc" / "celery.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if eager_send.search(line)
    ]
    assert offenders == []
