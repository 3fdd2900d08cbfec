"""Evaluation reports: asking for one, the job building it, its pages and
its files (issue 13, "Reports, produced by Celery jobs")."""

import datetime
import io
import json
import re
import threading
from pathlib import Path

import openpyxl
import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, OperationalError, connections
from django.test import override_settings
from django.utils import timezone
from pypdf import PdfReader

from advisers.roles import Role
from areas.models import Region
from casework.models import SupportRequest, Topic
from evaluation import report_figures, reports, tasks
from evaluation.models import Report
from evaluation.report_content import Cell, Chart, Column, ReportContent, Section, Table
from nfc.periods import add_months, quarter_start
from tests.factories import AreaFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

# Last quarter, which the start form offers whenever the tests run.
_THIS_QUARTER = quarter_start(timezone.localdate())
Q2 = (add_months(_THIS_QUARTER, -3), _THIS_QUARTER)
QUARTER = Q2[0].isoformat()


def ask(*, by=None, kind=Report.Kind.PROGRAMME, start=Q2[0], end=Q2[1], **scope) -> Report:
    return reports.report_request(
        kind=kind, span=Report.Span.QUARTER, start=start, end=end, by=by, **scope
    )


def built(report: Report) -> Report:
    return reports.report_build(report_id=report.pk)


def rich_content(report: Report) -> ReportContent:
    """Figures made for the tests: a link to records, a withheld count, a
    total row, a chart, words a spreadsheet would run as a formula, and two
    tables whose titles make the same sheet name."""
    requests = Table(
        slug="requests-by-topic",
        title="Requests by what they are about",
        summary="Requests received in the period, by topic.",
        columns=[
            Column("topic", "Topic", numeric=False),
            Column("requests", "Requests"),
            Column("days", "Days to first contact"),
        ],
        rows=[
            {
                "topic": Cell.of("Planning"),
                "requests": Cell.of(12, link="/staff/casework/requests/?topic=plan"),
                "days": Cell.of(2.5),
            },
            {
                "topic": Cell.of('=HYPERLINK("http://evil.example")'),
                "requests": Cell(value=3, suppressed=True),
                "days": Cell.of(None),
            },
            {"topic": Cell.of("All"), "requests": Cell(value=15, suppressed=True)},
        ],
        has_total_row=True,
        chart=Chart(category="topic", series=["requests"], unit=("request", "requests")),
        notes=["A request counts in the quarter it arrived."],
    )
    twin = [
        Table(
            slug=f"long-{n}",
            title="Funding secured by stream and by region over the period",
            columns=[Column("stream", "Stream", numeric=False), Column("amount", "£")],
            rows=[{"stream": Cell.of("Lottery"), "amount": Cell.of(1500 * n)}],
        )
        for n in (1, 2)
    ]
    return ReportContent(
        title=f"Evaluation report: {report.scope_label}",
        scope=report.scope_label,
        period=report.period_label,
        sections=[
            Section("requests", "Requests for help", ["What residents asked for."], [requests]),
            Section("funding", "Funding", [], twin),
        ],
        method=["Counted from the portal's records.", "Gaps: two areas missed a quarter."],
    )


# The open data of a report made up for a test: a header, no areas.
NO_DATA: report_figures.OpenData = (["ward_code"], [])


@pytest.fixture
def rich(monkeypatch):
    monkeypatch.setattr(report_figures, "build", lambda report: (rich_content(report), NO_DATA))


# --- Asking ---------------------------------------------------------------


def test_asking_for_a_report_being_built_gives_the_one_being_built(evaluator, manager):
    first = ask(by=evaluator)
    Report.objects.filter(pk=first.pk).update(status=Report.Status.RUNNING)
    again = ask(by=manager)
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    # Once it is finished, asking again builds a new one.
    Report.objects.filter(pk=first.pk).update(status=Report.Status.DONE)
    assert ask(by=manager).pk != first.pk


def test_a_report_asked_for_enqueues_its_job_when_the_transaction_commits(
    evaluator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = ask(by=evaluator)
    assert len(callbacks) == 1
    # Tasks run in-process in the tests: it is built.
    report.refresh_from_db()
    assert report.status == Report.Status.DONE


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_asking_at_the_same_moment_get_one_report():
    people = [UserFactory(role=Role.EVALUATOR), UserFactory(role=Role.MANAGER)]
    barrier = threading.Barrier(2)
    got: list[int] = []

    def asks(person):
        try:
            barrier.wait()
            got.append(ask(by=person).pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=asks, args=(p,)) for p in people]
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(got) == 2
    assert got[0] == got[1]
    assert Report.objects.count() == 1


