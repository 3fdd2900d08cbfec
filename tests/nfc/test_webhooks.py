"""Webhooks: which events make deliveries, what a delivery says (never a
resident's details), how it is signed and sent, and the admin site's
registration, log and redelivery. (With a real Celery worker:
tests/nfc/test_webhooks_worker.py.)"""

import datetime
import hashlib
import hmac
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casework import referrals
from casework.models import SupportRequest
from casework.services import support_request_move, support_request_submit
from nfc.models import Webhook, WebhookDelivery
from nfc.tasks import webhook_deliver_task, webhooks_sweep_task
from nfc.webhook_delivery import deliveries_lost, signature
from nfc.webhooks import _ACTIVE, webhook_redeliver, webhooks_announce
from tests.nfc.webhook_receiver import webhook_receiver
from tests.scene import Scene
from tests.support import client_for, jobs_enqueued

pytestmark = pytest.mark.django_db

ALL_EVENTS = Webhook.Event.values
RESIDENT = {
    "name": "Priya Resident",
    "email": "priya.resident@example.org",
    "phone": "0191 498 0123",
    "description": "Our hall roof leaks and Priya's neighbour is unwell",
}


@pytest.fixture
def hook(db):
    return Webhook.objects.create(
        name="Partner CRM", url="https://crm.example.org/nfc", events=ALL_EVENTS
    )


def _submit(area, **details):
    return support_request_submit(
        area=area, postcode="SR2 8AA", topic="people", contact_by="email", **RESIDENT, **details
    )


def _payloads():
    return [json.dumps(d.payload) for d in WebhookDelivery.objects.all()]


def test_a_request_received_is_announced_with_its_public_facts_only(
    hook, request, django_capture_on_commit_callbacks
):
    area = Scene(request).area
    with django_capture_on_commit_callbacks() as callbacks:
        support_request = _submit(area)

    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "request.received"
    assert delivery.payload["event"] == "request.received"
    assert delivery.payload["data"] == {
        "reference": support_request.reference,
        "ward_code": area.ward_code,
        "status": "new",
        "url": f"http://127.0.0.1:8000/api/v1/requests/{support_request.reference}/",
    }
    assert datetime.datetime.fromisoformat(delivery.payload["occurred_at"])
    assert any(
        job.func.__self__.name == webhook_deliver_task.name and job.args == (delivery.pk,)
        for job in jobs_enqueued(callbacks)
    )


def test_no_payload_holds_a_residents_details(hook, request, adviser, settings):
    scene = Scene(request)
    support_request = _submit(scene.area)
    support_request_move(support_request=support_request, to_status="closed", by=adviser)
    referral = scene.referral
    referrals.referral_move(referral=referral, to_status="accepted", by=adviser)
    referrals.referral_move(referral=referral, to_status="delivered", by=adviser, days_used=1)
    referrals.referral_record_outcome(
        referral=referral, by=adviser, outcome="Priya Resident's group wrote its plan"
    )
    scene.report  # noqa: B018 (built through the real job's code)

    assert {d.event for d in WebhookDelivery.objects.all()} == set(ALL_EVENTS)
    for payload in _payloads():
        for value in [*RESIDENT.values(), "Priya", "SR2 8AA", "planningaid", "wrote its plan"]:
            assert value.lower() not in payload.lower()


def test_a_request_closed_or_resolved_is_announced_and_other_moves_are_not(hook, request, adviser):
    support_request = _submit(Scene(request).area)
    WebhookDelivery.objects.all().delete()
    support_request_move(support_request=support_request, to_status="in_progress", by=adviser)
    assert not WebhookDelivery.objects.exists()
    support_request_move(support_request=support_request, to_status="resolved", by=adviser)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "request.closed"
    assert delivery.payload["data"]["status"] == "resolved"


def test_a_referrals_outcome_and_a_finished_report_are_announced(hook, request, adviser):
    scene = Scene(request)
    referral = scene.referral
    referrals.referral_move(referral=referral, to_status="accepted", by=adviser)
    referrals.referral_move(referral=referral, to_status="delivered", by=adviser, days_used=1)
    assert not WebhookDelivery.objects.exists()
    referrals.referral_record_outcome(referral=referral, by=adviser, outcome="A plan", on=None)
    outcome = WebhookDelivery.objects.get()
    assert outcome.payload["data"] == {
        "referral_id": referral.pk,
        "ward_code": scene.area.ward_code,
        "status": "outcome_recorded",
        "url": f"http://127.0.0.1:8000/api/v1/referrals/{referral.pk}/",
    }
    report = scene.report
    finished = WebhookDelivery.objects.get(event="report.finished")
    assert finished.payload["data"] == {
        "report_id": report.pk,
        "status": "done",
        "url": f"http://127.0.0.1:8000/api/v1/reports/{report.pk}/",
    }


