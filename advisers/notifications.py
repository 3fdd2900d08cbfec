"""The e-mails about staff accounts (see nfc.jobs.Notice)."""

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings

from advisers.models import User
from nfc.jobs import Notice
from nfc.mail import absolute_url, email_send


def invitation_link(*, user: User) -> str:
    """A one-time link to choose a password; it stops working once used."""
    return absolute_url(
        "account_reset_password_from_key",
        uidb36=user_pk_to_url_str(user),
        key=default_token_generator.make_token(user),
    )


def invitation_send(user: User) -> None:
    email_send(
        template="invitation",
        to=user.email,
        context={
            "user": user,
            "link": invitation_link(user=user),
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
        },
    )


INVITATION = Notice(
    name="invitation",
    due=User.objects.filter(is_active=True),
    stamp="invitation_sent_at",
    since="date_joined",
    send=invitation_send,
)


def password_reset_send(user: User) -> None:
    """The link to choose a new password, asked for on the sign-in page. Sent
    by a job, so that how long the page takes says nothing of whether an
    account exists (an unknown address gets no e-mail at all)."""
    email_send(
        template="password_reset",
        to=user.email,
        context={
            "user": user,
            "link": invitation_link(user=user),
            "valid_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
        },
    )
