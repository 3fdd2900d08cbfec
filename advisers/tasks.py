from celery import shared_task
from django.utils import timezone

from advisers.models import StaffSession
from advisers.notifications import INVITATION


@shared_task
def invitation_send_task(user_id: int) -> bool:
    """E-mail a new member of staff their invitation; True if it was sent now."""
    return INVITATION.send_once(user_id)


@shared_task
def sessions_clear_expired_task() -> int:
    """Delete sessions past their expiry date; returns how many went."""
    deleted, _ = StaffSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
