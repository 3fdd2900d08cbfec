"""The dashboard's queries compiled once a process (ScopeStatement) read the
rows the ORM's own querysets read, for every shape of scope."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from advisers import services as staff_services
from advisers.roles import Role
from areas.models import FundingBid, Region
from areas.selectors import funding_query
from casework.models import Action, SpamCount, SupportRequest
from casework.selectors import (
    RESPONSE_MOMENTS,
    open_requests_query,
    overdue_actions_query,
    response_times_query,
    turned_away_query,
)
from evaluation import dashboard
from events.models import Connection, Event
from events.selectors_network import attendance_query, connections_query, upcoming_query
from nfc.periods import Period
from tests.factories import (
    AreaFactory,
    EventFactory,
    RegistrationFactory,
    SupportRequestFactory,
    UserFactory,
)


def _came(area, *, days_ago: int, event=None):
    """Someone from ``area`` checked in at ``event`` (a new one ``days_ago``)."""
    if event is None:
        starts = timezone.now() - datetime.timedelta(days=days_ago)
        event = EventFactory(
            published=True,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=4),
            registration_closes_at=starts - datetime.timedelta(days=1),
        )
    RegistrationFactory(event=event, area=area, checked_in_at=event.starts_at)
    return event


@pytest.fixture
def programme(adviser, community_worker, manager):
    """Areas in two regions, in and out of the programme, with and without
    an adviser and a community worker, people at events lately and long
    ago, and connections recorded and made at an event."""
    north = [AreaFactory(name=f"North {n}", programme=True) for n in range(4)]
    london = [
        AreaFactory(name=f"London {n}", region=Region.LONDON, programme=True) for n in range(2)
    ]
    AreaFactory(name="Outside", programme=False)
    staff_services.area_assign_adviser(area=north[0], adviser=adviser, by=None)
    staff_services.area_assign_adviser(area=london[0], adviser=adviser, by=None)
    staff_services.area_allocate_community_worker(
        area=north[1], worker=community_worker, by=None, days_per_month=Decimal(3)
    )
    _came(north[0], days_ago=10)
    _came(north[1], days_ago=300)
    together = _came(north[2], days_ago=40)
    _came(london[1], days_ago=40, event=together)
    Connection.objects.create(
        area_a=min(north[3], london[0], key=lambda a: a.pk),
        area_b=max(north[3], london[0], key=lambda a: a.pk),
        topic="funding",
        origin="visit",
        made_on=timezone.localdate() - datetime.timedelta(days=20),
        recorded_by=manager,
    )
    for n, area in enumerate([*north, *london]):
        for days in (n, 10 + 3 * n, 40 + 9 * n, 100):
            request = SupportRequestFactory(area=area, email=f"r{n}-{days}@example.org")
            SupportRequest.objects.filter(pk=request.pk).update(
                created_at=timezone.now() - datetime.timedelta(days=days, hours=n),
                status=[SupportRequest.Status.NEW, SupportRequest.Status.WAITING][days % 2],
                first_contact_at=timezone.now() - datetime.timedelta(days=days // 2),
                resolved_at=timezone.now() - datetime.timedelta(days=days // 3, hours=n)
                if days % 3
                else None,
            )
        Action.objects.create(
            area=area,
            description="Call back",
            owner=[adviser, community_worker, manager][n % 3],
            due_on=timezone.localdate() - datetime.timedelta(days=n),
        )
        FundingBid.objects.create(
            area=area,
            stream=["ukspf", "lottery"][n % 2],
            amount_sought=1000 * (n + 1),
            amount_secured=400 * n,
            status=["awarded", "submitted"][n % 3 % 2],
        )
    for days in (-30, 3, 20, 45):
        starts = timezone.now() + datetime.timedelta(days=days)
        for region in (Region.NORTH_EAST, Region.LONDON, ""):
            EventFactory(
                published=True,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=4),
                registration_closes_at=starts - datetime.timedelta(days=1),
                region=region,
                kind=Event.Kind.NATIONAL if not region else Event.Kind.REGIONAL,
            )
    return north + london


@pytest.fixture
def lead(db):
    return UserFactory(role=Role.MANAGER, full_name="Nia Lead", region=Region.NORTH_EAST)


SCOPES = [
    ("manager", ""),
    ("manager", Region.LONDON),
    ("lead", Region.NORTH_EAST),
    ("adviser", ""),
    ("community_worker", ""),
]


@pytest.mark.parametrize(("person", "region"), SCOPES)
@pytest.mark.parametrize("days_on", [0, 200])
def test_the_areas_statement_reads_the_querysets_rows(request, programme, person, region, days_on):
    user = request.getfixturevalue(person)
    scope = dashboard.Scope(user=user, region=region)
    now = timezone.now() + datetime.timedelta(days=days_on)
    values = dashboard._area_query_values(now)

    rows = dashboard._AREA_ROWS.rows(scope, **values)

    assert rows == list(dashboard._area_query(scope, **values))
    assert rows, "each scope sees an area"


def test_the_areas_rows_are_the_orms_areas(programme, adviser):
    scope = dashboard.Scope(user=adviser)
    now = timezone.now()

    (first, *_) = rows = dashboard._area_rows(scope, now)

    assert [area.name for area in rows] == ["London 0", "North 0"]
    assert first.get_deferred_fields() == {
        field.attname
        for field in type(first)._meta.concrete_fields
        if field.attname not in {"id", *dashboard.AREA_FIELDS}
    }
    assert (first.adviser_id, first.adviser_name) == (adviser.pk, adviser.full_name)
    assert first.connected_lately is True
    assert first.at_events_lately is False
    assert rows[1].at_events_lately is True


def test_a_statements_year_must_end_tomorrow(programme, manager):
    values = dashboard._area_query_values(timezone.now())
    values["year_start_moment"] += datetime.timedelta(hours=1)
    with pytest.raises(ValueError, match="moments"):
        dashboard._area_query(dashboard.Scope(user=manager), **values)


QUARTER = Period.quarter(timezone.localdate())


def _figures(scope: dashboard.Scope, now):
    """Each statement of the scope's figures, with the queryset it compiles
    and the values it takes."""
    today = timezone.localdate(now)
    return [
        (
            dashboard._OPEN_REQUESTS,
            open_requests_query(requests=scope.requests, now=now),
            dashboard._request_moments(now),
        ),
        (
            dashboard._OVERDUE_ACTIONS,
            overdue_actions_query(areas=scope.every_area, today=today),
            {"today": today},
        ),
        (dashboard._FUNDING, funding_query(areas=scope.every_area), {}),
        (
            dashboard._ATTENDANCE,
            attendance_query(registrations=scope.registrations, period=QUARTER),
            {"start": QUARTER.start_moment, "end": QUARTER.end_moment},
        ),
        (
            dashboard._UPCOMING,
            upcoming_query(events=scope.events, now=now),
            {"now": now},
        ),
        *(
            (
                dashboard._RESPONSE_TIMES[moment],
                response_times_query(
                    requests=scope.requests, periods=[QUARTER, QUARTER.shifted(-3)], moment=moment
                ),
                {
                    "this_start": QUARTER.start_moment,
                    "this_end": QUARTER.end_moment,
                    "last_start": QUARTER.shifted(-3).start_moment,
                },
            )
            for moment in RESPONSE_MOMENTS
        ),
        (
            dashboard._CONNECTIONS,
            connections_query(connections=scope.connections, period=QUARTER),
            {"start": QUARTER.start, "end": QUARTER.end},
        ),
    ]


@pytest.mark.parametrize(("person", "region"), SCOPES)
@pytest.mark.parametrize("days_on", [0, 1, 2, 3, 4, 5, 6, 30])
def test_the_scopes_figures_read_their_querysets_rows(request, programme, person, region, days_on):
    """On each day of the week (the response target counts working days)."""
    user = request.getfixturevalue(person)
    scope = dashboard.Scope(user=user, region=region)
    now = timezone.now() + datetime.timedelta(days=days_on)

    for statement, queryset, values in _figures(scope, now):
        assert statement.rows(scope, **values) == list(queryset)


@pytest.mark.parametrize(("person", "region"), SCOPES)
def test_each_scope_has_figures_to_compare(request, programme, person, region):
    """The comparisons above are of rows, not of nothing."""
    scope = dashboard.Scope(user=request.getfixturevalue(person), region=region)
    figures = _figures(scope, timezone.now())
    requests, actions, funding, _, upcoming, *_ = (list(queryset) for _, queryset, _ in figures)
    assert all([requests, actions, funding, upcoming])


def test_a_period_of_moments_starts_at_midnight():
    with pytest.raises(ValueError, match="moments"):
        dashboard._quarter_of(
            QUARTER.start_moment + datetime.timedelta(hours=1), QUARTER.end_moment
        )


def test_open_requests_moments_must_be_nows(manager):
    moments = dashboard._request_moments(timezone.now())
    moments["deadline"] -= datetime.timedelta(seconds=1)
    with pytest.raises(ValueError, match="now"):
        dashboard._open_requests(dashboard.Scope(user=manager), **moments)


@pytest.mark.parametrize("working_days", [0, 1, 5, 10, 20, 65])
def test_open_requests_compile_for_any_response_target(
    programme, manager, settings, working_days, monkeypatch
):
    """Whatever the response target, its deadline is a stand-in of its own
    (at 0 working days it is now itself), and the rows are the queryset's."""
    settings.NFC_FIRST_CONTACT_WORKING_DAYS = working_days
    monkeypatch.setattr(dashboard._OPEN_REQUESTS, "_by_role", {})
    scope = dashboard.Scope(user=manager)
    now = timezone.now()
    rows = dashboard._OPEN_REQUESTS.rows(scope, **dashboard._request_moments(now))
    assert sorted(rows) == sorted(open_requests_query(requests=scope.requests, now=now))


