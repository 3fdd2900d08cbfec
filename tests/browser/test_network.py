"""The network between areas in real Chromium: an adviser sees the picture
and its strongest pairs, opens the page of every pair, finds an area with no
connection, introduces it to a peer a stage ahead, and records a connection
(after a mistake the form explains)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services
from advisers.models import Role
from areas.models import AreaType, Stage
from events.models import Connection
from events.network_services import connection_record
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.hendon(programme=Stage.YEAR_ZERO, adviser=False, community_worker=False),
]


@pytest.fixture
def asha(hendon):
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    return adviser


def test_an_adviser_introduces_an_area_with_no_connection_to_a_peer(page, hendon, asha):
    coastal = AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})[0]
    hendon.types.add(coastal)
    seaham = AreaFactory(name="Seaham", programme=Stage.DELIVERING)
    seaham.types.add(coastal)
    ryhope = AreaFactory(name="Ryhope", programme=Stage.PLAN_AGREED)
    services.area_assign_adviser(area=ryhope, adviser=asha, by=None)
    connection_record(
        by=asha,
        area=ryhope,
        other=seaham,
        topic="funding",
        origin=Connection.Origin.VISIT,
        made_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    sign_in(page, asha)

    page.get_by_role("link", name="Network", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The network between areas")
    expect(page.get_by_role("img", name="The network between areas")).to_be_visible()
    strongest = page.get_by_role("table", name="The strongest pairs of areas in the last 12 months")
    expect(strongest.get_by_role("row", name=re.compile("Ryhope"))).to_contain_text("Funding bids")
    isolated = page.get_by_role("region", name=re.compile("no connection")).or_(
        page.locator("section[aria-labelledby=isolated-title]")
    )
    expect(isolated.first).to_contain_text("Hendon")
    assert_healthy(page)

    # Every pair, a plain link away, and back.
    page.get_by_role("link", name="All 1 pair, by region").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("All pairs of areas connected")
    pairs = page.get_by_role("table", name="Pairs of areas connected in the last 12 months")
    expect(pairs.get_by_role("row", name=re.compile("Ryhope"))).to_contain_text("Funding bids")
    assert_healthy(page)
    page.get_by_role("link", name="Back to the network between areas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The network between areas")

    isolated.first.get_by_role("link", name="Hendon", exact=True).click()
    # The area's connections are on its "Events and network" page.
    page.get_by_role("navigation", name="Pages of Hendon").get_by_role(
        "link", name="Events and network"
    ).click()
    expect(page.get_by_role("heading", name="Peers to introduce")).to_be_visible()
    page.get_by_role("button", name="Introduce Hendon to Seaham").click()
    expect(page.get_by_text("Introduction recorded: Hendon and Seaham")).to_be_visible()
    expect(page.get_by_role("button", name="Introduce Hendon to Seaham")).to_have_count(0)
    assert_healthy(page)
    introduction = Connection.objects.get(origin=Connection.Origin.INTRODUCTION)
    assert {introduction.area_a, introduction.area_b} == {hendon, seaham}


def test_an_adviser_records_a_connection_after_a_mistake(page, hendon, asha):
    AreaFactory(name="Pallion", programme=Stage.DELIVERING)
    sign_in(page, asha)
    page.goto(f"/staff/areas/{hendon.ward_code}/events/")
    page.get_by_role("link", name="Record a connection for Hendon").click()
    expect(page.locator("#id_area")).to_have_value(str(hendon.pk))
    page.get_by_label("Connected with").select_option(label="Hendon (Sunderland)")
    page.get_by_label("What about").select_option(label="Engaging the community")
    page.get_by_label("A visit between the areas").check()
    page.get_by_label("A short note (optional)").fill("Their youth forum came to see ours.")
    page.get_by_role("button", name="Record the connection").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("an area cannot connect to itself")
    expect(summary).to_be_focused()
    expect(page.get_by_label("A short note (optional)")).to_have_value(
        "Their youth forum came to see ours."
    )
    assert_healthy(page)
    assert not Connection.objects.exists()

    page.get_by_label("Connected with").select_option(label="Pallion (Sunderland)")
    page.get_by_role("button", name="Record the connection").click()
    expect(page.get_by_text("Connection between Hendon and Pallion recorded.")).to_be_visible()
    expect(
        page.get_by_role("row", name=re.compile("Hendon and Pallion|Pallion and Hendon"))
    ).to_contain_text("Engaging the community")
    assert_healthy(page)
    assert Connection.objects.get().note == "Their youth forum came to see ours."


def test_the_network_page_reads_on_a_phone(mobile_page, hendon, asha):
    other = AreaFactory(name="Pallion")
    connection_record(
        by=asha,
        area=hendon,
        other=other,
        topic="skills",
        origin=Connection.Origin.INTRODUCTION,
        made_on=timezone.localdate(),
    )
    sign_in(mobile_page, asha)
    mobile_page.goto("/staff/events/network/")
    expect(mobile_page.get_by_role("img", name="The network between areas")).to_be_visible()
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"
    assert_healthy(mobile_page)
    mobile_page.get_by_role("link", name="All 1 pair, by region").click()
    expect(mobile_page.get_by_role("row", name=re.compile("Pallion"))).to_be_visible()
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page of pairs scrolls sideways on a phone ({width}px)"
    assert_healthy(mobile_page)


def test_the_pairs_table_links_only_areas_the_person_may_open(page, hendon, asha):
    # QA of issue 15: an adviser's pair with an area outside their caseload
    # linked that area's page, which answers them 404.
    seaham = AreaFactory(name="Seaham", programme=Stage.DELIVERING)
    connection_record(
        by=asha,
        area=hendon,
        other=seaham,
        topic="funding",
        origin=Connection.Origin.VISIT,
        made_on=timezone.localdate() - datetime.timedelta(days=20),
    )
    sign_in(page, asha)
    for address, name in (
        ("/staff/events/network/", "The strongest pairs of areas in the last 12 months"),
        ("/staff/events/network/pairs/", "Pairs of areas connected in the last 12 months"),
    ):
        page.goto(address)
        pairs = page.get_by_role("table", name=name)
        expect(pairs.get_by_role("row", name=re.compile("Seaham"))).to_be_visible()
        addresses = pairs.get_by_role("link").evaluate_all("links => links.map(a => a.href)")
        assert addresses
        refused = [url for url in addresses if page.request.get(url).status >= 400]
        assert refused == [], f"links the adviser cannot open: {refused}"
