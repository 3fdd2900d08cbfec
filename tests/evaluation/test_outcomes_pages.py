"""The outcome records' pages: the panel on an area's page, the home page's
list, recording and correcting a record (bad input, two people at once),
reading one with its history, and who may do what."""

import datetime

import pytest
from django.utils import timezone

from advisers import services
from advisers.roles import Role
from areas.models import Area, Stage
from areas.services import area_change_stage
from casework.models import AuditEntry, AuditKind
from evaluation import outcomes
from evaluation.models import OutcomeRecord
from nfc.periods import quarter_start
from tests.factories import AreaFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

FORM = {
    "residents_involved": "20",
    "volunteers": "6",
    "leaders": "2",
    "new_groups": "1",
    "spaces_in_use": "1",
    "spaces_owned": "0",
    "leaders_trained": "1",
    "community_plan": "on",
    "narrative": "A litter pick and a first public meeting.",
    "seen": "",
}


def last_quarter(area) -> datetime.date:
    """The last finished quarter, which Hendon (joined April 2026) owes."""
    return outcomes.quarters_due(joined_on=area.joined_on, today=timezone.localdate())[-1]


def record_url(area, slug):
    return f"/staff/areas/{area.ward_code}/outcomes/{slug}/record/"


def detail_url(area, slug):
    return f"/staff/areas/{area.ward_code}/outcomes/{slug}/"


def saved(area, quarter=None, by=None, **values):
    return outcomes.outcome_record_save(
        area=area,
        kind=OutcomeRecord.Kind.QUARTER if quarter else OutcomeRecord.Kind.BASELINE,
        quarter=quarter,
        by=by,
        values={
            **{name: int(FORM[name]) for name in OutcomeRecord.COUNTS},
            "narrative": FORM["narrative"],
            **values,
        },
    )


# --- The area's page ------------------------------------------------------------


def test_the_area_page_shows_the_baseline_and_the_quarters_with_links(hendon, adviser):
    quarter = last_quarter(hendon)
    saved(hendon, by=adviser)
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/outcomes/").content.decode()
    assert '<h2 id="outcomes-title">Outcomes</h2>' in page
    assert f'href="{detail_url(hendon, "baseline")}"' in page
    slug = outcomes.quarter_slug(quarter)
    assert f'href="{record_url(hendon, slug)}"' in page
    assert "1 record missing." in page


def test_those_who_may_only_read_see_the_panel_without_links_to_record(
    hendon, community_worker, evaluator
):
    for person in (community_worker, evaluator):
        page = client_for(person).get(f"/staff/areas/{hendon.ward_code}/outcomes/").content.decode()
        assert "Outcomes</h2>" in page
        assert "/record/" not in page


@pytest.mark.hendon(programme=False, adviser=False, community_worker=False)
def test_an_area_outside_the_programme_has_no_outcomes_panel(hendon, manager):
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/outcomes/").content.decode()
    assert "outcomes-title" not in page


def test_the_area_page_asks_a_fixed_number_of_queries_for_outcomes(
    hendon, adviser, django_assert_max_num_queries
):
    client = client_for(adviser)
    client.get(f"/staff/areas/{hendon.ward_code}/outcomes/")
    with django_assert_max_num_queries(60) as few:
        client.get(f"/staff/areas/{hendon.ward_code}/outcomes/")
    saved(hendon, by=adviser)
    saved(hendon, last_quarter(hendon), by=adviser)
    saved(hendon, outcomes.quarters_open(area=hendon, today=timezone.localdate())[-1])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/staff/areas/{hendon.ward_code}/outcomes/")


# --- The home page --------------------------------------------------------------


def test_an_advisers_home_page_lists_the_records_their_areas_owe(hendon, adviser):
    page = client_for(adviser).get("/staff/").content.decode()
    assert "Outcome records to make" in page
    assert f'href="{record_url(hendon, "baseline")}"' in page
    slug = outcomes.quarter_slug(last_quarter(hendon))
    assert f'href="{record_url(hendon, slug)}"' in page


def test_once_every_record_is_in_the_home_page_says_so(hendon, adviser):
    saved(hendon, by=adviser)
    saved(hendon, last_quarter(hendon), by=adviser)
    page = client_for(adviser).get("/staff/").content.decode()
    assert "Every outcome record due from your areas is in." in page


def test_the_home_page_lists_no_records_for_roles_that_do_not_make_them(
    hendon, community_worker, evaluator
):
    for person in (community_worker, evaluator):
        assert "Outcome records to make" not in client_for(person).get("/staff/").text


