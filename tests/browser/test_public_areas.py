"""A resident looks up their neighbourhood and where its figures come from."""

import re

import pytest
from playwright.sync_api import expect

from areas.models import Area, Region
from tests.areas.test_public_pages import make_hendon
from tests.browser.conftest import assert_healthy

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def neighbourhoods():
    hendon = make_hendon(cni_rank=None, notes="Private: never on a public page")
    Area.objects.create(
        ward_code="E05001165",
        name="Redhill",
        local_authority="Sunderland",
        region=Region.NORTH_EAST,
    )
    # A long name and council: the phone layout must wrap them, not overflow.
    Area.objects.create(
        ward_code="E05010677",
        name="Central & New Cross",
        local_authority="Kingston upon Hull, City of",
        region=Region.YORKSHIRE,
        population=5_832,
    )
    return hendon


def test_a_resident_finds_their_neighbourhood_and_where_its_figures_come_from(page, neighbourhoods):
    page.goto("/neighbourhoods/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Neighbourhoods")
    expect(page.get_by_role("heading", name="All 3 neighbourhoods")).to_be_visible()
    assert_healthy(page)

    page.get_by_label("Neighbourhood, town or ward code").fill("hendon")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/neighbourhoods/\?q=hendon"))
    expect(page.get_by_role("heading", name="1 neighbourhood found")).to_be_visible()
    expect(page.get_by_text("In our programme", exact=True)).to_be_visible()
    assert_healthy(page)

    page.get_by_role("link", name="Hendon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hendon")
    expect(page.get_by_text("42% (about 4 in 10 people)")).to_be_visible()
    expect(page.get_by_text("1,234 out of 32,844")).to_be_visible()
    expect(page.get_by_text("Year Zero (planning)")).to_be_visible()
    # The Community Needs Index rank is not held for Hendon.
    expect(page.get_by_text("We do not have this figure.")).to_have_count(1)
    expect(page.get_by_text("Private: never on a public page")).to_have_count(0)
    assert_healthy(page)

    page.get_by_role("link", name="English Indices of Deprivation 2019").click()
    expect(page).to_have_url(re.compile(r"/about-the-data/#deprivation$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("About the data")
    expect(
        page.get_by_role("heading", name="How we work out a neighbourhood's rank")
    ).to_be_visible()
    expect(
        page.get_by_text("Left behind neighbourhoods list: OCSI and Local Trust (2019)")
    ).to_be_visible()
    assert_healthy(page)


def test_a_resident_narrows_the_list_by_region_and_the_programme(page, neighbourhoods):
    page.goto("/neighbourhoods/")
    page.get_by_label("Region").select_option(label="North East")
    page.get_by_label("Only show areas in our programme").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 neighbourhood found")).to_be_visible()
    expect(page.get_by_role("link", name="Hendon")).to_be_visible()
    expect(page.get_by_role("link", name="Redhill")).to_have_count(0)
    # The choices stay made, so the resident can see what the list shows.
    expect(page.get_by_label("Region")).to_have_value("north_east")
    expect(page.get_by_label("Only show areas in our programme")).to_be_checked()
    assert_healthy(page)


def test_a_search_that_finds_nothing_says_what_to_do(page, neighbourhoods):
    page.goto("/neighbourhoods/?q=Atlantis")
    expect(page.get_by_text("No neighbourhoods match your search.")).to_be_visible()
    page.get_by_role("link", name="Show all neighbourhoods").click()
    expect(page.get_by_role("heading", name="All 3 neighbourhoods")).to_be_visible()
    assert_healthy(page)


@pytest.mark.parametrize(
    "url",
    ["/neighbourhoods/", "/neighbourhoods/E05001158/", "/neighbourhoods/E05010677/",
     "/about-the-data/"],
)  # fmt: skip
def test_the_public_area_pages_fit_a_phone(mobile_page, neighbourhoods, url):
    mobile_page.goto(url)
    expect(mobile_page.get_by_role("heading", level=1)).to_be_visible()
    assert mobile_page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_healthy(mobile_page)
