"""Outcome records: which quarters an area owes, which are missing or
overdue, and saving and correcting records with their history."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from areas.models import Area, Stage
from areas.services import area_change_stage, area_join_programme
from casework.models import AuditEntry, AuditKind
from evaluation import outcomes
from evaluation.models import OutcomeRecord
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

Kind = OutcomeRecord.Kind
VALUES = {
    "residents_involved": 20,
    "volunteers": 6,
    "leaders": 2,
    "new_groups": 1,
    "spaces_in_use": 1,
    "spaces_owned": 0,
    "leaders_trained": 1,
    "community_plan": True,
    "neighbourhood_plan": False,
    "economic_plan": False,
    "narrative": "A litter pick and a first public meeting.",
}


def joined(on: datetime.date, **fields):
    area = AreaFactory(programme=False, **fields)
    area_join_programme(area=area, cohort=1, joined_on=on)
    area.refresh_from_db()
    return area


def record(area, quarter=None, *, by=None, **values):
    return outcomes.outcome_record_save(
        area=area,
        kind=Kind.QUARTER if quarter else Kind.BASELINE,
        quarter=quarter,
        by=by,
        values={**VALUES, **values},
        today=datetime.date(2026, 11, 30),
    )


# --- Which quarters are due ------------------------------------------------------


def test_quarters_are_due_from_the_one_after_joining_to_the_last_finished():
    due = outcomes.quarters_due(
        joined_on=datetime.date(2025, 5, 20), today=datetime.date(2026, 2, 10)
    )
    assert due == [datetime.date(2025, 7, 1), datetime.date(2025, 10, 1)]


def test_an_area_joining_on_a_quarters_first_day_owes_from_the_next_quarter():
    due = outcomes.quarters_due(
        joined_on=datetime.date(2026, 4, 1), today=datetime.date(2026, 10, 1)
    )
    assert due == [datetime.date(2026, 7, 1)]


def test_a_quarter_is_not_due_until_it_has_ended():
    # The last day of July to September: the quarter is still under way.
    assert (
        outcomes.quarters_due(
            joined_on=datetime.date(2026, 6, 30), today=datetime.date(2026, 9, 30)
        )
        == []
    )
    assert outcomes.quarters_due(
        joined_on=datetime.date(2026, 6, 30), today=datetime.date(2026, 10, 1)
    ) == [datetime.date(2026, 7, 1)]


def test_an_area_that_joined_mid_quarter_owes_a_baseline_for_that_quarter_and_no_record_of_it():
    area = joined(datetime.date(2026, 5, 14))
    owed = outcomes.area_outcomes(area=area, today=datetime.date(2026, 11, 30))
    assert owed.baseline.quarter == datetime.date(2026, 4, 1)
    assert [due.quarter for due in owed.quarters] == [datetime.date(2026, 7, 1)]
    assert [due.label for due in owed.missing] == [
        "Baseline (April to June 2026)",
        "July to September 2026",
    ]


def test_a_quarter_is_overdue_the_day_after_its_days_to_record_run_out(settings):
    settings.NFC_OUTCOME_RECORD_DUE_DAYS = 30
    area = joined(datetime.date(2026, 4, 1))
    record(area)  # the baseline is in
    # July to September ends on 30 September: due by 30 October.
    on_time = outcomes.area_outcomes(area=area, today=datetime.date(2026, 10, 30))
    assert [due.label for due in on_time.missing] == ["July to September 2026"]
    assert on_time.overdue == []
    assert on_time.missing[0].due_by == datetime.date(2026, 10, 30)
    late = outcomes.area_outcomes(area=area, today=datetime.date(2026, 10, 31))
    assert [due.label for due in late.overdue] == ["July to September 2026"]


def test_the_days_to_record_are_a_setting(settings):
    settings.NFC_OUTCOME_RECORD_DUE_DAYS = 60
    area = joined(datetime.date(2026, 4, 1))
    owed = outcomes.area_outcomes(area=area, today=datetime.date(2026, 11, 15))
    # The baseline: 60 days after joining; the quarter: 60 after 30 September.
    assert [due.label for due in owed.overdue] == ["Baseline (April to June 2026)"]
    assert owed.missing[1].due_by == datetime.date(2026, 11, 29)


def test_a_recorded_quarter_is_no_longer_missing():
    area = joined(datetime.date(2026, 1, 10))
    record(area)
    record(area, datetime.date(2026, 4, 1))
    owed = outcomes.area_outcomes(area=area, today=datetime.date(2026, 11, 30))
    assert [due.label for due in owed.missing] == ["July to September 2026"]
    assert [(due.label, due.recorded) for due in owed.items] == [
        ("Baseline (January to March 2026)", True),
        ("April to June 2026", True),
        ("July to September 2026", False),
    ]


def test_a_quarter_recorded_before_it_ends_shows_and_is_not_missing():
    area = joined(datetime.date(2026, 4, 1))
    record(area, datetime.date(2026, 10, 1))
    owed = outcomes.area_outcomes(area=area, today=datetime.date(2026, 11, 30))
    assert [(due.label, due.recorded) for due in owed.quarters] == [
        ("July to September 2026", False),
        ("October to December 2026", True),
    ]


def test_an_area_outside_the_programme_owes_nothing():
    never = AreaFactory(programme=False)
    gone = joined(datetime.date(2025, 4, 1))
    area_change_stage(area=gone, stage=Stage.LEFT, on=datetime.date(2026, 3, 1))
    gone.refresh_from_db()
    found = outcomes.outcomes_due(areas=[never, gone], today=datetime.date(2026, 11, 30))
    assert found[never.pk].items == []
    assert found[gone.pk].items == []


def test_what_is_owed_takes_two_queries_however_many_areas(django_assert_num_queries):
    for _ in range(3):
        area = joined(datetime.date(2025, 4, 1))
        record(area)
        record(area, datetime.date(2025, 7, 1))
    areas = Area.objects.all()
    with django_assert_num_queries(2):
        few = outcomes.outcomes_due(areas=areas, today=datetime.date(2026, 11, 30))
    for _ in range(7):
        area = joined(datetime.date(2024, 4, 1))
        record(area, datetime.date(2025, 1, 1))
    with django_assert_num_queries(2):
        many = outcomes.outcomes_due(areas=areas.all(), today=datetime.date(2026, 11, 30))
    assert len(few) == 3
    assert len(many) == 10
    assert sum(len(row.missing) for row in many.values()) == 3 * 4 + 7 * (1 + 8)


# --- Saving ------------------------------------------------------------------------


def test_recording_a_quarter_keeps_who_and_what_in_the_history(adviser):
    area = joined(datetime.date(2026, 4, 1))
    saved = record(area, datetime.date(2026, 7, 1), by=adviser)
    assert saved.recorded_by == adviser
    assert saved.residents_involved == 20
    [entry] = AuditEntry.objects.of_kind(AuditKind.OUTCOMES)
    assert entry.action == AuditEntry.Action.CREATED
    assert entry.changed_by == adviser
    assert entry.area_id == area.pk
    assert ("Volunteers", "6", None) in entry.changes_in_words


def test_a_correction_keeps_the_values_before_and_after_and_who_made_it(adviser, manager):
    area = joined(datetime.date(2026, 4, 1))
    saved = record(area, datetime.date(2026, 7, 1), by=adviser)
    outcomes.outcome_record_save(
        area=area,
        kind=Kind.QUARTER,
        by=manager,
        values={"volunteers": 8, "economic_plan": True},
        correcting=saved,
    )
    saved.refresh_from_db()
    assert (saved.volunteers, saved.economic_plan, saved.recorded_by) == (8, True, adviser)
    history = outcomes.record_history(record=saved, with_narrative=True)
    assert [entry.action for entry in history] == ["changed", "created"]
    assert history[0].changed_by == manager
    assert history[0].changes == {"volunteers": [6, 8], "economic_plan": [False, True]}


def test_a_correction_that_changes_nothing_adds_nothing_to_the_history(adviser):
    area = joined(datetime.date(2026, 4, 1))
    saved = record(area, by=adviser)
    outcomes.outcome_record_save(
        area=area, kind=Kind.BASELINE, by=adviser, values=dict(VALUES), correcting=saved
    )
    assert AuditEntry.objects.of_kind(AuditKind.OUTCOMES).count() == 1


def test_the_history_leaves_the_narrative_out_for_those_who_may_not_read_it(adviser):
    area = joined(datetime.date(2026, 4, 1))
    saved = record(area, by=adviser)
    outcomes.outcome_record_save(
        area=area,
        kind=Kind.BASELINE,
        by=adviser,
        values={"narrative": "Changed words", "volunteers": 9},
        correcting=saved,
    )
    shown = outcomes.record_history(record=saved, with_narrative=False)
    assert all("narrative" not in entry.changes for entry in shown)
    assert shown[0].changes == {"volunteers": [6, 9]}
    # The history itself is whole.
    assert "narrative" in AuditEntry.objects.of_kind(AuditKind.OUTCOMES).first().changes


def test_a_second_record_for_the_same_quarter_is_refused_and_the_first_kept(adviser, manager):
    area = joined(datetime.date(2026, 4, 1))
    first = record(area, datetime.date(2026, 7, 1), by=adviser)
    with pytest.raises(ValidationError) as refused:
        record(area, datetime.date(2026, 7, 1), by=manager, volunteers=99)
    assert refused.value.messages == [
        f"July to September 2026 for {area.name} has already been recorded by Asha Adviser. "
        "Correct that record instead of making a second one."
    ]
    assert list(OutcomeRecord.objects.values_list("pk", "volunteers")) == [(first.pk, 6)]


def test_a_second_baseline_is_refused(adviser):
    area = joined(datetime.date(2026, 4, 1))
    record(area, by=adviser)
    with pytest.raises(ValidationError, match="already has a baseline"):
        record(area, by=adviser)
    assert OutcomeRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("quarter", "why"),
    [
        (datetime.date(2026, 4, 1), "the quarter it joined in: that is the baseline's"),
        (datetime.date(2026, 1, 1), "before it joined"),
        (datetime.date(2027, 1, 1), "not started yet"),
    ],
)
def test_a_record_for_a_quarter_the_area_does_not_owe_is_refused(quarter, why):
    area = joined(datetime.date(2026, 5, 1))
    with pytest.raises(ValidationError, match="start with the quarter after it joined"):
        record(area, quarter)
    assert not OutcomeRecord.objects.exists()


def test_an_area_that_joined_this_quarter_may_make_only_its_baseline():
    today = datetime.date(2026, 11, 30)
    area = joined(datetime.date(2026, 11, 5))
    # The quarter it joined in is the baseline's, not a quarter's to record.
    assert outcomes.quarters_open(area=area, today=today) == []
    with pytest.raises(ValidationError, match="start with the quarter after it joined"):
        record(area, datetime.date(2026, 10, 1))
    assert not OutcomeRecord.objects.exists()


def test_an_area_that_joined_last_quarter_may_record_the_one_under_way():
    area = joined(datetime.date(2026, 8, 5))
    assert outcomes.quarters_open(area=area, today=datetime.date(2026, 11, 30)) == [
        datetime.date(2026, 10, 1)
    ]


def test_an_area_in_the_programme_without_its_joining_date_is_refused_saying_so():
    area = joined(datetime.date(2026, 4, 1))
    Area.objects.filter(pk=area.pk).update(joined_on=None)
    area.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        record(area)
    assert refused.value.messages == [
        f"The date {area.name} joined the programme is missing, so it is not known which "
        "outcome records it owes. A manager can set it by correcting the date of its first "
        "stage change in the area's timeline."
    ]
    assert not OutcomeRecord.objects.exists()


def test_a_correction_on_top_of_a_save_made_since_the_form_opened_is_refused(adviser, manager):
    area = joined(datetime.date(2026, 4, 1))
    first = record(area, datetime.date(2026, 7, 1), by=adviser)
    # Both open the record; Mina saves first, then Asha, from what she saw.
    seen = outcomes.seen_mark(first)
    outcomes.outcome_record_save(
        area=area,
        kind=Kind.QUARTER,
        by=manager,
        values={"volunteers": 8},
        correcting=first,
        seen=seen,
    )
    with pytest.raises(ValidationError) as refused:
        outcomes.outcome_record_save(
            area=area,
            kind=Kind.QUARTER,
            by=adviser,
            values={"volunteers": 9},
            correcting=first,
            seen=seen,
        )
    assert refused.value.code == "changed"
    assert OutcomeRecord.objects.get().volunteers == 8


def test_an_area_outside_the_programme_cannot_have_records():
    area = AreaFactory(programme=False)
    with pytest.raises(ValidationError, match="not in the programme"):
        record(area)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"volunteers": -1}, "volunteers"),
        ({"leaders": 100_001}, "leaders"),
        ({"narrative": "x" * 2001}, "narrative"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(values, field):
    area = joined(datetime.date(2026, 4, 1))
    with pytest.raises(ValidationError) as refused:
        record(area, **values)
    assert field in refused.value.message_dict
    assert not OutcomeRecord.objects.exists()
    assert not AuditEntry.objects.of_kind(AuditKind.OUTCOMES).exists()


def test_quarters_read_and_written_in_addresses():
    assert outcomes.quarter_slug(datetime.date(2026, 7, 1)) == "2026-q3"
    assert outcomes.quarter_from_slug("2026-q3") == datetime.date(2026, 7, 1)
    assert outcomes.quarter_from_slug("2026-Q1") == datetime.date(2026, 1, 1)
    for wrong in ("2026-q5", "2026-q0", "26-q1", "baseline", "2026q1", "x-q1"):
        assert outcomes.quarter_from_slug(wrong) is None
