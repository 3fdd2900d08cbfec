"""Missing outcome records on the dashboard: counted per area, in the
delivery table and its CSV, scored in the early warning, at a query count
that stays flat, and drawn afresh when a record is saved."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisers import services
from areas.models import Area, Stage
from areas.services import area_join_programme
from evaluation import outcomes
from evaluation.dashboard import area_early_warning, dashboard
from evaluation.models import OutcomeRecord
from tests.factories import AreaFactory
from tests.support import clean_env, client_for, run_python

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
COUNTS = dict.fromkeys(OutcomeRecord.COUNTS, 1)


@pytest.fixture(autouse=True)
def _only_outcome_records_warn(settings):
    """The other signals off, so each score here is the outcome records'."""
    settings.NFC_RISK_WEIGHTS = {
        **dict.fromkeys(settings.NFC_RISK_WEIGHTS, 0),
        "overdue_outcome_records": 1,
    }


def save(area, quarter=None, by=None):
    return outcomes.outcome_record_save(
        area=area,
        kind=OutcomeRecord.Kind.QUARTER if quarter else OutcomeRecord.Kind.BASELINE,
        quarter=quarter,
        by=by,
        values=COUNTS,
        today=NOW.date(),
    )


def area_joined(on, adviser=None, **fields):
    area = AreaFactory(programme=False, **fields)
    area_join_programme(area=area, cohort=1, joined_on=on)
    area.refresh_from_db()
    if adviser:
        services.area_assign_adviser(area=area, adviser=adviser, by=None, on=on)
    return area


def test_overdue_records_score_in_the_early_warning_with_the_reason(hendon, manager):
    # Hendon joined on 1 April 2026: its baseline and July to September are
    # both more than 30 days late on 30 November.
    [warning] = dashboard(user=manager, now=NOW).early_warning
    assert warning.area == hendon
    assert warning.risk == 2.0
    assert warning.reasons == ["2 outcome records overdue"]
    save(hendon)
    [warning] = dashboard(user=manager, now=NOW).early_warning
    assert (warning.risk, warning.reasons) == (1.0, ["1 outcome record overdue"])
    save(hendon, datetime.date(2026, 7, 1))
    assert dashboard(user=manager, now=NOW).early_warning == []


def test_a_missing_record_not_yet_overdue_counts_as_missing_but_does_not_warn(adviser, manager):
    # Joined a fortnight ago: its baseline is missing, not late.
    area = area_joined(datetime.date(2026, 11, 16), adviser=adviser)
    figures = dashboard(user=manager, now=NOW)
    assert figures.early_warning == []
    assert figures.missing_outcome_records == 1
    assert figures.outcome_counts[area.pk] == outcomes.OutcomeCounts(missing=1, overdue=0)
    assert [due.label for due in outcomes.area_outcomes(area=area, today=NOW.date()).missing] == [
        "Baseline (October to December 2026)"
    ]


@pytest.mark.parametrize(
    "today",
    [
        datetime.date(2026, 11, 30),
        # The first days of a quarter, before the last one's records are late.
        datetime.date(2026, 10, 5),
        datetime.date(2027, 1, 31),
    ],
)
def test_the_counts_are_those_of_the_records_owed_one_by_one(today):
    # The first page counts in one query what the area's page lists: each
    # kind of area, with and without its records, some early, one late.
    joined_long_ago = area_joined(datetime.date(2024, 2, 10))
    for quarter in [datetime.date(2024, 4, 1), datetime.date(2025, 1, 1)]:
        save(joined_long_ago, quarter)
    with_baseline = area_joined(datetime.date(2025, 12, 1))
    save(with_baseline)
    save(with_baseline, datetime.date(2026, 1, 1))
    # Recorded early: the quarter under way (at NOW).
    save(with_baseline, datetime.date(2026, 10, 1))
    just_joined = area_joined(datetime.date(2026, 11, 16))
    everything = area_joined(datetime.date(2026, 1, 20))
    save(everything)
    for quarter in [datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)]:
        save(everything, quarter)
    # Joined on a quarter's first day: the next quarter is the first owed.
    on_a_first_day = area_joined(datetime.date(2025, 7, 1))
    save(on_a_first_day)
    save(on_a_first_day, datetime.date(2025, 10, 1))
    left = area_joined(datetime.date(2025, 4, 1))
    no_date = AreaFactory(programme=True)
    Area.objects.filter(pk=left.pk).update(stage=Stage.LEFT)
    Area.objects.filter(pk=no_date.pk).update(joined_on=None)
    left.refresh_from_db()
    no_date.refresh_from_db()
    areas = [joined_long_ago, with_baseline, just_joined, everything, on_a_first_day, left, no_date]
    counts = outcomes.outcome_counts(areas=areas, today=today)
    owed = outcomes.outcomes_due(areas=areas, today=today)
    assert {pk: (c.missing, c.overdue) for pk, c in counts.items()} == {
        pk: (len(o.missing), len(o.overdue)) for pk, o in owed.items()
    }
    assert counts[joined_long_ago.pk].overdue > 0
    # The statement compiled once a process gives the queryset's rows.
    current, last_overdue = outcomes.outcome_count_quarters(today)
    asked = {"area_ids": [a.pk for a in areas], "current": current, "last_overdue": last_overdue}
    assert sorted(outcomes._COUNTED_OF.rows(len(areas), **asked)) == sorted(
        outcomes._counted_of(**asked)
    )


