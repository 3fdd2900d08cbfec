"""Writes about staff accounts, caseloads and time. The admin, commands and
tasks all call these; each change is recorded in the audit history."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from advisers.models import (
    ADVISER_CASELOAD_CAP,
    COMMUNITY_WORKER_AREA_CAP,
    AdviserAssignment,
    CommunityWorkerAllocation,
    StaffSession,
    TimeRecord,
    User,
)
from advisers.permissions import has_perm, is_assigned_to, may_remove_time_record, require_perm
from advisers.roles import Role
from advisers.tasks import invitation_send_task
from advisers.tokens import api_tokens_revoke_unprotected
from areas.models import Area
from casework import audit
from casework.models import Action, AuditEntry, SupportRequest
from casework.services import support_request_assign

STAFF_AUDITED = ["full_name", "email", "role", "region", "is_active"]
TIME_AUDITED = ["person", "area", "date", "hours", "kind", "note"]


@transaction.atomic
def staff_invite(*, user: User, by: User | None = None) -> User:
    """Create a staff account with no password, and e-mail an invitation.

    The person chooses their own password through the invitation's link, so
    nobody else ever knows it.
    """
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit.record(obj=user, by=by, fields=STAFF_AUDITED)
    invitation_send_task.delay_on_commit(user.pk)
    return user


@transaction.atomic
def staff_account_save(*, user: User, changed: list[str], by: User | None = None) -> int:
    """Save changes to a staff account. A closed account, or a new role,
    gives up the person's areas (how many is returned) so that no area keeps
    a named adviser who can no longer act for it, and signs the person out
    everywhere."""
    # The admin's form has already written the new values onto ``user``.
    before = audit.stored(user, STAFF_AUDITED)
    user.full_clean()
    user.save()
    audit.record(obj=user, by=by, before=before)
    if "role" in changed or ("is_active" in changed and not user.is_active):
        staff_sessions_end(user=user)
        return person_release(person=user, by=by)
    return 0


def staff_sessions_end(*, user: User, keep: str | None = None) -> int:
    """Sign ``user`` out everywhere but the session ``keep``: their session
    rows are deleted, so no old cookie works again, not even once a closed
    account is reopened. How many ended."""
    deleted, _ = StaffSession.objects.filter(user=user).exclude(session_key=keep).delete()
    return deleted


@transaction.atomic
def staff_account_delete(*, user: User, by: User | None = None) -> None:
    """Delete an account (one that never did anything: the records a person
    made keep their account from being deleted)."""
    audit.record(obj=user, by=by, action=AuditEntry.Action.REMOVED, fields=STAFF_AUDITED)
    user.delete()


@transaction.atomic
def authenticator_remove(*, authenticator, by: User | None = None) -> None:
    """Remove a lost two-factor device: the person sets up a new one at
    their next sign-in. A manager's or an administrator's API tokens stop
    with it (they were made under its protection).

    The admin site's is the only way such a person loses their app: allauth's
    own page refuses them (advisers.adapters), so this is the one place to
    revoke; the API refuses their tokens meanwhile whatever the way
    (advisers.tokens.api_token_for)."""
    audit.record(
        obj=authenticator, by=by, action=AuditEntry.Action.REMOVED, fields=["user", "type"]
    )
    authenticator.delete()
    api_tokens_revoke_unprotected(user=authenticator.user, by=by)


@transaction.atomic
def staff_invitation_resend(*, user: User) -> bool:
    """Send the invitation again, unless the person has already set a password."""
    if user.has_usable_password() or not user.is_active:
        return False
    User.objects.filter(pk=user.pk).update(invitation_sent_at=None)
    invitation_send_task.delay_on_commit(user.pk)
    return True


# --- Caseloads ----------------------------------------------------------


def _require_in_programme(area: Area) -> None:
    # Places in a caseload are for the programme's areas only.
    if not area.in_programme:
        raise ValidationError(
            f"{area.name} is not in the programme, so it has no adviser or community worker."
        )


def _check_start(on: datetime.date, current) -> None:
    if on > timezone.localdate():
        raise ValidationError("The start date cannot be in the future.")
    if current and on < current.started_on:
        raise ValidationError(
            f"The start date cannot be before {current.started_on:%-d %B %Y}, when "
            f"the present assignment began."
        )


def _free_place(held: list, cap: int, *, person: User, doing: str, who: str) -> int:
    """The first of ``person``'s numbered places not held, or refuse, naming
    them and their areas, when all ``cap`` are."""
    taken = {assignment.slot for assignment in held}
    place = next((n for n in range(1, cap + 1) if n not in taken), None)
    if place is None:
        names = ", ".join(sorted(assignment.area.name for assignment in held))
        raise ValidationError(
            f"{person} already {doing} {cap} areas, the most {who} can have: {names}."
        )
    return place


def _end(assignment, on: datetime.date, by: User | None) -> None:
    assignment.ended_on = on
    assignment.save(update_fields=["ended_on"])
    audit.record(obj=assignment, by=by, before={"ended_on": None})


@transaction.atomic
def area_assign_adviser(
    *, area: Area, adviser: User, by: User | None, reason: str = "", on: datetime.date | None = None
) -> AdviserAssignment:
    """Make ``adviser`` the area's named adviser from ``on`` (today by default).

    The previous named adviser's assignment ends that day and stays as
    history. Refused, naming the adviser and their caseload, when they
    already have 10 areas; the database constraint backs this up.
    """
    on = on or timezone.localdate()
    _require_in_programme(area)
    if adviser.role != Role.ADVISER or not adviser.is_active:
        raise ValidationError(f"{adviser} is not an active adviser.")
    # Lock the area, then the adviser, so that two managers acting at once
    # can neither both name an adviser for one area nor both take the last
    # place in one caseload.
    Area.objects.select_for_update().get(pk=area.pk)
    User.objects.select_for_update().get(pk=adviser.pk)
    current = AdviserAssignment.objects.current().filter(area=area).first()
    if current and current.adviser_id == adviser.pk:
        raise ValidationError(f"{adviser} is already the named adviser for {area.name}.")
    _check_start(on, current)
    held = list(AdviserAssignment.objects.current().filter(adviser=adviser).select_related("area"))
    place = _free_place(held, ADVISER_CASELOAD_CAP, person=adviser, doing="has", who="an adviser")
    if current:
        _end(current, on, by)
    assignment = AdviserAssignment.objects.create(
        area=area, adviser=adviser, slot=place, started_on=on, reason=reason, assigned_by=by
    )
    audit.record(obj=assignment, by=by, fields=["adviser", "started_on", "reason"])
    if current:
        _hand_over_requests(area=area, from_adviser_id=current.adviser_id, to=adviser, by=by)
        # The previous adviser's open actions there go with the area too:
        # they could no longer see it, so nobody could have closed them.
        for action in Action.objects.open().filter(area=area, owner_id=current.adviser_id):
            before = audit.snapshot(action, ["owner"])
            action.owner = adviser
            action.save(update_fields=["owner"])
            audit.record(obj=action, by=by, before=before)
    return assignment


def _hand_over_requests(*, area: Area, from_adviser_id: int, to: User, by: User | None) -> None:
    """The area's open requests go with it to its new adviser, who is told;
    the previous one no longer sees them."""
    for support_request in SupportRequest.objects.open().filter(
        area=area, assigned_to_id=from_adviser_id
    ):
        support_request_assign(support_request=support_request, to=to, by=by)


@transaction.atomic
def area_allocate_community_worker(
    *,
    area: Area,
    worker: User,
    by: User | None,
    days_per_month: Decimal | None = None,
    reason: str = "",
    on: datetime.date | None = None,
) -> CommunityWorkerAllocation:
    """Give the area to ``worker``, 2 days a month unless agreed otherwise.

    Changing the days of the present worker starts a new allocation too, so
    the history keeps what was agreed when. Refused, naming the worker and
    their areas, when they already have 5.
    """
    on = on or timezone.localdate()
    days_per_month = Decimal(
        days_per_month
        if days_per_month is not None
        else settings.NFC_COMMUNITY_WORKER_DAYS_PER_AREA
    )
    _require_in_programme(area)
    if worker.role != Role.COMMUNITY_WORKER or not worker.is_active:
        raise ValidationError(f"{worker} is not an active community worker.")
    Area.objects.select_for_update().get(pk=area.pk)
    User.objects.select_for_update().get(pk=worker.pk)
    current = CommunityWorkerAllocation.objects.current().filter(area=area).first()
    _check_start(on, current)
    if current and current.worker_id == worker.pk:
        if current.days_per_month == days_per_month:
            raise ValidationError(f"{worker} already works in {area.name}.")
        _end(current, on, by)
        place = current.slot
    else:
        held = list(
            CommunityWorkerAllocation.objects.current().filter(worker=worker).select_related("area")
        )
        place = _free_place(
            held,
            COMMUNITY_WORKER_AREA_CAP,
            person=worker,
            doing="works in",
            who="a community worker",
        )
        if current:
            _end(current, on, by)
    allocation = CommunityWorkerAllocation.objects.create(
        area=area,
        worker=worker,
        slot=place,
        days_per_month=days_per_month,
        started_on=on,
        reason=reason,
        assigned_by=by,
    )
    audit.record(obj=allocation, by=by, fields=["worker", "days_per_month", "started_on", "reason"])
    return allocation


@transaction.atomic
def area_release(*, area: Area, on: datetime.date | None = None, by: User | None = None) -> None:
    """End the area's current adviser and community-worker assignments (it left)."""
    on = on or timezone.localdate()
    for current in (
        *AdviserAssignment.objects.current().filter(area=area),
        *CommunityWorkerAllocation.objects.current().filter(area=area),
    ):
        if on < current.started_on:
            raise ValidationError(
                f"The date cannot be before {current.started_on:%-d %B %Y}, when "
                f"{current.area.name}'s present assignment began."
            )
        _end(current, on, by)


