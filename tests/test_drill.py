"""`make drill`'s module, without its processes (the drills themselves run
only by hand: real PostgreSQL, Redis, gunicorn and workers for minutes).
What the drills assume of the portal is checked here, so a change to the
help form or the sign-in limits cannot leave them silently testing nothing."""

import socket

import pytest
import yaml
from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from bench import drill
from casework.forms import HelpRequestForm
from tests.support import PROJECT_ROOT, free_port


def test_the_arguments_name_each_drill_and_default_to_all():
    args = drill.parse_arguments(["--pg-bindir", "/usr/lib/postgresql/bin"])
    assert args.drill == list(drill.DRILLS) == ["redis", "worker", "postgres", "load"]
    assert args.outage_seconds == 60
    assert args.seconds == 120
    assert args.clients == 50
    assert args.sign_ins == 200
    one = drill.parse_arguments(
        ["--pg-bindir", "x", "--drill", "postgres", "--outage-seconds", "5", "--seconds", "9"]
    )
    assert (one.drill, one.outage_seconds, one.seconds) == (["postgres"], 5, 9)


def test_the_arguments_refuse_an_unknown_drill_and_a_missing_postgresql(capsys, monkeypatch):
    monkeypatch.delenv("NFC_PG_BINDIR", raising=False)
    with pytest.raises(SystemExit):
        drill.parse_arguments(["--pg-bindir", "x", "--drill", "nonsense"])
    with pytest.raises(SystemExit):
        drill.parse_arguments([])
    assert "NFC_PG_BINDIR" in capsys.readouterr().err


def test_a_report_with_a_broken_promise_is_not_kept():
    report = drill.Report("example")
    report.figure("sent", 100)
    report.check("nothing lost", True, 0)
    assert report.kept
    report.check("answered in time", False, "3 of 100")
    assert not report.kept
    assert "[BROKEN] answered in time: 3 of 100" in report.table()
    assert drill.percentile([0.1, 0.2, 0.3, 0.4], 50) == 0.2


@pytest.mark.django_db
def test_the_drills_help_form_is_one_the_portal_saves(client):
    page = client.get("/help/")
    token = drill.STARTED_TOKEN.search(page.content)
    assert token is not None
    fields = drill.help_fields(token.group(1).decode(), email_address="someone@example.org")
    form = HelpRequestForm(fields)
    assert form.is_valid(), form.errors


def test_the_drills_know_the_sign_in_limit_and_its_words():
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"].endswith(f"{drill.SIGN_IN_TRIES}/5m/key")
    words = DefaultAccountAdapter.error_messages["too_many_login_attempts"]
    assert drill.SIGN_IN_LIMITED.decode() in str(words)


def test_the_hung_redis_accepts_and_never_answers():
    hung = drill.HungRedis(free_port())
    hung.start()
    try:
        with socket.create_connection(("127.0.0.1", hung.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            sock.settimeout(0.3)
            with pytest.raises(TimeoutError):
                sock.recv(16)
    finally:
        hung.stop()


def test_the_drills_pools_weigh_as_the_stacks_do():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"]
    staff = compose["web"].get("cpu_shares", 1024)
    public = compose["web-public"]["cpu_shares"]
    # Linux's weight for a process at nice n, against 1024 at nice 0.
    drills = 1024 / 1.25**drill.PUBLIC_POOL_NICE
    assert abs(drills / 1024 - public / staff) < 0.05
