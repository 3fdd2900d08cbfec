"""The network panel on an area's page, kept cheap for an area whose people
met hundreds of others at events."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from areas.links import area_page_addresses
from tests.factories import AreaFactory, EventFactory, RegistrationFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def _came_together(*areas, days_ago=30):
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    event = EventFactory(
        published=True,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
        registration_closes_at=starts - datetime.timedelta(days=1),
    )
    for area in areas:
        RegistrationFactory(event=event, area=area, checked_in_at=starts)


def test_area_page_addresses_are_those_reverse_gives():
    page_of = area_page_addresses()
    for ward_code in ("E05001158", "E05009999"):
        assert page_of(ward_code) == reverse("areas:detail", args=[ward_code])


def test_the_areas_met_at_events_link_to_their_pages_and_are_read_narrow(hendon, manager):
    seaham, pallion = AreaFactory(name="Seaham"), AreaFactory(name="Pallion")
    _came_together(hendon, seaham, pallion, days_ago=20)
    _came_together(hendon, seaham, days_ago=10)
    with CaptureQueriesContext(connection) as seen:
        page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/events/").content.decode()
    assert f'<a href="/staff/areas/{seaham.ward_code}/">Seaham</a>: 2 events' in page
    assert f'<a href="/staff/areas/{pallion.ward_code}/">Pallion</a>: 1 event ' in page
    assert f"?area={hendon.pk}&amp;other={seaham.pk}&amp;origin=event" in page
    (others,) = [
        q["sql"] for q in seen.captured_queries if 'WHERE "areas_area"."id" IN (' in q["sql"]
    ]
    # Their names and ward codes only, not the areas' notes and figures.
    assert '"areas_area"."notes"' not in others
