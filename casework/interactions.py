"""An interaction and its time, written together: a meeting logged once is
counted once towards the 2 + 2 days, and correcting or removing it corrects
or removes its time too.

Here, above both casework.services and advisers.services, because
advisers.services already imports casework.services (handing an area's
requests over), so neither can import the other.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from advisers.models import TimeRecord
from advisers.permissions import has_perm, may_correct_interaction
from advisers.services import time_record_add, time_record_remove
from casework import audit, services
from casework.models import NOTHING_IN_IT, AuditEntry, Interaction, interaction_is_empty

# The kinds of time record nearest each kind of interaction.
TIME_KINDS = {
    Interaction.Kind.VISIT: TimeRecord.Kind.VISIT,
    Interaction.Kind.MEETING: TimeRecord.Kind.MEETING,
    Interaction.Kind.WORKSHOP: TimeRecord.Kind.MEETING,
    Interaction.Kind.CALL: TimeRecord.Kind.CALL,
    Interaction.Kind.ONLINE: TimeRecord.Kind.ONLINE,
    Interaction.Kind.EMAIL: TimeRecord.Kind.OTHER,
}


def may_count_time(user, area) -> bool:
    """Whether ``user`` gives time to ``area`` that counts (its adviser or
    community worker): only they are offered to count an interaction."""
    return has_perm(user, "time.record", area)


def _time_for(interaction: Interaction, by) -> TimeRecord:
    return time_record_add(
        person=by,
        area=interaction.area,
        date=interaction.date,
        hours=(Decimal(interaction.minutes) / 60).quantize(Decimal("0.01")),
        kind=TIME_KINDS[Interaction.Kind(interaction.kind)],
        note="Logged as an interaction",
        by=by,
    )


@transaction.atomic
def interaction_log_with_time(
    *, area, by, count_time: bool, support_request=None, **fields
) -> Interaction:
    """Log an interaction and, when ``count_time`` and it says how long it
    took, its minutes as the person's time in the area: one entry, counted
    once."""
    interaction = services.interaction_log(
        area=area, by=by, support_request=support_request, **fields
    )
    if count_time and interaction.minutes:
        interaction.time_record = _time_for(interaction, by)
        interaction.save(update_fields=["time_record"])
    return interaction


def _lock(interaction: Interaction, by) -> Interaction:
    locked = (
        Interaction.objects.select_for_update(of=("self",))
        .select_related("area", "time_record")
        .get(pk=interaction.pk)
    )
    if not may_correct_interaction(by, locked):
        raise PermissionDenied
    return locked


@transaction.atomic
def interaction_correct(*, interaction: Interaction, by, count_time: bool, **fields) -> bool:
    """Put right what the author logged; the audit history keeps what it
    said before. Its time follows: changed minutes or date re-count it
    (within the day's 24 hours), and counting can be switched on or off.
    False when nothing changed."""
    locked = _lock(interaction, by)
    if fields.get("date") and fields["date"] > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    if interaction_is_empty(fields):
        raise ValidationError(NOTHING_IN_IT)
    before = audit.snapshot(locked, Interaction.CORRECTABLE)
    had_time = locked.time_record is not None
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=list(fields))
    timing = audit.snapshot(locked, ["date", "minutes", "kind"])
    time_changed = timing != {name: before[name] for name in timing}
    count_time = count_time and bool(locked.minutes)
    if had_time and (time_changed or not count_time):
        # Taken back first, so that the day's 24 hours are checked without it.
        time_record_remove(record=locked.time_record, by=by)
        locked.time_record = None
    if count_time and locked.time_record is None:
        locked.time_record = _time_for(locked, by)
    locked.save(update_fields=["time_record"])
    interaction.__dict__.update(
        {name: getattr(locked, name) for name in [*Interaction.CORRECTABLE, "time_record_id"]}
    )
    changed = audit.record(obj=locked, by=by, before=before) is not None
    return changed or had_time != count_time


@transaction.atomic
def interaction_remove(*, interaction: Interaction, by) -> None:
    """Take back an interaction logged in error, and its time with it. The
    audit history keeps what it said."""
    locked = _lock(interaction, by)
    audit.record(
        obj=locked, by=by, action=AuditEntry.Action.REMOVED, fields=Interaction.CORRECTABLE
    )
    if locked.time_record is not None:
        time_record_remove(record=locked.time_record, by=by)
    locked.delete()
