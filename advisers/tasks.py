from celery import shared_task
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone


@shared_task
def invitation_send_task(user_id: int) -> bool:
    """E-mail a new member of staff their invitation; True if it was sent now."""
    from advisers import services

    with transaction.atomic():
        user = services.invitation_claim(user_id=user_id)
        if user is None:
            return False
        # An exception here rolls the claim back, and the task is retried.
        services.invitation_send(user=user)
    return True


@shared_task
def sessions_clear_expired_task() -> int:
    """Delete sessions past their expiry date; returns how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
