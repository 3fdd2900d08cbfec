"""How an area's stages show on its page: the notes on them only to the
people who work there and managers (never evaluators), and a left area as
out of the programme."""

import pytest
from django.utils import timezone

from areas.models import Stage
from areas.services import area_change_stage
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_stage_notes_are_shown_to_the_adviser_and_never_to_an_evaluator(hendon, adviser, evaluator):
    area_change_stage(
        area=hendon,
        stage=Stage.DELIVERING,
        on=timezone.localdate(),
        by=adviser,
        note="Chair's illness: <the> plan waits",
    )
    url = f"/staff/areas/{hendon.ward_code}/"
    assert "Chair&#x27;s illness: &lt;the&gt; plan waits" in client_for(adviser).get(url).text
    page = client_for(evaluator).get(url).text
    assert "Delivering" in page
    assert "Chair" not in page


def test_an_area_that_has_left_does_not_say_it_is_in_the_programme(hendon, manager):
    area_change_stage(area=hendon, stage=Stage.LEFT, on=timezone.localdate(), by=manager)
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text
    assert "No: it has left (Year 1 cohort, joined 1 April 2026)" in page


def test_the_stage_form_says_what_leaving_means_for_caseload_places(hendon, adviser, manager):
    url = f"/staff/areas/{hendon.ward_code}/"
    assert "keeps its adviser and community worker" in client_for(manager).get(url).text
    # An adviser is not offered leaving, so is not told about it either.
    assert "keeps its adviser and community worker" not in client_for(adviser).get(url).text