def test_the_home_pages_queries_stay_flat_as_an_advisers_areas_grow(
    hendon, adviser, django_assert_max_num_queries
):
    client = client_for(adviser)
    client.get("/staff/")
    with django_assert_max_num_queries(100) as few:
        client.get("/staff/")
    for _ in range(5):
        area = AreaFactory(programme=True)
        services.area_assign_adviser(area=area, adviser=adviser, by=None)
        saved(area, by=adviser)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/staff/").content.decode()
    assert page.count("/outcomes/") == 1 + 1 + 5


# --- Recording -------------------------------------------------------------------


def test_an_adviser_records_a_quarter_and_sees_it_with_its_history(hendon, adviser):
    slug = outcomes.quarter_slug(last_quarter(hendon))
    client = client_for(adviser)
    form = client.get(record_url(hendon, slug)).content.decode()
    assert "What the portal already knows" in form
    assert "Please write no names" in form
    response = client.post(record_url(hendon, slug), FORM, follow=True)
    assert response.redirect_chain == [(detail_url(hendon, slug), 302)]
    record = OutcomeRecord.objects.get()
    assert (record.quarter, record.residents_involved, record.community_plan) == (
        last_quarter(hendon),
        20,
        True,
    )
    assert record.recorded_by == adviser
    page = response.content.decode()
    assert "recorded." in page
    assert "Created outcome record" in page
    assert "Correct this record" in page


def test_an_adviser_records_the_baseline(hendon, adviser):
    response = client_for(adviser).post(record_url(hendon, "baseline"), FORM)
    assert response.status_code == 302
    assert OutcomeRecord.objects.baselines().get().quarter == datetime.date(2026, 4, 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("volunteers", "-3", "Enter 0 or more."),
        ("leaders", "1000000", "Enter 100,000 or fewer: check for an extra nought."),
        ("new_groups", "99999999999999999999999", "Enter 100,000 or fewer"),
        ("spaces_in_use", "two", "Enter a whole number, like 12."),
        ("residents_involved", "", "Enter a number (0 if none)."),
        ("narrative", "x" * 2001, "Keep it to 2,000 characters or fewer"),
        # Of the 1 space in use, the community cannot own 2.
        ("spaces_owned", "2", "Enter no more than the spaces in use (1)"),
    ],
)
def test_bad_input_is_refused_clearly_nothing_saved_nothing_lost(
    hendon, adviser, field, value, message
):
    slug = outcomes.quarter_slug(last_quarter(hendon))
    response = client_for(adviser).post(record_url(hendon, slug), {**FORM, field: value})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page
    assert "<title>Error:" in page
    assert not OutcomeRecord.objects.exists()
    # What was typed is still there.
    assert (value if field == "narrative" else FORM["narrative"]) in page
    assert 'name="volunteers" value="' + (value if field == "volunteers" else "6") in page


def test_a_correction_shows_the_old_and_new_values_in_the_history(hendon, adviser, manager):
    saved(hendon, by=adviser)
    response = client_for(manager).post(
        record_url(hendon, "baseline"),
        {**FORM, "volunteers": "9", "seen": outcomes_seen(hendon)},
        follow=True,
    )
    page = response.content.decode()
    assert "Baseline corrected." in page
    assert "Changed outcome record" in page
    assert "Volunteers: 6 → 9" in page
    assert "by Mina Manager" in page
    assert OutcomeRecord.objects.get().volunteers == 9


def outcomes_seen(area):
    return outcomes.seen_mark(OutcomeRecord.objects.get(area=area))


def test_a_record_made_while_someone_typed_is_not_overwritten(hendon, adviser, manager):
    slug = outcomes.quarter_slug(last_quarter(hendon))
    # Asha opened the empty form; meanwhile Mina recorded the quarter.
    saved(hendon, last_quarter(hendon), by=manager, volunteers=4)
    response = client_for(adviser).post(record_url(hendon, slug), {**FORM, "volunteers": "7"})
    page = response.content.decode()
    assert "Someone else saved this record while you were typing" in page
    assert OutcomeRecord.objects.get().volunteers == 4
    assert 'name="volunteers" value="7"' in page
    # Having checked, she saves again: a correction, in the history.
    seen = outcomes_seen(hendon)
    assert f'value="{seen}"' in page
    client_for(adviser).post(record_url(hendon, slug), {**FORM, "volunteers": "7", "seen": seen})
    assert OutcomeRecord.objects.get().volunteers == 7
    assert AuditEntry.objects.of_kind(AuditKind.OUTCOMES).count() == 2


@pytest.mark.parametrize("slug", ["2026-q2", "2025-q4", "2031-q1", "2026-q9", "nonsense"])
def test_a_quarter_the_area_cannot_have_is_not_found(hendon, adviser, slug):
    # Hendon joined in April 2026: its second quarter is the baseline's.
    assert client_for(adviser).get(record_url(hendon, slug)).status_code == 404


