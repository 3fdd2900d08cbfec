import datetime

from celery import shared_task
from django.db import transaction


def _send_acknowledgement(request_id: int) -> bool:
    from casework import services

    with transaction.atomic():
        support_request = services.acknowledgement_claim(request_id=request_id)
        if support_request is None:
            return False
        # An exception here rolls the claim back, and the job is retried.
        services.acknowledgement_send(support_request=support_request)
    return True


@shared_task
def acknowledgement_send_task(request_id: int) -> bool:
    """E-mail a resident their reference; True if it was sent now."""
    return _send_acknowledgement(request_id)


@shared_task
def acknowledgements_sweep_task() -> int:
    """Send the acknowledgements that were never enqueued (the broker was
    down) or whose job was lost; each is still sent only once. How many."""
    from casework import services

    waiting = services.acknowledgements_waiting(older_than=datetime.timedelta(minutes=5))
    return sum(_send_acknowledgement(request_id) for request_id in waiting)
