"""Writes for casework: a resident's request, its acknowledgement, spam counts."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from casework.models import Signposting, SpamCount, SupportRequest
from casework.selectors import signposting_text
from casework.tasks import acknowledgement_send_task


@transaction.atomic
def support_request_submit(*, area, postcode: str, **details) -> SupportRequest:
    """Save a resident's request, then (once saved) send its acknowledgement.

    Saving comes first and alone: if the broker or the mail server is down,
    the request is kept and the acknowledgement follows later (the sweep).
    """
    support_request = SupportRequest.objects.create(
        area=area,
        postcode=postcode,
        consented_at=timezone.now(),
        privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
        **details,
    )
    if support_request.email:
        acknowledgement_send_task.delay_on_commit(support_request.pk)
    return support_request


def acknowledgement_claim(*, request_id: int) -> SupportRequest | None:
    """Mark the acknowledgement as sent, once; None if it already was.

    A conditional UPDATE: a duplicate delivery of the task, or the sweep
    racing the task, finds nothing to claim. Call it inside the transaction
    that sends, so a failed send un-claims.
    """
    claimed = (
        SupportRequest.objects.filter(pk=request_id, acknowledgement_sent_at=None)
        .exclude(email="")
        .update(acknowledgement_sent_at=timezone.now())
    )
    return SupportRequest.objects.select_related("area").get(pk=request_id) if claimed else None


def acknowledgement_send(*, support_request: SupportRequest) -> None:
    context = {
        "request": support_request,
        "in_programme": bool(support_request.area and support_request.area.in_programme),
        "signposting": signposting_text(),
    }
    send_mail(
        subject=render_to_string("emails/acknowledgement_subject.txt", context).strip(),
        message=render_to_string("emails/acknowledgement_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[support_request.email],
    )


def acknowledgements_waiting(*, older_than: datetime.timedelta) -> list[int]:
    """Requests with an address whose acknowledgement has not gone out yet."""
    return list(
        SupportRequest.objects.filter(
            acknowledgement_sent_at=None, created_at__lt=timezone.now() - older_than
        )
        .exclude(email="")
        .values_list("pk", flat=True)
    )


def spam_count(*, reason: str) -> None:
    """Count a turned-away post (never store it)."""
    today = timezone.localdate()
    counted = SpamCount.objects.filter(day=today, reason=reason).update(count=F("count") + 1)
    if not counted:
        _, created = SpamCount.objects.get_or_create(
            day=today, reason=reason, defaults={"count": 1}
        )
        if not created:
            SpamCount.objects.filter(day=today, reason=reason).update(count=F("count") + 1)


def signposting_update(*, text: str, by) -> Signposting:
    """A new version of the signposting words; earlier ones are kept."""
    signposting = Signposting(text=text.strip(), updated_by=by)
    signposting.full_clean()
    signposting.save()
    return signposting
