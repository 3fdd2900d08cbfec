"""An adviser's quarterly outcome record on a phone-sized screen in real
Chromium: seen missing on the home page, recorded (after a mistake the form
explains), corrected, and the correction in its history; the accessibility
check on each page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services as staff_services
from advisers.roles import Role
from evaluation.models import OutcomeRecord, quarter_label
from evaluation.outcomes import outcome_record_save, quarters_due
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_adviser_records_a_missing_quarter_on_a_phone_then_corrects_it(mobile_page):
    page = mobile_page
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    quarter = quarters_due(joined_on=area.joined_on, today=timezone.localdate())[-1]
    label = quarter_label(quarter)

    sign_in(page, adviser)
    section = page.get_by_role("region", name="Outcome records to make")
    expect(section).to_contain_text(f"Hendon: {label}")
    assert_healthy(page)
    section.get_by_role("link", name=f"Hendon: {label}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record {label}")
    expect(page.get_by_role("complementary")).to_contain_text("What the portal already knows")
    page.get_by_label("Residents actively involved").fill("24")
    page.get_by_label("Volunteers").fill("-6")
    page.get_by_label("People in leadership roles").fill("3")
    page.get_by_label("New groups or organisations formed").fill("1")
    page.get_by_label("Community spaces in use").fill("2")
    page.get_by_label("Community spaces in community ownership").fill("0")
    page.get_by_label("Leaders trained").fill("2")
    page.get_by_label("The area has a community plan").check()
    page.get_by_label("What happened").fill("The group ran its first open meeting.")
    assert fits_the_phone(page)
    assert_healthy(page)
    page.get_by_role("button", name="Save the record").click()

    expect(page.get_by_role("alert")).to_contain_text("Volunteers: Enter 0 or more.")
    expect(page.get_by_label("What happened")).to_have_value(
        "The group ran its first open meeting."
    )
    assert not OutcomeRecord.objects.exists()
    assert_healthy(page)
    page.get_by_label("Volunteers").fill("6")
    page.get_by_role("button", name="Save the record").click()

    expect(page.get_by_text(f"{label} recorded.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    assert fits_the_phone(page)
    assert_healthy(page)
    page.get_by_role("link", name="Correct this record").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Correct {label}")
    expect(page.get_by_label("Volunteers")).to_have_value("6")
    page.get_by_label("Volunteers").fill("8")
    page.get_by_role("button", name="Save the correction").click()

    expect(page.get_by_text(f"{label} corrected.")).to_be_visible()
    history = page.locator("ul.audit > li").first
    expect(history).to_contain_text("Changed outcome record")
    expect(history).to_contain_text("by Asha Adviser")
    expect(history).to_contain_text("Volunteers: 6 → 8")
    assert OutcomeRecord.objects.get().volunteers == 8
    assert fits_the_phone(page)
    assert_healthy(page)

    page.goto("/staff/")
    expect(page.get_by_role("region", name="Outcome records to make")).not_to_contain_text(label)


def test_a_manager_sees_an_areas_outcomes_and_reads_a_record_with_its_history(page):
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    baseline = outcome_record_save(
        area=area,
        kind=OutcomeRecord.Kind.BASELINE,
        by=adviser,
        values={**dict.fromkeys(OutcomeRecord.COUNTS, 2), "narrative": "Where we started."},
    )
    outcome_record_save(
        area=area, kind=baseline.kind, by=adviser, values={"leaders": 3}, correcting=baseline
    )
    quarter = quarters_due(joined_on=area.joined_on, today=timezone.localdate())[-1]

    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))
    page.goto("/staff/areas/E05001158/")
    page.get_by_role("navigation", name="Pages of Hendon").get_by_role(
        "link", name="Outcomes"
    ).click()
    panel = page.get_by_role("region", name="Outcomes")
    expect(panel).to_contain_text(f"{quarter_label(quarter)}: Overdue")
    expect(panel.get_by_role("link", name=f"Record {quarter_label(quarter)}")).to_be_visible()
    assert_healthy(page)
    panel.get_by_role("link", name="Baseline").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline")
    expect(page.get_by_text("Where we started.", exact=True)).to_be_visible()
    expect(page.locator("ul.audit > li").first).to_contain_text("People in leadership roles: 2 → 3")
    assert_healthy(page)
