"""The resident's private link: following a request without an account.

The link carries a secret; only the secret's SHA-256 is kept, so a copy of
the database (or of a backup) opens no one's request. The secret exists
only in the acknowledgement e-mail and in the resident's address bar: it is
never stored, logged, or passed to a task.
"""

import datetime
import hashlib
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

# A module import, not a name import, so that casework.services may in turn
# import this module (for the acknowledgement's link) in either order.
from casework import services
from casework.models import DESCRIPTION_MAX_LENGTH, ResidentMessage, SupportRequest
from casework.tasks import resident_message_tell_task, withdrawal_tell_task

WITHDRAWN_NOTE = "Withdrawn by the resident"
MESSAGE_MAX_LENGTH = DESCRIPTION_MAX_LENGTH
# secrets.token_urlsafe(32): 32 random bytes, 43 URL-safe characters.
_SECRET_BYTES = 32
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def follow_link_days() -> int:
    return getattr(settings, "NFC_FOLLOW_LINK_DAYS", 90)


def follow_link_issue(*, support_request: SupportRequest) -> str:
    """Give the request a new private link and return it as a full address.

    Any earlier link stops working (its hash is replaced). Call it where the
    link is sent (the acknowledgement, inside the transaction that claims
    it), so that a failed send rolls the new link back too.
    """
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    support_request.follow_token_hash = _digest(secret)
    support_request.follow_expires_at = timezone.now() + datetime.timedelta(days=follow_link_days())
    support_request.follow_revoked_at = None
    support_request.save(
        update_fields=["follow_token_hash", "follow_expires_at", "follow_revoked_at"]
    )
    return settings.NFC_BASE_URL + reverse("casework_public:follow", kwargs={"secret": secret})


def follow_link_find(*, secret: str) -> SupportRequest | None:
    """The request a presented secret opens, or None when the secret is
    wrong, expired or revoked (the caller must not say which).

    Looked up by the secret's hash: the database compares hashes, so how
    long the lookup takes tells an attacker nothing about any secret.
    """
    if not _SECRET_SHAPE.fullmatch(secret):
        return None
    return SupportRequest.objects.filter(
        follow_token_hash=_digest(secret),
        follow_revoked_at=None,
        follow_expires_at__gt=timezone.now(),
    ).first()


def follow_link_revoke(*, support_request: SupportRequest) -> None:
    """Stop the request's private link working (kept, with when, for the record)."""
    now = timezone.now()
    SupportRequest.objects.filter(pk=support_request.pk, follow_revoked_at=None).update(
        follow_revoked_at=now
    )
    support_request.follow_revoked_at = support_request.follow_revoked_at or now


def _lock_followable(support_request: SupportRequest) -> SupportRequest:
    """The request's row, locked, if its link still works; so a message and
    a withdrawal (or a revocation) sent at the same moment are taken in turn."""
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if (
        locked.follow_revoked_at is not None
        or locked.follow_expires_at is None
        or locked.follow_expires_at <= timezone.now()
    ):
        raise ValidationError("This link does not work any more.")
    return locked


def can_message(support_request: SupportRequest) -> bool:
    """A resolved request may still hear from its resident ("it is not
    sorted"); a closed one is finished."""
    return support_request.status != SupportRequest.Status.CLOSED


def can_withdraw(support_request: SupportRequest) -> bool:
    return support_request.is_open


@transaction.atomic
def resident_message_add(*, support_request: SupportRequest, text: str) -> ResidentMessage:
    """Save a message from the resident, then (once saved) tell the person
    the request is with. A request still in triage keeps the message for
    whoever takes it."""
    locked = _lock_followable(support_request)
    if not can_message(locked):
        raise ValidationError("This request is closed, so it cannot take new messages.")
    message = ResidentMessage(support_request=locked, text=text.strip())
    if not message.text:
        raise ValidationError("Write your message.")
    message.full_clean()
    message.save()
    if locked.assigned_to_id:
        resident_message_tell_task.delay_on_commit(message.pk)
    return message


def resident_message_tell(*, message: ResidentMessage) -> bool:
    """E-mail the request's assignee that a message arrived: the reference
    and a link into the portal, never the message or the resident's details
    (those stay in the portal). False when there is nobody to tell."""
    support_request = message.support_request
    assignee = support_request.assigned_to
    if assignee is None or not assignee.is_active:
        return False
    context = {
        "request": support_request,
        "assignee": assignee,
        "link": settings.NFC_BASE_URL
        + reverse("casework:request_detail", kwargs={"reference": support_request.reference}),
    }
    send_mail(
        subject=render_to_string("emails/resident_message_subject.txt", context).strip(),
        message=render_to_string("emails/resident_message_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[assignee.email],
    )
    return True


@transaction.atomic
def support_request_withdraw(*, support_request: SupportRequest) -> None:
    """The resident no longer needs help: close the request (recorded as a
    step with nobody's name on it) and stop the link working."""
    locked = _lock_followable(support_request)
    if not can_withdraw(locked):
        raise ValidationError("This request is already finished.")
    services.support_request_move(
        support_request=support_request,
        to_status=SupportRequest.Status.CLOSED,
        by=None,
        note=WITHDRAWN_NOTE,
    )
    follow_link_revoke(support_request=support_request)
    SupportRequest.objects.filter(pk=support_request.pk).update(withdrawn_at=timezone.now())
    if locked.assigned_to_id:
        withdrawal_tell_task.delay_on_commit(support_request.pk)
