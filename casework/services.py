"""Writes for casework: a resident's request and its life, the resident's
messages and withdrawal, interactions and actions, signposting and spam
counts. The web, the API and tasks all call these.

The e-mails they cause are sent by tasks (casework.tasks), enqueued once
the transaction commits; the e-mails themselves are in
casework.notifications, and retention in casework.retention.
"""

import datetime
import functools

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from advisers.models import AdviserAssignment
from advisers.permissions import has_perm, may_change_action
from advisers.roles import Role
from areas.models import Area
from casework import audit
from casework.follow_links import follow_link_revoke
from casework.models import (
    DESCRIPTION_MAX_LENGTH,
    NOTHING_IN_IT,
    Action,
    Interaction,
    ResidentMessage,
    Signposting,
    SpamCount,
    StatusChange,
    SupportRequest,
    interaction_is_empty,
    require_request_area,
)
from casework.notifications import acknowledgements_used_up
from casework.tasks import (
    acknowledgement_send_task,
    assignee_tell_task,
    request_received_tell_task,
    resident_message_tell_task,
    withdrawal_tell_task,
)
from nfc.statements import STAND_IN_DAY, STAND_IN_ID, Statement, stand_in_text
from nfc.webhooks import api_url, webhooks_announce

WITHDRAWN_NOTE = "Withdrawn by the resident"
MESSAGE_MAX_LENGTH = DESCRIPTION_MAX_LENGTH


def support_request_submit(
    *, area, postcode: str, form_token_hash: str = "", **details
) -> SupportRequest:
    """Save a resident's request, then (once saved) send its acknowledgement
    and tell the adviser it landed with.

    It lands with the area's named adviser, or in the managers' triage queue
    when the area is unknown or has none. Saving comes first and alone: if
    the broker or the mail server is down, the request is kept and the
    e-mails follow later (the sweep).

    ``form_token_hash``, from the help form, makes one request of a form
    sent twice at the same moment (a double click): the database keeps the
    hash unique, so the second waits for the first, then gets the request
    the first saved, with no e-mails of its own. (The same request sent
    again later with a new token, after the browser's Back: see
    ``support_request_sent_before``.)
    """
    adviser = _named_adviser_id(area)
    # One transaction, with no savepoint inside it (two round trips fewer
    # to the database on every post): a used token's IntegrityError rolls
    # it all back, and the request that used it is read after.
    try:
        with transaction.atomic():
            support_request = SupportRequest.objects.create(
                area=area,
                postcode=postcode,
                assigned_to_id=adviser,
                consented_at=timezone.now(),
                privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
                form_token_hash=form_token_hash,
                **details,
            )
            audit.record(obj=support_request, by=None)
            webhooks_announce("request.received", request_facts(support_request))
            if support_request.email or adviser:
                # Both e-mails in one job: one message to the broker, not two.
                request_received_tell_task.delay_on_commit(support_request.pk)
    except IntegrityError:
        already = (
            SupportRequest.objects.filter(form_token_hash=form_token_hash).first()
            if form_token_hash
            else None
        )
        if already is None:
            raise
        return already
    return support_request


# The attribute an area read with_named_adviser() carries.
_NAMED_ADVISER = "named_adviser_id"


# Made once a process (annotate copies it before resolving it, so the one
# kept is never changed), not built again on every post.
@functools.cache
def _named_adviser() -> Subquery:
    return Subquery(
        AdviserAssignment.objects.current()
        .filter(area=OuterRef("pk"))
        .order_by("-started_on", "-pk")
        .values("adviser")[:1]
    )


def with_named_adviser(areas: QuerySet[Area]) -> QuerySet[Area]:
    """``areas``, each with the id of the adviser named for it now (or
    None), so that support_request_submit() need not ask again: the help
    form reads its area so, one query where there were two."""
    return areas.annotate(**{_NAMED_ADVISER: _named_adviser()})


