"""The public home page, the health check and what every response carries."""

import logging

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, Role, TimeRecord, User
from advisers.selectors import caseload, hours_to_days
from areas.models import Area, StageChange
from casework.models import Action, Interaction, Referral, StatusChange, SupportRequest
from evaluation.models import Report
from tests.support import client_for, free_port

pytestmark = pytest.mark.django_db


def test_the_home_page_says_what_the_nfc_is_and_how_to_ask_for_help(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "<h1>Network for Communities</h1>" in response.text
    assert "How to ask for help" in response.text
    assert 'href="#main"' in response.text


def test_every_page_carries_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy


def test_health_check_answers_200_with_the_database_and_in_process_tasks(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def test_health_check_sees_a_live_broker(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    assert client.get("/healthz").json()["broker"] == "ok"


def test_health_check_answers_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "down"


def test_health_check_ignores_the_host_header(client):
    assert client.get("/healthz", HTTP_HOST="10.0.0.5:8000").status_code == 200


def test_each_response_has_a_request_id_that_its_log_lines_carry(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no-such-page/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    assert any(getattr(record, "request_id", None) == request_id for record in caplog.records)


def test_a_request_id_sent_by_a_client_is_ignored(client):
    assert (
        client.get("/", HTTP_X_REQUEST_ID="chosen-by-client")["X-Request-ID"] != "chosen-by-client"
    )


def test_behind_a_trusted_proxy_its_plain_request_id_is_kept_and_anything_else_replaced(
    client, settings
):
    settings.NFC_TRUSTED_PROXY_COUNT = 1
    assert client.get("/", HTTP_X_REQUEST_ID="abc-123-def")["X-Request-ID"] == "abc-123-def"
    forged = client.get("/", HTTP_X_REQUEST_ID="bad\nid injected into logs")["X-Request-ID"]
    assert "\n" not in forged
    assert forged != "bad\nid injected into logs"


def test_each_request_writes_one_access_line_with_its_route_not_its_path(client, caplog):
    with caplog.at_level(logging.INFO, logger="nfc.access"):
        response = client.get("/accounts/password/reset/key/abc-secret-token/")
    [line] = [r for r in caplog.records if r.name == "nfc.access"]
    assert line.status == response.status_code
    assert line.request_id == response["X-Request-ID"]
    assert "secret-token" not in line.getMessage()
    assert "<key>" in line.route or "(?P<key>" in line.route


def _demo_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            Area,
            StageChange,
            AdviserAssignment,
            CommunityWorkerAllocation,
            TimeRecord,
            SupportRequest,
            Interaction,
            Action,
            Referral,
        )
    }


@pytest.mark.slow  # seeds the whole demo (225 areas and their casework), about 5 s
def test_seed_demo_runs_twice_without_error_or_duplicates(capsys):
    call_command("seed_demo")
    first = _demo_counts()
    call_command("seed_demo")
    assert _demo_counts() == first
    assert first["Area"] == 225
    assert Area.objects.in_programme().count() == 100
    assert set(Area.objects.in_programme().values_list("cohort", flat=True)) == {1, 2, 3}
    assert len(set(Area.objects.in_programme().values_list("region", flat=True))) == 9
    assert first["SupportRequest"] > 100
    assert first["Interaction"] > 1000
    assert first["Referral"] == 60
    # One finished programme report, built after the rest, to read at once.
    demo_report = Report.objects.get()
    assert (demo_report.kind, demo_report.status) == (Report.Kind.PROGRAMME, Report.Status.DONE)
    assert demo_report.asked_for_by == "Evan Evaluator"
    # Histories keep their own days, so response times mean something.
    assert StatusChange.objects.dates("changed_at", "day").count() > 30
    contacted = SupportRequest.objects.exclude(status="new")
    assert not contacted.filter(first_contact_at__isnull=True).exists()
    out = capsys.readouterr().out
    assert "manager@example.org" in out
    assert "Password for all of them" in out


@pytest.mark.slow  # seeds the whole demo (225 areas and their casework), about 5 s
def test_seed_demo_fills_every_caseload_and_shows_areas_on_track_and_behind():
    call_command("seed_demo")
    advisers = User.objects.filter(role=Role.ADVISER)
    workers = User.objects.filter(role=Role.COMMUNITY_WORKER)
    assert advisers.count() == 10
    assert workers.count() == 20
    for adviser in advisers:
        assert AdviserAssignment.objects.current().filter(adviser=adviser).count() == 10
    for worker in workers:
        assert CommunityWorkerAllocation.objects.current().filter(worker=worker).count() == 5
    last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    days = [
        hours_to_days(area.hours_this_month)
        for adviser in advisers
        for area in caseload(adviser=adviser, month=last_month)
        if area.joined_on < last_month
    ]
    assert any(d >= 2 for d in days)
    assert any(d < 1 for d in days)
    # Each day counts under the role it was given in: the giver's.
    assert not TimeRecord.objects.exclude(role=F("person__role")).exists()
    assert TimeRecord.objects.filter(role=Role.COMMUNITY_WORKER).exists()


def test_seed_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="never in production"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_a_refusal_logs_one_line_without_a_traceback(evaluator, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(evaluator).get("/dashboard/")
    assert response.status_code == 403
    (line,) = [r for r in caplog.records if r.name == "django.request"]
    assert line.getMessage() == "Forbidden (Permission denied): /dashboard/"
    assert line.exc_info is None