def test_a_webhook_gets_only_the_events_it_chose_and_none_when_switched_off(request):
    chosen = Webhook.objects.create(
        name="A", url="https://a.example.org/", events=["report.finished"]
    )
    Webhook.objects.create(
        name="Off", url="https://b.example.org/", events=ALL_EVENTS, active=False
    )
    _submit(Scene(request).area)
    assert not WebhookDelivery.objects.exists()
    webhooks_announce("report.finished", {"report_id": 1})
    assert [d.webhook for d in WebhookDelivery.objects.all()] == [chosen]


def test_an_unknown_event_is_a_mistake_in_the_code(hook):
    with pytest.raises(ValueError, match="Unknown webhook event"):
        webhooks_announce("request.exploded", {})


def test_a_delivery_is_enqueued_only_when_the_transaction_commits(
    hook, request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhooks_announce("report.finished", {"report_id": 1})
    # Enqueued by the commit (a rollback drops the callback with the row;
    # tests/nfc/test_celery.py shows delay_on_commit does).
    assert [job.args for job in jobs_enqueued(callbacks)] == [(WebhookDelivery.objects.get().pk,)]


# --- Sending ------------------------------------------------------------------


def _deliver(receiver, settings, events=("report.finished",), answers=None):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = True
    hook = Webhook.objects.create(name="Loopback", url=receiver.url, events=list(events))
    (delivery,) = webhooks_announce("report.finished", {"report_id": 7, "status": "done"})
    webhook_deliver_task.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    return hook, delivery


def test_a_delivery_is_posted_signed_and_logged(settings):
    with webhook_receiver() as receiver:
        hook, delivery = _deliver(receiver, settings)

    (got,) = receiver.received
    assert got.path == "/hooks/nfc"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-NfC-Event"] == "report.finished"
    assert got.headers["X-NfC-Delivery"] == str(delivery.pk)
    timestamp = got.headers["X-NfC-Timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    # What a receiver does: the HMAC of "<timestamp>.<body>" with the secret.
    expected = hmac.new(
        hook.secret.encode(), f"{timestamp}.".encode() + got.body, hashlib.sha256
    ).hexdigest()
    assert got.headers["X-NfC-Signature"] == f"sha256={expected}"
    assert json.loads(got.body) == delivery.payload
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert delivery.last_status_code == 200
    assert delivery.last_answer == "thanks"
    assert len(delivery.attempts) == 1
    assert delivery.attempts[0]["status_code"] == 200


def test_a_signature_with_another_secret_or_body_does_not_match():
    good = signature("secret", "1700000000", b'{"a":1}')
    assert good != signature("other", "1700000000", b'{"a":1}')
    assert good != signature("secret", "1700000001", b'{"a":1}')
    assert good != signature("secret", "1700000000", b'{"a":2}')


def test_a_failed_answer_is_logged_and_run_in_process_it_is_not_retried_at_once(settings):
    with webhook_receiver(answers=[500]) as receiver:
        _, delivery = _deliver(receiver, settings)
    assert len(receiver.received) == 1
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code == 500
    assert delivery.last_answer == "something broke on our side"


def test_a_receiver_that_does_not_answer_is_logged(settings):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = True
    Webhook.objects.create(name="Gone", url="http://127.0.0.1:9/", events=ALL_EVENTS)
    (delivery,) = webhooks_announce("report.finished", {"report_id": 1})
    webhook_deliver_task.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code is None
    assert delivery.last_answer.startswith("No answer")


def test_a_private_address_is_refused_unless_allowed(settings):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = False
    with webhook_receiver() as receiver:
        Webhook.objects.create(name="Inside", url=receiver.url, events=ALL_EVENTS)
        (delivery,) = webhooks_announce("report.finished", {"report_id": 1})
        webhook_deliver_task.apply(args=[delivery.pk])
    assert receiver.received == []
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "private or local address" in delivery.last_answer


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://files.example.org/in", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://user:secret@example.org/", "Leave any name and password out"),
        ("http://127.0.0.1:8000/", "private or local address"),
        ("http://169.254.169.254/latest/meta-data/", "private or local address"),
        ("http://10.0.0.5/", "private or local address"),
        ("http://[::1]/", "private or local address"),
        # IPv4 inside IPv6: NAT64, 6to4 and mapped forms of local addresses.
        ("http://[64:ff9b::a9fe:a9fe]/", "private or local address"),
        ("http://[2002:7f00:1::1]/", "private or local address"),
        ("http://[::ffff:10.0.0.5]/", "private or local address"),
    ],
)
def test_a_webhook_address_must_be_http_on_the_internet(settings, url, message):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = False
    hook = Webhook(name="Bad", url=url, events=ALL_EVENTS)
    with pytest.raises(ValidationError, match=message):
        hook.full_clean()


