"""Webhook deliveries sent by a real Celery worker, through the real Redis,
to a receiver on loopback that checks each signature as a receiver would."""

import hashlib
import hmac
import json
import time

import pytest
from django.db import transaction

from nfc.models import Webhook, WebhookDelivery
from nfc.tasks import webhook_deliver_task
from nfc.webhooks import webhook_redeliver, webhooks_announce
from tests.nfc.webhook_receiver import webhook_receiver


@pytest.fixture
def quick_retries(monkeypatch):
    """Tries 1 s and 2 s apart, three in all, rather than over two hours."""
    monkeypatch.setattr(webhook_deliver_task, "retry_backoff", 1)
    monkeypatch.setattr(webhook_deliver_task, "max_retries", 2)


def _verified(hook: Webhook, received) -> bool:
    """What the README tells a receiver to do."""
    timestamp = received.headers["X-NfC-Timestamp"]
    expected = hmac.new(
        hook.secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(received.headers["X-NfC-Signature"], f"sha256={expected}")


def _wait_for(delivery: WebhookDelivery, *statuses: str, seconds: float = 30) -> WebhookDelivery:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        delivery.refresh_from_db()
        if delivery.status in statuses:
            return delivery
        time.sleep(0.2)
    raise AssertionError(f"still {delivery.status} after {seconds} s: {delivery.attempts}")


def _announce(settings, url: str) -> tuple[Webhook, WebhookDelivery]:
    settings.NFC_WEBHOOK_PRIVATE_ADDRESSES = True
    hook = Webhook.objects.create(name="Loopback", url=url, events=["request.received"])
    with transaction.atomic():
        (delivery,) = webhooks_announce(
            "request.received", {"reference": "NFC-2026-00001", "status": "new"}
        )
    return hook, delivery


def test_a_worker_delivers_a_signed_event_the_receiver_verifies(celery_worker, settings):
    with webhook_receiver() as receiver:
        hook, delivery = _announce(settings, receiver.url)
        delivery = _wait_for(delivery, WebhookDelivery.Status.DELIVERED)

    (got,) = receiver.received
    assert _verified(hook, got)
    assert got.headers["X-NfC-Event"] == "request.received"
    assert got.headers["X-NfC-Delivery"] == str(delivery.pk)
    assert json.loads(got.body)["data"]["reference"] == "NFC-2026-00001"
    assert delivery.last_status_code == 200


def test_a_receiver_that_fails_gets_retries_each_in_the_log(celery_worker, settings, quick_retries):
    with webhook_receiver(answers=[500, 500, 500]) as receiver:
        hook, delivery = _announce(settings, receiver.url)
        delivery = _wait_for(delivery, WebhookDelivery.Status.FAILED)

        assert len(receiver.received) == 3
        assert all(_verified(hook, got) for got in receiver.received)
        assert [a["status_code"] for a in delivery.attempts] == [500, 500, 500]
        assert all(a["answer"] == "something broke on our side" for a in delivery.attempts)
        # Growing delays: about 1 s, then about 2 s.
        times = [got.headers["X-NfC-Timestamp"] for got in receiver.received]
        assert int(times[2]) - int(times[0]) >= 2

        # Redeliver: sent again, to a receiver that takes it now.
        with transaction.atomic():
            webhook_redeliver(delivery=delivery)
        delivery = _wait_for(delivery, WebhookDelivery.Status.DELIVERED)

    assert len(receiver.received) == 4
    assert receiver.received[3].body == receiver.received[0].body
    assert [a["status_code"] for a in delivery.attempts] == [500, 500, 500, 200]


def test_a_receiver_that_recovers_is_delivered_to_on_a_retry(
    celery_worker, settings, quick_retries
):
    with webhook_receiver(answers=[502]) as receiver:
        _, delivery = _announce(settings, receiver.url)
        retrying = _wait_for(delivery, WebhookDelivery.Status.RETRYING)
        assert retrying.next_try_at is not None
        delivery = _wait_for(delivery, WebhookDelivery.Status.DELIVERED)
    assert [a["status_code"] for a in delivery.attempts] == [502, 200]