@transaction.atomic
def person_release(*, person: User, on: datetime.date | None = None, by: User | None = None) -> int:
    """End every current assignment of a person whose account closes or whose
    role changes, freeing their areas for someone else; how many ended."""
    on = on or timezone.localdate()
    ended = 0
    for model, field in ((AdviserAssignment, "adviser"), (CommunityWorkerAllocation, "worker")):
        for current in model.objects.current().filter(**{field: person}):
            _end(current, max(on, current.started_on), by)
            ended += 1
    # Their open requests go back to the managers' triage queue.
    for support_request in (
        SupportRequest.objects.open().filter(assigned_to=person).select_related("assigned_to")
    ):
        before = audit.snapshot(support_request, ["assigned_to"])
        support_request.assigned_to = None
        support_request.adviser_told_at = None
        support_request.save(update_fields=["assigned_to", "adviser_told_at"])
        audit.record(obj=support_request, by=by, before=before)
    return ended


# --- Time ---------------------------------------------------------------


@transaction.atomic
def time_record_add(
    *,
    person: User,
    area: Area,
    date: datetime.date,
    hours: Decimal,
    kind: str,
    by: User,
    note: str = "",
) -> TimeRecord:
    """Record time ``person`` gave ``area``.

    People record their own time, for areas they were assigned to on that
    day; a manager may record or correct anyone's.
    """
    if by.pk != person.pk:
        require_perm(by, "time.correct")
    elif not (has_perm(by, "time.record") and is_assigned_to(by, area, on=date)):
        raise ValidationError(
            f"You were not working in {area.name} on {date:%-d %B %Y}, "
            "so you cannot record time there."
        )
    if date > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    if not (Decimal(0) < hours <= Decimal(24)):
        raise ValidationError("Give between a few minutes and 24 hours.")
    # Across all their records and areas, nobody gives more than a day's 24
    # hours on one date. The person's row is locked so that two records sent
    # at once are added up in turn.
    User.objects.select_for_update().get(pk=person.pk)
    already = TimeRecord.objects.filter(person=person, date=date).aggregate(hours=Sum("hours"))[
        "hours"
    ] or Decimal(0)
    if already + hours > Decimal(24):
        who = "You have" if by.pk == person.pk else f"{person} has"
        raise ValidationError(
            f"{who} already recorded {hours_text(already)} on {date:%-d %B %Y}: "
            f"{hours_text(hours)} more would be over 24 hours in one day."
        )
    record = TimeRecord(
        person=person,
        area=area,
        date=date,
        hours=hours,
        role=role_on(person=person, area=area, on=date),
        kind=kind,
        note=note,
        recorded_by=by,
    )
    record.full_clean()
    record.save()
    audit.record(obj=record, by=by, fields=TIME_AUDITED)
    return record


