"""The dashboard: each figure against data made for it, the filters, who
sees what, the CSV tables and a query count that stays flat."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from advisers import services
from advisers.delivery import Delivery, share_due
from advisers.models import Role, TimeRecord
from areas.models import AreaType, FundingBid, Region, Stage
from areas.services import area_change_stage, area_join_programme
from casework.models import Action, Interaction, SpamCount, SupportRequest, Topic
from casework.services import support_request_move
from evaluation.dashboard import DeliveryFilters, dashboard
from events.models import Connection
from events.network_services import connection_record
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for, redis_caches

# Hendon has been in the programme since April 2026, delivering since June.
pytestmark = [pytest.mark.django_db, pytest.mark.hendon(programme=Stage.DELIVERING)]

# The last day of a month, so "this month" is due in full: 2 days each side.
NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
NOVEMBER = datetime.date(2026, 11, 10)
LAST_THREE = [datetime.date(2026, 8, 12), datetime.date(2026, 9, 9), datetime.date(2026, 10, 14)]


def give_days(person, area, days, on):
    TimeRecord.objects.create(
        person=person, role=person.role, area=area, date=on, hours=Decimal(days) * 75 / 10
    )


def make_request(area, *, created_at, status=SupportRequest.Status.NEW, **fields):
    details = {
        "topic": Topic.PEOPLE,
        "description": "We want more neighbours at our meetings",
        "name": "Pat Resident",
        "email": "pat@example.org",
        "contact_by": "email",
        "consented_at": created_at,
        "privacy_notice_version": "2026-11",
        "status": status,
        **fields,
    }
    support_request = SupportRequest.objects.create(area=area, **details)
    SupportRequest.objects.filter(pk=support_request.pk).update(created_at=created_at)
    support_request.refresh_from_db()
    return support_request


@pytest.fixture
def millfield(adviser):
    area = AreaFactory(name="Millfield", ward_code="E05001160", programme=True)
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    return area


@pytest.fixture
def kirkby(outsider):
    """Another adviser's area, in another region."""
    area = AreaFactory(
        name="Northwood", ward_code="E05010940", region=Region.NORTH_WEST, programme=True
    )
    services.area_assign_adviser(area=area, adviser=outsider, by=None)
    return area


def figures_for(user, **kwargs):
    return dashboard(user=user, now=NOW, **kwargs)


def came_to_an_event(area, *, days_ago: int, **event):
    """Someone from ``area`` at an event ``days_ago`` (checked in, once the
    check-in page records it; until then a confirmed place at an event past)."""
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    event = EventFactory(
        published=True,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        registration_closes_at=starts - datetime.timedelta(days=1),
        **event,
    )
    return RegistrationFactory(event=event, area=area, checked_in_at=starts)


def delivery_of(figures, area):
    return next(d for d in figures.deliveries if d.area.pk == area.pk)


# --- Judging delivery -----------------------------------------------------


@pytest.mark.parametrize(
    ("given", "status"),
    [
        ("2", Delivery.ON_TRACK),
        ("1.8", Delivery.ON_TRACK),
        ("1.5", Delivery.BEHIND),
        ("1.0", Delivery.BEHIND),
        ("0.9", Delivery.FAR_BEHIND),
        ("0", Delivery.FAR_BEHIND),
    ],
)
def test_days_given_are_judged_against_the_thresholds(given, status):
    assert Delivery.judge(Decimal(given), Decimal(2)) == status


def test_the_thresholds_are_settings(settings):
    settings.NFC_DELIVERY_ON_TRACK_SHARE = 0.7
    settings.NFC_DELIVERY_FAR_BEHIND_SHARE = 0.2
    assert Delivery.judge(Decimal("1.5"), Decimal(2)) == Delivery.ON_TRACK
    assert Delivery.judge(Decimal("0.5"), Decimal(2)) == Delivery.BEHIND


def test_nothing_due_is_not_judged():
    assert Delivery.judge(Decimal(0), Decimal(0)) is None


def test_this_month_is_due_so_far_and_a_month_before_joining_not_at_all():
    today = datetime.date(2026, 11, 15)
    assert share_due(datetime.date(2026, 11, 1), joined_on=None, today=today) == Decimal(
        15
    ) / Decimal(30)
    assert share_due(datetime.date(2026, 10, 1), joined_on=None, today=today) == 1
    assert (
        share_due(datetime.date(2026, 3, 1), joined_on=datetime.date(2026, 4, 1), today=today) == 0
    )
    assert share_due(
        datetime.date(2026, 4, 1), joined_on=datetime.date(2026, 4, 16), today=today
    ) == Decimal(15) / Decimal(30)


def test_an_area_with_one_and_a_half_adviser_days_this_month_is_behind(
    hendon, adviser, community_worker, manager
):
    give_days(adviser, hendon, "1.5", NOVEMBER)
    give_days(community_worker, hendon, "2", NOVEMBER)
    delivery = delivery_of(figures_for(manager), hendon)
    assert delivery.adviser["month"].given == Decimal("1.5")
    assert delivery.adviser["month"].due == 2
    assert delivery.adviser["month"].status == Delivery.BEHIND
    assert delivery.worker["month"].status == Delivery.ON_TRACK
    assert delivery.status("month") == Delivery.BEHIND


def test_three_and_twelve_months_add_up_the_whole_months_before_this_one(
    hendon, adviser, community_worker, manager
):
    for day in LAST_THREE:
        give_days(adviser, hendon, "2", day)
        give_days(community_worker, hendon, "1", day)
    give_days(adviser, hendon, "3", datetime.date(2026, 5, 5))
    # Before the twelve months, and this month: in neither.
    give_days(adviser, hendon, "3", datetime.date(2025, 10, 31))
    give_days(adviser, hendon, "1", NOVEMBER)
    delivery = delivery_of(figures_for(manager), hendon)
    assert delivery.adviser["quarter"].given == 6
    assert delivery.adviser["quarter"].due == 6
    assert delivery.worker["quarter"].given == 3
    assert delivery.worker["quarter"].status == Delivery.BEHIND
    # Hendon joined on 1 April 2026: seven months were due of the twelve.
    assert delivery.adviser["year"].given == 9
    assert delivery.adviser["year"].due == 14
    assert delivery.adviser["year"].status == Delivery.BEHIND
    assert delivery.status("quarter") == Delivery.BEHIND