def test_a_period_must_end_after_it_starts(evaluator):
    with pytest.raises(Exception, match="must end after"):
        ask(by=evaluator, start=Q2[1], end=Q2[0])
    assert not Report.objects.exists()


# --- Building -------------------------------------------------------------


def test_a_report_is_built_stage_by_stage_and_each_stage_is_saved_as_it_starts(evaluator):
    report = ask(by=evaluator)
    seen = []

    def on_stage(stage):
        row = Report.objects.get(pk=report.pk)
        seen.append((stage, row.status, row.stage))

    done = reports.report_build(report_id=report.pk, on_stage=on_stage)
    assert seen == [
        ("gathering", "running", "gathering"),
        ("charts", "running", "charts"),
        ("pdf", "running", "pdf"),
        ("workbook", "running", "workbook"),
        ("done", "done", ""),
    ]
    assert done.status == Report.Status.DONE
    assert done.attempts == 1
    assert done.content["title"]
    storage = storages["reports"]
    for name in (done.pdf.name, done.workbook.name, done.open_data.name):
        assert storage.exists(name)


def test_a_report_built_again_after_its_worker_died_has_one_of_each_file(evaluator, settings):
    report = ask(by=evaluator)
    built(report)
    # A worker killed after writing its files, before saying it had finished:
    # the broker gives its job back, marked redelivered.
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RUNNING, stage="workbook")
    claimed = reports.report_claim(report_id=report.pk, redelivered=True)
    again = reports.report_build_claimed(report=claimed)
    assert again.status == Report.Status.DONE
    assert again.attempts == 2
    folder = Path(settings.STORAGES["reports"]["OPTIONS"]["location"]) / "reports" / str(report.pk)
    assert sorted(p.suffix for p in folder.iterdir()) == [".csv", ".pdf", ".xlsx"]
    # A duplicate delivery of a finished job changes nothing.
    assert built(report).attempts == 2


def test_a_second_delivery_of_a_report_being_built_leaves_it_alone(evaluator, monkeypatch):
    report = ask(by=evaluator)
    first = reports.report_claim(report_id=report.pk)
    assert first is not None
    calls = []
    monkeypatch.setattr(reports, "report_html", lambda **page: calls.append(page))
    # The sweep's copy, build_report, or the broker's redelivery, while the
    # first run is still building it.
    assert tasks.report_build_task.apply(args=[report.pk]).get() == Report.Status.RUNNING
    assert reports.report_build(report_id=report.pk).status == Report.Status.RUNNING
    assert reports.report_claim(report_id=report.pk) is None
    assert calls == []
    report.refresh_from_db()
    assert (report.attempts, report.started_at) == (1, first.started_at)


def test_a_run_given_up_on_cannot_mark_the_newer_runs_report_done_or_failed(evaluator):
    report = ask(by=evaluator)
    stale = reports.report_claim(report_id=report.pk)
    # Its run seemed lost (started long ago): another claims the report.
    Report.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - reports.LOST_AFTER - datetime.timedelta(minutes=1)
    )
    newer = reports.report_claim(report_id=report.pk)
    assert newer is not None
    assert newer.attempts == 2
    reports.report_fail(report=stale, failure=tasks.BROKEN)
    reports.report_build_claimed(report=stale)
    report.refresh_from_db()
    assert (report.status, report.attempts, report.failure) == (Report.Status.RUNNING, 2, "")
    assert not report.pdf
    assert reports.report_build_claimed(report=newer).status == Report.Status.DONE


def test_a_report_being_built_is_taken_over_only_when_its_run_is_gone(evaluator):
    report = ask(by=evaluator)
    reports.report_claim(report_id=report.pk)
    assert reports.report_claim(report_id=report.pk) is None
    # The broker gives the job back after its worker was lost.
    again = reports.report_claim(report_id=report.pk, redelivered=True)
    assert again is not None
    assert again.attempts == 2


def test_a_build_that_keeps_killing_its_worker_is_failed_not_built_again(evaluator):
    report = ask(by=evaluator)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.RUNNING, attempts=reports.MOST_ATTEMPTS, started_at=timezone.now()
    )
    assert reports.report_claim(report_id=report.pk, redelivered=True) is None
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.failure == reports.LOST.format(attempts=3)
    assert report.attempts == 3


def test_a_report_without_its_scope_key_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        Report.objects.create(
            kind=Report.Kind.PROGRAMME,
            span=Report.Span.QUARTER,
            period_start=Q2[0],
            period_end=Q2[1],
        )


def test_report_build_takes_its_arguments_by_name(evaluator):
    report = ask(by=evaluator)
    with pytest.raises(TypeError):
        reports.report_build(report.pk)  # type: ignore[misc]


