"""Outcome records: which each area owes (its baseline, then one a quarter),
which are missing or overdue, and saving them with their history.

An area owes a baseline for the quarter it joined in, due
NFC_OUTCOME_RECORD_DUE_DAYS after it joined, and a record for every
finished quarter after that one, due NFC_OUTCOME_RECORD_DUE_DAYS after the
quarter ends. An area outside the programme (never in it, or left) owes
nothing.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from advisers.models import User
from areas.models import Area
from casework import audit
from casework.models import AuditEntry
from evaluation.models import OutcomeRecord, quarter_label
from nfc.periods import add_months, quarter_start
from nfc.statements import STAND_IN_DAY, Statement, stand_in_ids

Kind = OutcomeRecord.Kind

# What a person types: the counts, the plans and the narrative.
TYPED = [*OutcomeRecord.COUNTS, *OutcomeRecord.PLANS, "narrative"]
BASELINE_SLUG = "baseline"


# --- Quarters in addresses ---------------------------------------------------


def quarter_slug(quarter: datetime.date) -> str:
    """ "2026-q3" for the quarter July to September 2026."""
    return f"{quarter.year}-q{(quarter.month - 1) // 3 + 1}"


def quarter_from_slug(slug: str) -> datetime.date | None:
    """The first day of the quarter ``slug`` names, or None for anything else."""
    year, _, number = slug.lower().partition("-q")
    if not (year.isdigit() and len(year) == 4 and number in ("1", "2", "3", "4")):
        return None
    return datetime.date(int(year), (int(number) - 1) * 3 + 1, 1)


def slug_of(record: OutcomeRecord) -> str:
    """How an address names ``record``: "baseline" or its quarter."""
    return BASELINE_SLUG if record.kind == Kind.BASELINE else quarter_slug(record.quarter)


# --- What is due ---------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One record an area owes: its baseline, or a quarter's."""

    kind: str
    quarter: datetime.date
    # The last day to record it in time.
    due_by: datetime.date
    record_id: int | None
    today: datetime.date

    @property
    def recorded(self) -> bool:
        return self.record_id is not None

    @property
    def overdue(self) -> bool:
        return not self.recorded and self.today > self.due_by

    @property
    def is_baseline(self) -> bool:
        return self.kind == Kind.BASELINE

    @property
    def label(self) -> str:
        if self.is_baseline:
            return f"Baseline ({quarter_label(self.quarter)})"
        return quarter_label(self.quarter)

    @property
    def slug(self) -> str:
        return BASELINE_SLUG if self.is_baseline else quarter_slug(self.quarter)


@dataclass
class AreaOutcomes:
    """An area's baseline and quarters: those owed, recorded or not, and
    any recorded early (the quarter under way), oldest first."""

    area: Area
    items: list[Due] = field(default_factory=list)

    @property
    def baseline(self) -> Due | None:
        return next((item for item in self.items if item.is_baseline), None)

    @property
    def quarters(self) -> list[Due]:
        return [item for item in self.items if not item.is_baseline]

    @property
    def missing(self) -> list[Due]:
        return [item for item in self.items if not item.recorded]

    @property
    def overdue(self) -> list[Due]:
        return [item for item in self.items if item.overdue]


def _days_to_record() -> datetime.timedelta:
    return datetime.timedelta(days=settings.NFC_OUTCOME_RECORD_DUE_DAYS)


def quarter_due_by(quarter: datetime.date) -> datetime.date:
    """The last day to record ``quarter`` in time: its last day, then the
    days NFC_OUTCOME_RECORD_DUE_DAYS allows."""
    return add_months(quarter, 3) - datetime.timedelta(days=1) + _days_to_record()


def quarters_due(*, joined_on: datetime.date, today: datetime.date) -> list[datetime.date]:
    """The quarters owed a record: from the quarter after the one the area
    joined in, up to the last one finished by ``today``."""
    quarters, quarter = [], add_months(quarter_start(joined_on), 3)
    while quarter < quarter_start(today):
        quarters.append(quarter)
        quarter = add_months(quarter, 3)
    return quarters


