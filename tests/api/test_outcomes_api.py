"""Outcome records through the API: an area's records within scope, their
narrative never to evaluators, recorded and corrected through
evaluation.outcomes with the form's messages and the audit history."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.models import AuditEntry
from evaluation import outcomes
from evaluation.api.views import CHANGED_SINCE_READ
from evaluation.models import OutcomeRecord
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

COUNTS = {
    "residents_involved": 12,
    "volunteers": 4,
    "leaders": 2,
    "new_groups": 1,
    "spaces_in_use": 1,
    "spaces_owned": 0,
    "leaders_trained": 1,
}
# Hendon joined on 1 April 2026 (tests.factories.AreaFactory).
JULY = datetime.date(2026, 7, 1)


def _url(area, slug: str = "") -> str:
    return f"/api/v1/areas/{area.ward_code}/outcomes/" + (f"{slug}/" if slug else "")


def _record(area, by, quarter=JULY, **values) -> OutcomeRecord:
    return outcomes.outcome_record_save(
        area=area,
        kind=OutcomeRecord.Kind.QUARTER,
        quarter=quarter,
        by=by,
        values={**COUNTS, "narrative": "A resident started a youth club.", **values},
        today=datetime.date(2026, 11, 30),
    )


def test_an_adviser_records_a_baseline_through_the_api(api_as, adviser, hendon):
    response = api_as("adviser").post(
        _url(hendon),
        {"kind": "baseline", **COUNTS, "community_plan": True, "narrative": "Where we start."},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "baseline"
    assert response.json()["narrative"] == "Where we start."
    record = OutcomeRecord.objects.get()
    assert record.community_plan is True
    assert record.recorded_by == adviser
    entry = AuditEntry.objects.get(content_type__model="outcomerecord", object_id=record.pk)
    assert entry.changed_by == adviser
    assert entry.changes["volunteers"] == [None, 4]


def test_a_record_the_form_would_refuse_is_refused_in_its_words_and_nothing_saved(api_as, hendon):
    response = api_as("adviser").post(
        _url(hendon),
        {
            "kind": "quarter",
            "quarter": "2026-q3",
            **COUNTS,
            "volunteers": "lots",
            "leaders": -1,
            "new_groups": 1_000_000,
            "leaders_trained": None,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "volunteers": ["Enter a whole number, like 12."],
        "leaders": ["Enter 0 or more."],
        "new_groups": ["Enter 100,000 or fewer: check for an extra nought."],
        "leaders_trained": ["Enter a number (0 if none)."],
    }
    assert not OutcomeRecord.objects.exists()


def test_more_spaces_owned_than_in_use_is_refused_on_the_field(api_as, hendon):
    response = api_as("adviser").post(
        _url(hendon),
        {"kind": "baseline", **COUNTS, "spaces_in_use": 1, "spaces_owned": 2},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["spaces_owned"][0].startswith("Enter no more than the spaces in use (1)")
    assert not OutcomeRecord.objects.exists()


def test_a_second_record_of_a_quarter_is_refused_as_on_the_web(api_as, adviser, hendon):
    _record(hendon, adviser)

    response = api_as("manager").post(
        _url(hendon), {"kind": "quarter", "quarter": "2026-q3", **COUNTS}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [
            "July to September 2026 for Hendon has already been recorded by Asha Adviser. "
            "Correct that record instead of making a second one."
        ]
    }
    assert OutcomeRecord.objects.count() == 1


def test_which_record_and_fields_nobody_sets_are_refused(api_as, hendon, manager):
    client = api_as("adviser")

    no_quarter = client.post(_url(hendon), {"kind": "quarter", **COUNTS}, format="json")
    recorder = client.post(
        _url(hendon), {"kind": "baseline", **COUNTS, "recorded_by": manager.pk}, format="json"
    )

    assert no_quarter.json() == {"quarter": ['Give the quarter like "2026-q3".']}
    assert recorder.json() == {"recorded_by": ["This field cannot be set here."]}
    assert not OutcomeRecord.objects.exists()


def test_evaluators_read_the_counts_but_never_the_narrative(api_as, adviser, hendon):
    _record(hendon, adviser)

    listed = api_as("evaluator").get(_url(hendon))
    one = api_as("evaluator").get(_url(hendon, "2026-q3"))
    advisers = api_as("adviser").get(_url(hendon, "2026-q3"))

    assert listed.json()["results"][0]["volunteers"] == 4
    assert listed.json()["results"][0]["narrative"] is None
    assert one.json()["narrative"] is None
    for answer in (listed, one):
        assert "youth club" not in answer.content.decode()
    assert advisers.json()["narrative"] == "A resident started a youth club."


def test_a_correction_needs_the_record_as_read_and_is_audited(api_as, adviser, manager, hendon):
    record = _record(hendon, adviser)
    client = api_as("manager")
    url = _url(hendon, "2026-q3")
    seen = client.get(url).json()["seen"]

    unseen = client.patch(url, {"volunteers": 9}, format="json")
    corrected = client.patch(url, {"volunteers": 9, "seen": seen}, format="json")
    stale = client.patch(url, {"volunteers": 10, "seen": seen}, format="json")

    assert unseen.status_code == 400
    assert unseen.json() == {"seen": ["Send the record's seen value as you read it."]}
    assert corrected.status_code == 200, corrected.json()
    assert corrected.json()["volunteers"] == 9
    assert corrected.json()["leaders"] == 2
    assert stale.status_code == 400
    assert stale.json() == {"seen": [CHANGED_SINCE_READ]}
    record.refresh_from_db()
    assert record.volunteers == 9
    entry = AuditEntry.objects.filter(
        content_type__model="outcomerecord", object_id=record.pk
    ).latest("pk")
    assert entry.changed_by == manager
    assert entry.changes["volunteers"] == [4, 9]


def test_a_correction_the_form_would_refuse_changes_nothing(api_as, adviser, hendon):
    record = _record(hendon, adviser)
    client = api_as("adviser")
    url = _url(hendon, "2026-q3")
    seen = client.get(url).json()["seen"]

    response = client.patch(url, {"narrative": "x" * 2001, "seen": seen}, format="json")

    assert response.status_code == 400
    assert response.json() == {"narrative": ["Keep it to 2,000 characters or fewer (it has 2001)."]}
    record.refresh_from_db()
    assert record.narrative == "A resident started a youth club."


@pytest.mark.parametrize("persona", ["community_worker", "evaluator"])
def test_those_who_only_read_outcomes_cannot_record_them(api_as, hendon, persona):
    response = api_as(persona).post(_url(hendon), {"kind": "baseline", **COUNTS}, format="json")

    assert response.status_code == 403
    assert not OutcomeRecord.objects.exists()


def test_another_advisers_area_is_not_found(api_as, adviser, hendon):
    _record(hendon, adviser)
    client = api_as("outsider")

    assert client.get(_url(hendon)).status_code == 404
    assert client.get(_url(hendon, "2026-q3")).status_code == 404
    assert client.post(_url(hendon), {"kind": "baseline", **COUNTS}, format="json").status_code == (
        404
    )


def test_a_quarter_the_area_has_not_recorded_is_not_found(api_as, hendon):
    client = api_as("adviser")

    assert client.get(_url(hendon, "2026-q3")).status_code == 404
    assert client.get(_url(hendon, "someday")).status_code == 404


def test_a_read_only_token_cannot_record(api_as, hendon):
    response = api_as("manager", read_only=True).post(
        _url(hendon), {"kind": "baseline", **COUNTS}, format="json"
    )

    assert response.status_code == 403
    assert not OutcomeRecord.objects.exists()


def _quarters(area, by, quarters: list[datetime.date]) -> None:
    OutcomeRecord.objects.bulk_create(
        OutcomeRecord(area=area, quarter=quarter, recorded_by=by, **COUNTS) for quarter in quarters
    )


def test_the_list_asks_as_many_queries_for_ten_times_the_records(
    api_as, adviser, django_assert_num_queries
):
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    client = api_as("manager")
    _quarters(area, adviser, [datetime.date(2020, 1, 1)])
    client.get(_url(area))
    with CaptureQueriesContext(connection) as once:
        client.get(_url(area))
    _quarters(area, adviser, [datetime.date(2021 + n // 4, 1 + 3 * (n % 4), 1) for n in range(9)])

    with django_assert_num_queries(len(once)):
        response = client.get(_url(area))

    assert response.json()["count"] == 10
