"""Sending one webhook delivery: signed, posted once, its answer kept.

Called by nfc.tasks.webhook_deliver_task, which retries with growing delays.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from nfc.models import WebhookDelivery
from nfc.validators import AddressRefused, webhook_addresses

ANSWER_KEPT = 500
# A delivery untried this long after it was made, or whose next try is this
# late, lost its job (the broker away when it was sent, a worker gone).
LOST_AFTER = datetime.timedelta(minutes=10)
USER_AGENT = "NfC-portal-webhooks/1"


class DeliveryFailed(Exception):
    """The receiver did not take the delivery: worth another try later."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of "<timestamp>.<body>": what
    X-NfC-Signature carries, and what a receiver computes to check it."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def body_of(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


@dataclass
class Answer:
    status_code: int | None
    text: str


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address checked, whatever the name resolves to now."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # The certificate is checked against the name, as for any https call.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST once, following no redirect (a redirect could lead anywhere)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    address = webhook_addresses(host, port)[0]
    connection_class = _PinnedHTTPS if https else _PinnedHTTP
    connection = connection_class(
        host, port, address=address, timeout=settings.NFC_WEBHOOK_TIMEOUT_SECONDS
    )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(ANSWER_KEPT * 4).decode("utf-8", "replace")
        return Answer(response.status, text[:ANSWER_KEPT])
    finally:
        connection.close()


def webhook_deliver(
    *, delivery_id: int, last_try: bool, next_try_at: datetime.datetime | None = None
) -> WebhookDelivery | None:
    """Post delivery ``delivery_id`` to its webhook once, and record the try.

    Raises DeliveryFailed when the receiver did not answer 2xx and another
    try may follow (the task retries it); on the ``last_try`` the delivery
    is marked failed instead (``next_try_at``: when the next try is due,
    for the delivery log). A delivery already delivered, or whose
    webhook was switched off, is left alone. An address the portal may not
    post to fails at once: trying again would not change it.
    """
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if (
        delivery is None
        or delivery.status == WebhookDelivery.Status.DELIVERED
        or not delivery.webhook.active
        or not _claimed(delivery)
    ):
        return delivery
    body = body_of(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-NfC-Event": delivery.event,
        "X-NfC-Delivery": str(delivery.pk),
        "X-NfC-Timestamp": timestamp,
        "X-NfC-Signature": signature(delivery.webhook.secret, timestamp, body),
    }
    started = time.monotonic()
    refused = False
    try:
        answer = _post(delivery.webhook.url, body, headers)
    except AddressRefused as error:
        answer, refused = Answer(None, str(error)), True
    except (OSError, http.client.HTTPException) as error:
        answer = Answer(None, f"No answer: {error or type(error).__name__}")
    took_ms = round((time.monotonic() - started) * 1000)
    delivered = answer.status_code is not None and 200 <= answer.status_code < 300
    _record(
        delivery,
        answer=answer,
        took_ms=took_ms,
        delivered=delivered,
        gave_up=not delivered and (last_try or refused),
        next_try_at=next_try_at,
    )
    if not delivered and not (last_try or refused):
        raise DeliveryFailed(f"Delivery {delivery.pk}: {answer.status_code or answer.text}")
    return delivery


def _claimed(delivery: WebhookDelivery) -> bool:
    """Whether this job may post ``delivery`` now: one conditional UPDATE,
    so of a late retry and the sweep's resend only one posts it. A claim
    lasts the longest a try can take; a worker killed mid-try leaves it to
    lapse."""
    now = timezone.now()
    hold = datetime.timedelta(seconds=settings.NFC_WEBHOOK_TIMEOUT_SECONDS * 2 + 60)
    return bool(
        WebhookDelivery.objects.filter(
            Q(sending_until__isnull=True) | Q(sending_until__lt=now),
            pk=delivery.pk,
            status__in=(WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING),
        ).update(sending_until=now + hold)
    )


def _record(
    delivery: WebhookDelivery,
    *,
    answer: Answer,
    took_ms: int,
    delivered: bool,
    gave_up: bool,
    next_try_at: datetime.datetime | None,
) -> None:
    now = timezone.now()
    with transaction.atomic():
        locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        locked.attempts = [
            *locked.attempts,
            {
                "at": now.isoformat(),
                "took_ms": took_ms,
                "status_code": answer.status_code,
                "answer": answer.text,
            },
        ]
        locked.last_status_code = answer.status_code
        locked.last_answer = answer.text
        locked.last_tried_at = now
        locked.next_try_at = None
        locked.sending_until = None
        if delivered:
            locked.status = WebhookDelivery.Status.DELIVERED
            locked.delivered_at = now
        elif gave_up:
            locked.status = WebhookDelivery.Status.FAILED
        else:
            locked.status = WebhookDelivery.Status.RETRYING
            locked.next_try_at = next_try_at
        locked.save()
    delivery.refresh_from_db()


def deliveries_forget() -> int:
    """Delete the deliveries older than NFC_WEBHOOK_LOG_DAYS that are not
    still being tried: how many."""
    before = timezone.now() - datetime.timedelta(days=settings.NFC_WEBHOOK_LOG_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(
        created_at__lt=before,
        status__in=(WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED),
    ).delete()
    return deleted


def deliveries_lost() -> list[int]:
    """The deliveries whose job was lost: never tried long after they were
    made, or a retry long overdue (their ids)."""
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(
                status=WebhookDelivery.Status.PENDING,
                last_tried_at__isnull=True,
                created_at__lt=now - LOST_AFTER,
            )
            # A retry long overdue, or a redelivery whose job never came.
            | Q(
                status__in=(WebhookDelivery.Status.RETRYING, WebhookDelivery.Status.PENDING),
                next_try_at__lt=now - LOST_AFTER,
            ),
            webhook__active=True,
        ).values_list("pk", flat=True)
    )
