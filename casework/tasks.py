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


def _tell_assignee(request_id: int) -> bool:
    from casework import services

    with transaction.atomic():
        support_request = services.assignee_claim(request_id=request_id)
        if support_request is None:
            return False
        services.assignee_tell(support_request=support_request)
    return True


@shared_task
def assignee_tell_task(request_id: int) -> bool:
    """E-mail the adviser (or worker) a request landed with; True if sent now."""
    return _tell_assignee(request_id)


@shared_task
def acknowledgements_sweep_task() -> int:
    """Send the acknowledgements and the advisers' notices that were never
    enqueued (the broker was down) or whose job was lost; each is still
    sent only once. How many went."""
    from casework import services

    later_than = datetime.timedelta(minutes=5)
    sent = sum(
        _send_acknowledgement(request_id)
        for request_id in services.acknowledgements_waiting(older_than=later_than)
    )
    return sent + sum(
        _tell_assignee(request_id)
        for request_id in services.assignees_waiting(older_than=later_than)
    )