def _area_and_adviser(area_id: int) -> QuerySet:
    return (
        with_named_adviser(Area.objects.filter(pk=area_id))
        .order_by()
        .values_list("pk", "ward_code", _NAMED_ADVISER)
    )


# Built and compiled once a process: the ORM's building of the subquery
# cost more CPU than PostgreSQL's answer, on every post.
_AREA_AND_ADVISER = Statement(_area_and_adviser, stand_ins=lambda shape: {"area_id": STAND_IN_ID})


def area_with_named_adviser(area_id: int) -> Area | None:
    """The area ``area_id`` as a new request needs it (its id and ward code,
    as ``only("ward_code")`` reads it), carrying its named adviser as
    with_named_adviser() does; None if there is no such area."""
    for pk, ward_code, adviser in _AREA_AND_ADVISER.rows(None, area_id=area_id):
        area = Area.from_db(DEFAULT_DB_ALIAS, ["id", "ward_code"], [pk, ward_code])
        setattr(area, _NAMED_ADVISER, adviser)
        return area
    return None


def _named_adviser_id(area: Area | None) -> int | None:
    """Whom a new request in ``area`` lands with: its named adviser (read
    with it, or asked now), or None for the managers' triage queue."""
    if area is None:
        return None
    if hasattr(area, _NAMED_ADVISER):
        return getattr(area, _NAMED_ADVISER)
    return (
        AdviserAssignment.objects.current()
        .filter(area=area)
        .values_list("adviser", flat=True)
        .first()
    )


def request_facts(support_request: SupportRequest) -> dict:
    """What a webhook is told about a request: its public facts, never the
    resident's details or words."""
    return {
        "reference": support_request.reference,
        "ward_code": support_request.area.ward_code if support_request.area else None,
        "status": support_request.status,
        "url": api_url(f"requests/{support_request.reference}/"),
    }


# How long the same words from the same person are taken as the one request
# sent again, not a second one.
SENT_AGAIN_WITHIN = datetime.timedelta(hours=1)


# A moment no request was made at, standing in for "an hour ago".
_STAND_IN_MOMENT = datetime.datetime.combine(STAND_IN_DAY, datetime.time(), tzinfo=datetime.UTC)


@functools.cache
def _sent_again(fields: tuple[str, ...]) -> Statement:
    """The read of support_request_sent_before() for ``details`` of these
    ``fields``, compiled once a process (the ORM built it in about half a
    millisecond of CPU on every post)."""

    def build(name: str, email: str, since: datetime.datetime) -> QuerySet:
        return (
            SupportRequest.objects.filter(
                name=name,
                email=email,
                created_at__gte=since,
                details_removed_at__isnull=True,
            )
            .order_by("created_at")
            .values_list("reference", *fields)
        )

    return Statement(
        build,
        stand_ins=lambda shape: {
            "name": stand_in_text("name"),
            "email": stand_in_text("email"),
            "since": _STAND_IN_MOMENT,
        },
    )


def support_request_sent_before(**details) -> str | None:
    """The reference of the request made within the last hour from this
    very form: the same ``details`` (person, words, place and all), if
    any. A resident who went back to the help form and sent it again
    (their browser fills in what they typed, on a page with a new token) is
    answered with the request they made; a change to anything makes a new
    one."""
    # The database finds this person's requests of the last hour (a
    # handful at most, through support_request_sent_again_idx, not the
    # hour's every request) and the rest of the details are compared
    # here: the ORM's building of a dozen conditions cost a millisecond of
    # CPU on every post, most of this read.
    # (An area by its id, as values_list() reads it.)
    wanted = [getattr(value, "pk", value) for value in details.values()]
    found = _sent_again(tuple(details)).rows(
        tuple(details),
        name=details["name"],
        email=details["email"],
        since=timezone.now() - SENT_AGAIN_WITHIN,
    )
    for reference, *values in found:
        if values == wanted:
            return reference
    return None