def test_the_files_are_never_in_the_public_folders(settings):
    location = Path(storages["reports"].location)
    for public in (settings.STATIC_ROOT, settings.MEDIA_ROOT, *settings.STATICFILES_DIRS):
        if public:
            assert not location.is_relative_to(Path(public))


def test_a_failed_build_is_marked_failed_in_words_and_a_retry_builds_it(
    evaluator, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(report):
        raise ValueError("a bug in the figures")

    monkeypatch.setattr(report_figures, "build", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = ask(by=evaluator)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.failure == tasks.BROKEN
    assert "Traceback" not in report.failure

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        again = reports.report_retry(report=report, by=evaluator)
    assert again.pk == report.pk
    again.refresh_from_db()
    assert again.status == Report.Status.DONE
    assert again.failure == ""


def test_a_transient_fault_is_retried_and_the_report_finishes(evaluator, monkeypatch):
    calls = []
    real = report_figures.build

    def blinks(report):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("the database blinked")
        return real(report)

    monkeypatch.setattr(report_figures, "build", blinks)
    report = ask(by=evaluator)
    tasks.report_build_task.apply(args=[report.pk], throw=False)
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert len(calls) == 2


def test_a_fault_that_outlasts_the_retries_fails_the_report_in_words(evaluator, monkeypatch):
    def away(report):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(report_figures, "build", away)
    report = ask(by=evaluator)
    # Its last try (the worker test shows the retries themselves).
    tasks.report_build_task.apply(args=[report.pk], retries=tasks.REPORT_RETRIES, throw=False)
    report.refresh_from_db()
    assert report.status == Report.Status.FAILED
    assert report.failure == tasks.AWAY


def test_the_report_job_has_time_limits_below_the_visibility_timeout(settings):
    task = tasks.report_build_task
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert task.soft_time_limit < task.time_limit < visibility
    assert task.acks_late is True
    # 30 s, then 1, 2, 4 and 8 minutes: the database back from a restart.
    assert task.retry_backoff == 30
    assert task.max_retries == 5


def test_too_long_says_the_soft_time_limit_in_minutes():
    assert f"longer than {reports.SOFT_TIME_LIMIT // 60} minutes" in tasks.TOO_LONG
    assert tasks.report_build_task.soft_time_limit == reports.SOFT_TIME_LIMIT


def test_the_sweep_sends_again_a_report_whose_job_never_reached_the_broker(
    evaluator, django_capture_on_commit_callbacks
):
    report = ask(by=evaluator)  # its job was never sent (no commit here)
    long_ago = timezone.now() - tasks.SWEEP_GRACE - datetime.timedelta(minutes=1)
    Report.objects.filter(pk=report.pk).update(requested_at=long_ago, enqueued_at=long_ago)
    # Another being built does not hold it up: a copy of its job finding it
    # being built would leave it alone.
    other = ask(by=evaluator, kind=Report.Kind.REGION, region=Region.LONDON)
    Report.objects.filter(pk=other.pk).update(
        status=Report.Status.RUNNING, started_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.reports_sweep() == 1
    report.refresh_from_db()
    assert report.status == Report.Status.DONE
    assert report.enqueued_at > long_ago


def test_the_sweep_sends_a_waiting_reports_job_once_a_grace_period_not_every_sweep(
    evaluator, django_capture_on_commit_callbacks
):
    report = ask(by=evaluator)
    asked_at = timezone.now() - datetime.timedelta(hours=2)
    Report.objects.filter(pk=report.pk).update(requested_at=asked_at, enqueued_at=asked_at)
    with django_capture_on_commit_callbacks() as sent:
        assert tasks.reports_sweep() == 1
        # The workers are down: ten minutes later, nothing more is sent.
        assert tasks.reports_sweep() == 0
    assert len(sent) == 1


def test_a_retried_report_is_not_sent_again_by_the_next_sweep(
    evaluator, django_capture_on_commit_callbacks
):
    report = ask(by=evaluator)
    long_ago = timezone.now() - datetime.timedelta(days=1)
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.FAILED, requested_at=long_ago, enqueued_at=long_ago
    )
    report.refresh_from_db()
    with django_capture_on_commit_callbacks() as sent:
        reports.report_retry(report=report, by=evaluator)
        assert tasks.reports_sweep() == 0
    assert len(sent) == 1


def test_the_sweep_leaves_a_young_report_and_gives_up_on_one_lost_three_times(evaluator):
    young = ask(by=evaluator)
    lost = ask(by=evaluator, kind=Report.Kind.REGION, region=Region.LONDON)
    Report.objects.filter(pk=lost.pk).update(
        status=Report.Status.RUNNING,
        attempts=3,
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert tasks.reports_sweep() == 0
    young.refresh_from_db()
    lost.refresh_from_db()
    assert young.status == Report.Status.QUEUED
    assert lost.status == Report.Status.FAILED
    assert "stopped 3 times" in lost.failure


def test_the_schedule_asks_for_last_months_and_last_quarters_reports_once(
    django_capture_on_commit_callbacks,
):
    today = datetime.date(2026, 11, 30)
    with django_capture_on_commit_callbacks(execute=True):
        asked = tasks.reports_scheduled(today)
    assert asked == 1 + len(Region.values)
    programme = Report.objects.get(scope_key="programme")
    assert (programme.period_start, programme.period_end) == (
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
    )
    assert programme.requested_by is None
    assert programme.scheduled is True
    assert programme.status == Report.Status.DONE
    london = Report.objects.get(scope_key="region:london")
    assert (london.period_start, london.period_end) == (
        datetime.date(2026, 7, 1),
        datetime.date(2026, 10, 1),
    )
    assert london.period_label == "July to September 2026"
    # Asked again the same month (beat hourly, or restarted): nothing new.
    assert tasks.reports_scheduled(today) == 0
    assert Report.objects.count() == 1 + len(Region.values)


def test_the_schedule_does_not_ask_again_for_a_report_someone_asked_for_first(evaluator):
    today = datetime.date(2026, 11, 30)
    mine = ask(by=evaluator, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 1))
    Report.objects.filter(pk=mine.pk).update(status=Report.Status.RUNNING)
    assert tasks.reports_scheduled(today) == len(Region.values)
    Report.objects.filter(pk=mine.pk).update(status=Report.Status.DONE)
    # The next hour, and after it is built: still the one report.
    assert tasks.reports_scheduled(today) == 0
    assert Report.objects.filter(scope_key="programme").count() == 1


def test_the_schedule_asks_again_for_a_report_whose_only_other_copy_failed(evaluator):
    today = datetime.date(2026, 11, 30)
    mine = ask(by=evaluator, start=datetime.date(2026, 10, 1), end=datetime.date(2026, 11, 1))
    Report.objects.filter(pk=mine.pk).update(status=Report.Status.FAILED)
    assert tasks.reports_scheduled(today) == 1 + len(Region.values)
    assert Report.objects.get(scope_key="programme", scheduled=True).requested_by is None


def test_the_list_says_who_asked_from_the_schedules_mark_not_from_an_empty_requester(evaluator):
    scheduled = ask()
    Report.objects.filter(pk=scheduled.pk).update(scheduled=True)
    by_command = ask(kind=Report.Kind.REGION, region=Region.LONDON)
    by_person = ask(by=evaluator, kind=Report.Kind.REGION, region=Region.NORTH_EAST)
    page = client_for(evaluator).get("/staff/reports/")
    rows = {report.pk: report.asked_for_by for report in page.context["reports"]}
    assert rows == {
        scheduled.pk: "Scheduled",
        by_command.pk: "A command, or a former member of staff",
        by_person.pk: evaluator.full_name,
    }
    assert page.content.decode().count("Scheduled</td>") == 1


# --- Who sees what ----------------------------------------------------------


@pytest.fixture
def scene(hendon, adviser):
    other = AreaFactory(name="Ryhope", region=Region.LONDON)
    made = {
        "programme": ask(),
        "north_east": ask(kind=Report.Kind.REGION, region=Region.NORTH_EAST),
        "london": ask(kind=Report.Kind.REGION, region=Region.LONDON),
        "hendon": ask(kind=Report.Kind.AREA, area=hendon),
        "ryhope": ask(kind=Report.Kind.AREA, area=other),
    }
    return {name: built(report) for name, report in made.items()}


def _listed(user) -> set[int]:
    page = client_for(user).get("/staff/reports/")
    assert page.status_code == 200
    return {report.pk for report in page.context["reports"]}


def test_evaluators_and_managers_see_every_report(scene, evaluator, manager):
    every = {report.pk for report in scene.values()}
    assert _listed(evaluator) == every
    assert _listed(manager) == every


def test_an_adviser_sees_only_their_own_areas_reports(scene, adviser, hendon):
    assert _listed(adviser) == {scene["hendon"].pk}
    client = client_for(adviser)
    assert client.get(f"/staff/reports/{scene['ryhope'].pk}/").status_code == 404
    assert client.get(f"/staff/reports/{scene['programme'].pk}/report/").status_code == 404
    assert client.get(f"/staff/reports/{scene['hendon'].pk}/report/").status_code == 200
    # An adviser may not start one.
    assert client.get("/staff/reports/start/").status_code == 403
    assert client.post("/staff/reports/start/", {"kind": "area"}).status_code == 403
    # Their list speaks of their areas, not of reports they will never see.
    page = client.get("/staff/reports/").content.decode()
    assert "reports on your areas" in page
    assert "built each month" not in page


def test_a_regional_lead_sees_their_region_and_its_areas(scene):
    lead = UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST)
    assert _listed(lead) == {scene["north_east"].pk, scene["hendon"].pk}
    assert client_for(lead).get(f"/staff/reports/{scene['london'].pk}/").status_code == 404


def test_administrators_see_no_reports(scene, administrator):
    assert client_for(administrator).get("/staff/reports/").status_code == 403
    assert (
        client_for(administrator).get(f"/staff/reports/{scene['programme'].pk}/").status_code == 403
    )


def test_a_regional_lead_may_start_only_their_regions_reports(hendon):
    lead = UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST)
    client = client_for(lead)
    for refused in (
        {"kind": "programme"},
        {"kind": "cohort", "cohort": "1"},
        {"kind": "region", "region": Region.LONDON},
        {"kind": "area", "area": AreaFactory(region=Region.LONDON).pk},
    ):
        page = client.post(
            "/staff/reports/start/", {**refused, "span": "quarter", "quarter": QUARTER}
        )
        assert page.status_code == 200, refused
        assert page.context["form"].errors, refused
    assert not Report.objects.exists()
    page = client.post(
        "/staff/reports/start/",
        {"kind": "area", "area": hendon.pk, "span": "quarter", "quarter": QUARTER},
    )
    report = Report.objects.get()
    assert page.status_code == 302
    assert page.url == f"/staff/reports/{report.pk}/"
    assert (report.scope_key, report.region, report.requested_by) == (
        f"area:{hendon.ward_code}",
        Region.NORTH_EAST,
        lead,
    )