def test_only_advisers_and_community_workers_time_counts(hendon, adviser, manager):
    give_days(manager, hendon, "2", NOVEMBER)
    delivery = delivery_of(figures_for(manager), hendon)
    assert delivery.adviser["month"].given == 0
    assert delivery.worker["month"].given == 0


def test_a_community_workers_agreed_days_are_what_is_due(adviser, community_worker, manager):
    area = AreaFactory(programme=True)
    services.area_allocate_community_worker(
        area=area, worker=community_worker, by=None, days_per_month=Decimal(4)
    )
    assert delivery_of(figures_for(manager), area).worker["month"].due == 4


def test_status_counts_cover_each_period(hendon, millfield, adviser, community_worker, manager):
    for day in LAST_THREE:
        give_days(adviser, hendon, "2", day)
        give_days(community_worker, hendon, "2", day)
    counts = figures_for(manager).status_counts
    assert counts["quarter"] == {Delivery.ON_TRACK: 1, Delivery.BEHIND: 0, Delivery.FAR_BEHIND: 1}
    assert counts["month"][Delivery.FAR_BEHIND] == 2


# --- The delivery table's filters ------------------------------------------


def test_the_table_filters_by_status_and_by_area(
    hendon, millfield, kirkby, adviser, community_worker, manager
):
    for day in LAST_THREE:
        give_days(adviser, hendon, "2", day)
        give_days(community_worker, hendon, "2", day)
    on_track = figures_for(manager, filters=DeliveryFilters(status=Delivery.ON_TRACK))
    assert [d.area.name for d in on_track.table] == ["Hendon"]
    assert len(on_track.deliveries) == 3

    coastal = AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})[0]
    millfield.types.add(coastal)
    by_type = figures_for(manager, filters=DeliveryFilters(area_type=coastal))
    assert [d.area.name for d in by_type.table] == ["Millfield"]
    by_region = figures_for(manager, filters=DeliveryFilters(region=Region.NORTH_WEST))
    assert [d.area.name for d in by_region.table] == ["Northwood"]
    by_stage = figures_for(manager, filters=DeliveryFilters(stage=Stage.DELIVERING))
    assert [d.area.name for d in by_stage.table] == ["Hendon"]
    by_adviser = figures_for(manager, filters=DeliveryFilters(adviser=adviser))
    assert {d.area.name for d in by_adviser.table} == {"Hendon", "Millfield"}
    by_cohort = figures_for(manager, filters=DeliveryFilters(cohort=2))
    assert by_cohort.table == []


def test_the_table_sorts(hendon, millfield, adviser, manager):
    make_request(millfield, created_at=NOW - datetime.timedelta(days=20))
    by_risk = figures_for(manager, filters=DeliveryFilters(sort="risk"))
    assert [d.area.name for d in by_risk.table] == ["Millfield", "Hendon"]
    by_name = figures_for(manager, filters=DeliveryFilters(sort="name"))
    assert [d.area.name for d in by_name.table] == ["Hendon", "Millfield"]


def test_the_page_filters_from_the_address(hendon, millfield, adviser, community_worker, manager):
    for day in LAST_THREE:
        give_days(adviser, hendon, "2", day)
        give_days(community_worker, hendon, "2", day)
    page = client_for(manager).get("/dashboard/delivery/?status=far_behind&period=quarter")
    table = page.context["figures"].table
    assert [d.area.name for d in table] == ["Millfield"]
    assert "1 area far behind" in page.content.decode()


def test_an_address_with_the_tables_filters_opens_the_delivery_table(hendon, manager, kirkby):
    # Addresses from when the table was on the first page still lead to it.
    client = client_for(manager)
    response = client.get("/dashboard/?status=far_behind&period=month")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/delivery/?status=far_behind&period=month"
    regional = client.get("/dashboard/regions/north_west/?sort=risk")
    assert regional["Location"] == "/dashboard/regions/north_west/delivery/?sort=risk"


def test_the_first_page_is_what_needs_attention_and_links_to_the_tables(hendon, manager):
    page = client_for(manager).get("/dashboard/").text
    assert 'id="delivery-caption"' not in page
    assert 'id="advisers-caption"' not in page
    assert 'role="img"' not in page
    for link in ("/dashboard/delivery/", "/dashboard/caseloads/", "/dashboard/trends/"):
        assert f'href="{link}"' in page
    assert 'href="/dashboard/delivery/?period=quarter&amp;status=behind"' in page
    assert 'href="/dashboard/delivery/?sort=risk"' in page
    # The first of the page's own contents, so a phone need not scroll to it.
    contents = page.split('aria-label="On this page"')[1].split("</nav>")[0]
    assert contents.index('href="#more-title"') < contents.index('href="#early-warning"')
    regional = client_for(manager).get("/dashboard/regions/north_east/").text
    assert 'href="/dashboard/regions/north_east/delivery/?sort=risk"' in regional


def test_bad_filters_are_explained_and_the_table_shows_every_area(hendon, millfield, manager):
    page = client_for(manager).get("/dashboard/delivery/?period=decade&cohort=seven&status=lost")
    assert page.status_code == 200
    text = page.content.decode()
    assert "There is a problem" in text
    assert "Select a valid choice" in text
    assert len(page.context["figures"].table) == 2
    # What was typed stays in the form to be corrected.
    assert page.context["form"].data["cohort"] == "seven"


# --- Early warning -------------------------------------------------------------


