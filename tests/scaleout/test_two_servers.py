"""No state lives in one process: two web servers and two Celery workers,
each a process of its own with the production settings, on the same
PostgreSQL and Redis, behave as one portal whichever server answers a
request and whichever worker takes a job (issue 15, "More than one machine").

The processes start once for the module (tests/scaleout/cluster.py); each
test alternates between the servers, and leaves the workers to share the jobs
as Redis hands them out.
"""

import contextlib
import datetime
import re
import time

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import transaction
from django.utils import timezone

from advisers.models import Role
from areas.models import Area
from bench.drill import help_fields
from casework import services as casework_services
from casework.models import AuditEntry, JobRun, StatusChange, SupportRequest
from casework.tasks import acknowledgements_sweep_task, jobs_catch_up_task, retention_task
from evaluation import reports
from evaluation.models import Report
from nfc.models import Webhook, WebhookDelivery
from nfc.tasks import webhooks_sweep_task
from tests.factories import PASSWORD, SupportRequestFactory, UserFactory
from tests.nfc.webhook_receiver import webhook_receiver
from tests.scaleout.cluster import Browser, cluster_started, hidden
from tests.support import totp_code

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PER_HOUR = 3
MIN_SECONDS = 1
REFERENCE = re.compile(r"NFC-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(scope="module")
def cluster(django_db_setup, redis_url, tmp_path_factory):
    """The four processes, on the test database (made by django_db_setup)."""
    yield from cluster_started(
        scratch=tmp_path_factory.mktemp("two-servers"),
        redis_url=redis_url,
        # Authenticator apps' secrets are encrypted: the servers read the
        # ones this process writes.
        NFC_MFA_ENCRYPTION_KEY=settings.NFC_MFA_ENCRYPTION_KEY,
        NFC_HELP_FORM_MIN_SECONDS=str(MIN_SECONDS),
        NFC_HELP_REQUESTS_PER_HOUR=str(PER_HOUR),
    )


@pytest.fixture(autouse=True)
def _jobs_done_before_the_next_test(cluster):
    """A job still running when the test's data is flushed away would hold
    the tables the flush must empty."""
    yield
    wait_for(cluster.idle, what="the workers finishing their jobs")


def wait_for(check, *, seconds: float = 30, what: str = "it"):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds} s"
        time.sleep(0.1)
    return found


def manager_who_signs_in():
    """A manager with an authenticator app, whose password the servers can
    check: the tests' own settings hash passwords with MD5, for speed, which
    production's settings do not accept."""
    manager = UserFactory(role=Role.MANAGER)
    hasher = PBKDF2PasswordHasher()
    manager.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    manager.save(update_fields=["password"])
    return manager


def sign_in(browser: Browser, person, *, password_on, code_on) -> None:
    """Password on one server, the authenticator app's code on the other."""
    answer = browser.post(
        password_on, "/accounts/login/", {"login": person.email, "password": PASSWORD}
    )
    assert (answer.status, answer.location) == (302, "/accounts/2fa/authenticate/")
    answer = browser.post(
        code_on, "/accounts/2fa/authenticate/", {"code": totp_code(person.totp_secret)}
    )
    assert answer.status == 302, answer.text


def signed_in(browser: Browser, server) -> bool:
    answer = browser.get(server, "/staff/")
    assert answer.status in (200, 302)
    return answer.status == 200


@contextlib.contextmanager
def jobs_run_here(celery_on_redis):
    """Records made for a test with their jobs (e-mails) run here and now,
    so that no worker is busy with them, or waits on them, when the test's
    own jobs are sent."""
    celery_on_redis.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_on_redis.conf.task_always_eager = False


def e_mails_to(cluster, address: str) -> int:
    return sum(f"To: {address}" in message for message in cluster.emails())


# 1. Sign-in and two-factor state -----------------------------------------