def test_the_weight_is_a_setting_and_zero_switches_it_off(hendon, manager, settings):
    settings.NFC_RISK_WEIGHTS = {**settings.NFC_RISK_WEIGHTS, "overdue_outcome_records": 3}
    [warning] = dashboard(user=manager, now=NOW).early_warning
    assert warning.risk == 6.0
    settings.NFC_RISK_WEIGHTS = {**settings.NFC_RISK_WEIGHTS, "overdue_outcome_records": 0}
    assert dashboard(user=manager, now=NOW).early_warning == []


def test_the_weight_is_read_from_its_environment_variable():
    finished = run_python(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.NFC_RISK_WEIGHTS['overdue_outcome_records'])",
        env=clean_env(
            DJANGO_SETTINGS_MODULE="nfc.settings", NFC_RISK_WEIGHT_OVERDUE_OUTCOME_RECORDS="4"
        ),
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["4.0"]


def test_a_weight_missing_from_the_settings_is_an_error_not_a_signal_switched_off(
    hendon, manager, settings
):
    # A mistyped key would otherwise leave the signal off without a word.
    settings.NFC_RISK_WEIGHTS = {
        key: weight
        for key, weight in settings.NFC_RISK_WEIGHTS.items()
        if key != "overdue_outcome_records"
    }
    with pytest.raises(KeyError, match="overdue_outcome_records"):
        dashboard(user=manager, now=NOW)


def test_the_page_explains_the_signal_as_overdue_and_the_column_as_missing(
    hendon, manager, settings
):
    settings.NFC_DASHBOARD_CACHE_SECONDS = 0
    settings.NFC_RISK_WEIGHTS = {**settings.NFC_RISK_WEIGHTS, "overdue_outcome_records": 3}
    page = client_for(manager).get("/dashboard/").text
    assert "overdue outcome records (not made within 30 days of their quarter's end)" in page
    assert "and 3)." in page
    assert "Outcome records missing</th>" in client_for(manager).get("/dashboard/delivery/").text


def test_the_area_page_gives_the_same_score(hendon):
    delivery = area_early_warning(area=hendon, now=NOW)
    assert (delivery.risk, delivery.reasons) == (2.0, ["2 outcome records overdue"])


def test_the_page_counts_the_missing_records_and_each_areas_row_links_to_them(hendon, manager):
    save(hendon)
    page = client_for(manager).get("/dashboard/").content.decode()
    missing = len(outcomes.area_outcomes(area=hendon, today=timezone.localdate()).missing)
    records = "outcome record" if missing == 1 else "outcome records"
    assert f'<span class="tile-figure">{missing}</span> {records} missing' in page
    table = client_for(manager).get("/dashboard/delivery/").content.decode()
    assert f'href="/staff/areas/{hendon.ward_code}/outcomes/">{missing}</a>' in table


def test_the_delivery_csv_has_each_areas_missing_records(hendon, manager):
    response = client_for(manager).get("/dashboard/export/delivery.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    missing = len(outcomes.area_outcomes(area=hendon, today=timezone.localdate()).missing)
    assert [row["Outcome records missing"] for row in rows] == [str(missing)]


def test_an_advisers_dashboard_counts_only_their_areas(hendon, adviser, outsider):
    area_joined(datetime.date(2025, 4, 1), adviser=outsider)
    figures = dashboard(user=adviser, now=NOW)
    assert figures.missing_outcome_records == 2


def test_the_query_count_stays_flat_as_areas_and_records_grow(
    manager, adviser, settings, django_assert_max_num_queries
):
    settings.NFC_DASHBOARD_CACHE_SECONDS = 0
    client = client_for(manager)

    def grow(count):
        for _ in range(count):
            area = area_joined(datetime.date(2025, 1, 1))
            save(area)
            save(area, datetime.date(2025, 4, 1))
            save(area, datetime.date(2025, 10, 1))

    grow(2)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as few:
        client.get("/dashboard/")
    grow(15)
    with django_assert_max_num_queries(len(few)):
        page = client.get("/dashboard/").content.decode()
    assert "The whole programme: 17 areas." in page


def test_saving_a_record_draws_the_dashboard_afresh(
    hendon, adviser, manager, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as kept:
        client.get("/dashboard/")
    assert len(kept) < 10
    with django_capture_on_commit_callbacks(execute=True):
        save(hendon, by=adviser)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/dashboard/").content.decode()
    assert len(queries) > 10
    overdue = len(outcomes.area_outcomes(area=hendon, today=timezone.localdate()).overdue)
    assert f"{overdue} outcome record{'s' if overdue != 1 else ''} overdue" in page