def test_early_warning_ranks_areas_and_says_why(
    hendon, millfield, adviser, community_worker, manager, settings
):
    # Outcome records have tests of their own (test_outcomes_dashboard.py).
    settings.NFC_RISK_WEIGHTS = {**settings.NFC_RISK_WEIGHTS, "overdue_outcome_records": 0}
    for day in LAST_THREE:
        give_days(adviser, hendon, "2", day)
        give_days(community_worker, hendon, "2", day)
    make_request(millfield, created_at=NOW - datetime.timedelta(days=30))
    Action.objects.create(
        area=millfield,
        description="Book the hall",
        owner=adviser,
        due_on=NOW.date() - datetime.timedelta(days=3),
    )
    came_to_an_event(hendon, days_ago=60)
    warning = figures_for(manager).early_warning
    assert [d.area.name for d in warning] == ["Millfield"]
    # Millfield: 12 days missed (2 + 2 a month, 3 months) + 2 for the request + 1 for the
    # action + 2 for nobody at an event since it joined, 8 months ago.
    assert warning[0].risk == 17.0
    assert warning[0].reasons == [
        "12.0 support days missed in 3 months",
        "1 request past the response target",
        "1 overdue action",
        "no one from this area at any event for 6 months",
    ]


def test_every_areas_score_and_reasons_are_on_its_row_and_in_the_csv(
    hendon, millfield, adviser, community_worker, manager
):
    make_request(millfield, created_at=NOW - datetime.timedelta(days=30))
    client = client_for(manager)
    page = client.get("/dashboard/delivery/?period=quarter").text
    assert "1 request past the response target" in page.split('id="delivery-caption"')[1]
    rows = list(
        csv.reader(
            io.StringIO(client.get("/dashboard/export/delivery.csv").content.decode("utf-8-sig"))
        )
    )
    assert rows[0][-2:] == ["Early-warning score", "Why"]
    millfield_row = next(row for row in rows if row[1] == "Millfield")
    assert "1 request past the response target" in millfield_row[-1]


def test_each_areas_score_and_reasons_are_on_its_area_page(
    hendon, millfield, adviser, evaluator, manager
):
    make_request(millfield, created_at=timezone.now() - datetime.timedelta(days=30))
    url = f"/staff/areas/{millfield.ward_code}/"
    for person in (adviser, manager):
        page = client_for(person).get(url).text
        assert "Early warning" in page
        assert "<li>1 request past the response target</li>" in page
    delivery = next(d for d in dashboard(user=manager).deliveries if d.area.pk == millfield.pk)
    assert f"Score <strong>{delivery.risk}</strong>" in client_for(manager).get(url).text
    # Evaluators do not see the dashboard, so not its score either.
    assert "Early warning" not in client_for(evaluator).get(url).text


@pytest.mark.hendon(programme=False, adviser=False, community_worker=False)
def test_an_area_outside_the_programme_has_no_early_warning(hendon, manager):
    assert "Early warning" not in client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text


def test_the_early_warning_weights_are_settings(
    hendon, millfield, adviser, community_worker, manager, settings
):
    settings.NFC_RISK_WEIGHTS = {
        "days_missed": 0,
        "overdue_requests": 10,
        "overdue_actions": 0,
        "overdue_outcomes": 0,
        "no_events": 0,
        "overdue_outcome_records": 0,
    }
    for day in LAST_THREE:
        give_days(adviser, millfield, "2", day)
    make_request(hendon, created_at=NOW - datetime.timedelta(days=30))
    warning = figures_for(manager).early_warning
    assert [(d.area.name, d.risk) for d in warning] == [("Hendon", 10.0)]


def test_the_page_lists_the_areas_at_risk_with_links(millfield, manager):
    page = client_for(manager).get("/dashboard/").content.decode()
    assert 'href="/staff/areas/E05001160/"' in page
    assert "support days missed in 3 months" in page


# --- Requests, actions, funding ----------------------------------------------


def test_open_requests_by_status_and_age(hendon, manager):
    now = timezone.now()
    make_request(hendon, created_at=now - datetime.timedelta(days=2))
    make_request(hendon, created_at=now - datetime.timedelta(days=20))
    make_request(hendon, created_at=now - datetime.timedelta(days=200))
    make_request(
        hendon, created_at=now - datetime.timedelta(days=40), status=SupportRequest.Status.WAITING
    )
    make_request(
        hendon, created_at=now - datetime.timedelta(days=40), status=SupportRequest.Status.CLOSED
    )
    rows = {row.status: row for row in dashboard(user=manager).open_requests}
    assert rows["new"].counts == [1, 1, 0, 1]
    assert rows["new"].overdue == 2
    assert rows["waiting"].counts == [0, 0, 1, 0]
    assert "closed" not in rows
    assert dashboard(user=manager).overdue_requests == 2


def test_request_figures_link_to_the_lists_behind_them(hendon, manager):
    make_request(hendon, created_at=timezone.now() - datetime.timedelta(days=20))
    client = client_for(manager)
    page = client.get("/dashboard/").content.decode()
    assert 'href="/staff/casework/requests/?status=new&amp;age=month"' in page
    assert 'href="/staff/casework/requests/?overdue=on"' in page
    listed = client.get("/staff/casework/requests/?status=new&age=month")
    assert listed.context["page"].paginator.count == 1
    assert client.get("/staff/casework/requests/?age=week").context["page"].paginator.count == 0
    assert client.get("/staff/casework/requests/?overdue=on").context["page"].paginator.count == 1


def test_median_response_times_this_quarter_and_last(hendon, manager):
    def answered(created, contacted, resolved=None):
        support_request = make_request(hendon, created_at=created)
        SupportRequest.objects.filter(pk=support_request.pk).update(
            status="resolved" if resolved else "acknowledged",
            first_contact_at=contacted,
            resolved_at=resolved,
        )

    october = datetime.datetime(2026, 10, 5, 9, tzinfo=datetime.UTC)
    day = datetime.timedelta(days=1)
    answered(october, october + 1 * day, october + 10 * day)
    answered(october, october + 2 * day, october + 20 * day)
    answered(october, october + 6 * day)
    august = datetime.datetime(2026, 8, 3, 9, tzinfo=datetime.UTC)
    answered(august, august + 4 * day)
    times = figures_for(manager).response_times
    contact, resolution = times["rows"]
    assert times["this_quarter"] == datetime.date(2026, 10, 1)
    assert (contact["now"], contact["count_now"]) == (2.0, 3)
    assert (contact["before"], contact["count_before"]) == (4.0, 1)
    assert (resolution["now"], resolution["count_now"]) == (15.0, 2)
    assert resolution["before"] is None


