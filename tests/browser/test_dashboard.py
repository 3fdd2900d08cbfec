"""The dashboard, in real Chromium: a manager follows a tile to the areas
behind on the delivery table's page, judges them over another period, opens
the caseloads and reads a chart of the trends as a table; an adviser sees
their own areas on a phone; a manager opens one region and its table."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services
from advisers.models import Role, TimeRecord
from areas.models import Region
from nfc.periods import add_months
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DELIVERY_TABLE = re.compile("Adviser and community worker days given in each area")


def record_days(person, area, month: datetime.date, days: str) -> None:
    """``days`` of ``person``'s time in ``area`` in ``month``, as two visits."""
    hours = Decimal(days) * Decimal("7.5") / 2
    for day in (3, 17):
        TimeRecord.objects.create(
            person=person, role=person.role, area=area, date=month.replace(day=day), hours=hours
        )


@pytest.fixture
def programme():
    """Hendon on track and Pallion behind over the last three complete months,
    both in the North East with one adviser and one community worker;
    Deptford in London with nobody and no time at all."""
    hendon = AreaFactory(name="Hendon", ward_code="E05001158", programme=True)
    pallion = AreaFactory(name="Pallion", ward_code="E05001159", programme=True)
    AreaFactory(name="Deptford", ward_code="E05011234", region=Region.LONDON, programme=True)
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    worker = UserFactory(role=Role.COMMUNITY_WORKER, full_name="Callum Worker")
    for area in (hendon, pallion):
        services.area_assign_adviser(area=area, adviser=adviser, by=None, on=area.joined_on)
        services.area_allocate_community_worker(
            area=area, worker=worker, by=None, on=area.joined_on
        )
    this_month = timezone.localdate().replace(day=1)
    for back in (1, 2, 3):
        month = add_months(this_month, -back)
        assert month >= hendon.joined_on, "the areas must have joined before the quarter"
        for person in (adviser, worker):
            record_days(person, hendon, month, "2")
            record_days(person, pallion, month, "1.5")
    return {"hendon": hendon, "pallion": pallion, "adviser": adviser, "worker": worker}


def test_a_manager_follows_the_behind_tile_and_reads_a_chart_as_a_table(page, programme):
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))
    page.get_by_role("navigation", name="Staff pages").get_by_role(
        "link", name="Dashboard", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    glance = page.get_by_role("region", name="At a glance")
    expect(glance.get_by_role("link", name="1 area on track")).to_be_visible()
    expect(glance.get_by_role("link", name="1 area behind", exact=True)).to_be_visible()
    expect(glance.get_by_role("link", name="1 area far behind")).to_be_visible()
    expect(glance).to_contain_text("last 3 months")
    # The long tables are a link away, not on the first page.
    expect(page.get_by_role("table", name=DELIVERY_TABLE)).to_have_count(0)
    tables = page.get_by_role("navigation", name="The full tables")
    expect(tables.get_by_role("link", name="Caseloads")).to_be_visible()
    assert_healthy(page)

    glance.get_by_role("link", name="1 area behind", exact=True).click()
    expect(page).to_have_url(re.compile(r"/dashboard/delivery/\?period=quarter&status=behind$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery by area")
    expect(page.get_by_text("1 area behind (last 3 months).")).to_be_visible()
    table = page.get_by_role("table", name=DELIVERY_TABLE)
    expect(table.get_by_role("link", name="Pallion")).to_be_visible()
    expect(table.get_by_role("link", name="Hendon")).to_have_count(0)
    expect(table.get_by_role("link", name="Deptford")).to_have_count(0)
    expect(table.get_by_role("row", name=re.compile("Pallion"))).to_contain_text("4.5 of 6.0")
    assert_healthy(page)

    # Nothing is recorded yet this month, so every area is far behind so far.
    page.get_by_label("Judge delivery over").select_option(label="This month so far")
    page.get_by_role("button", name="Show areas").click()
    expect(page).to_have_url(re.compile(r"/dashboard/delivery/\?period=month"))
    expect(page.get_by_label("Judge delivery over")).to_have_value("month")
    expect(page.get_by_text("0 areas behind (this month so far).")).to_be_visible()
    expect(page.get_by_text("No areas match. Try fewer filters.")).to_be_visible()
    glance = page.get_by_role("region", name="At a glance")
    expect(glance.get_by_role("link", name="3 areas far behind")).to_be_visible()
    expect(glance).to_contain_text("this month so far")
    assert_healthy(page)

    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("navigation", name="The full tables").get_by_role(
        "link", name="Caseloads"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Caseloads")
    advisers = page.get_by_role("table", name=re.compile("Advisers: areas held"))
    expect(advisers.get_by_role("row", name=re.compile("Asha Adviser"))).to_contain_text("2 of")
    assert_healthy(page)

    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("link", name="Trends by month").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends by month")
    chart = page.get_by_role("figure", name="Days given each month")
    figures = chart.get_by_role("table", name="Days given each month")
    expect(figures).to_be_hidden()
    chart.get_by_text("Show these figures as a table").click()
    expect(figures).to_be_visible()
    last_month = add_months(timezone.localdate().replace(day=1), -1)
    # 2 + 1.5 days from each side, of 2 + 2 promised in each of three areas.
    expect(figures.get_by_role("row", name=re.compile(f"{last_month:%b %y}"))).to_have_text(
        re.compile(r"3\.5\s*3\.5\s*7\s*12")
    )
    assert_healthy(page)


def test_an_adviser_sees_their_own_areas_on_a_phone(mobile_page, programme):
    page = mobile_page
    sign_in(page, programme["adviser"])
    page.get_by_role("navigation", name="Staff pages").get_by_role(
        "link", name="Dashboard", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: your areas")
    expect(page.get_by_text("The 2 areas you work in.")).to_be_visible()
    expect(page.get_by_role("heading", name="Caseloads")).to_have_count(0)
    expect(page.get_by_role("link", name="Caseloads")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Regions")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(page)

    page.get_by_role("link", name="Delivery by area").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery by area: your areas")
    table = page.get_by_role("table", name=DELIVERY_TABLE)
    expect(table.get_by_role("link", name="Hendon")).to_be_visible()
    expect(table.get_by_role("link", name="Deptford")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(page)


def test_a_manager_opens_one_region(page, programme):
    sign_in(page, UserFactory(role=Role.MANAGER))
    page.goto("/dashboard/")
    page.get_by_role("navigation", name="Regions").get_by_role("link", name="North East").click()
    expect(page).to_have_url(re.compile(r"/dashboard/regions/north_east/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: North East")
    expect(page.get_by_text("The 2 areas in the programme in North East.")).to_be_visible()
    assert_healthy(page)

    page.get_by_role("link", name="Delivery by area").click()
    expect(page).to_have_url(re.compile(r"/dashboard/regions/north_east/delivery/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery by area: North East")
    table = page.get_by_role("table", name=DELIVERY_TABLE)
    expect(table.get_by_role("link", name="Hendon")).to_be_visible()
    expect(table.get_by_role("link", name="Pallion")).to_be_visible()
    expect(table.get_by_role("link", name="Deptford")).to_have_count(0)
    expect(page.get_by_label("Region", exact=True)).to_have_count(0)
    assert_healthy(page)

    page.get_by_role("link", name="Back to the dashboard: North East").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: North East")
    page.get_by_role("link", name="Back to the whole programme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
