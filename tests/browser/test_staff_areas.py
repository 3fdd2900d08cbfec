"""Staff journeys through areas and caseloads, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from advisers import services
from advisers.models import Role, TimeRecord
from areas.models import Stage
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Each journey names who works in Hendon itself.
    pytest.mark.hendon(programme=Stage.YEAR_ZERO, adviser=False, community_worker=False),
]


def test_a_community_worker_records_a_day_from_their_home_page(page, hendon):
    worker = UserFactory(role=Role.COMMUNITY_WORKER, full_name="Callum Worker")
    services.area_allocate_community_worker(area=hendon, worker=worker, by=None)
    sign_in(page, worker)
    expect(page.get_by_role("heading", name="My areas")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Hendon"))).to_contain_text("0 of 2")
    assert_healthy(page)

    page.get_by_role("button", name="Record time").click()
    expect(page.get_by_text(re.compile(r"Recorded 1 day in Hendon"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Hendon"))).to_contain_text("1 of 2")
    assert TimeRecord.objects.get().person == worker


def test_a_bad_amount_keeps_what_was_typed_and_says_what_is_wrong(page, hendon):
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    sign_in(page, adviser)
    page.get_by_label("How long").fill("4")
    page.get_by_label("Note").fill("Planning day with the group")
    page.get_by_role("button", name="Record time").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("more than 24 hours")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Note")).to_have_value("Planning day with the group")
    assert_healthy(page)
    assert not TimeRecord.objects.exists()


def test_a_manager_finds_an_area_and_names_the_suggested_adviser(page, hendon):
    manager = UserFactory(role=Role.MANAGER, full_name="Mina Manager")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=AreaFactory(region=hendon.region), adviser=adviser, by=None)
    sign_in(page, manager)
    page.get_by_role("link", name="Caseloads", exact=True).first.click()
    expect(page.get_by_role("row", name=re.compile("Asha Adviser"))).to_contain_text("1 of 10")
    assert_healthy(page)
    page.get_by_role("link", name="Areas", exact=True).first.click()
    page.get_by_label("Name, council or ward code").fill("Hendon")
    page.get_by_role("button", name="Show areas").click()
    assert_healthy(page)
    page.get_by_role("link", name="Hendon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hendon")
    assert_healthy(page)

    page.get_by_role("link", name="Change who works here").click()
    expect(page.get_by_text("Suggested: Asha Adviser")).to_be_visible()
    assert_healthy(page)
    page.get_by_label("Reason").first.fill("New area in the North East")
    page.get_by_role("button", name="Save the adviser").click()
    expect(page.get_by_text("Named adviser: Asha Adviser")).to_be_visible()


def test_an_adviser_keeps_the_partnership_contacts_and_funding_up_to_date(page, hendon):
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    sign_in(page, adviser)
    page.get_by_role("table").get_by_role("link", name="Hendon").click()

    page.get_by_role("link", name="Add the partnership").click()
    assert_healthy(page)
    page.get_by_label("Name of the partnership or group").fill("Hendon Together")
    page.get_by_label("Locally Trusted Organisation").fill("Hendon Trust")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Hendon Together, with Hendon Trust")).to_be_visible()

    page.get_by_role("link", name="Add a local contact").click()
    page.get_by_label("Name").fill("Jo Officer")
    page.get_by_label("Kind").select_option(label="Council officer")
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a valid email address")
    assert_healthy(page)
    page.get_by_label("Email").fill("jo@council.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("jo@council.example")).to_be_visible()

    page.get_by_role("navigation", name="Pages of Hendon").get_by_role(
        "link", name="Time and funding"
    ).click()
    assert_healthy(page)
    page.get_by_role("link", name="Add funding").click()
    page.get_by_label("Stream").select_option(label="UK Shared Prosperity Fund")
    page.get_by_label("Amount sought (£)").fill("50000")
    page.get_by_label("Status").select_option(label="Submitted")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("table", name="Funding this area has pursued")).to_contain_text(
        "£50,000"
    )
    assert_healthy(page)


def test_a_manager_brings_an_area_into_the_programme(page):
    outside = AreaFactory(name="Newhaven Estate", programme=False)
    UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    sign_in(page, UserFactory(role=Role.MANAGER))
    page.goto(f"/staff/areas/{outside.ward_code}/")
    page.get_by_role("link", name="Bring Newhaven Estate into the programme").click()
    assert_healthy(page)
    page.get_by_label("Cohort").select_option(label="Year 3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who works in Newhaven Estate")
    expect(page.get_by_text("Newhaven Estate is in the programme")).to_be_visible()
    assert_healthy(page)


def test_an_adviser_logs_an_interaction_and_a_follow_up_from_the_area_page(page, hendon):
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    sign_in(page, adviser)
    page.goto(f"/staff/areas/{hendon.ward_code}/")
    page.get_by_role("link", name="Log an interaction").click()
    assert_healthy(page)
    page.get_by_label("What kind").select_option(label="Meeting")
    page.get_by_label("Residents who took part").fill("12")
    page.get_by_label("Of them, new to us").fill("3")
    page.get_by_label("Engaging the community").check()
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_role("listitem").filter(
            has_text=re.compile(r"Meeting\s+by Asha Adviser, 12 residents \(3 new\)")
        )
    ).to_be_visible()

    page.get_by_role("link", name="Add a follow-up action").click()
    page.get_by_label("What needs doing").fill("Book the hall for the open day")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Book the hall for the open day", exact=True)).to_be_visible()
    assert_healthy(page)