def test_a_redelivery_sends_the_same_delivery_again(settings):
    with webhook_receiver(answers=[503]) as receiver:
        _, delivery = _deliver(receiver, settings)
        assert delivery.status == WebhookDelivery.Status.FAILED
        webhook_redeliver(delivery=delivery)
        webhook_deliver_task.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert [a["status_code"] for a in delivery.attempts] == [503, 200]
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["X-NfC-Delivery"] == second.headers["X-NfC-Delivery"]


def test_the_sweep_sends_again_what_a_lost_job_never_sent(
    hook, settings, django_capture_on_commit_callbacks
):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = True
    with webhook_receiver() as receiver:
        Webhook.objects.filter(pk=hook.pk).update(url=receiver.url)
        fresh, lost, late, on_time = (
            webhooks_announce("report.finished", {"report_id": n})[0] for n in range(4)
        )
        long_ago = timezone.now() - datetime.timedelta(minutes=11)
        WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=long_ago)
        WebhookDelivery.objects.filter(pk__in=[late.pk, on_time.pk]).update(
            status="retrying", last_tried_at=long_ago, created_at=long_ago
        )
        WebhookDelivery.objects.filter(pk=late.pk).update(next_try_at=long_ago)
        WebhookDelivery.objects.filter(pk=on_time.pk).update(next_try_at=timezone.now())

        with django_capture_on_commit_callbacks(execute=True):
            assert webhooks_sweep_task.apply().get() == 2

    sent = sorted(int(got.headers["X-NfC-Delivery"]) for got in receiver.received)
    assert sent == sorted([lost.pk, late.pk])
    assert fresh.pk not in sent


# --- The admin site -----------------------------------------------------------