def test_response_times_are_one_row_of_the_aggregates(programme, manager):
    """Grouped by a constant, the query is the aggregate: one row, with
    noughts and no medians where no request was contacted or resolved."""
    scope = dashboard.Scope(user=manager)
    periods = [QUARTER, QUARTER.shifted(-3)]
    for moment in RESPONSE_MOMENTS:
        query = response_times_query(requests=scope.requests, periods=periods, moment=moment)
        (row,) = query
        assert row[1] > 0
        assert list(query.filter(pk=-1)) == [(None, 0, None, 0)]


def test_the_turned_away_statement_reads_the_querysets_rows(db):
    today = timezone.localdate()
    for days, reason, count in [(0, "honeypot", 3), (5, "too_fast", 2), (40, "honeypot", 7)]:
        SpamCount.objects.create(
            day=today - datetime.timedelta(days=days), reason=reason, count=count
        )
    period = dashboard._last_days(today, 30)

    rows = dashboard._TURNED_AWAY.rows(None, start=period.start, end=period.end)

    assert sorted(rows) == sorted(turned_away_query(period=period))
    assert sorted(rows) == [("honeypot", 3), ("too_fast", 2)]


def test_a_deactivated_persons_scope_is_not_their_roles(programme, manager):
    manager.is_active = False
    scope = dashboard.Scope(user=manager)
    values = dashboard._area_query_values(timezone.now())

    assert dashboard._AREA_ROWS.rows(scope, **values) == []
    assert dashboard._FUNDING.rows(scope) == []
