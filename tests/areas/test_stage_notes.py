"""Staff notes on an area's stages are for the people who work there and
managers, like every other note: never evaluators."""

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
