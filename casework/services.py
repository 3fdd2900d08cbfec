"""Writes for casework: a resident's request, its acknowledgement, spam counts."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from advisers.models import AdviserAssignment, Role
from advisers.permissions import has_perm
from casework import audit, following
from casework.models import (
    Action,
    Interaction,
    ResidentMessage,
    Signposting,
    SpamCount,
    StatusChange,
    SupportRequest,
)
from casework.selectors import signposting_text
from casework.tasks import acknowledgement_send_task, assignee_tell_task


@transaction.atomic
def support_request_submit(*, area, postcode: str, **details) -> SupportRequest:
    """Save a resident's request, then (once saved) send its acknowledgement
    and tell the adviser it landed with.

    It lands with the area's named adviser, or in the managers' triage queue
    when the area is unknown or has none. Saving comes first and alone: if
    the broker or the mail server is down, the request is kept and the
    e-mails follow later (the sweep).
    """
    adviser = (
        AdviserAssignment.objects.current()
        .filter(area=area)
        .values_list("adviser", flat=True)
        .first()
        if area
        else None
    )
    support_request = SupportRequest.objects.create(
        area=area,
        postcode=postcode,
        assigned_to_id=adviser,
        consented_at=timezone.now(),
        privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
        **details,
    )
    audit.record(obj=support_request, by=None)
    if support_request.email:
        acknowledgement_send_task.delay_on_commit(support_request.pk)
    if adviser:
        assignee_tell_task.delay_on_commit(support_request.pk)
    return support_request


@transaction.atomic
def support_request_assign(*, support_request: SupportRequest, to, by) -> SupportRequest:
    """Give a request to an adviser or community worker (triage), and tell them."""
    if to.role not in (Role.ADVISER, Role.COMMUNITY_WORKER) or not to.is_active:
        raise ValidationError(f"{to} is not an active adviser or community worker.")
    if support_request.area and not has_perm(to, "casework.log", support_request.area):
        raise ValidationError(f"{to} does not work in {support_request.area.name}.")
    support_request = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if support_request.assigned_to_id == to.pk:
        raise ValidationError(f"{support_request.reference} is already with {to}.")
    before = audit.snapshot(support_request, ["assigned_to"])
    support_request.assigned_to = to
    support_request.adviser_told_at = None
    support_request.save(update_fields=["assigned_to", "adviser_told_at"])
    audit.record(obj=support_request, by=by, before=before)
    assignee_tell_task.delay_on_commit(support_request.pk)
    return support_request


@transaction.atomic
def support_request_move(
    *, support_request: SupportRequest, to_status: str, by, note: str = ""
) -> StatusChange:
    """Move a request to its next stage, keeping who did it and when.

    Only the moves in SupportRequest.NEXT_STATUSES are allowed.
    """
    # Lock the row: two people moving the same request at once must not both
    # start from the same status.
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    allowed = SupportRequest.NEXT_STATUSES[SupportRequest.Status(locked.status)]
    if to_status not in allowed:
        raise ValidationError(
            f"A request that is {locked.get_status_display().lower()} cannot become "
            f"{SupportRequest.Status(to_status).label.lower()}."
        )
    change = StatusChange.objects.create(
        support_request=locked,
        from_status=locked.status,
        to_status=to_status,
        note=note,
        changed_by=by,
    )
    before = audit.snapshot(locked, ["status"])
    if locked.status == SupportRequest.Status.NEW:
        locked.first_contact_at = change.changed_at
    if to_status == SupportRequest.Status.RESOLVED:
        locked.resolved_at = change.changed_at
    elif to_status == SupportRequest.Status.IN_PROGRESS:
        locked.resolved_at = None
    locked.status = to_status
    locked.save(update_fields=["status", "first_contact_at", "resolved_at"])
    audit.record(obj=locked, by=by, before=before)
    support_request.status = to_status
    support_request.first_contact_at = locked.first_contact_at
    support_request.resolved_at = locked.resolved_at
    return change


def assignee_claim(*, request_id: int) -> SupportRequest | None:
    """Mark the assignee as told, once; None if they already were."""
    claimed = (
        SupportRequest.objects.filter(pk=request_id, adviser_told_at=None)
        .exclude(assigned_to=None)
        .update(adviser_told_at=timezone.now())
    )
    if not claimed:
        return None
    return SupportRequest.objects.select_related("assigned_to", "area").get(pk=request_id)


def assignee_tell(*, support_request: SupportRequest) -> None:
    """E-mail the person a request landed with: its reference and a link,
    never the resident's details (those stay in the portal)."""
    context = {
        "request": support_request,
        "link": settings.NFC_BASE_URL
        + reverse("casework:request_detail", kwargs={"reference": support_request.reference}),
    }
    send_mail(
        subject=render_to_string("emails/new_request_subject.txt", context).strip(),
        message=render_to_string("emails/new_request_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[support_request.assigned_to.email],
    )


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
        # Issued here, inside the claim's transaction: the secret goes into
        # the e-mail and nowhere else, and a failed send rolls it back.
        "follow_link": following.follow_link_issue(support_request=support_request),
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


def messages_waiting(*, older_than: datetime.timedelta) -> list[int]:
    """Residents' messages whose assignee has not been told yet."""
    return list(
        ResidentMessage.objects.filter(
            assignee_told_at=None,
            created_at__lt=timezone.now() - older_than,
            support_request__assigned_to__isnull=False,
        ).values_list("pk", flat=True)
    )


def withdrawals_waiting(*, older_than: datetime.timedelta) -> list[int]:
    """Withdrawn requests whose assignee has not heard yet."""
    return list(
        SupportRequest.objects.filter(
            withdrawal_told_at=None,
            withdrawn_at__lt=timezone.now() - older_than,
            assigned_to__isnull=False,
        ).values_list("pk", flat=True)
    )


def withdrawal_claim(*, request_id: int) -> SupportRequest | None:
    """Mark the withdrawal as told, once; None if it already was."""
    claimed = SupportRequest.objects.filter(
        pk=request_id,
        withdrawn_at__isnull=False,
        withdrawal_told_at=None,
        assigned_to__isnull=False,
    ).update(withdrawal_told_at=timezone.now())
    if not claimed:
        return None
    return SupportRequest.objects.select_related("assigned_to", "area").get(pk=request_id)


def withdrawal_tell(*, support_request: SupportRequest) -> None:
    """Tell the assignee the resident withdrew: the reference and a link only."""
    context = {
        "request": support_request,
        "link": settings.NFC_BASE_URL
        + reverse("casework:request_detail", kwargs={"reference": support_request.reference}),
    }
    send_mail(
        subject=f"{support_request.reference} was withdrawn by the resident",
        message=render_to_string("emails/withdrawal_body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[support_request.assigned_to.email],
    )


def assignees_waiting(*, older_than: datetime.timedelta) -> list[int]:
    """Requests given to someone who has not been told yet."""
    return list(
        SupportRequest.objects.filter(
            adviser_told_at=None, created_at__lt=timezone.now() - older_than
        )
        .exclude(assigned_to=None)
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


# --- Interactions and actions ---------------------------------------------


@transaction.atomic
def interaction_log(*, area, by, support_request=None, **fields) -> Interaction:
    """Log time with an area's people (its own area, or any for a manager)."""
    if not has_perm(by, "casework.log", area):
        raise ValidationError(f"{area.name} is not one of your areas.")
    if support_request is not None and support_request.area_id not in (None, area.pk):
        raise ValidationError(f"{support_request.reference} is about another area.")
    if fields.get("date") and fields["date"] > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    interaction = Interaction(area=area, support_request=support_request, logged_by=by, **fields)
    interaction.full_clean()
    interaction.save()
    audit.record(obj=interaction, by=by)
    return interaction


@transaction.atomic
def action_add(*, area, owner, by, support_request=None, **fields) -> Action:
    """A follow-up for someone who works on the area (or a manager)."""
    if not has_perm(by, "casework.log", area):
        raise ValidationError(f"{area.name} is not one of your areas.")
    if not (owner.is_active and has_perm(owner, "casework.log", area)):
        raise ValidationError(f"{owner} does not work on {area.name}, so cannot own this action.")
    action = Action(
        area=area, owner=owner, created_by=by, support_request=support_request, **fields
    )
    action.full_clean()
    action.save()
    return action


def action_done(*, action: Action, by) -> Action:
    if action.done_at is None:
        action.done_at = timezone.now()
        action.save(update_fields=["done_at"])
    return action


# --- Retention --------------------------------------------------------------

REMOVED = "(removed at the end of the retention period)"


@transaction.atomic
def support_requests_remove_old_details(*, now: datetime.datetime | None = None) -> int:
    """Remove residents' details from requests closed longer ago than the
    privacy notice promises to keep them (NFC_RETENTION_DAYS): their name,
    ways to reach them, postcode, words and messages. What the request was
    about, where and when, stays for evaluation. How many were cleared."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.NFC_RETENTION_DAYS)
    last_step = (
        StatusChange.objects.filter(support_request=OuterRef("pk"))
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
    due = (
        SupportRequest.objects.filter(
            status__in=SupportRequest.CLOSED_STATUSES, details_removed_at__isnull=True
        )
        .annotate(closed_at=Coalesce(Subquery(last_step), F("created_at")))
        .filter(closed_at__lt=cutoff)
    )
    ids = list(due.values_list("pk", flat=True))
    ResidentMessage.objects.filter(support_request_id__in=ids).delete()
    return SupportRequest.objects.filter(pk__in=ids).update(
        name=REMOVED,
        email="",
        phone="",
        postcode="",
        place="",
        description=REMOVED,
        follow_token_hash="",
        follow_revoked_at=now,
        details_removed_at=now,
    )


def resident_messages_mark_seen(*, support_request: SupportRequest, by) -> int:
    """The person a request is with has now seen its residents' messages."""
    if support_request.assigned_to_id != getattr(by, "pk", None):
        return 0
    return support_request.resident_messages.filter(seen_at=None).update(seen_at=timezone.now())


@transaction.atomic
def follow_link_resend(*, support_request: SupportRequest, by) -> None:
    """Send the resident their acknowledgement again with a new private link
    (the old one stops working when the new one is made)."""
    if not support_request.email:
        raise ValidationError("There is no e-mail address to send a link to.")
    if support_request.details_removed_at:
        raise ValidationError("The resident's details have been removed.")
    SupportRequest.objects.filter(pk=support_request.pk).update(acknowledgement_sent_at=None)
    acknowledgement_send_task.delay_on_commit(support_request.pk)


@transaction.atomic
def follow_link_stop(*, support_request: SupportRequest, by) -> None:
    """Stop the resident's private link working (if it was passed on, say)."""
    before = audit.snapshot(support_request, ["follow_revoked_at"])
    following.follow_link_revoke(support_request=support_request)
    audit.record(obj=support_request, by=by, before=before)