def test_signed_in_with_two_factor_on_one_server_is_signed_in_on_the_other(cluster):
    manager = manager_who_signs_in()
    browser = Browser()
    a, b = cluster.web_a, cluster.web_b
    sign_in(browser, manager, password_on=a, code_on=b)
    # Two-factor done: the manager's pages, from either server.
    assert signed_in(browser, a)
    assert signed_in(browser, b)
    assert browser.get(a, "/dashboard/").status == 200
    assert browser.get(b, "/dashboard/").status == 200
    # Signed out on one, signed out on both.
    assert browser.post(b, "/accounts/logout/", {}).status == 302
    assert not signed_in(browser, a)
    assert not signed_in(browser, b)


def test_a_password_without_its_code_gets_in_on_neither_server(cluster):
    manager = manager_who_signs_in()
    browser = Browser()
    answer = browser.post(
        cluster.web_a, "/accounts/login/", {"login": manager.email, "password": PASSWORD}
    )
    assert answer.location == "/accounts/2fa/authenticate/"
    assert not signed_in(browser, cluster.web_b)
    assert not signed_in(browser, cluster.web_a)
    # The half-done sign-in is held in the shared session: the code typed on
    # the other server finishes it.
    answer = browser.post(
        cluster.web_b, "/accounts/2fa/authenticate/", {"code": totp_code(manager.totp_secret)}
    )
    assert answer.status == 302
    assert signed_in(browser, cluster.web_a)


def test_a_two_factor_code_used_on_one_server_is_refused_on_the_other(cluster):
    manager = manager_who_signs_in()
    code = totp_code(manager.totp_secret)
    first, second = Browser(), Browser(address="203.0.113.11")
    for browser, server in ((first, cluster.web_a), (second, cluster.web_b)):
        answer = browser.post(
            server, "/accounts/login/", {"login": manager.email, "password": PASSWORD}
        )
        assert answer.location == "/accounts/2fa/authenticate/"
    assert first.post(cluster.web_a, "/accounts/2fa/authenticate/", {"code": code}).status == 302
    # The same code, seen by the other server: used already.
    assert second.post(cluster.web_b, "/accounts/2fa/authenticate/", {"code": code}).status == 200
    assert not signed_in(second, cluster.web_b)


def test_wrong_passwords_on_both_servers_meet_the_accounts_limit_together(cluster):
    manager = manager_who_signs_in()
    guesser = Browser(address="203.0.113.12")
    servers = [cluster.web_a, cluster.web_b]
    for n in range(5):
        answer = guesser.post(
            servers[n % 2], "/accounts/login/", {"login": manager.email, "password": f"guess{n}"}
        )
        assert answer.status == 200
        assert "Too many failed" not in answer.text
    # The sixth try, on either server, is turned away (allauth's 5 a
    # 5 minutes for an account), even with the right password.
    answer = guesser.post(
        cluster.web_b, "/accounts/login/", {"login": manager.email, "password": PASSWORD}
    )
    assert "Too many failed login attempts" in answer.text


# 2. The help form's time token and hourly limit ----------------------------


def test_a_help_form_shown_by_one_server_is_taken_by_the_other(cluster):
    resident = Browser(address="198.51.100.1")
    token = hidden(resident.get(cluster.web_a, "/help/").text, "started")
    time.sleep(MIN_SECONDS + 0.2)
    answer = resident.post(
        cluster.web_b, "/help/", help_fields(token, email_address="first@example.org")
    )
    assert (answer.status, answer.location) == (302, "/help/sent/")
    # The reference, shown once, by the first server.
    reference = REFERENCE.search(resident.get(cluster.web_a, "/help/sent/").text).group()
    assert SupportRequest.objects.get(reference=reference).email == "first@example.org"


def test_the_hourly_limit_counts_posts_to_both_servers_together(cluster):
    resident = Browser(address="198.51.100.2")
    servers = [cluster.web_a, cluster.web_b]
    tokens = [
        hidden(resident.get(servers[n % 2], "/help/").text, "started") for n in range(PER_HOUR + 1)
    ]
    time.sleep(MIN_SECONDS + 0.2)
    statuses = [
        resident.post(
            servers[(n + 1) % 2],
            "/help/",
            help_fields(token, email_address=f"limit{n}@example.org"),
        ).status
        for n, token in enumerate(tokens)
    ]
    # As on one server: PER_HOUR sent, then turned away, whichever answers.
    assert statuses == [302] * PER_HOUR + [429]
    assert SupportRequest.objects.filter(email__startswith="limit").count() == PER_HOUR