def role_on(*, person: User, area: Area, on: datetime.date) -> str:
    """The role ``person``'s time in ``area`` on the day ``on`` counts under:
    the place they held there that day (named adviser, or community worker),
    their role now first; their role now if they held neither. So time a
    manager records for a day before the person's role changed still counts
    under the role they had then."""
    for role in (person.role, Role.ADVISER, Role.COMMUNITY_WORKER):
        if is_assigned_to(person, area, on=on, as_role=role):
            return role
    return person.role


def hours_text(hours: Decimal) -> str:
    """Hours in words: "7.5 hours", "1 hour"."""
    number = f"{hours.normalize():f}"
    return f"{number} hour{'' if hours == 1 else 's'}"


@transaction.atomic
def time_record_remove(*, record: TimeRecord, by: User) -> None:
    """Take back a wrong record: one's own, or anyone's for a manager."""
    if not may_remove_time_record(by, record):
        raise PermissionDenied
    audit.record(obj=record, by=by, action=AuditEntry.Action.REMOVED, fields=TIME_AUDITED)
    record.delete()


@transaction.atomic
def handover_note_save(*, assignment: AdviserAssignment, text: str, by: User) -> AdviserAssignment:
    """The named adviser's note for whoever takes the area over next."""
    if assignment.ended_on is not None:
        raise ValidationError("This assignment has ended; its note can no longer change.")
    before = audit.snapshot(assignment, ["handover_note"])
    assignment.handover_note = text.strip()
    assignment.full_clean()
    assignment.save(update_fields=["handover_note"])
    audit.record(obj=assignment, by=by, before=before)
    return assignment
