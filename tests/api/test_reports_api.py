"""Evaluation reports through the API: listed within scope, started
through evaluation.reports.report_request as the web's form does (its job
queued, built in-process in the tests), followed to done, and downloaded
as the web serves the files."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from areas.models import Region
from casework.models import AuditEntry
from evaluation import reports
from evaluation.models import Report
from nfc.periods import add_months, quarter_start
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

# Last quarter: one the start form offers whenever the tests run.
LAST_QUARTER = add_months(quarter_start(timezone.localdate()), -3)


def _ask(client, **choice):
    return client.post(
        "/api/v1/reports/",
        {"kind": "programme", "span": "quarter", "quarter": LAST_QUARTER.isoformat(), **choice},
        format="json",
    )


def test_starting_a_report_queues_its_job_and_it_can_be_followed_and_downloaded(
    api_as, evaluator, django_capture_on_commit_callbacks
):
    client = api_as("evaluator")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = _ask(client)

    assert started.status_code == 201, started.json()
    assert len(callbacks) == 1
    report = Report.objects.get()
    assert report.requested_by == evaluator
    assert AuditEntry.objects.filter(content_type__model="report", object_id=report.pk).exists()
    followed = client.get(f"/api/v1/reports/{report.pk}/").json()
    assert followed["status"] == "done"
    assert followed["progress"]["percent"] == 100
    assert followed["failure"] == ""
    for kind, content_type in (
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("csv", "text/csv; charset=utf-8"),
    ):
        assert followed["downloads"][kind].endswith(f"/api/v1/reports/{report.pk}/{kind}/")
        response = client.get(followed["downloads"][kind], HTTP_ACCEPT="application/json")
        assert response.status_code == 200, kind
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("attachment;")
        assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
        assert b"".join(response.streaming_content)


def test_a_report_not_yet_built_has_no_downloads(api_as, evaluator):
    report = reports.report_request(
        kind=Report.Kind.PROGRAMME,
        span=Report.Span.QUARTER,
        start=LAST_QUARTER,
        end=add_months(LAST_QUARTER, 3),
        by=evaluator,
        enqueue=False,
    )
    client = api_as("evaluator")

    followed = client.get(f"/api/v1/reports/{report.pk}/").json()

    assert followed["status"] == "queued"
    assert followed["progress"]["stages_done"] == 0
    assert followed["downloads"] == {"pdf": None, "xlsx": None, "csv": None}
    assert client.get(f"/api/v1/reports/{report.pk}/pdf/").status_code == 404


def test_a_failed_report_says_why_in_words(api_as, evaluator):
    report = reports.report_request(
        kind=Report.Kind.PROGRAMME,
        span=Report.Span.QUARTER,
        start=LAST_QUARTER,
        end=add_months(LAST_QUARTER, 3),
        by=evaluator,
        enqueue=False,
    )
    reports.report_fail(report=report, failure="The figures could not be read. Try again.")

    followed = api_as("evaluator").get(f"/api/v1/reports/{report.pk}/").json()

    assert followed["status"] == "failed"
    assert followed["failure"] == "The figures could not be read. Try again."


def test_a_report_the_form_would_refuse_is_refused_in_its_words_and_nothing_started(api_as):
    client = api_as("evaluator")

    no_kind = client.post("/api/v1/reports/", {"span": "quarter"}, format="json")
    no_region = _ask(client, kind="region")
    custom = _ask(client, span="custom", start="2026-01-10", last="2026-01-01")

    assert no_kind.status_code == 400
    assert no_kind.json() == {
        "kind": ["Choose what the report covers."],
        "quarter": ["Choose the quarter."],
    }
    assert no_region.json() == {"region": ["Choose the region the report is about."]}
    assert custom.json() == {"last": ["The last day must be the same as or after the first day."]}
    assert not Report.objects.exists()


def test_a_regional_lead_may_start_only_their_regions_reports(api_as, regional_lead):
    client = api_as("regional_lead")

    programme = _ask(client)
    london = _ask(client, kind="region", region=Region.LONDON)
    theirs = _ask(client, kind="region", region=Region.NORTH_EAST)

    assert programme.status_code == 400
    assert "kind" in programme.json()
    assert london.status_code == 400
    assert "region" in london.json()
    assert theirs.status_code == 201, theirs.json()
    assert Report.objects.get().region == Region.NORTH_EAST


def test_fields_nobody_sets_are_refused(api_as):
    response = _ask(api_as("evaluator"), status="done", requested_by=1)

    assert response.status_code == 400
    assert response.json() == {
        "requested_by": ["This field cannot be set here."],
        "status": ["This field cannot be set here."],
    }
    assert not Report.objects.exists()


@pytest.mark.parametrize("persona", ["adviser", "community_worker"])
def test_field_staff_cannot_start_a_report(api_as, persona):
    assert _ask(api_as(persona)).status_code == 403
    assert not Report.objects.exists()


def test_a_read_only_token_cannot_start_a_report(api_as):
    assert _ask(api_as("manager", read_only=True)).status_code == 403
    assert not Report.objects.exists()


def _area_report(area) -> Report:
    return reports.report_request(
        kind=Report.Kind.AREA,
        area=area,
        span=Report.Span.QUARTER,
        start=LAST_QUARTER,
        end=add_months(LAST_QUARTER, 3),
        by=None,
        enqueue=False,
    )


def test_an_adviser_sees_only_their_own_areas_reports(api_as, hendon):
    mine = _area_report(hendon)
    other = _area_report(AreaFactory(name="Elsewhere"))
    Report.objects.filter(pk=other.pk).update(status=Report.Status.DONE)
    client = api_as("adviser")

    listed = client.get("/api/v1/reports/").json()

    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert listed["count"] == 1
    assert client.get(f"/api/v1/reports/{other.pk}/").status_code == 404
    assert client.get(f"/api/v1/reports/{other.pk}/pdf/").status_code == 404


def test_the_list_asks_as_many_queries_for_ten_times_the_reports(
    api_as, evaluator, django_assert_num_queries
):
    def some(times: int, offset: int) -> None:
        for n in range(times):
            start = datetime.date(2000 + offset + n, 1, 1)
            area = AreaFactory()
            Report.objects.create(
                kind=Report.Kind.AREA,
                area=area,
                region=area.region,
                scope_key=Report.key_for(kind=Report.Kind.AREA, area=area),
                span=Report.Span.YEAR,
                period_start=start,
                period_end=datetime.date(start.year + 1, 1, 1),
                requested_by=evaluator,
            )

    client = api_as("manager")
    some(1, 0)
    client.get("/api/v1/reports/")
    with CaptureQueriesContext(connection) as once:
        client.get("/api/v1/reports/")
    some(9, 1)

    with django_assert_num_queries(len(once)):
        response = client.get("/api/v1/reports/")

    assert response.json()["count"] == 10
