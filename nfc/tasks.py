"""The shared parts' jobs: webhook deliveries."""

import datetime

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.utils import timezone

from nfc.celery import TRANSIENT_ERRORS
from nfc.webhook_delivery import (
    DeliveryFailed,
    deliveries_forget,
    deliveries_lost,
    webhook_deliver,
)

# A receiver that fails is tried again after 30 s, then 1, 2, 4... up to 64
# minutes: nine tries over about two hours, long enough for a receiver to
# come back from a restart or a short outage; then "Redeliver" on the admin site.
WEBHOOK_RETRIES = 8
WEBHOOK_FIRST_DELAY = 30
WEBHOOK_LONGEST_DELAY = 2 * 60 * 60


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=WEBHOOK_FIRST_DELAY,
    retry_backoff_max=WEBHOOK_LONGEST_DELAY,
    retry_jitter=False,
    max_retries=WEBHOOK_RETRIES,
    soft_time_limit=60,
    time_limit=90,
)
def webhook_deliver_task(self, delivery_id: int) -> str:
    """Post one webhook delivery; its status after this try. A receiver
    that does not take it is tried again with growing delays, as every task
    retries a database briefly away."""
    # Run in-process (the local default, with no broker), a task's retries
    # would all happen at once and hold up the page that announced the event.
    last_try = bool(self.request.is_eager) or self.request.retries >= self.max_retries
    # The same delay Celery's backoff gives, worked out here so the delivery
    # log can say when the next try is due.
    delay = get_exponential_backoff_interval(
        self.retry_backoff, self.request.retries, self.retry_backoff_max, full_jitter=False
    )
    try:
        delivery = webhook_deliver(
            delivery_id=delivery_id,
            last_try=last_try,
            next_try_at=timezone.now() + datetime.timedelta(seconds=delay),
        )
    except DeliveryFailed as error:
        raise self.retry(exc=error, countdown=delay) from error
    return delivery.status if delivery else ""


@shared_task
def webhooks_sweep_task() -> int:
    """Every ten minutes: send again the deliveries whose job never reached
    the broker or was lost with its worker (a receiver may get one twice,
    and tells by X-NfC-Delivery), and let the log forget deliveries older
    than NFC_WEBHOOK_LOG_DAYS. How many were sent."""
    deliveries_forget()
    lost = deliveries_lost()
    for delivery_id in lost:
        webhook_deliver_task.delay_on_commit(delivery_id)
    return len(lost)
