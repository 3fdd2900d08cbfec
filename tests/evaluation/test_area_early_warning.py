"""An area's early warning on its own page: the same reason as its row of
the dashboard for nobody at events, asked of that area alone."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from advisers import services
from advisers.models import TimeRecord
from areas.models import Area, Stage
from areas.services import area_change_stage, area_join_programme
from casework.models import Action, Partner, Referral, SupportRequest, Topic
from evaluation.dashboard import area_early_warning, dashboard
from evaluation.models import OutcomeRecord
from evaluation.outcomes import outcome_record_save
from events.models import Connection
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
    (row,) = [q["sql"] for q in seen.captured_queries if "events_registration" in q["sql"]]
    # The list of every area that came in six months (some 4 ms on ten
    # years of events) is for the dashboard's many rows.
    assert "IN (SELECT" not in row
    assert "EXISTS(SELECT 1 FROM events_registration" in row


def joined(name, on=datetime.date(2024, 4, 1)):
    area = AreaFactory(name=name, programme=False)
    area_join_programme(area=area, cohort=1, joined_on=on)
    area.refresh_from_db()
    return area


def test_the_area_page_gives_each_area_its_dashboard_rows_score_and_reasons(
    adviser, community_worker, manager, settings
):
    """Every signal, alone and together, with each weighted differently so
    a signal read wrongly shows in the score: the area's own reading of its
    inputs gives what the dashboard's rows give."""
    settings.NFC_RISK_WEIGHTS = {
        "days_missed": 1.0,
        "overdue_requests": 2.0,
        "overdue_actions": 1.5,
        "overdue_outcomes": 0.7,
        "no_events": 3.0,
        "overdue_outcome_records": 0.3,
    }
    today = NOW.date()
    quiet = joined("Quiet")  # nothing given, nobody at events, no records
    busy = joined("Busy")
    services.area_assign_adviser(area=busy, adviser=adviser, by=None, on=quiet.joined_on)
    services.area_allocate_community_worker(
        area=busy, worker=community_worker, by=None, days_per_month=Decimal(4)
    )
    # Its days given in full over the three months before this one (two
    # adviser days, and the community worker's agreed four, each month).
    for on in (datetime.date(2026, 8, 12), datetime.date(2026, 9, 9), datetime.date(2026, 10, 2)):
        TimeRecord.objects.create(
            person=adviser, role=adviser.role, area=busy, date=on, hours=Decimal(15)
        )
        for day in (on, on + datetime.timedelta(days=1)):
            TimeRecord.objects.create(
                person=community_worker,
                role=community_worker.role,
                area=busy,
                date=day,
                hours=Decimal(15),
            )
    # Some days given elsewhere: missed, in part.
    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=quiet, date=on, hours=Decimal("11.25")
    )
    came(busy, days_ago=20)
    requests = joined("Requests")
    came(requests, days_ago=30)
    for days_ago in (30, 2):
        made = SupportRequest.objects.create(
            area=requests,
            topic=Topic.PEOPLE,
            description="More neighbours at our meetings",
            name="Pat Resident",
            email="pat@example.org",
            contact_by="email",
            consented_at=NOW,
            privacy_notice_version="2026-11",
        )
        SupportRequest.objects.filter(pk=made.pk).update(
            created_at=NOW - datetime.timedelta(days=days_ago)
        )
    actions = joined("Actions")
    for days_ago in (3, 1, -5):
        Action.objects.create(
            area=actions,
            description="Call back",
            owner=adviser,
            due_on=today - datetime.timedelta(days=days_ago),
        )
    referrals = joined("Referrals")
    partner = Partner.objects.create(name="Planning Aid North", expertise=["planning"])
    for days_ago in (45, 40, 5):
        Referral.objects.create(
            area=referrals,
            partner=partner,
            help_asked="A site plan",
            status=Referral.Status.DELIVERED,
            delivered_on=today - datetime.timedelta(days=days_ago),
        )
    recorded = joined("Recorded")
    counts = dict.fromkeys(OutcomeRecord.COUNTS, 1)
    for quarter in (None, datetime.date(2024, 7, 1), datetime.date(2025, 4, 1)):
        outcome_record_save(
            area=recorded,
            kind=OutcomeRecord.Kind.QUARTER if quarter else OutcomeRecord.Kind.BASELINE,
            quarter=quarter,
            by=None,
            values=counts,
            today=today,
        )
    connected = joined("Connected")
    Connection.objects.create(
        area_a=min(connected, busy, key=lambda a: a.pk),
        area_b=max(connected, busy, key=lambda a: a.pk),
        topic="funding",
        origin="visit",
        made_on=today - datetime.timedelta(days=3),
        followed_up=True,
        recorded_by=adviser,
    )
    new = joined("New", on=datetime.date(2026, 10, 5))
    left = joined("Left")
    area_change_stage(area=left, stage=Stage.LEFT, on=datetime.date(2026, 6, 1))
    outside = AreaFactory(name="Outside", programme=False)

    full = {d.area.pk: d for d in dashboard(user=manager, now=NOW).deliveries}
    first = {d.area.pk: d for d in dashboard(user=manager, now=NOW, first_page=True).deliveries}
    areas = [quiet, busy, requests, actions, referrals, recorded, connected, new]
    for area in areas:
        alone = area_early_warning(area=Area.objects.get(pk=area.pk), now=NOW)
        for rows in (full, first):
            assert (alone.risk, alone.reasons) == (rows[area.pk].risk, rows[area.pk].reasons), (
                area.name
            )
    # Each situation is one the score sees.
    said = {area.name: " ".join(area_early_warning(area=area, now=NOW).reasons) for area in areas}
    assert "days missed" in said["Quiet"]
    assert AWAY in said["Quiet"]
    assert "days missed" not in said["Busy"]
    assert AWAY not in said["Busy"]
    assert "1 request past" in said["Requests"]
    assert "2 overdue actions" in said["Actions"]
    assert "2 referral outcomes" in said["Referrals"]
    assert "outcome records overdue" in said["Recorded"]
    assert AWAY not in said["New"]
    for gone in (left, outside):
        assert area_early_warning(area=Area.objects.get(pk=gone.pk), now=NOW) is None
        assert gone.pk not in full


def test_the_area_page_reads_only_what_the_score_counts_in_one_query(hendon):
    """Not the dashboard row's names and connections, nor a year of hours:
    the area's figures, its hours of the three months the days missed
    cover, each side's, and its outcome records' counts, in one query."""
    with CaptureQueriesContext(connection) as seen:
        area_early_warning(area=hendon, now=NOW)
    (figures,) = [q["sql"] for q in seen.captured_queries]
    assert "events_connection" not in figures
    assert "full_name" not in figures
    assert figures.count("SUM(") == 6
    assert "evaluation_outcomerecord" in figures
