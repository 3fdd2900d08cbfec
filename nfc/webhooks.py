"""Telling the webhooks registered on the admin site that something
happened (nfc.models.Webhook).

The apps' services announce an event with its public facts only: ids the
API knows it by, its status, and the API address to read more (with the
receiver's own token, which sees what its owner may). Never a resident's
name, contact details or words: a receiver is another system, and what it
keeps is out of the portal's reach.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from nfc.models import Webhook, WebhookDelivery
from nfc.statements import Statement
from nfc.tasks import webhook_deliver_task


def api_url(path: str) -> str:
    """The API's full address of ``path`` (under /api/v1/)."""
    return f"{settings.NFC_BASE_URL}/api/v1/{path.lstrip('/')}"


# Compiled once a process: every resident's help form post reads it, and
# the ORM's building of it cost more CPU than PostgreSQL's answer.
_ACTIVE = Statement(
    lambda: Webhook.objects.filter(active=True).values_list("pk", "events"),
    stand_ins=lambda shape: {},
)


def webhooks_announce(event: str, payload: dict) -> list[WebhookDelivery]:
    """One delivery of ``event`` for each active webhook that wants it, each
    sent by a job once the caller's transaction commits (none if it rolls
    back). ``payload``: the event's public facts (see the module's note)."""
    if event not in Webhook.Event.values:
        raise ValueError(f"Unknown webhook event {event!r}: add it to Webhook.Event.")
    # The active ones (in the order of their names) that chose it.
    wanting = [pk for pk, events in _ACTIVE.rows(None) if event in events]
    if not wanting:
        return []
    body = {"event": event, "occurred_at": timezone.now().isoformat(), "data": payload}
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook_id=pk, event=event, payload=body) for pk in wanting
    )
    for delivery in deliveries:
        webhook_deliver_task.delay_on_commit(delivery.pk)
    return deliveries


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery) -> None:
    """Send a delivery again, as it was (the same id, body and event), with
    a fresh round of tries; its earlier tries stay in its log."""
    # Due now: if its job is lost, the sweep finds it by that.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_try_at=timezone.now(), sending_until=None
    )
    webhook_deliver_task.delay_on_commit(delivery.pk)
