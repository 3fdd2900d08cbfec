"""The adviser's home page lists the outcome records their areas have not
made: worked out without listing every quarter, the same as the area's page."""

import datetime
from pathlib import Path

import pytest
from django.template import Context, Template, engines
from django.utils import timezone

from areas.links import addresses
from areas.models import Area, Stage
from evaluation import outcome_panels, outcomes
from tests.evaluation.test_outcomes_dashboard import area_joined, save
from tests.factories import AreaFactory
from tests.test_permission_matrix import signed_in

pytestmark = pytest.mark.django_db


def _missing_as_outcomes_due_lists_them(areas, today):
    # The home panel's list as it was made from outcomes_due.
    found = outcomes.outcomes_due(areas=[a for a in areas if a.in_programme], today=today)
    missing = [(row.area, due) for row in found.values() for due in row.missing]
    missing.sort(key=lambda pair: (pair[1].due_by, pair[0].name))
    return missing


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 11, 30),
        datetime.date(2026, 10, 5),
        datetime.date(2027, 1, 31),
    ],
)
def test_the_missing_records_are_those_outcomes_due_finds_missing(today):
    joined_long_ago = area_joined(datetime.date(2024, 2, 10), name="Ashby")
    for quarter in [datetime.date(2024, 4, 1), datetime.date(2025, 1, 1)]:
        save(joined_long_ago, quarter)
    with_baseline = area_joined(datetime.date(2025, 12, 1), name="Brook")
    save(with_baseline)
    save(with_baseline, datetime.date(2026, 1, 1))
    # Recorded early: the quarter under way.
    save(with_baseline, datetime.date(2026, 10, 1))
    just_joined = area_joined(datetime.date(2026, 11, 16), name="Cleve")
    everything = area_joined(datetime.date(2026, 1, 20), name="Dale")
    save(everything)
    for quarter in [datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)]:
        save(everything, quarter)
    # Two areas owing the same quarters: the older due first, then by name.
    same_quarters = area_joined(datetime.date(2024, 2, 20), name="Abbey")
    on_a_first_day = area_joined(datetime.date(2025, 7, 1), name="Eden")
    save(on_a_first_day)
    save(on_a_first_day, datetime.date(2025, 10, 1))
    left = area_joined(datetime.date(2025, 4, 1), name="Fell")
    no_date = AreaFactory(programme=True, name="Gill")
    Area.objects.filter(pk=left.pk).update(stage=Stage.LEFT)
    Area.objects.filter(pk=no_date.pk).update(joined_on=None)
    left.refresh_from_db()
    no_date.refresh_from_db()
    areas = [
        joined_long_ago,
        with_baseline,
        just_joined,
        everything,
        same_quarters,
        on_a_first_day,
        left,
        no_date,
    ]

    missing = outcomes.outcomes_missing(areas=areas, today=today)

    assert missing == _missing_as_outcomes_due_lists_them(areas, today)
    assert missing
    assert outcomes.outcomes_missing(areas=[left, no_date], today=today) == []


def test_the_home_page_lists_the_records_missing_the_soonest_due_first(adviser):
    today = timezone.localdate()
    area = area_joined(today - datetime.timedelta(days=400), adviser=adviser, name="Hendon")
    save(area)

    page = signed_in(adviser).get("/staff/").text

    missing = outcomes.area_outcomes(area=area, today=today).missing
    assert missing
    assert not any(due.is_baseline for due in missing)
    listed = [page.index(f"Hendon: {due.label}</a>") for due in missing]
    assert listed == sorted(listed)


# The panel as the template drew it before its rows were written in Python.
PANEL_LOOP = (Path(__file__).parent / "home_outcomes_loop.html").read_text()


@pytest.mark.parametrize("today", [datetime.date(2026, 11, 30), datetime.date(2026, 5, 2)])
def test_the_panels_rows_are_the_loops_to_the_byte(today):
    areas = [
        area_joined(datetime.date(2025, 12, 1), name='St <Mary\'s> & "Co"'),
        area_joined(datetime.date(2026, 1, 20), name="Dale"),
        area_joined(today - datetime.timedelta(days=3), name="Cleve"),
    ]
    save(areas[1])
    missing = outcomes.outcomes_missing(areas=areas, today=today)
    assert any(due.overdue for _, due in missing)
    assert any(not due.overdue for _, due in missing)
    assert any(due.is_baseline for _, due in missing)
    record = addresses("outcomes:record", 2)
    engine = engines["django"].engine
    expected = Template(PANEL_LOOP, engine=engine).render(
        Context({"missing": [(a, due, record(a.ward_code, due.slug)) for a, due in missing]})
    )
    assert outcome_panels._missing_lines(missing) in expected
    drawn = outcome_panels._missing_panel(missing)
    assert drawn == expected
    assert "<Mary" not in drawn


def test_the_panel_says_when_nothing_is_missing():
    expected = Template(PANEL_LOOP, engine=engines["django"].engine).render(
        Context({"missing": []})
    )
    assert outcome_panels._missing_panel([]) == expected