def test_moving_a_request_keeps_its_response_times(hendon, adviser):
    support_request = make_request(hendon, created_at=timezone.now())
    support_request_move(support_request=support_request, to_status="acknowledged", by=adviser)
    support_request_move(support_request=support_request, to_status="in_progress", by=adviser)
    support_request_move(support_request=support_request, to_status="resolved", by=adviser)
    support_request.refresh_from_db()
    first_contact, resolved = support_request.first_contact_at, support_request.resolved_at
    assert first_contact is not None
    assert resolved >= first_contact
    support_request_move(support_request=support_request, to_status="in_progress", by=adviser)
    support_request.refresh_from_db()
    assert support_request.first_contact_at == first_contact
    assert support_request.resolved_at is None


def test_overdue_actions_by_owner_link_to_their_list(hendon, adviser, community_worker, manager):
    past = timezone.localdate() - datetime.timedelta(days=2)
    for owner in (adviser, adviser, community_worker):
        Action.objects.create(area=hendon, description="Call back", owner=owner, due_on=past)
    Action.objects.create(
        area=hendon, description="Later", owner=adviser, due_on=past + datetime.timedelta(days=9)
    )
    rows = dashboard(user=manager).overdue_actions
    assert [(r["owner__full_name"], r["overdue"]) for r in rows] == [
        ("Asha Adviser", 2),
        ("Callum Worker", 1),
    ]
    client = client_for(manager)
    assert f"?owner={adviser.pk}&amp;overdue=on" in client.get("/dashboard/").content.decode()
    listed = client.get(f"/staff/casework/actions/?owner={adviser.pk}&overdue=on")
    assert [a.description for a in listed.context["actions"]] == ["Call back", "Call back"]


def test_someone_elses_actions_are_only_for_managers(hendon, adviser, community_worker):
    Action.objects.create(
        area=hendon, description="Callum's", owner=community_worker, due_on=timezone.localdate()
    )
    listed = client_for(adviser).get(f"/staff/casework/actions/?owner={community_worker.pk}")
    assert list(listed.context["actions"]) == []


def test_funding_by_stream(hendon, millfield, kirkby, manager):
    FundingBid.objects.create(
        area=hendon, stream="ukspf", amount_sought=10000, amount_secured=4000, status="awarded"
    )
    FundingBid.objects.create(area=millfield, stream="ukspf", amount_sought=5000)
    FundingBid.objects.create(area=kirkby, stream="lottery", amount_sought=700)
    rows = {r["stream"]: r for r in dashboard(user=manager).funding}
    assert (rows["ukspf"]["bids"], rows["ukspf"]["awarded"]) == (2, 1)
    assert (rows["ukspf"]["sought"], rows["ukspf"]["secured"]) == (15000, 4000)
    assert rows["towns_fund"]["bids"] == 0
    north_east = {r["stream"]: r for r in dashboard(user=manager, region="north_east").funding}
    assert north_east["lottery"]["bids"] == 0
    listed = client_for(manager).get("/staff/areas/?funding_stream=ukspf")
    assert {a.name for a in listed.context["page"]} == {"Hendon", "Millfield"}


# --- Trends --------------------------------------------------------------------


def test_trends_by_month(hendon, adviser, community_worker, manager):
    give_days(adviser, hendon, "2", datetime.date(2026, 10, 3))
    give_days(community_worker, hendon, "1", datetime.date(2026, 10, 4))
    make_request(hendon, created_at=datetime.datetime(2026, 9, 3, 12, tzinfo=datetime.UTC))
    # Months are the UK's: 22:30 UTC on 30 September is still September in
    # London, 23:30 is already October.
    make_request(
        hendon,
        created_at=datetime.datetime(2026, 9, 30, 22, 30, tzinfo=datetime.UTC),
        topic=Topic.COUNCIL,
    )
    make_request(
        hendon,
        created_at=datetime.datetime(2026, 9, 30, 23, 30, tzinfo=datetime.UTC),
        topic=Topic.SKILLS,
    )
    figures = figures_for(manager)
    months = [row["month"] for row in figures.days_by_month]
    assert months[0] == datetime.date(2025, 12, 1)
    assert months[-1] == datetime.date(2026, 11, 1)
    october = next(r for r in figures.days_by_month if r["month"] == datetime.date(2026, 10, 1))
    assert (october["adviser"], october["worker"], october["due"]) == (2, 1, 4)
    september = next(r for r in figures.topics_by_month if r["month"] == datetime.date(2026, 9, 1))
    assert (september["people"], september["council"], september["skills"]) == (1, 1, 0)
    october_requests = next(
        r for r in figures.topics_by_month if r["month"] == datetime.date(2026, 10, 1)
    )
    assert october_requests["skills"] == 1
    by_status = {r["month"]: r for r in figures.delivery_by_month}
    assert by_status[datetime.date(2026, 10, 1)][Delivery.BEHIND] == 1
    # Before Hendon joined, nothing was due: no status at all.
    assert sum(by_status[datetime.date(2026, 1, 1)][s] for s in Delivery.ORDER) == 0


def test_charts_have_text_alternatives_and_tables(hendon, manager):
    page = client_for(manager).get("/dashboard/trends/").content.decode()
    assert page.count('role="img"') == 3
    assert page.count("Show these figures as a table") == 3
    assert '<desc id="days-by-month-desc">' in page


# --- Caseloads -------------------------------------------------------------------


def test_caseloads_against_the_caps(hendon, millfield, adviser, community_worker, manager):
    AreaFactory(name="Unnamed", programme=True)
    caseloads = dashboard(user=manager).caseloads
    [asha] = [p for p in caseloads["advisers"] if p.pk == adviser.pk]
    [callum] = [p for p in caseloads["community_workers"] if p.pk == community_worker.pk]
    assert (asha.areas_held, asha.room) == (2, 8)
    assert (callum.areas_held, callum.days_a_month) == (1, 2)
    assert caseloads["without_adviser"] == 1
    assert caseloads["without_worker"] == 2
    page = client_for(manager).get("/dashboard/").content.decode()
    assert "/staff/areas/?without_community_worker=on" in page
    listed = client_for(manager).get("/staff/areas/?without_community_worker=on")
    assert {a.name for a in listed.context["page"]} == {"Millfield", "Unnamed"}
    by_worker = client_for(manager).get(f"/staff/areas/?community_worker={community_worker.pk}")
    assert [a.name for a in by_worker.context["page"]] == ["Hendon"]


