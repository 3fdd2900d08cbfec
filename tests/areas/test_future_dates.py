"""Nothing people record as done may be dated ahead: a stage "from next
January" once refused every later move of the area, a manager's included."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from areas.models import FundingBid, Stage
from areas.services import area_change_stage, area_join_programme
from tests.factories import AreaFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def test_a_stage_dated_tomorrow_is_refused_and_the_area_stays_movable(hendon, adviser, manager):
    response = client_for(adviser).post(
        f"/staff/areas/{hendon.ward_code}/stage/",
        {"stage": Stage.YEAR_ZERO, "on": TOMORROW, "note": "Planning starts"},
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.text
    assert 'value="Planning starts"' in response.text
    hendon.refresh_from_db()
    assert hendon.stage == Stage.OUTREACH
    assert not hendon.stage_changes.filter(stage=Stage.YEAR_ZERO).exists()
    area_change_stage(area=hendon, stage=Stage.LEFT, on=timezone.localdate(), by=manager)


def test_the_services_refuse_future_dates_whoever_calls(hendon):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        area_change_stage(area=hendon, stage=Stage.YEAR_ZERO, on=TOMORROW)
    outside = AreaFactory(programme=False)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        area_join_programme(area=outside, cohort=1, joined_on=TOMORROW)
    outside.refresh_from_db()
    assert outside.cohort is None


@pytest.mark.parametrize("field", ["submitted_on", "decided_on"])
def test_funding_dated_tomorrow_is_refused_with_what_was_typed_kept(hendon, adviser, field):
    data = {
        "stream": FundingBid.Stream.UKSPF,
        "description": "Hall roof",
        "amount_sought": "5000",
        "amount_secured": "0",
        "status": FundingBid.Status.SUBMITTED,
        field: TOMORROW,
    }
    response = client_for(adviser).post(f"/staff/areas/{hendon.ward_code}/funding/add/", data)
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.text
    assert 'value="Hall roof"' in response.text
    assert not FundingBid.objects.exists()


def test_joining_the_programme_tomorrow_is_refused(manager):
    outside = AreaFactory(programme=False)
    response = client_for(manager).post(
        f"/staff/areas/{outside.ward_code}/join/", {"cohort": 1, "joined_on": TOMORROW}
    )
    assert response.status_code == 200
    assert "The date cannot be in the future." in response.text
    outside.refresh_from_db()
    assert outside.cohort is None