def test_an_administrator_registers_a_webhook_and_is_shown_its_secret(
    admin_client_for, administrator
):
    response = admin_client_for.post(
        reverse("admin:nfc_webhook_add"),
        {
            "name": "Funder's dashboard",
            "url": "https://funder.example.org/nfc",
            "events": ["request.received", "report.finished"],
            "active": "on",
        },
        follow=True,
    )
    hook = Webhook.objects.get()
    assert hook.events == ["request.received", "report.finished"]
    assert hook.created_by == administrator
    assert len(hook.secret) == 64
    assert hook.secret in response.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "ftp://funder.example.org/"}, "Give an address starting http:// or https://"),
        ({"url": "funder"}, "Enter a valid URL"),
        ({"url": "http://10.1.2.3/"}, "private or local address"),
        ({"events": []}, "Choose at least one event."),
        ({"events": ["request.exploded"]}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_a_webhook_with_bad_input_is_refused_and_not_saved(
    admin_client_for, settings, changes, message
):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = False
    data = {
        "name": "Funder",
        "url": "https://funder.example.org/nfc",
        "events": ["report.finished"],
        **changes,
    }
    response = admin_client_for.post(reverse("admin:nfc_webhook_add"), data)
    assert response.status_code == 200
    assert message in response.text
    assert not Webhook.objects.exists()


def test_the_delivery_log_is_read_only_and_offers_redelivery(
    admin_client_for, hook, django_capture_on_commit_callbacks
):
    (delivery,) = webhooks_announce("report.finished", {"report_id": 3})
    log = admin_client_for.get(reverse("admin:nfc_webhookdelivery_changelist"))
    assert log.status_code == 200
    assert "report.finished" in log.text
    page = admin_client_for.get(reverse("admin:nfc_webhookdelivery_change", args=[delivery.pk]))
    assert "Redeliver" in page.text
    assert "report_id&quot;: 3" in page.text
    assert admin_client_for.get(reverse("admin:nfc_webhookdelivery_add")).status_code == 403

    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        admin_client_for.post(reverse("admin:nfc_webhookdelivery_redeliver", args=[delivery.pk]))
    assert [job.args for job in jobs_enqueued(callbacks)] == [(delivery.pk,)]
    delivery.refresh_from_db()
    # Sent in-process here, to crm.example.org, which does not exist.
    assert len(delivery.attempts) == 1

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        admin_client_for.post(
            reverse("admin:nfc_webhookdelivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert [job.args for job in jobs_enqueued(callbacks)] == [(delivery.pk,)]


@pytest.mark.parametrize("role", ["adviser", "manager", "evaluator"])
def test_only_administrators_reach_webhooks(request, role, hook):
    client = client_for(request.getfixturevalue(role))
    assert client.get(reverse("admin:nfc_webhook_changelist")).status_code in (302, 403)
    assert not SupportRequest.objects.exists()


def test_a_delivery_another_job_is_sending_is_not_posted_twice(settings):
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = True
    with webhook_receiver() as receiver:
        Webhook.objects.create(name="Loopback", url=receiver.url, events=["report.finished"])
        (delivery,) = webhooks_announce("report.finished", {"report_id": 7})
        # A late retry and the sweep's resend at once: the other holds it.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            sending_until=timezone.now() + datetime.timedelta(minutes=2)
        )
        webhook_deliver_task.apply(args=[delivery.pk])
        assert receiver.received == []
        # Once the other's claim has lapsed (its worker died), it is sent.
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            sending_until=timezone.now() - datetime.timedelta(seconds=1)
        )
        webhook_deliver_task.apply(args=[delivery.pk])
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.sending_until) == (WebhookDelivery.Status.DELIVERED, None)


def test_a_redelivery_whose_job_was_lost_is_swept_up(settings):
    with webhook_receiver(answers=[503]) as receiver:
        _, delivery = _deliver(receiver, settings)
    webhook_redeliver(delivery=delivery)
    assert delivery.pk not in deliveries_lost()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_try_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert delivery.pk in deliveries_lost()


def test_the_sweep_lets_the_log_forget_old_deliveries_but_not_those_still_tried(hook, settings):
    settings.NFC_WEBHOOK_LOG_DAYS = 90
    old = timezone.now() - datetime.timedelta(days=91)
    delivered, failed, retrying, recent = (
        webhooks_announce("report.finished", {"report_id": n})[0] for n in range(4)
    )
    for delivery, status in (
        (delivered, WebhookDelivery.Status.DELIVERED),
        (failed, WebhookDelivery.Status.FAILED),
        (retrying, WebhookDelivery.Status.RETRYING),
    ):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status, created_at=old, next_try_at=timezone.now()
        )
    WebhookDelivery.objects.filter(pk=recent.pk).update(status=WebhookDelivery.Status.DELIVERED)

    webhooks_sweep_task.apply()

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {retrying.pk, recent.pk}


def test_the_compiled_read_of_the_active_webhooks_is_the_querysets():
    # nfc.webhooks compiles its read once a process: its rows must be the
    # ones the ORM reads, in the same order (by name).
    Webhook.objects.create(name="B", url="https://b.example.org/", events=["report.finished"])
    Webhook.objects.create(name="A", url="https://a.example.org/", events=ALL_EVENTS)
    Webhook.objects.create(name="C", url="https://c.example.org/", events=[], active=False)
    expected = list(Webhook.objects.filter(active=True).values_list("pk", "events"))
    assert [name for (name,) in Webhook.objects.filter(active=True).values_list("name")] == [
        "A",
        "B",
    ]
    assert _ACTIVE.rows(None) == expected


def test_deliveries_follow_the_webhooks_names(request):
    later = Webhook.objects.create(name="Zed", url="https://z.example.org/", events=ALL_EVENTS)
    first = Webhook.objects.create(name="Abel", url="https://a.example.org/", events=ALL_EVENTS)
    deliveries = webhooks_announce("report.finished", {"report_id": 1})
    assert [d.webhook_id for d in deliveries] == [first.pk, later.pk]