# 3. The dashboard's kept page and its invalidation -------------------------


def test_the_dashboard_kept_by_one_server_is_served_by_the_other_until_a_change(cluster, hendon):
    manager = manager_who_signs_in()
    support_request = SupportRequestFactory(area=hendon)
    browser = Browser()
    a, b = cluster.web_a, cluster.web_b
    sign_in(browser, manager, password_on=a, code_on=a)
    assert "Hendon" in browser.get(a, "/dashboard/").text
    # Renamed behind the portal's back (no save, so no signal): a page drawn
    # afresh would show it, the kept one does not.
    Area.objects.filter(pk=hendon.pk).update(name="Hendon Renamed")
    kept = browser.get(b, "/dashboard/").text
    assert "Hendon" in kept
    assert "Hendon Renamed" not in kept
    # A change made through the other server throws the kept page away for both.
    answer = browser.post(
        b,
        f"/staff/casework/requests/{support_request.reference}/move/",
        {"to_status": SupportRequest.Status.ACKNOWLEDGED, "note": ""},
    )
    assert answer.status == 302, answer.text
    assert "Hendon Renamed" in browser.get(a, "/dashboard/").text


# 4. Jobs: each done once, by whichever worker takes it ---------------------


def test_each_job_is_done_once_by_whichever_worker_takes_it(cluster, celery_on_redis):
    logs_before = {
        worker: len(worker.log.read_text()) for worker in (cluster.worker_a, cluster.worker_b)
    }
    evaluator = UserFactory(role=Role.EVALUATOR)
    with transaction.atomic():
        report = reports.report_request(
            kind=Report.Kind.PROGRAMME,
            span="quarter",
            start=datetime.date(2026, 4, 1),
            end=datetime.date(2026, 7, 1),
            by=evaluator,
        )
    # While one worker builds the report, residents' e-mails are sent.
    servers = [cluster.web_a, cluster.web_b]
    addresses = [f"resident{n}@example.org" for n in range(4)]
    residents = [Browser(address=f"198.51.100.{10 + n}") for n in range(len(addresses))]
    tokens = [
        hidden(resident.get(servers[n % 2], "/help/").text, "started")
        for n, resident in enumerate(residents)
    ]
    time.sleep(MIN_SECONDS + 0.2)
    for n, (resident, token, address) in enumerate(zip(residents, tokens, addresses, strict=True)):
        answer = resident.post(
            servers[(n + 1) % 2], "/help/", help_fields(token, email_address=address)
        )
        assert answer.status == 302
    wait_for(lambda: all(e_mails_to(cluster, address) for address in addresses), what="e-mails")
    report = wait_for(
        lambda: Report.objects.filter(pk=report.pk, status=Report.Status.DONE).first(),
        seconds=90,
        what="the report",
    )
    time.sleep(1)  # time for a second copy of any job, were there one
    assert [e_mails_to(cluster, address) for address in addresses] == [1] * len(addresses)
    assert report.attempts == 1
    files = sorted(path.suffix for path in cluster.reports.rglob("*") if path.is_file())
    assert files == sorted({".pdf", ".xlsx", ".csv"}), files
    # Both workers took this test's jobs: neither the e-mails nor the report
    # depend on which.
    for worker, before in logs_before.items():
        assert " succeeded in " in worker.log.read_text()[before:], worker.name


# 5. The sweep of what was never sent, with both workers up ----------------