# --- Who sees what ---------------------------------------------------------------

# Which role may open the dashboard, a region of it and their CSVs is the
# permission matrix's (tests/test_permission_matrix.py).


def test_signed_out_people_are_sent_to_sign_in(hendon):
    for url in ("/dashboard/", "/dashboard/regions/north_east/", "/dashboard/export/funding.csv"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_an_unknown_region_or_table_is_not_found(manager):
    client = client_for(manager)
    assert client.get("/dashboard/regions/atlantis/").status_code == 404
    assert client.get("/dashboard/export/salaries.csv").status_code == 404


@pytest.mark.parametrize("table", ["advisers", "community-workers"])
def test_caseload_tables_are_for_managers(table, adviser, manager, hendon):
    assert client_for(adviser).get(f"/dashboard/export/{table}.csv").status_code == 403
    assert client_for(manager).get(f"/dashboard/export/{table}.csv").status_code == 200


def test_an_adviser_sees_only_their_own_figures(hendon, millfield, kirkby, adviser, outsider):
    make_request(kirkby, created_at=timezone.now() - datetime.timedelta(days=30))
    FundingBid.objects.create(area=kirkby, stream="lottery", amount_sought=700)
    figures = dashboard(user=adviser)
    assert {d.area.name for d in figures.deliveries} == {"Hendon", "Millfield"}
    assert figures.caseloads is None
    assert figures.overdue_requests == 0
    assert all(r["bids"] == 0 for r in figures.funding)
    page = client_for(adviser).get("/dashboard/").content.decode()
    assert "Dashboard: your areas" in page
    assert "Northwood" not in page
    assert 'id="caseloads"' not in page


def test_a_regional_view_holds_only_that_regions_figures(hendon, kirkby, manager):
    make_request(kirkby, created_at=timezone.now() - datetime.timedelta(days=30))
    page = client_for(manager).get("/dashboard/regions/north_west/")
    figures = page.context["figures"]
    assert [d.area.name for d in figures.deliveries] == ["Northwood"]
    assert figures.overdue_requests == 1
    assert "Dashboard: North West" in page.content.decode()
    assert "region=north_west" in page.content.decode()


@pytest.fixture
def regional_lead(db):
    return UserFactory(role=Role.MANAGER, full_name="Nia Lead", region=Region.NORTH_WEST)


def test_a_regional_lead_sees_their_region_everywhere(hendon, kirkby, regional_lead):
    north_east_request = make_request(hendon, created_at=timezone.now())
    north_west_request = make_request(kirkby, created_at=timezone.now())
    client = client_for(regional_lead)
    page = client.get("/dashboard/")
    assert [d.area.name for d in page.context["figures"].deliveries] == ["Northwood"]
    assert client.get("/dashboard/regions/north_west/").status_code == 200
    assert client.get("/dashboard/regions/north_east/").status_code == 404
    assert [a.name for a in client.get("/staff/areas/").context["page"]] == ["Northwood"]
    assert client.get("/staff/areas/E05001158/").status_code == 404
    listed = client.get("/staff/casework/requests/").context["page"]
    assert [r.reference for r in listed] == [north_west_request.reference]
    assert (
        client.get(f"/staff/casework/requests/{north_east_request.reference}/").status_code == 404
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get("/dashboard/export/delivery.csv").content.decode("utf-8-sig"))
        )
    )
    assert [row[1] for row in rows[1:]] == ["Northwood"]


def test_only_a_manager_can_lead_a_region(adviser):
    from django.core.exceptions import ValidationError

    adviser.region = Region.LONDON
    with pytest.raises(ValidationError, match="Only a manager can lead a region"):
        adviser.full_clean()


# --- CSV -------------------------------------------------------------------------


def test_every_table_downloads_as_csv(hendon, manager):
    from evaluation.dashboard import TABLES

    client = client_for(manager)
    for table in TABLES:
        response = client.get(f"/dashboard/export/{table}.csv")
        assert response.status_code == 200, table
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows[0]) >= 2, table
    pages = "".join(
        client.get(f"/dashboard/{page}").content.decode()
        for page in ("", "delivery/", "caseloads/", "trends/")
    )
    for table in TABLES:
        assert f"/dashboard/export/{table}.csv" in pages, table


def test_the_delivery_csv_keeps_the_filters_and_neutralises_formulas(adviser, manager):
    area = AreaFactory(name='=HYPERLINK("http://evil.example")', programme=True)
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    AreaFactory(name="Elsewhere", region=Region.LONDON, programme=True)
    response = client_for(manager).get("/dashboard/export/delivery.csv?region=north_east")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ['\'=HYPERLINK("http://evil.example")']


# --- Speed -----------------------------------------------------------------------


def test_the_query_count_stays_flat_as_the_data_grows_tenfold(
    adviser, community_worker, manager, django_assert_max_num_queries, settings
):
    # The cache off: each view draws the page afresh, so the count is a
    # fresh drawing's, never a kept page's.
    settings.NFC_DASHBOARD_CACHE_SECONDS = 0
    client = client_for(manager)

    def grow(count):
        for _ in range(count):
            area = AreaFactory(programme=True)
            TimeRecord.objects.bulk_create(
                TimeRecord(person=adviser, role=adviser.role, area=area, date=NOVEMBER, hours=2)
                for _ in range(10)
            )
            Interaction.objects.bulk_create(
                Interaction(area=area, date=NOVEMBER, kind="meeting", logged_by=adviser)
                for _ in range(10)
            )
            make_request(area, created_at=timezone.now() - datetime.timedelta(days=9))
            Action.objects.create(
                area=area, description="Call", owner=adviser, due_on=datetime.date(2026, 1, 1)
            )
            FundingBid.objects.create(area=area, stream="ukspf", amount_sought=100)

    def load(areas):
        # The sign-in's few, and one for each figure: the areas with
        # theirs (and their overdue requests, actions and outcomes, counted
        # at once), their time, their outcome records, the requests (by
        # age, and the response times: to first contact and to resolution,
        # each read from its own index), the overdue actions, funding,
        # what the help form turned away, the jobs, the next events, who
        # came by region and the connections. The caseload tables, the
        # filters' choices and the requests by month are on pages of their
        # own.
        with django_assert_max_num_queries(20):
            response = client.get("/dashboard/")
        assert response.status_code == 200
        assert f"The whole programme: {areas} areas." in response.content.decode()

    grow(2)
    load(2)
    grow(18)
    load(20)


