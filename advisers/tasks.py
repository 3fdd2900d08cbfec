from celery import shared_task
from django.utils import timezone

from advisers.models import StaffSession, User
from advisers.notifications import INVITATION, password_reset_send


@shared_task
def invitation_send_task(user_id: int) -> bool:
    """E-mail a new member of staff their invitation; True if it was sent now."""
    return INVITATION.send_once(user_id)


@shared_task
def password_reset_send_task(user_id: int) -> bool:
    """E-mail a member of staff the link to choose a new password; False if
    their account was closed meanwhile."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    password_reset_send(user)
    return True


@shared_task
def sessions_clear_expired_task() -> int:
    """Delete sessions past their expiry date; returns how many went."""
    deleted, _ = StaffSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