def test_the_sweep_sends_what_was_never_sent_once_with_both_workers_sweeping(
    cluster, celery_on_redis
):
    addresses = [f"unsent{n}@example.org" for n in range(5)]
    with jobs_run_here(celery_on_redis):
        requests = [SupportRequestFactory(email=address) for address in addresses]
    # ...then as if the broker had been away when they were sent: no e-mail
    # yet, and older than the sweep's grace.
    SupportRequest.objects.filter(pk__in=[r.pk for r in requests]).update(
        acknowledgement_sent_at=None, created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    # Both workers sweep at once (two beats would send it so).
    results = [acknowledgements_sweep_task.delay(), acknowledgements_sweep_task.delay()]
    assert sum(result.get(timeout=30) for result in results) == len(addresses)
    assert [e_mails_to(cluster, address) for address in addresses] == [1] * len(addresses)
    assert not SupportRequest.objects.filter(
        pk__in=[r.pk for r in requests], acknowledgement_sent_at=None
    ).exists()


def test_the_webhook_sweep_sends_each_lost_delivery_once_with_both_workers_sweeping(
    cluster, celery_on_redis
):
    with webhook_receiver() as receiver:
        hook = Webhook.objects.create(
            name="Loopback", url=receiver.url, events=["request.received"]
        )
        # Deliveries whose job never reached the broker, long ago.
        lost = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(
                webhook=hook,
                event="request.received",
                payload={"reference": f"NFC-2026-0000{n}"},
                created_at=timezone.now() - datetime.timedelta(hours=1),
            )
            for n in range(4)
        )
        sweeps = [webhooks_sweep_task.delay(), webhooks_sweep_task.delay()]
        for sweep in sweeps:
            sweep.get(timeout=30)
        wait_for(
            lambda: (
                WebhookDelivery.objects.filter(
                    pk__in=[d.pk for d in lost], status=WebhookDelivery.Status.DELIVERED
                ).count()
                == len(lost)
            ),
            what="the deliveries",
        )
        wait_for(cluster.idle, what="every delivery job done")
    delivered = sorted(int(got.headers["X-NfC-Delivery"]) for got in receiver.received)
    assert delivered == sorted(d.pk for d in lost)


# 6. Scheduled jobs: once, however many beats send them ---------------------


def _past_retention(celery_on_redis) -> SupportRequest:
    with jobs_run_here(celery_on_redis):
        support_request = SupportRequestFactory(email="old@example.org")
        casework_services.support_request_move(
            support_request=support_request, to_status=SupportRequest.Status.CLOSED, by=None
        )
    long_ago = timezone.now() - datetime.timedelta(days=settings.NFC_RETENTION_DAYS + 30)
    StatusChange.objects.filter(support_request=support_request).update(changed_at=long_ago)
    SupportRequest.objects.filter(pk=support_request.pk).update(created_at=long_ago)
    return support_request


def _removals(support_request) -> int:
    return AuditEntry.objects.filter(
        support_request=support_request, changes__has_key="details_removed_at"
    ).count()


def test_a_daily_job_sent_to_both_workers_at_once_is_done_once(cluster, celery_on_redis):
    support_request = _past_retention(celery_on_redis)
    with transaction.atomic():
        # The request is held, so that a run that starts waits on it: both
        # workers are inside the job at once, were both let in.
        SupportRequest.objects.select_for_update().get(pk=support_request.pk)
        results = [retention_task.delay(), retention_task.delay()]
        wait_for(
            lambda: (
                JobRun.objects.filter(name="retention").count() == 2
                or any(result.ready() for result in results)
            ),
            what="both runs starting, or one standing back",
        )
    assert sorted(result.get(timeout=30) for result in results) == [0, 1]
    assert JobRun.objects.filter(name="retention").count() == 1
    assert _removals(support_request) == 1
    support_request.refresh_from_db()
    assert support_request.details_removed_at is not None


def test_the_catch_up_sent_by_two_beats_runs_a_due_job_once(cluster, celery_on_redis):
    support_request = _past_retention(celery_on_redis)
    with transaction.atomic():
        # The request is held, so that the first run of retention cannot
        # finish (and retention stays due) before both catch-ups have looked.
        SupportRequest.objects.select_for_update().get(pk=support_request.pk)
        # Two beats' catch-ups at once: each finds retention due (never run)
        # and sends it.
        catch_ups = [jobs_catch_up_task.delay(), jobs_catch_up_task.delay()]
        for catch_up in catch_ups:
            assert "retention" in catch_up.get(timeout=30)
    wait_for(
        lambda: JobRun.objects.filter(name="retention", finished_at__isnull=False).exists(),
        what="retention's run",
    )
    time.sleep(2)  # time for the second, were it to run
    assert JobRun.objects.filter(name="retention").count() == 1