@transaction.atomic
def support_request_assign(*, support_request: SupportRequest, to, by) -> SupportRequest:
    """Give a request to an adviser or community worker (triage), and tell them."""
    if to.role not in (Role.ADVISER, Role.COMMUNITY_WORKER) or not to.is_active:
        raise ValidationError(f"{to} is not an active adviser or community worker.")
    if support_request.area and not has_perm(to, "casework.log", support_request.area):
        raise ValidationError(f"{to} does not work in {support_request.area.name}.")
    support_request = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if not support_request.is_open:
        raise ValidationError(
            f"{support_request.reference} is {support_request.get_status_display().lower()}: "
            "nobody needs to answer it now."
        )
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
    if to_status in SupportRequest.CLOSED_STATUSES:
        webhooks_announce("request.closed", request_facts(locked))
    support_request.status = to_status
    support_request.first_contact_at = locked.first_contact_at
    support_request.resolved_at = locked.resolved_at
    return change


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
    require_request_area(area=area, support_request=support_request)
    if fields.get("date") and fields["date"] > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    if interaction_is_empty(fields):
        raise ValidationError(NOTHING_IN_IT)
    interaction = Interaction(area=area, support_request=support_request, logged_by=by, **fields)
    interaction.full_clean()
    interaction.save()
    audit.record(obj=interaction, by=by, fields=Interaction.CORRECTABLE)
    return interaction


@transaction.atomic
def action_add(*, area, owner, by, support_request=None, **fields) -> Action:
    """A follow-up for someone who works on the area (or a manager)."""
    if not has_perm(by, "casework.log", area):
        raise ValidationError(f"{area.name} is not one of your areas.")
    if not (owner.is_active and has_perm(owner, "casework.log", area)):
        raise ValidationError(f"{owner} does not work on {area.name}, so cannot own this action.")
    require_request_area(area=area, support_request=support_request)
    action = Action(
        area=area, owner=owner, created_by=by, support_request=support_request, **fields
    )
    action.full_clean()
    action.save()
    audit.record(obj=action, by=by, fields=["description", "owner", "due_on"])
    return action


ACTION_FIELDS = ["description", "owner", "due_on"]


class ActionChangedMeanwhile(ValidationError):
    """The action was changed by someone else after the form was opened."""


def action_change(*, action: Action, by, seen: str = "", **fields) -> bool:
    """Reword an open action, hand it to someone else who works on the area,
    or give it a new date. ``seen`` is the fingerprint of the action as the
    person saw it: if someone changed it since, nothing is saved and they
    are told what it says now. False when nothing changed."""
    with transaction.atomic():
        return _action_change(action=action, by=by, seen=seen, **fields)


def _action_change(*, action: Action, by, seen: str, **fields) -> bool:
    if not may_change_action(by, action):
        raise PermissionDenied
    locked = (
        Action.objects.select_for_update(of=("self",)).select_related("done_by").get(pk=action.pk)
    )
    if locked.done_at is not None:
        who = f" by {locked.done_by}" if locked.done_by else ""
        raise ValidationError(
            f"This action was marked done{who} on {timezone.localtime(locked.done_at):%-d %B %Y}, "
            "so it can no longer be changed: nothing was saved."
        )
    if seen and seen != locked.fingerprint:
        raise ActionChangedMeanwhile(
            f"Someone changed this action while you had it open. It now reads "
            f"\u201c{locked.description}\u201d, for {locked.owner}, by "
            f"{locked.due_on:%-d %B %Y}. Nothing was saved: your changes are still below, "
            "so save again to keep them."
        )
    owner = fields.get("owner", locked.owner)
    if owner.pk != locked.owner_id and not (
        owner.is_active and has_perm(owner, "casework.log", locked.area)
    ):
        raise ValidationError(
            f"{owner} does not work on {locked.area.name}, so cannot own this action."
        )
    due_on = fields.get("due_on", locked.due_on)
    if due_on != locked.due_on and due_on < timezone.localdate():
        raise ValidationError("The new date cannot be in the past.")
    before = audit.snapshot(locked, ACTION_FIELDS)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=[name for name in ACTION_FIELDS if name in fields])
    for name in fields:
        setattr(action, name, getattr(locked, name))
    return audit.record(obj=locked, by=by, before=before) is not None