def test_an_area_that_joined_this_quarter_has_no_quarterly_form_for_it(hendon, adviser):
    today = timezone.localdate()
    Area.objects.filter(pk=hendon.pk).update(joined_on=today)
    url = record_url(hendon, outcomes.quarter_slug(quarter_start(today)))
    assert client_for(adviser).get(url).status_code == 404
    assert client_for(adviser).post(url, FORM).status_code == 404
    assert not OutcomeRecord.objects.exists()


def test_a_quarter_not_recorded_has_no_page_to_read(hendon, adviser):
    slug = outcomes.quarter_slug(last_quarter(hendon))
    assert client_for(adviser).get(detail_url(hendon, slug)).status_code == 404


# --- Who may do what ----------------------------------------------------------------


def test_an_adviser_of_other_areas_gets_not_found(hendon, outsider, adviser):
    saved(hendon, by=adviser)
    client = client_for(outsider)
    assert client.get(detail_url(hendon, "baseline")).status_code == 404
    assert client.get(record_url(hendon, "baseline")).status_code == 404
    assert client.post(record_url(hendon, "baseline"), FORM).status_code == 404
    assert OutcomeRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "read", "record"),
    [
        ("adviser", 200, 200),
        ("community_worker", 200, 403),
        ("manager", 200, 200),
        ("evaluator", 200, 403),
        ("administrator", 403, 403),
    ],
)
def test_each_role_reads_and_records_as_the_permission_table_says(
    request, hendon, adviser, role, read, record
):
    saved(hendon, by=adviser)
    client = client_for(request.getfixturevalue(role))
    assert client.get(detail_url(hendon, "baseline")).status_code == read
    assert client.get(record_url(hendon, "baseline")).status_code == record
    response = client.post(record_url(hendon, "baseline"), {**FORM, "volunteers": "50"})
    assert response.status_code == (record if record == 403 else 200)
    assert OutcomeRecord.objects.get().volunteers == 6


def test_a_regional_lead_of_another_region_gets_not_found(hendon, adviser):
    lead = UserFactory(role=Role.MANAGER, region="london")
    saved(hendon, by=adviser)
    assert client_for(lead).get(detail_url(hendon, "baseline")).status_code == 404


def test_evaluators_read_the_counts_never_the_narrative(hendon, adviser, evaluator, manager):
    record = saved(hendon, by=adviser, narrative="The chair, Pat, ran the meeting")
    outcomes.outcome_record_save(
        area=hendon,
        kind=record.kind,
        by=adviser,
        values={"narrative": "The chair ran the meeting"},
        correcting=record,
    )
    page = client_for(evaluator).get(detail_url(hendon, "baseline")).content.decode()
    assert "Residents actively involved" in page
    assert "ran the meeting" not in page
    assert "What happened" not in page
    page = client_for(manager).get(detail_url(hendon, "baseline")).content.decode()
    assert "The chair, Pat, ran the meeting → The chair ran the meeting" in page


@pytest.mark.hendon(programme=Stage.DELIVERING)
def test_the_audit_page_filters_outcome_records(hendon, adviser, manager):
    saved(hendon, by=adviser)
    page = client_for(manager).get("/staff/casework/audit/?kind=outcomes").content.decode()
    assert "Created outcome record" in page
    assert "Baseline for Hendon" in page


def test_a_new_quarters_form_shows_the_record_before_it_to_start_from(hendon, adviser):
    slug = outcomes.quarter_slug(last_quarter(hendon))
    client = client_for(adviser)
    assert "At the baseline" not in client.get(record_url(hendon, slug)).content.decode()
    saved(hendon, by=adviser, volunteers=7)
    page = client.get(record_url(hendon, slug)).content.decode()
    assert "At the baseline: 7." in page
    assert "At the baseline" not in client.get(record_url(hendon, "baseline")).content.decode()


def test_an_area_that_left_keeps_its_records_to_read_and_correct_and_owes_no_more(
    hendon, adviser, manager
):
    saved(hendon, by=adviser)
    area_change_stage(area=hendon, stage=Stage.LEFT, on=timezone.localdate(), by=manager)
    client = client_for(manager)
    page = client.get(f"/staff/areas/{hendon.ward_code}/outcomes/").content.decode()
    assert "has left the programme" in page
    assert f'href="{detail_url(hendon, "baseline")}"' in page
    assert "/record/" not in page
    slug = outcomes.quarter_slug(last_quarter(hendon))
    assert client.get(record_url(hendon, slug)).status_code == 404
    response = client.post(
        record_url(hendon, "baseline"), {**FORM, "volunteers": "3", "seen": outcomes_seen(hendon)}
    )
    assert response.status_code == 302
    assert OutcomeRecord.objects.get().volunteers == 3
