import datetime
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def _each(send, ids) -> int:
    """Send each in turn; one that fails (a refused address, say) is logged
    and left for the next sweep, and never holds up the others."""
    sent = 0
    for item_id in ids:
        try:
            sent += bool(send(item_id))
        except Exception:
            logger.exception("Sweep: %s(%s) failed; it will be tried again", send.__name__, item_id)
    return sent


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
    """Send the acknowledgements, the advisers' notices and the notices of
    residents' messages that were never enqueued (the broker was down) or
    whose job was lost; each is still sent only once. How many went."""
    from casework import services

    later_than = datetime.timedelta(minutes=5)
    return (
        _each(_send_acknowledgement, services.acknowledgements_waiting(older_than=later_than))
        + _each(_tell_assignee, services.assignees_waiting(older_than=later_than))
        + _each(_tell_about_message, services.messages_waiting(older_than=later_than))
        + _each(_tell_withdrawal, services.withdrawals_waiting(older_than=later_than))
    )


def _tell_about_message(message_id: int) -> bool:
    from casework import following
    from casework.models import ResidentMessage

    with transaction.atomic():
        # Claimed once: a redelivered job, or the sweep, finds it done.
        claimed = ResidentMessage.objects.filter(
            pk=message_id, assignee_told_at=None, support_request__assigned_to__isnull=False
        ).update(assignee_told_at=timezone.now())
        if not claimed:
            return False
        message = ResidentMessage.objects.select_related("support_request__assigned_to").get(
            pk=message_id
        )
        return following.resident_message_tell(message=message)


@shared_task
def resident_message_tell_task(message_id: int) -> bool:
    """E-mail the person a request is with that its resident sent a message
    (never the message itself); True if sent now."""
    return _tell_about_message(message_id)


@shared_task
def retention_task() -> int:
    """Daily: remove residents' details past the retention period; how many."""
    from casework import services

    return services.support_requests_remove_old_details()


def _tell_withdrawal(request_id: int) -> bool:
    from casework import services

    with transaction.atomic():
        support_request = services.withdrawal_claim(request_id=request_id)
        if support_request is None:
            return False
        services.withdrawal_tell(support_request=support_request)
    return True


@shared_task
def withdrawal_tell_task(request_id: int) -> bool:
    """E-mail the person a request was with that its resident withdrew it."""
    return _tell_withdrawal(request_id)