def outcomes_due(
    *, areas: Iterable[Area] | QuerySet[Area], today: datetime.date
) -> dict[int, AreaOutcomes]:
    """Each area's baseline and quarters, by area id: one query for the
    records of all of them (and one for ``areas``, when it is a queryset
    not yet read), however many areas."""
    areas = list(areas)
    # Each area's records, (kind, quarter) -> id, read in one pass.
    recorded: dict[int, dict[tuple[str, datetime.date], int]] = {area.pk: {} for area in areas}
    if areas:
        rows = OutcomeRecord.objects.filter(area_id__in=list(recorded)).order_by()
        for pk, area_id, kind, quarter in rows.values_list("pk", "area_id", "kind", "quarter"):
            recorded[area_id][(kind, quarter)] = pk
    found = {area.pk: AreaOutcomes(area=area) for area in areas}
    # The same few dozen quarters recur in every area: each worked out once.
    due_by_of: dict[datetime.date, datetime.date] = {}
    quarters_from: dict[datetime.date, list[datetime.date]] = {}

    def due_by(quarter: datetime.date) -> datetime.date:
        if quarter not in due_by_of:
            due_by_of[quarter] = quarter_due_by(quarter)
        return due_by_of[quarter]

    for area in areas:
        if not (area.in_programme and area.joined_on):
            # Owes nothing; what it recorded while in the programme stays.
            found[area.pk].items = [
                Due(
                    kind=kind,
                    quarter=quarter,
                    due_by=due_by(quarter),
                    record_id=pk,
                    today=today,
                )
                for (kind, quarter), pk in sorted(
                    recorded[area.pk].items(),
                    key=lambda item: (item[0][0] != Kind.BASELINE, item[0][1]),
                )
            ]
            continue
        mine = recorded[area.pk]
        items = found[area.pk].items
        items.append(
            Due(
                kind=Kind.BASELINE,
                quarter=quarter_start(area.joined_on),
                due_by=area.joined_on + _days_to_record(),
                record_id=next((pk for (k, _), pk in mine.items() if k == Kind.BASELINE), None),
                today=today,
            )
        )
        joined = quarter_start(area.joined_on)
        if joined not in quarters_from:
            quarters_from[joined] = quarters_due(joined_on=joined, today=today)
        quarters = set(quarters_from[joined])
        quarters |= {quarter for (k, quarter) in mine if k == Kind.QUARTER}
        items += [
            Due(
                kind=Kind.QUARTER,
                quarter=quarter,
                due_by=due_by(quarter),
                record_id=mine.get((Kind.QUARTER, quarter)),
                today=today,
            )
            for quarter in sorted(quarters)
        ]
    return found


def _records_of(*, area_ids: list[int]):
    return (
        OutcomeRecord.objects.filter(area_id__in=area_ids)
        .order_by()
        .values_list("area_id", "kind", "quarter")
    )


# Compiled once a process for each number of areas (a caseload has ten at
# most): the ORM took half a millisecond a home page over it.
_RECORDS_OF = Statement(_records_of, stand_ins=lambda areas: {"area_ids": stand_in_ids(areas)})