# --- The start form ----------------------------------------------------------


def _start(user, **data):
    return client_for(user).post("/staff/reports/start/", data)


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"span": "year", "year": "2025"}, "kind", "Choose what the report covers"),
        ({"kind": "programme"}, "span", "Choose the period the report covers"),
        ({"kind": "region", "span": "year", "year": "2025"}, "region", "Choose the region"),
        ({"kind": "area", "span": "year", "year": "2025"}, "area", "Choose the area"),
        ({"kind": "programme", "span": "quarter"}, "quarter", "Choose the quarter"),
        (
            {"kind": "programme", "span": "custom", "start": "2026-03-01", "last": "2026-02-01"},
            "last",
            "same as or after the first day",
        ),
        (
            {"kind": "programme", "span": "custom", "start": "2026-03-01", "last": "2099-01-01"},
            "last",
            "today or earlier",
        ),
        ({"kind": "programme", "span": "custom", "start": "not a date"}, "start", "valid date"),
    ],
)
def test_the_start_form_says_what_is_wrong_and_starts_nothing(evaluator, data, field, words):
    page = _start(evaluator, **data)
    assert page.status_code == 200
    assert words in " ".join(page.context["form"].errors[field])
    body = page.content.decode()
    assert "There is a problem" in body
    assert "Error: Start a report" in body
    # What was typed is still there.
    for value in data.values():
        if value not in ("programme", "custom", "quarter", "year", "region", "area"):
            assert value in body
    assert not Report.objects.exists()


