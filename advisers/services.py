"""Writes about staff accounts. The admin, commands and tasks all call these."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from advisers.models import User
from advisers.tasks import invitation_send_task


@transaction.atomic
def staff_invite(*, user: User) -> User:
    """Create a staff account with no password, and e-mail an invitation.

    The person chooses their own password through the invitation's link, so
    nobody else ever knows it.
    """
    user.set_unusable_password()
    user.full_clean()
    user.save()
    invitation_send_task.delay_on_commit(user.pk)
    return user


@transaction.atomic
def staff_invitation_resend(*, user: User) -> bool:
    """Send the invitation again, unless the person has already set a password."""
    if user.has_usable_password() or not user.is_active:
        return False
    User.objects.filter(pk=user.pk).update(invitation_sent_at=None)
    invitation_send_task.delay_on_commit(user.pk)
    return True


def invitation_link(*, user: User) -> str:
    """A one-time link to choose a password; it stops working once used."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    return settings.NFC_BASE_URL + path


def invitation_send(*, user: User) -> None:
    context = {
        "user": user,
        "link": invitation_link(user=user),
        "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
    }
    send_mail(
        subject=render_to_string("emails/invitation_subject.txt", context).strip(),
        message=render_to_string("emails/invitation_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


def invitation_claim(*, user_id: int) -> User | None:
    """Mark the invitation as sent, once; None if it already was.

    The conditional UPDATE makes a duplicate delivery of the task a no-op.
    Call it inside the transaction that sends, so a failed send un-claims.
    """
    claimed = User.objects.filter(pk=user_id, is_active=True, invitation_sent_at=None).update(
        invitation_sent_at=timezone.now()
    )
    return User.objects.get(pk=user_id) if claimed else None
