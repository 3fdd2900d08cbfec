"""Nobody gives more than a day's 24 hours on one date, however many records
and areas the hours are spread over."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from advisers import services
from advisers.models import TimeRecord
from tests.factories import AreaFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def _record(area, person, hours, by=None):
    return services.time_record_add(
        person=person,
        area=area,
        date=timezone.localdate(),
        hours=Decimal(hours),
        kind=TimeRecord.Kind.VISIT,
        by=by or person,
    )


def test_a_second_record_past_24_hours_on_one_date_is_refused_with_what_was_typed_kept(
    hendon, adviser
):
    client = client_for(adviser)
    data = {
        "area": hendon.pk,
        "date": timezone.localdate(),
        "amount": "3",
        "unit": "days",
        "kind": "visit",
        "note": "Open day",
    }
    assert client.post("/staff/time/", data).status_code == 302
    data["note"] = "Planning <evening> & tea"
    refused = client.post("/staff/time/", data)
    assert refused.status_code == 200
    assert "You have already recorded 22.5 hours on" in refused.text
    assert "22.5 hours more would be over 24 hours in one day." in refused.text
    assert "Planning &lt;evening&gt; &amp; tea" in refused.text
    assert TimeRecord.objects.count() == 1


def test_the_day_counts_across_areas_and_names_the_person_for_a_manager(hendon, adviser, manager):
    other = AreaFactory()
    services.area_assign_adviser(area=other, adviser=adviser, by=None)
    _record(hendon, adviser, "8")
    _record(other, adviser, "8")
    with pytest.raises(ValidationError, match="Asha Adviser has already recorded 16 hours"):
        _record(hendon, adviser, "8.5", by=manager)
    _record(other, adviser, "8", by=manager)
    assert TimeRecord.objects.filter(person=adviser).count() == 3


def test_a_date_in_the_future_is_shown_at_the_date_field_with_what_was_typed_kept(hendon, adviser):
    response = client_for(adviser).post(
        "/staff/time/",
        {
            "area": hendon.pk,
            "date": "2999-01-01",
            "amount": "1",
            "unit": "days",
            "kind": "visit",
            "note": "Planning day",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["The date cannot be in the future."]
    assert 'value="Planning day"' in response.text
    assert not TimeRecord.objects.exists()