def test_the_start_form_offers_only_areas_that_joined_the_programme(evaluator):
    joined = AreaFactory(name="Joined Ward")
    outside = AreaFactory(name="Outside Ward", programme=False)
    page = client_for(evaluator).get("/staff/reports/start/").content.decode()
    assert "Joined Ward" in page
    assert "Outside Ward" not in page
    refused = _start(evaluator, kind="area", area=str(outside.pk), span="year", year="2025")
    assert "area" in refused.context["form"].errors
    assert not Report.objects.exists()
    assert str(joined.pk) in page


def test_the_start_form_starts_a_report_and_shows_its_page(
    evaluator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = _start(
            evaluator, kind="programme", span="custom", start="2026-01-01", last="2026-03-31"
        )
    report = Report.objects.get()
    assert page.url == f"/staff/reports/{report.pk}/"
    assert (report.period_start, report.period_end) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 4, 1),
    )
    assert report.requested_by == evaluator


def test_starting_a_report_being_built_shows_the_one_being_built(evaluator, manager):
    running = ask(by=manager)
    page = _start(evaluator, kind="programme", span="quarter", quarter=QUARTER)
    assert page.url == f"/staff/reports/{running.pk}/"
    assert Report.objects.count() == 1


# --- Progress and the pages -------------------------------------------------------