@pytest.mark.parametrize(
    ("page", "most"),
    [
        ("/dashboard/delivery/?period=year&sort=risk", 22),
        ("/dashboard/caseloads/", 22),
        ("/dashboard/trends/", 21),
        ("/dashboard/regions/north_east/delivery/?status=far_behind", 21),
        ("/dashboard/regions/north_east/caseloads/", 21),
        ("/dashboard/regions/north_east/trends/", 20),
    ],
)
def test_the_tables_pages_query_counts_stay_flat(
    page, most, adviser, community_worker, manager, django_assert_max_num_queries, settings
):
    settings.NFC_DASHBOARD_CACHE_SECONDS = 0
    client = client_for(manager)

    def grow(count):
        for _ in range(count):
            area = AreaFactory(programme=True)
            services.area_assign_adviser(area=area, adviser=adviser, by=None)
            TimeRecord.objects.bulk_create(
                TimeRecord(person=adviser, role=adviser.role, area=area, date=NOVEMBER, hours=2)
                for _ in range(5)
            )
            make_request(area, created_at=timezone.now() - datetime.timedelta(days=9))

    grow(2)
    with django_assert_max_num_queries(most):
        assert client.get(page).status_code == 200
    grow(8)
    with django_assert_max_num_queries(most):
        response = client.get(page)
    assert response.status_code == 200
    assert "10 area" in response.text


def test_an_advisers_query_count_stays_flat(
    hendon, adviser, django_assert_max_num_queries, settings
):
    settings.NFC_DASHBOARD_CACHE_SECONDS = 0
    client = client_for(adviser)
    with django_assert_max_num_queries(20):
        first = client.get("/dashboard/")
    assert "The 1 area you work in." in first.content.decode()
    for _ in range(8):
        area = AreaFactory(programme=True)
        services.area_assign_adviser(area=area, adviser=adviser, by=None)
    with django_assert_max_num_queries(20):
        again = client.get("/dashboard/")
    assert "The 9 areas you work in." in again.content.decode()


def test_a_national_manager_narrows_the_request_list_to_a_region(hendon, kirkby, manager):
    make_request(hendon, created_at=timezone.now())
    north_west = make_request(kirkby, created_at=timezone.now())
    listed = client_for(manager).get("/staff/casework/requests/?region=north_west")
    assert [r.reference for r in listed.context["page"]] == [north_west.reference]


def test_the_request_list_keeps_its_filters_from_page_to_page(hendon, manager):
    for _ in range(51):
        make_request(hendon, created_at=timezone.now())
    page = client_for(manager).get("/staff/casework/requests/?status=new").content.decode()
    assert "?status=new&amp;page=2" in page


# --- Keeping drawn pages -----------------------------------------------------


def test_a_drawn_page_is_kept_until_what_it_shows_changes(
    hendon, adviser, manager, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    first = client.get("/dashboard/delivery/?period=month")
    assert '0.0 <span class="muted">of' in first.content.decode()
    with django_assert_max_num_queries(4):
        kept = client.get("/dashboard/delivery/?period=month")
    assert kept.context["body"] == first.context["body"]
    # (The page's version moves on once the write commits.)
    with django_capture_on_commit_callbacks(execute=True):
        services.time_record_add(
            person=adviser,
            area=hendon,
            date=timezone.localdate(),
            hours=Decimal("7.5"),
            kind=TimeRecord.Kind.VISIT,
            note="",
            by=adviser,
        )
    again = client.get("/dashboard/delivery/?period=month").content.decode()
    assert '1.0 <span class="muted">of' in again


@pytest.mark.parametrize(
    "change",
    [
        lambda area, adviser: make_request(area, created_at=timezone.now()),
        lambda area, adviser: FundingBid.objects.create(
            area=area, stream="ukspf", amount_sought=100
        ),
        lambda area, adviser: Action.objects.create(
            area=area, description="Call", owner=adviser, due_on=datetime.date(2026, 1, 1)
        ),
        lambda area, adviser: area.types.add(
            AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})[0]
        ),
        lambda area, adviser: services.area_release(area=area),
        lambda area, adviser: area_change_stage(
            area=area, stage=Stage.LEAVING, on=timezone.localdate()
        ),
    ],
)
def test_each_kind_of_change_draws_the_page_afresh(
    change, hendon, adviser, manager, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    client.get("/dashboard/")
    with django_capture_on_commit_callbacks(execute=True):
        change(hendon, adviser)
    with CaptureQueriesContext(connection) as queries:
        client.get("/dashboard/")
    assert len(queries) > 10


def test_the_page_is_drawn_afresh_when_the_cache_is_out_of_reach(
    hendon, adviser, manager, settings, django_capture_on_commit_callbacks
):
    settings.CACHES = redis_caches("redis://127.0.0.1:9/0")
    client = client_for(manager)
    assert client.get("/dashboard/delivery/?period=month").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        give_days(adviser, hendon, "1", timezone.localdate())
    again = client.get("/dashboard/delivery/?period=month")
    assert again.status_code == 200
    assert '1.0 <span class="muted">of' in again.content.decode()


def test_keeping_pages_can_be_turned_off(hendon, manager, settings):
    settings.NFC_DASHBOARD_CACHE_SECONDS = 0
    client = client_for(manager)
    client.get("/dashboard/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/dashboard/")
    assert len(queries) > 10


# --- The lists the figures open: bad filters ------------------------------------


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("/staff/casework/requests/?age=forever&region=atlantis", "Select a valid choice"),
        ("/staff/casework/actions/?owner=nobody", "Select a valid choice"),
        ("/staff/areas/?funding_stream=bitcoin&community_worker=9999", "Select a valid choice"),
    ],
)
def test_a_bad_filter_on_a_list_is_explained_and_nothing_is_hidden(url, words, hendon, manager):
    make_request(hendon, created_at=timezone.now())
    response = client_for(manager).get(url)
    assert response.status_code == 200
    assert words in response.content.decode()
    if "requests" in url:
        assert response.context["page"].paginator.count == 1
    if "areas" in url:
        assert [a.name for a in response.context["page"]] == ["Hendon"]