def outcomes_missing(*, areas: Sequence[Area], today: datetime.date) -> list[tuple[Area, Due]]:
    """The records ``areas`` owe and have not made, as (area, Due) pairs,
    the soonest due first (then by the area's name): outcomes_due's
    ``missing`` of each area, without a Due made for every quarter
    recorded. One query for the records of all the areas."""
    owing = [area for area in areas if area.in_programme and area.joined_on]
    if not owing:
        return []
    with_baseline: set[int] = set()
    recorded: set[tuple[int, datetime.date]] = set()
    area_ids = [area.pk for area in owing]
    for area_id, kind, quarter in _RECORDS_OF.rows(len(area_ids), area_ids=area_ids):
        if kind == Kind.BASELINE:
            with_baseline.add(area_id)
        else:
            recorded.add((area_id, quarter))
    # The same few dozen quarters recur in every area: each worked out once.
    due_by_of: dict[datetime.date, datetime.date] = {}
    quarters_from: dict[datetime.date, list[datetime.date]] = {}
    missing = []
    for area in owing:
        assert area.joined_on is not None  # for mypy: owing has only areas that joined
        if area.pk not in with_baseline:
            baseline = Due(
                kind=Kind.BASELINE,
                quarter=quarter_start(area.joined_on),
                due_by=area.joined_on + _days_to_record(),
                record_id=None,
                today=today,
            )
            missing.append((area, baseline))
        joined = quarter_start(area.joined_on)
        if joined not in quarters_from:
            quarters_from[joined] = quarters_due(joined_on=joined, today=today)
        for quarter in quarters_from[joined]:
            if (area.pk, quarter) in recorded:
                continue
            if quarter not in due_by_of:
                due_by_of[quarter] = quarter_due_by(quarter)
            due = Due(
                kind=Kind.QUARTER,
                quarter=quarter,
                due_by=due_by_of[quarter],
                record_id=None,
                today=today,
            )
            missing.append((area, due))
    missing.sort(key=lambda pair: (pair[1].due_by, pair[0].name))
    return missing


@dataclass(frozen=True)
class OutcomeCounts:
    """How many of an area's records are missing, and how many of those overdue."""

    missing: int
    overdue: int