def test_the_status_says_the_stage_and_how_far(evaluator):
    report = ask(by=evaluator)
    client = client_for(evaluator)
    url = f"/staff/reports/{report.pk}/status.json"
    assert client.get(url).json() == {
        "status": "queued",
        "status_label": "Waiting to start",
        "stage": "",
        "stage_label": "",
        "stages_done": 0,
        "stages": 4,
        "percent": 0,
        "finished": False,
        "failure": "",
    }
    claimed = reports.report_claim(report_id=report.pk)
    Report.objects.filter(pk=report.pk).update(stage="pdf")
    status = client.get(url)
    assert status["Cache-Control"].count("no-store") >= 1
    assert status.json()["stage_label"] == "Making the PDF"
    assert status.json()["percent"] == 50
    reports.report_build_claimed(report=claimed)
    assert client.get(url).json()["percent"] == 100
    assert client.get(url).json()["finished"] is True


def test_a_report_being_built_asks_to_be_refreshed_without_javascript(evaluator):
    report = ask(by=evaluator)
    body = client_for(evaluator).get(f"/staff/reports/{report.pk}/").content.decode()
    assert "report-progress.js" in body
    assert 'id="report-refresh"' in body
    assert "refresh it" in body
    assert "<script>" not in body


def test_a_failed_report_shows_why_and_a_retry_button_to_those_who_may(evaluator, adviser, hendon):
    report = ask(kind=Report.Kind.AREA, area=hendon)
    reports.report_fail(report=report, failure=tasks.AWAY)
    page = client_for(evaluator).get(f"/staff/reports/{report.pk}/").content.decode()
    assert "did not answer" in page
    assert "Try again" in page
    page = client_for(adviser).get(f"/staff/reports/{report.pk}/").content.decode()
    assert "did not answer" in page
    assert "/retry/" not in page
    assert client_for(adviser).post(f"/staff/reports/{report.pk}/retry/").status_code == 403


def test_the_list_asks_a_fixed_number_of_queries_however_many_reports(
    evaluator, hendon, django_assert_max_num_queries
):
    client = client_for(evaluator)
    client.get("/staff/reports/")
    for n in range(6):
        ask(by=evaluator, start=datetime.date(2020 + n, 1, 1), end=datetime.date(2020 + n, 4, 1))
        ask(kind=Report.Kind.AREA, area=hendon, start=datetime.date(2020 + n, 1, 1))
    with django_assert_max_num_queries(12):
        page = client.get("/staff/reports/")
    assert len(page.context["reports"]) == 12
    assert "Scheduled" in page.content.decode()


def test_the_html_report_links_figures_to_their_records_and_withholds_small_ones(
    evaluator, manager, rich
):
    report = built(ask(by=evaluator))
    body = client_for(evaluator).get(f"/staff/reports/{report.pk}/report/").content.decode()
    # An evaluator cannot open the request list: the same records, without
    # the residents' details, are on the figures' own page.
    assert '<a href="/staff/figures/requests/?topic=plan">12</a>' in body
    assert "/staff/casework/requests/" not in body
    managers = client_for(manager).get(f"/staff/reports/{report.pk}/report/").content.decode()
    assert '<a href="/staff/casework/requests/?topic=plan">12</a>' in managers
    assert "fewer than 5" in body
    assert "15" not in body.split("Requests by what they are about", 2)[2].split("</table>")[0]
    assert 'class="chart"' in body
    assert "Method note" in body
    assert "Gaps: two areas missed a quarter." in body
    # The PDF's HTML is the same template without links.
    pdf_html = reports.report_html(
        report=report, content=ReportContent.from_json(report.content), for_pdf=True
    )
    assert "fewer than 5" in pdf_html
    assert "/staff/casework/requests/" not in pdf_html
    assert "site-header" not in pdf_html


def test_a_figure_links_only_to_the_portals_own_pages(evaluator, monkeypatch):
    def sly(report):
        content = rich_content(report)
        content.sections[0].tables[0].rows[0]["requests"].link = "javascript:alert(1)"
        content.sections[1].tables[0].rows[0]["amount"].link = "//evil.example/x"
        content.sections[1].tables[1].rows[0]["amount"].link = "/\\evil.example/y"
        return content

    monkeypatch.setattr(report_figures, "build", lambda report: (sly(report), NO_DATA))
    report = built(ask(by=evaluator))
    body = client_for(evaluator).get(f"/staff/reports/{report.pk}/report/").content.decode()
    assert 'href="javascript:' not in body
    assert 'href="//evil.example' not in body
    assert "evil.example/y" not in body


