"""An area's early warning on its own page: the same reason as its row of
the dashboard for nobody at events, asked of that area alone."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.dashboard import area_early_warning, dashboard
from tests.factories import AreaFactory, EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
AWAY = "no one from this area at any event for 6 months"


def came(area, days_ago):
    starts = NOW - datetime.timedelta(days=days_ago)
    event = EventFactory(
        published=True,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        registration_closes_at=starts - datetime.timedelta(days=1),
    )
    RegistrationFactory(event=event, area=area, checked_in_at=starts)


def test_the_area_page_and_the_dashboard_agree_on_who_was_at_events(manager):
    lately, long_ago, never = (AreaFactory(name=name) for name in ("Lately", "Long", "Never"))
    for area in (lately, long_ago, never):
        area.joined_on = datetime.date(2024, 4, 1)
        area.save()
    came(lately, days_ago=150)
    came(long_ago, days_ago=200)

    rows = {d.area.pk: d for d in dashboard(user=manager, now=NOW).deliveries}
    for area, away in ((lately, False), (long_ago, True), (never, True)):
        alone = area_early_warning(area=area, now=NOW)
        assert (AWAY in alone.reasons) is away, area.name
        assert (AWAY in rows[area.pk].reasons) is away, area.name


def test_the_area_page_asks_of_its_own_registrations_not_every_areas(hendon):
    with CaptureQueriesContext(connection) as seen:
        area_early_warning(area=hendon, now=NOW)
    (row,) = [q["sql"] for q in seen.captured_queries if "at_events_lately" in q["sql"]]
    # The list of every area that came in six months (some 4 ms on ten
    # years of events) is for the dashboard's many rows.
    assert 'IN (SELECT U0."area_id" AS "area_id" FROM "events_registration"' not in row
    assert "EXISTS(" in row