def outcome_count_quarters(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The quarters outcome_counts counts up to: the one under way (those
    before it are owed), and the last whose time to record is up (those up
    to it are overdue)."""
    current = quarter_start(today)
    last_overdue = add_months(current, -3)
    while quarter_due_by(last_overdue) >= today:
        last_overdue = add_months(last_overdue, -3)
    return current, last_overdue


def _counted_of(*, area_ids: list[int], current: datetime.date, last_overdue: datetime.date):
    """Each area's baseline records, and its quarters' records owed and
    overdue (see outcome_counts): area id, baseline, owed, overdue."""
    # A record's quarter is a quarter's first day, so it is after the
    # quarter the area joined in exactly when it is after the day it
    # joined: a comparison of two dates for each record, not a date made a
    # moment in the time zone, truncated, and compared as moments.
    owed = Q(kind=Kind.QUARTER, quarter__gt=F("area__joined_on"), quarter__lt=current)
    return (
        OutcomeRecord.objects.filter(area_id__in=area_ids)
        .values("area_id")
        .annotate(
            baseline=Count("pk", filter=Q(kind=Kind.BASELINE)),
            owed=Count("pk", filter=owed),
            overdue=Count("pk", filter=owed & Q(quarter__lte=last_overdue)),
        )
        .order_by()
        .values_list("area_id", "baseline", "owed", "overdue")
    )


# Compiled once a process for each number of areas: the ORM took about a
# millisecond a dashboard to build and compile the grouped count.
_COUNTED_OF = Statement(
    _counted_of,
    stand_ins=lambda areas: {
        "area_ids": stand_in_ids(areas),
        "current": STAND_IN_DAY,
        "last_overdue": datetime.date(3, 5, 8),
    },
)


def outcome_counts(*, areas: Sequence[Area], today: datetime.date) -> dict[int, OutcomeCounts]:
    """Each area's records missing and overdue, by area id, as
    outcomes_due counts them, for a page that shows the counts only: one
    grouped count of the records, not every record read and every
    quarter listed.

    An area owes its baseline and each quarter from the one after it
    joined to the last one finished (quarters_due); the quarters' times
    are up in order, so those overdue are the ones up to the last whose
    time is up."""
    current, last_overdue = outcome_count_quarters(today)
    area_ids = [area.pk for area in areas]
    recorded = {
        area_id: {"baseline": baseline, "owed": owed, "overdue": overdue}
        for area_id, baseline, owed, overdue in (
            _COUNTED_OF.rows(
                len(area_ids), area_ids=area_ids, current=current, last_overdue=last_overdue
            )
            if area_ids
            else []
        )
    }
    return outcome_counts_of(areas=areas, recorded=recorded, today=today)


def outcome_counts_of(
    *, areas: Sequence[Area], recorded: dict[int, dict[str, int]], today: datetime.date
) -> dict[int, OutcomeCounts]:
    """outcome_counts from each area's records already counted
    (``recorded``: by area id, its "baseline", and its quarters "owed" and
    "overdue" up to outcome_count_quarters'), for a page that counted them
    in a query of its own."""
    _, last_overdue = outcome_count_quarters(today)
    nothing = {"baseline": 0, "owed": 0, "overdue": 0}
    days_to_record = _days_to_record()
    # The same few dozen joining quarters recur: each one's quarters owed,
    # and those of them overdue, counted once.
    owed_from: dict[datetime.date, tuple[int, int]] = {}
    found = {}
    for area in areas:
        if not (area.in_programme and area.joined_on):
            found[area.pk] = OutcomeCounts(missing=0, overdue=0)
            continue
        joined = quarter_start(area.joined_on)
        if joined not in owed_from:
            quarters = quarters_due(joined_on=joined, today=today)
            owed_from[joined] = (
                len(quarters),
                sum(1 for quarter in quarters if quarter <= last_overdue),
            )
        owed_quarters, overdue_quarters = owed_from[joined]
        mine = recorded.get(area.pk, nothing)
        no_baseline = not mine["baseline"]
        found[area.pk] = OutcomeCounts(
            missing=no_baseline + owed_quarters - mine["owed"],
            overdue=(no_baseline and today > area.joined_on + days_to_record)
            + overdue_quarters
            - mine["overdue"],
        )
    return found


def area_outcomes(*, area: Area, today: datetime.date) -> AreaOutcomes:
    return outcomes_due(areas=[area], today=today)[area.pk]


def quarters_open(*, area: Area, today: datetime.date) -> list[datetime.date]:
    """The quarters a record may be made for: after the one the area joined
    in, up to the one under way (a group may meet in its last weeks)."""
    if not (area.in_programme and area.joined_on):
        return []
    quarters = quarters_due(joined_on=area.joined_on, today=today)
    # In the quarter it joined in, the baseline is the record to make.
    if quarter_start(today) > quarter_start(area.joined_on):
        quarters.append(quarter_start(today))
    return quarters


def seen_mark(record: OutcomeRecord | None) -> str:
    """What a form remembers of the record it was drawn from ("" for none
    yet), for the save to compare with the record as it is then."""
    if record is None or record.pk is None:
        return ""
    return record.updated_at.isoformat()


def record_before(*, area: Area, kind: str, quarter: datetime.date) -> OutcomeRecord | None:
    """The area's latest record before ``quarter`` (the baseline, failing a
    quarter's): what a new record starts from. None for a baseline."""
    if kind == Kind.BASELINE:
        return None
    earlier = OutcomeRecord.objects.filter(area=area, quarter__lt=quarter).quarterly()
    latest = earlier.order_by("-quarter").first()
    return latest or OutcomeRecord.objects.baselines().filter(area=area).first()


def record_history(*, record: OutcomeRecord, with_narrative: bool) -> list[AuditEntry]:
    """Who recorded and corrected ``record``, and what, the latest first.
    Without ``with_narrative`` (for those who may not read what staff
    write), the narrative's words are left out."""
    entries = list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(OutcomeRecord), object_id=record.pk
        ).select_related("content_type")
    )
    if not with_narrative:
        for entry in entries:
            # Only the copy shown is changed; the history itself cannot be.
            entry.changes.pop("narrative", None)
    return entries


# --- Saving ---------------------------------------------------------------------


CHANGED_SINCE_SEEN = (
    "Someone else saved this record while you were typing: what they saved is in its "
    "history. Your figures are still here: check them, then save again to correct it."
)


def _clean(record: OutcomeRecord) -> None:
    # The fields' own rules (whole numbers from 0 to the model's most); the
    # one-per-quarter rule is checked by the caller, with the area locked.
    record.full_clean(
        exclude=["area", "recorded_by"], validate_unique=False, validate_constraints=False
    )
    # A TextField's length is the form's to check, not the model's: checked
    # here too, for every caller.
    most = OutcomeRecord._meta.get_field("narrative").max_length or 0
    if len(record.narrative) > most:
        raise ValidationError({"narrative": f"Keep it to {most:,} characters or fewer."})