# --- The files ---------------------------------------------------------------


def _download(user, report, kind):
    return client_for(user).get(f"/staff/reports/{report.pk}/download/{kind}/")


def test_the_pdf_opens_has_its_sections_and_no_personal_data(evaluator, hendon, adviser, rich):
    SupportRequest.objects.create(
        area=hendon,
        assigned_to=adviser,
        topic=Topic.PLAN,
        description="A plan for the park",
        name="Priya Resident",
        email="priya@example.org",
        contact_by="email",
        consented_at=timezone.now(),
        privacy_notice_version="2026-11",
    )
    report = built(ask(by=evaluator))
    response = _download(evaluator, report, "pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    pdf = PdfReader(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(page.extract_text() for page in pdf.pages)
    for heading in ("Requests for help", "Funding", "Method note", "fewer than 5"):
        assert heading in text
    for personal in ("Priya", "priya@example.org", "Asha Adviser", "Evan Evaluator"):
        assert personal not in text


def test_the_pdf_fetches_only_the_portals_static_files():
    fetcher = reports.StaticOnlyFetcher()
    assert b"--brand" in fetcher.fetch(f"{reports.PDF_BASE_URL}static/css/nfc.css").read()
    for refused in (
        "http://example.org/tracker.png",
        "file:///etc/passwd",
        f"{reports.PDF_BASE_URL}static/../../../etc/passwd",
        f"{reports.PDF_BASE_URL}staff/reports/",
    ):
        with pytest.raises(ValueError, match="static|No static"):
            fetcher.fetch(refused)


def _html_figures(body: str, title: str) -> list[list[str]]:
    table = body.split(f">{title}</caption>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_the_workbook_opens_and_matches_the_html_figures(evaluator, rich):
    report = built(ask(by=evaluator))
    response = _download(evaluator, report, "xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = book.sheetnames
    assert len(set(n.lower() for n in names)) == len(names)
    assert all(len(n) <= 31 for n in names)
    assert names[0] == "About"
    assert names[-1] == "Method note"
    sheet = book[names[1]]
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(cells) if row[0] == "Topic")
    table = [tuple(row[:3]) for row in cells[header_at : header_at + 4]]
    assert table[1] == ("Planning", 12, 2.5)
    # Numbers are numbers; the formula is plain text; withheld in words.
    assert table[2] == ('\'=HYPERLINK("http://evil.example")', "fewer than 5", None)
    assert table[3] == ("All", "fewer than 5", None)
    html = client_for(evaluator).get(f"/staff/reports/{report.pk}/report/").content.decode()
    figures = _html_figures(html, "Requests by what they are about")
    assert figures[1] == ["Planning", "12", "2.5"]
    assert figures[3][:2] == ["All", "fewer than 5"]
    assert book["Method note"]["A2"].value == "Gaps: two areas missed a quarter."
    for row in book.worksheets[2].iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value.startswith("="))


def test_the_open_data_is_a_safe_csv(evaluator, monkeypatch):
    monkeypatch.setattr(
        report_figures,
        "build",
        lambda report: (rich_content(report), (["ward_code", "area"], [["E05001158", "=cmd"]])),
    )
    report = built(ask(by=evaluator))
    response = _download(evaluator, report, "csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == ["ward_code,area", "E05001158,'=cmd"]


def test_the_files_are_not_served_to_those_who_may_not_see_the_report(
    evaluator, adviser, administrator, client
):
    report = built(ask(by=evaluator))
    for kind in ("pdf", "xlsx", "csv"):
        assert _download(adviser, report, kind).status_code == 404
        assert _download(administrator, report, kind).status_code == 403
        anonymous = client.get(f"/staff/reports/{report.pk}/download/{kind}/")
        assert anonymous.status_code == 302
        assert "/accounts/login/" in anonymous.url
    assert _download(evaluator, report, "exe").status_code == 404


# --- The command ----------------------------------------------------------------


def test_build_report_builds_here_and_says_where_the_files_are(hendon):
    out = io.StringIO()
    call_command(
        "build_report",
        "--kind",
        "area",
        "--area",
        hendon.ward_code,
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        stdout=out,
    )
    report = Report.objects.get()
    assert report.status == Report.Status.DONE
    assert (report.span, report.period_end) == (Report.Span.YEAR, datetime.date(2027, 1, 1))
    assert report.requested_by is None
    assert report.pdf.name in out.getvalue()


def test_build_report_timings_are_one_json_line_a_stage():
    out = io.StringIO()
    call_command(
        "build_report",
        "--kind",
        "programme",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--timings",
        stdout=out,
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["stage"] for line in lines] == ["gathering", "charts", "pdf", "workbook", "total"]
    for line in lines:
        assert set(line) == {"stage", "seconds", "peak_rss_mb"}
        assert line["seconds"] >= 0
        assert line["peak_rss_mb"] > 10


def test_build_report_refuses_what_it_cannot_build():
    for args in (
        ["--kind", "region", "--from", "2026-01-01", "--to", "2026-12-31"],
        ["--kind", "programme", "--from", "2026-12-31", "--to", "2026-01-01"],
        ["--kind", "area", "--area", "E00000000", "--from", "2026-01-01", "--to", "2026-12-31"],
    ):
        with pytest.raises(CommandError):
            call_command("build_report", *args)
    assert not Report.objects.exists()


def test_the_pdfs_charts_carry_the_portals_chart_colours():
    style = reports.chart_style()
    assert ".series-1 { fill: #0b5e55" in style
    assert "var(" not in style
    html = '<svg viewBox="0 0 1 1" class="chart-svg"><rect class="series-1"/></svg>'
    assert PdfReader(io.BytesIO(reports.pdf_bytes(html))).pages


def test_since_joining_starts_on_the_day_the_first_area_in_it_joined(
    evaluator, django_capture_on_commit_callbacks
):
    first = AreaFactory(region=Region.LONDON, programme=True)
    AreaFactory(region=Region.LONDON, programme=True)
    first.joined_on = datetime.date(2024, 5, 1)
    first.save(update_fields=["joined_on"])
    with django_capture_on_commit_callbacks(execute=True):
        page = _start(evaluator, kind="region", region=Region.LONDON, span="since_joining")
    report = Report.objects.get()
    assert page.url == f"/staff/reports/{report.pk}/"
    assert report.period_start == datetime.date(2024, 5, 1)
    assert report.period_end == timezone.localdate() + datetime.timedelta(days=1)


def test_since_joining_asks_for_dates_where_no_area_has_joined(evaluator):
    page = _start(evaluator, kind="region", region=Region.LONDON, span="since_joining")
    assert "No area in this report has a joining date" in " ".join(
        page.context["form"].errors["span"]
    )
    assert not Report.objects.exists()


def test_build_report_that_breaks_leaves_the_report_failed_not_running(monkeypatch):
    def broken(report):
        raise ValueError("a bug in the figures")

    monkeypatch.setattr(report_figures, "build", broken)
    with pytest.raises(ValueError, match="a bug"):
        call_command(
            "build_report", "--kind", "programme", "--from", "2026-01-01", "--to", "2026-03-31"
        )
    report = Report.objects.get()
    assert report.status == Report.Status.FAILED
    assert "Try again" in report.failure


def test_a_sheet_is_named_after_its_table_in_plain_words():
    used: set[str] = set()
    # A colon is not allowed in a sheet's name: a space takes its place, once.
    assert reports._sheet_title("Context: the areas beside other wards", used) == (
        "Context the areas beside other"
    )
    assert reports._sheet_title("Context: the areas beside other wards", used) == (
        "Context the areas beside ot (2)"
    )


def test_build_report_leaves_alone_a_report_someone_asked_for_on_the_page(evaluator, monkeypatch):
    page = reports.report_request(
        kind=Report.Kind.PROGRAMME,
        span=Report.Span.CUSTOM,
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 4, 1),
        by=evaluator,
    )

    def interrupted(**page):
        raise KeyboardInterrupt

    monkeypatch.setattr(reports, "report_html", interrupted)
    with pytest.raises(CommandError, match="asked for already"):
        call_command(
            "build_report", "--kind", "programme", "--from", "2026-01-01", "--to", "2026-03-31"
        )
    page.refresh_from_db()
    assert (page.status, page.attempts, page.failure) == (Report.Status.QUEUED, 0, "")


def test_build_report_stopped_marks_failed_only_the_run_it_claimed(monkeypatch):
    def given_up_on_then_stopped(*, report, **page):
        # Its run seemed lost, and a worker took the report over.
        Report.objects.filter(pk=report.pk).update(attempts=2, started_at=timezone.now())
        raise KeyboardInterrupt

    monkeypatch.setattr(reports, "report_html", given_up_on_then_stopped)
    with pytest.raises(KeyboardInterrupt):
        call_command(
            "build_report", "--kind", "programme", "--from", "2026-01-01", "--to", "2026-03-31"
        )
    report = Report.objects.get()
    assert (report.status, report.failure) == (Report.Status.RUNNING, "")