@transaction.atomic
def action_done(*, action: Action, by) -> bool:
    """Mark an action done: its owner, or someone who triages its area.
    False when it was already done (by someone else a moment before, say)."""
    if not may_change_action(by, action):
        raise PermissionDenied
    # Locked, so that of two people marking it at once, one does.
    locked = Action.objects.select_for_update().get(pk=action.pk)
    if locked.done_at is not None:
        action.done_at = locked.done_at
        return False
    before = audit.snapshot(locked, ["done_at"])
    locked.done_at = action.done_at = timezone.now()
    locked.done_by = action.done_by = by
    locked.save(update_fields=["done_at", "done_by"])
    audit.record(obj=locked, by=by, before=before)
    return True


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
    if not support_request.is_open:
        # A new link would come with the acknowledgement's promise of a reply.
        raise ValidationError("The request is finished, so the resident needs no new link.")
    if support_request.details_removed_at:
        raise ValidationError("The resident's details have been removed.")
    if acknowledgements_used_up(support_request):
        raise ValidationError(
            "We sent no e-mail for this request: its address had been given in "
            f"{settings.NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY} other requests that day, "
            "the most we e-mail. Contact the resident another way."
        )
    SupportRequest.objects.filter(pk=support_request.pk).update(acknowledgement_sent_at=None)
    acknowledgement_send_task.delay_on_commit(support_request.pk)


@transaction.atomic
def follow_link_stop(*, support_request: SupportRequest, by) -> None:
    """Stop the resident's private link working (if it was passed on, say)."""
    before = audit.snapshot(support_request, ["follow_revoked_at"])
    follow_link_revoke(support_request=support_request)
    audit.record(obj=support_request, by=by, before=before)


def _lock_followable(support_request: SupportRequest) -> SupportRequest:
    """The request's row, locked, if its link still works; so a message and
    a withdrawal (or a revocation) sent at the same moment are taken in turn."""
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if not locked.follow_link_works:
        raise ValidationError("This link does not work any more.")
    return locked


@transaction.atomic
def resident_message_add(*, support_request: SupportRequest, text: str) -> ResidentMessage:
    """Save a message from the resident, then (once saved) tell the person
    the request is with. A request still in triage keeps the message for
    whoever takes it."""
    locked = _lock_followable(support_request)
    if not locked.takes_resident_messages:
        raise ValidationError("This request is closed, so it cannot take new messages.")
    message = ResidentMessage(support_request=locked, text=text.strip())
    if not message.text:
        raise ValidationError("Write your message.")
    # The same message sent twice (a double click, a retry): one message,
    # one e-mail. The request's row lock above makes the second wait.
    sent_before = ResidentMessage.objects.filter(
        support_request=locked,
        text=message.text,
        created_at__gte=timezone.now() - SENT_AGAIN_WITHIN,
    ).first()
    if sent_before is not None:
        return sent_before
    message.full_clean()
    message.save()
    # Who sent it and when; never the resident's words.
    audit.record(obj=message, by=None)
    if locked.assigned_to_id:
        resident_message_tell_task.delay_on_commit(message.pk)
    return message


@transaction.atomic
def support_request_withdraw(*, support_request: SupportRequest) -> None:
    """The resident no longer needs help: close the request (recorded as a
    step with nobody's name on it) and stop the link working."""
    locked = _lock_followable(support_request)
    if not locked.can_be_withdrawn:
        raise ValidationError("This request is already finished.")
    support_request_move(
        support_request=support_request,
        to_status=SupportRequest.Status.CLOSED,
        by=None,
        note=WITHDRAWN_NOTE,
    )
    follow_link_revoke(support_request=support_request)
    SupportRequest.objects.filter(pk=support_request.pk).update(withdrawn_at=timezone.now())
    if locked.assigned_to_id:
        withdrawal_tell_task.delay_on_commit(support_request.pk)