@transaction.atomic
def outcome_record_save(
    *,
    area: Area,
    kind: str,
    by: User,
    values: dict,
    quarter: datetime.date | None = None,
    correcting: OutcomeRecord | None = None,
    seen: str | None = None,
    today: datetime.date | None = None,
) -> OutcomeRecord:
    """Record ``area``'s baseline (``kind`` "baseline") or the record of
    ``quarter``, or correct the one it already has (``correcting``), with
    ``values`` (counts, plans and narrative, as TYPED names). The history
    keeps who did it, when, and every value before and after.

    A second record for the same quarter is refused: correct the first.
    ``seen``, the seen_mark of the record as the person's form showed it,
    refuses a correction on top of a save made since (None: no check).
    """
    unknown = set(values) - set(TYPED)
    if unknown:
        raise ValueError(f"Not typed on an outcome record: {sorted(unknown)}")
    # One save at a time per area, so two people recording the same quarter
    # at once give one record and one clear refusal, not a database error.
    area = Area.objects.select_for_update().get(pk=area.pk)
    if correcting is not None:
        if correcting.area_id != area.pk:
            raise ValueError("That record belongs to another area.")
        record = OutcomeRecord.objects.select_for_update().get(pk=correcting.pk)
        # Compared with the record locked, so of two people correcting at
        # once the second is refused, not left to undo the first unseen.
        if seen is not None and seen != seen_mark(record):
            raise ValidationError(CHANGED_SINCE_SEEN, code="changed")
        before = audit.snapshot(record, TYPED)
        for name, value in values.items():
            setattr(record, name, value)
        _clean(record)
        record.save()
        audit.record(obj=record, by=by, before=before)
        return record

    today = today or timezone.localdate()
    if not area.in_programme:
        raise ValidationError(
            f"{area.name} is not in the programme, so it has no outcome records.", code="outside"
        )
    if area.joined_on is None:
        raise ValidationError(
            f"The date {area.name} joined the programme is missing, so it is not known which "
            "outcome records it owes. A manager can set it by correcting the date of its "
            "first stage change in the area's timeline.",
            code="no_joining_date",
        )
    if kind == Kind.BASELINE:
        quarter = quarter_start(area.joined_on)
        existing = OutcomeRecord.objects.baselines().filter(area=area)
        already = f"{area.name} already has a baseline"
    elif kind == Kind.QUARTER and quarter is not None:
        if quarter not in quarters_open(area=area, today=today):
            raise ValidationError(
                f"Quarterly records for {area.name} start with the quarter after it joined "
                f"and end with this quarter: {quarter_label(quarter)} is not one of them.",
                code="quarter",
            )
        existing = OutcomeRecord.objects.quarterly().filter(area=area, quarter=quarter)
        already = f"{quarter_label(quarter)} for {area.name} has already been recorded"
    else:
        raise ValueError("A quarterly record needs its quarter.")
    first = existing.select_related("recorded_by").first()
    if first is not None:
        who = f" by {first.recorded_by}" if first.recorded_by else ""
        raise ValidationError(
            f"{already}{who}. Correct that record instead of making a second one.",
            code="exists",
        )
    record = OutcomeRecord(area=area, kind=kind, quarter=quarter, recorded_by=by, **values)
    _clean(record)
    record.save()
    audit.record(obj=record, by=by, fields=TYPED)
    return record


def outcome_named(area, slug: str) -> tuple[str, datetime.date]:
    """The kind and quarter an address names ("baseline", "2026-q3"); 404
    for anything the area cannot have."""
    if slug == BASELINE_SLUG:
        if area.joined_on is None:
            raise Http404
        return OutcomeRecord.Kind.BASELINE, quarter_start(area.joined_on)
    quarter = quarter_from_slug(slug)
    if quarter is None:
        raise Http404
    return OutcomeRecord.Kind.QUARTER, quarter