# --- Regional leads elsewhere, and figures that open the same list ----------------


def test_a_regional_lead_sees_only_their_regions_audit(hendon, kirkby, adviser, regional_lead):
    from casework.services import interaction_log

    north_east = make_request(hendon, created_at=timezone.now())
    support_request_move(support_request=north_east, to_status="acknowledged", by=adviser)
    interaction_log(area=hendon, by=adviser, date=timezone.localdate(), kind="meeting", minutes=60)
    north_west = make_request(kirkby, created_at=timezone.now())
    support_request_move(support_request=north_west, to_status="acknowledged", by=regional_lead)
    entries = client_for(regional_lead).get("/staff/casework/audit/").context["page"]
    # Their region's requests, and its area-level records (Northwood joining
    # the programme, its adviser), none of elsewhere.
    assert {e.support_request_id for e in entries if e.support_request_id} == {north_west.pk}
    assert {e.area for e in entries} == {kirkby}
    assert "Hendon" not in client_for(regional_lead).get("/staff/casework/audit/").content.decode()


def test_a_regional_leads_caseloads_page_holds_their_region(
    hendon, kirkby, adviser, outsider, regional_lead
):
    page = client_for(regional_lead).get("/staff/caseloads/")
    assert [p.full_name for p in page.context["advisers"]] == ["Otto Outsider"]
    assert page.context["waiting"] == 0
    AreaFactory(name="Unnamed", programme=True)
    assert client_for(regional_lead).get("/staff/caseloads/").context["waiting"] == 0


def test_a_regional_caseload_shows_the_whole_caseload_and_the_part_in_the_region(
    hendon, kirkby, outsider, manager
):
    services.area_assign_adviser(area=AreaFactory(programme=True), adviser=outsider, by=None)
    page = client_for(manager).get("/dashboard/regions/north_west/caseloads/")
    [otto] = page.context["figures"].caseloads["advisers"]
    assert (otto.areas_held, otto.areas_here) == (2, 1)
    body = page.content.decode()
    assert f"?adviser={otto.pk}&amp;region=north_west" in body
    listed = client_for(manager).get(f"/staff/areas/?adviser={otto.pk}&region=north_west")
    assert listed.context["page"].paginator.count == 1


def test_people_close_their_own_actions_in_areas_they_no_longer_hold(hendon, adviser):
    action = Action.objects.create(
        area=hendon, description="Send the notes", owner=adviser, due_on=timezone.localdate()
    )
    services.area_release(area=hendon)
    response = client_for(adviser).post(f"/staff/casework/actions/{action.pk}/done/")
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None


def test_a_regional_lead_cannot_close_actions_elsewhere(hendon, adviser, regional_lead):
    action = Action.objects.create(
        area=hendon, description="Book the hall", owner=adviser, due_on=timezone.localdate()
    )
    response = client_for(regional_lead).post(f"/staff/casework/actions/{action.pk}/done/")
    assert response.status_code == 404


def test_the_status_tiles_count_the_areas_the_filters_choose(hendon, kirkby, manager):
    page = client_for(manager).get("/dashboard/delivery/?region=north_west&period=quarter")
    counts = page.context["figures"].status_counts["quarter"]
    assert counts[Delivery.FAR_BEHIND] == 1
    behind = client_for(manager).get(
        "/dashboard/delivery/?region=north_west&period=quarter&status=far_behind"
    )
    assert [d.area.name for d in behind.context["figures"].table] == ["Northwood"]


def test_overdue_actions_in_a_regional_view_open_that_regions_list(
    hendon, kirkby, adviser, outsider, manager
):
    past = timezone.localdate() - datetime.timedelta(days=3)
    Action.objects.create(area=kirkby, description="North West", owner=outsider, due_on=past)
    outsider_elsewhere = AreaFactory(programme=True)
    Action.objects.create(
        area=outsider_elsewhere, description="North East", owner=outsider, due_on=past
    )
    page = client_for(manager).get("/dashboard/regions/north_west/")
    [row] = page.context["figures"].overdue_actions
    assert row["overdue"] == 1
    link = f"?owner={outsider.pk}&overdue=on&region=north_west"
    assert link.replace("&", "&amp;") in page.content.decode()
    listed = client_for(manager).get(f"/staff/casework/actions/{link}")
    assert [a.description for a in listed.context["actions"]] == ["North West"]


def test_funding_counts_the_areas_its_link_lists(hendon, millfield, manager):
    for _ in range(2):
        FundingBid.objects.create(area=hendon, stream="lottery", amount_sought=100)
    gone = AreaFactory(name="Gone", programme=True)
    area_change_stage(area=gone, stage=Stage.LEFT, on=timezone.localdate())
    FundingBid.objects.create(area=gone, stream="lottery", amount_sought=100)
    [row] = [r for r in dashboard(user=manager).funding if r["stream"] == "lottery"]
    assert (row["areas"], row["bids"]) == (2, 3)
    listed = client_for(manager).get("/staff/areas/?funding_stream=lottery")
    assert listed.context["page"].paginator.count == row["areas"]


def test_kept_pages_are_never_shared_between_people(hendon, millfield, kirkby, adviser, outsider):
    mine = client_for(adviser).get("/dashboard/").context["body"]
    theirs = client_for(outsider).get("/dashboard/").context["body"]
    assert "Hendon" in mine
    assert "Hendon" not in theirs
    assert "Northwood" in theirs


