"""Report jobs run by real workers through the real Redis: the reports
queue, progress by stage, retries, and a worker killed mid-job."""

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid

import psutil
import pytest
import redis
from django.db import OperationalError, connection, transaction

from advisers.roles import Role
from evaluation import report_figures, reports, tasks
from evaluation.models import Report
from tests.factories import UserFactory
from tests.support import PROJECT_ROOT, clean_env, client_for

START, END = datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)


def _ask(by=None) -> Report:
    with transaction.atomic():
        return reports.report_request(
            kind=Report.Kind.PROGRAMME, span="quarter", start=START, end=END, by=by
        )


def _until_finished(report: Report, seconds: float, seen: list | None = None) -> Report:
    deadline = time.monotonic() + seconds
    while True:
        report.refresh_from_db()
        if seen is not None and (not seen or seen[-1] != report.stage):
            seen.append(report.stage)
        if report.is_finished:
            return report
        assert time.monotonic() < deadline, f"still {report.status} at {report.stage!r}"
        time.sleep(0.05)


def test_a_report_is_built_by_a_worker_on_the_reports_queue_stage_by_stage(
    celery_report_worker, monkeypatch
):
    evaluator = UserFactory(role=Role.EVALUATOR)
    build, pdf = report_figures.build, reports.pdf_bytes

    # Slowed, so the stages can be watched.
    def slow_build(report):
        time.sleep(1)
        return build(report)

    def slow_pdf(html):
        time.sleep(1)
        return pdf(html)

    monkeypatch.setattr(report_figures, "build", slow_build)
    monkeypatch.setattr(reports, "pdf_bytes", slow_pdf)
    report = _ask(by=evaluator)
    client = client_for(evaluator)
    seen_by_page = set()
    deadline = time.monotonic() + 60
    while True:
        status = client.get(f"/staff/reports/{report.pk}/status.json").json()
        seen_by_page.add((status["stage"], status["percent"]))
        if status["finished"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert status["status"] == "done"
    assert {("gathering", 0), ("pdf", 50)} <= seen_by_page
    report.refresh_from_db()
    assert report.attempts == 1
    assert report.pdf.name
    assert report.workbook.name
    assert report.open_data.name


def test_a_transient_fault_is_retried_by_the_worker_after_a_delay(
    celery_report_worker, monkeypatch
):
    build, calls = report_figures.build, []

    def blinks(report):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OperationalError("the database blinked")
        return build(report)

    monkeypatch.setattr(report_figures, "build", blinks)
    report = _until_finished(_ask(), 60)
    assert report.status == Report.Status.DONE
    assert len(calls) == 2
    assert report.attempts == 2


def test_a_second_delivery_while_a_worker_builds_the_report_does_not_build_it_too(
    celery_report_worker, monkeypatch
):
    # Slowed where it draws its page (the figures gathered), so the job is
    # still being built when the second copy arrives.
    page, calls = reports.report_html, []

    def slow_page(*, report, **rest):
        calls.append(report.attempts)
        time.sleep(2)
        return page(report=report, **rest)

    monkeypatch.setattr(reports, "report_html", slow_page)
    report = _ask()
    deadline = time.monotonic() + 30
    while not calls:
        assert time.monotonic() < deadline, "the worker never started the job"
        time.sleep(0.05)
    # The same job delivered again (the sweep's copy, Redis, build_report)
    # while the worker is at it: here, in this process.
    assert tasks.report_build_task.apply(args=[report.pk]).get() == Report.Status.RUNNING
    report = _until_finished(report, 60)
    assert report.status == Report.Status.DONE
    assert (calls, report.attempts) == ([1], 1)


def _own_worker(redis_url: str, files: str, key: str, **env) -> subprocess.Popen:
    """A reports worker in a process of its own (tests.slow_reports loaded),
    on the test database, counting its jobs' attempts in Redis at ``key``."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )
    environment = clean_env(
        REDIS_URL=redis_url,
        DATABASE_URL=database_url,
        NFC_REPORTS_DIR=str(files),
        NFC_TEST_REPORT_ATTEMPTS=key,
        **env,
        PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
    )
    command = [
        sys.executable, "-m", "celery", "-A", "nfc", "worker",
        "--queues", "reports", "--pool", "prefork", "--concurrency", "1",
        "--include", "tests.slow_reports",
        "--hostname", f"reports-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "INFO",
    ]  # fmt: skip
    return subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow  # starts a worker of its own, as a separate process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_that_kills_its_worker_every_time_is_failed_after_three_tries(
    celery_on_redis, redis_url, settings
):
    key = f"report-attempts-{uuid.uuid4()}"
    broker = redis.Redis.from_url(redis_url)
    files = settings.STORAGES["reports"]["OPTIONS"]["location"]
    worker = _own_worker(redis_url, files, key, NFC_TEST_REPORT_KILLS="1")
    try:
        report = _until_finished(_ask(), 120)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert report.status == Report.Status.FAILED
    assert report.failure == reports.LOST.format(attempts=reports.MOST_ATTEMPTS)
    # Given up in the claim of its fourth delivery, not built a fourth time.
    assert broker.get(key) == str(reports.MOST_ATTEMPTS).encode()


@pytest.mark.slow  # starts a worker of its own, as a separate process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_report_whose_worker_is_killed_mid_job_is_built_again_once(
    celery_on_redis, redis_url, settings
):
    key = f"report-attempts-{uuid.uuid4()}"
    broker = redis.Redis.from_url(redis_url)
    files = settings.STORAGES["reports"]["OPTIONS"]["location"]
    worker = _own_worker(redis_url, files, key)
    try:
        report = _ask()
        deadline = time.monotonic() + 60
        while broker.get(key) != b"1":
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.2)
        report.refresh_from_db()
        assert (report.status, report.stage) == (Report.Status.RUNNING, "gathering")
        [child] = psutil.Process(worker.pid).children()
        child.send_signal(signal.SIGKILL)
        report = _until_finished(report, 90)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert report.status == Report.Status.DONE
    assert report.attempts == 2
    assert broker.get(key) == b"2"
    assert Report.objects.count() == 1
    folder = os.path.join(files, "reports", str(report.pk))
    assert sorted(os.path.splitext(name)[1] for name in os.listdir(folder)) == [
        ".csv",
        ".pdf",
        ".xlsx",
    ]
