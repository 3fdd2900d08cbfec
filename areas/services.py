"""Writes about areas: joining the programme and moving through its stages,
and what staff keep about them. Each is recorded in the audit history."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from advisers.permissions import has_perm
from advisers.services import area_release
from areas.models import (
    PROGRAMME_EXIT_STAGES,
    Area,
    Cohort,
    FundingBid,
    LocalContact,
    Partnership,
    Stage,
    StageChange,
)
from casework import audit
from casework.models import AuditEntry
from nfc.validators import not_in_the_future

PARTNERSHIP_AUDITED = [
    "name",
    "contact_name",
    "contact_email",
    "contact_phone",
    "trusted_organisation",
]
CONTACT_AUDITED = ["name", "kind", "role", "organisation", "email", "phone"]
FUNDING_AUDITED = [
    "stream",
    "description",
    "amount_sought",
    "amount_secured",
    "status",
    "submitted_on",
    "decided_on",
]


@transaction.atomic
def area_join_programme(*, area: Area, cohort: int, joined_on: datetime.date, by=None) -> Area:
    """Bring an area into the programme in a yearly cohort, at outreach."""
    if area.in_programme:
        raise ValidationError(f"{area.name} is already in the programme.")
    if cohort not in Cohort.values:
        raise ValidationError("The cohort is year 1, 2 or 3.")
    not_in_the_future(joined_on)
    before = audit.snapshot(area, ["cohort", "joined_on", "stage"])
    area.cohort = cohort
    area.joined_on = joined_on
    area.stage = Stage.OUTREACH
    area.save(update_fields=["cohort", "joined_on", "stage"])
    StageChange.objects.create(
        area=area,
        stage=Stage.OUTREACH,
        changed_on=joined_on,
        note="Joined the programme",
        recorded_by=by,
    )
    audit.record(obj=area, by=by, before=before)
    return area


def may_move_to_stage(user, area: Area, stage: str) -> bool:
    """Whether ``user`` (who may edit the area) may move it to ``stage``:
    taking an area out of the programme frees its places in two caseloads,
    so moving it to leaving or left, or back from leaving, is for those who
    manage caseloads."""
    exits = stage in PROGRAMME_EXIT_STAGES or area.stage in PROGRAMME_EXIT_STAGES
    return not exits or has_perm(user, "caseloads.manage")


@transaction.atomic
def area_change_stage(
    *, area: Area, stage: str, on: datetime.date, by=None, note: str = ""
) -> StageChange:
    """Move an area to another stage, keeping the history.

    An area that has left gives up its places in its adviser's and community
    worker's caseloads, so taking an area out of the programme (leaving or
    left) is a manager's decision, not the adviser's alone: refused (403)
    for anyone else. ``by`` is None for the import and the demo data.
    """
    if by is not None and not may_move_to_stage(by, area, stage):
        raise PermissionDenied
    if area.cohort is None:
        raise ValidationError(f"{area.name} is not in the programme.")
    if area.stage == Stage.LEFT:
        raise ValidationError(f"{area.name} has left the programme: it must join again first.")
    if stage == area.stage:
        raise ValidationError(f"{area.name} is already at {Stage(stage).label}.")
    not_in_the_future(on)
    latest = area.stage_changes.in_force().first()
    if latest and on < latest.changed_on:
        raise ValidationError(
            f"The date cannot be before the last change ({latest.changed_on:%-d %B %Y})."
        )
    change = StageChange.objects.create(
        area=area, stage=stage, changed_on=on, note=note, recorded_by=by
    )
    audit.record(obj=change, by=by, fields=["stage", "changed_on", "note"])
    area.stage = stage
    area.save(update_fields=["stage"])
    if stage == Stage.LEFT:
        area_release(area=area, on=on, by=by)
    return change


def _still_in_force(area: Area, change: StageChange) -> StageChange:
    """``change`` as it is now, under the area's lock. Two managers may have
    the same change open: the second is told it was withdrawn meanwhile."""
    current = area.stage_changes.select_related("withdrawn_by").get(pk=change.pk)
    if current.withdrawn_at is not None:
        who = f" by {current.withdrawn_by}" if current.withdrawn_by else ""
        raise ValidationError(f"This change has already been withdrawn{who}: nothing was changed.")
    return current


def _neighbours(change: StageChange) -> tuple[StageChange | None, StageChange | None]:
    """The changes in force just before and just after ``change``."""
    in_force = list(change.area.stage_changes.in_force().order_by("changed_on", "pk"))
    place = in_force.index(change)
    before = in_force[place - 1] if place > 0 else None
    after = in_force[place + 1] if place + 1 < len(in_force) else None
    return before, after


@transaction.atomic
def stage_change_correct(*, change: StageChange, on: datetime.date, note: str, by) -> bool:
    """Put right the date or note of a stage change; the audit history keeps
    what it said before. A date stays between its neighbours', so the
    history keeps its order; correcting the first change (joining the
    programme) corrects the date the area joined. False for no change."""
    area = Area.objects.select_for_update().get(pk=change.area_id)
    if not has_perm(by, "areas.correct_stages", area):
        raise PermissionDenied
    change = _still_in_force(area, change)
    not_in_the_future(on)
    before, after = _neighbours(change)
    if before and on < before.changed_on:
        raise ValidationError(
            f"The date cannot be before the change that comes before it "
            f"({before.get_stage_display()} from {before.changed_on:%-d %B %Y})."
        )
    if after and on > after.changed_on:
        raise ValidationError(
            f"The date cannot be after the change that comes after it "
            f"({after.get_stage_display()} from {after.changed_on:%-d %B %Y})."
        )
    was = audit.snapshot(change, ["changed_on", "note"])
    change.changed_on, change.note = on, note
    change.full_clean()
    change.save(update_fields=["changed_on", "note"])
    if before is None and area.joined_on != on:
        area.joined_on = on
        area.save(update_fields=["joined_on"])
    return audit.record(obj=change, by=by, before=was) is not None


@transaction.atomic
def stage_change_withdraw(*, change: StageChange, reason: str, by) -> StageChange:
    """Withdraw the latest stage change, made in error: the area goes back to
    the stage before it. The change stays in the history, marked withdrawn
    with who did it and why. Joining the programme cannot be withdrawn."""
    area = Area.objects.select_for_update().get(pk=change.area_id)
    if not has_perm(by, "areas.correct_stages", area):
        raise PermissionDenied
    change = _still_in_force(area, change)
    if not reason.strip():
        raise ValidationError("Say why the change is withdrawn.")
    before, after = _neighbours(change)
    if after is not None:
        raise ValidationError("Only the latest stage change can be withdrawn.")
    if before is None:
        raise ValidationError(
            f"This is when {area.name} joined the programme: correct its date instead."
        )
    was = audit.snapshot(change, ["withdrawn_reason"])
    change.withdrawn_at, change.withdrawn_by, change.withdrawn_reason = (
        timezone.now(),
        by,
        reason.strip(),
    )
    change.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    area.stage = before.stage
    area.save(update_fields=["stage"])
    audit.record(obj=change, by=by, before=was)
    return change


# --- What staff keep about an area ----------------------------------------
# Plain records with no rules beyond their forms'; they are written here so
# that the staff pages, the import and a future API all write them alike.


@transaction.atomic
def area_facts_save(*, area: Area, types, cni_rank: int | None, notes: str, by=None) -> Area:
    before = audit.stored(area, ["types", "cni_rank", "notes"])
    area.cni_rank = cni_rank
    area.notes = notes
    area.full_clean()
    area.save(update_fields=["cni_rank", "notes"])
    area.types.set(types)
    audit.record(obj=area, by=by, before=before)
    return area


@transaction.atomic
def partnership_save(*, area: Area, by=None, **fields) -> Partnership:
    existing = Partnership.objects.filter(area=area).first()
    before = audit.snapshot(existing, PARTNERSHIP_AUDITED) if existing else None
    partnership, _ = Partnership.objects.update_or_create(area=area, defaults=fields)
    audit.record(obj=partnership, by=by, before=before, fields=PARTNERSHIP_AUDITED)
    return partnership


@transaction.atomic
def local_contact_add(*, area: Area, by=None, **fields) -> LocalContact:
    contact = LocalContact(area=area, **fields)
    contact.full_clean()
    contact.save()
    audit.record(obj=contact, by=by, fields=CONTACT_AUDITED)
    return contact


@transaction.atomic
def local_contact_remove(*, contact: LocalContact, by=None) -> None:
    audit.record(obj=contact, by=by, action=AuditEntry.Action.REMOVED, fields=CONTACT_AUDITED)
    contact.delete()


@transaction.atomic
def funding_bid_save(*, area: Area, bid: FundingBid | None = None, by=None, **fields) -> FundingBid:
    # The form may already have written its values onto ``bid``: the change
    # starts from what is saved.
    before = audit.stored(bid, FUNDING_AUDITED) if bid and bid.pk else None
    bid = bid or FundingBid(area=area)
    for name, value in fields.items():
        setattr(bid, name, value)
    bid.full_clean()
    bid.save()
    audit.record(obj=bid, by=by, before=before, fields=FUNDING_AUDITED)
    return bid