def test_a_referral_outcome_not_recorded_in_time_raises_the_warning(
    hendon, adviser, community_worker, manager, settings
):
    from casework.models import Partner, Referral

    settings.NFC_RISK_WEIGHTS = {
        **settings.NFC_RISK_WEIGHTS,
        "days_missed": 0,
        "no_events": 0,
        "overdue_outcome_records": 0,
    }
    partner = Partner.objects.create(name="Planning Aid North", expertise=["planning"])
    today = NOW.date()
    for delivered_days_ago in (31, 29):
        Referral.objects.create(
            area=hendon,
            partner=partner,
            help_asked="A site plan",
            status=Referral.Status.DELIVERED,
            delivered_on=today - datetime.timedelta(days=delivered_days_ago),
        )
    Referral.objects.create(
        area=hendon,
        partner=partner,
        help_asked="Recorded",
        status=Referral.Status.OUTCOME_RECORDED,
        delivered_on=today - datetime.timedelta(days=90),
    )
    [warning] = figures_for(manager).early_warning
    assert warning.risk == 1.0
    assert warning.reasons == ["1 referral outcome not recorded in time"]


def test_a_national_manager_sees_what_the_help_form_turned_away_this_month(
    manager, hendon, adviser
):
    today = timezone.localdate()
    SpamCount.objects.create(day=today, reason=SpamCount.Reason.HONEYPOT, count=7)
    SpamCount.objects.create(
        day=today - datetime.timedelta(days=3), reason=SpamCount.Reason.HONEYPOT, count=2
    )
    SpamCount.objects.create(
        day=today - datetime.timedelta(days=40), reason=SpamCount.Reason.TOO_FAST, count=5
    )
    page = client_for(manager).get("/dashboard/").text
    table = page.split('id="turned-away-caption"')[1].split("</table>")[0]
    assert '<th scope="row">Hidden field filled in</th><td>9</td>' in table
    assert '<th scope="row">Sent too soon after the page loaded</th><td>0</td>' in table
    assert 'id="turned-away-caption"' not in client_for(adviser).get("/dashboard/").text


# --- Events and the network --------------------------------------------------


def test_nobody_at_any_event_for_6_months_raises_the_warning(hendon, millfield, manager, settings):
    settings.NFC_RISK_WEIGHTS = {
        **{key: 0 for key in settings.NFC_RISK_WEIGHTS},
        "no_events": 2,
    }
    came_to_an_event(hendon, days_ago=200)
    came_to_an_event(millfield, days_ago=20)
    # In the programme for 3 months only: too soon to say.
    newcomer = AreaFactory(name="Newcomer", programme=False)
    area_join_programme(area=newcomer, cohort=2, joined_on=NOW.date() - datetime.timedelta(days=90))
    warning = figures_for(manager).early_warning
    assert [(d.area.name, d.risk, d.reasons) for d in warning] == [
        ("Hendon", 2.0, ["no one from this area at any event for 6 months"])
    ]


def test_the_weight_of_nobody_at_events_can_be_switched_off(hendon, manager, settings):
    settings.NFC_RISK_WEIGHTS = {key: 0 for key in settings.NFC_RISK_WEIGHTS}
    assert figures_for(manager).early_warning == []
    settings.NFC_RISK_WEIGHTS = {**settings.NFC_RISK_WEIGHTS, "no_events": 2}
    assert [d.area.name for d in figures_for(manager).early_warning] == ["Hendon"]
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text
    assert "no one from this area at any event for 6 months" in page


def test_the_dashboard_shows_events_attendance_connections_and_isolated_areas(
    hendon, millfield, kirkby, adviser, manager
):
    upcoming = EventFactory(published=True, title="Regional gathering in Durham")
    EventFactory(title="Not yet published")
    came_to_an_event(hendon, days_ago=1, title="Last week's workshop")
    came_to_an_event(millfield, days_ago=1, region=Region.NORTH_EAST)
    came_to_an_event(kirkby, days_ago=2, region=Region.NORTH_WEST)
    Connection.objects.create(
        area_a=min(hendon, kirkby, key=lambda a: a.pk),
        area_b=max(hendon, kirkby, key=lambda a: a.pk),
        topic="funding",
        origin="visit",
        made_on=NOW.date() - datetime.timedelta(days=3),
        followed_up=True,
        recorded_by=adviser,
    )
    figures = figures_for(manager)
    assert figures.upcoming_events == [upcoming]
    assert [(r.label, r.people, r.areas, r.events) for r in figures.attendance] == [
        ("North East", 2, 2, 2),
        ("North West", 1, 1, 1),
    ]
    made = figures.connections
    assert (made.recorded, made.followed_up, made.areas) == (1, 1, 2)
    # Hendon and Kirkby connected; Millfield only went to an event alone.
    assert [a.name for a in figures.isolated] == ["Millfield"]
    page = client_for(manager).get("/dashboard/").text
    assert "Regional gathering in Durham" in page
    assert "Not yet published" not in page
    assert "1</span> connection between areas recorded this quarter" in page
    assert '<a href="/staff/areas/E05001160/">Millfield</a>' in page.split('id="isolated-areas"')[1]


def test_a_regional_dashboard_counts_its_own_region(hendon, kirkby, manager, adviser):
    came_to_an_event(hendon, days_ago=1)
    came_to_an_event(kirkby, days_ago=1, region=Region.NORTH_WEST)
    figures = figures_for(manager, region=Region.NORTH_WEST)
    assert [r.label for r in figures.attendance] == ["North West"]
    assert [a.name for a in figures.isolated] == ["Northwood"]


def test_recording_a_connection_redraws_the_dashboard(
    hendon, millfield, adviser, manager, django_capture_on_commit_callbacks
):
    client = client_for(manager)
    assert "0</span> connections between areas" in client.get("/dashboard/").text
    with django_capture_on_commit_callbacks(execute=True):
        connection_record(
            by=adviser,
            area=hendon,
            other=millfield,
            topic="skills",
            origin="introduction",
            made_on=timezone.localdate(),
        )
    assert "1</span> connection between areas" in client.get("/dashboard/").text
