"""The audit history, as a manager uses it on a phone, in real Chromium."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services as staff_services
from advisers.roles import Role
from areas import services as area_services
from areas.models import Stage
from casework import services
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_finds_who_moved_an_areas_stage_and_what_they_changed(mobile_page):
    page = mobile_page
    today = timezone.localdate()
    hendon = AreaFactory(name="Hendon", ward_code="E05001158")
    AreaFactory(name="Pallion", ward_code="E05001159")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    support_request = SupportRequestFactory(area=hendon)
    services.support_request_move(
        support_request=support_request, to_status="in_progress", by=adviser
    )
    area_services.area_change_stage(
        area=hendon, stage=Stage.YEAR_ZERO, on=today, by=adviser, note="Plan begins"
    )
    staff_services.time_record_add(
        person=adviser, area=hendon, date=today, hours=Decimal(3), kind="visit", by=adviser
    )
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))

    page.get_by_role("link", name="Audit history").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit history")
    expect(page.get_by_text("Status: New → In progress")).to_be_visible()
    assert_healthy(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Dates the wrong way round: said plainly, what was chosen kept.
    page.get_by_label("Changed on or after").fill(f"{today:%Y-%m-%d}")
    page.get_by_label("Changed on or before").fill("2020-01-01")
    page.get_by_role("button", name="Show changes").click()
    expect(page.get_by_role("alert")).to_contain_text("The last day cannot be before the first.")
    expect(page.get_by_label("Changed on or after")).to_have_value(f"{today:%Y-%m-%d}")
    assert_healthy(page)

    page.get_by_label("Changed on or before").fill("")
    page.get_by_label("Area:", exact=True).select_option(label="Hendon (Sunderland)")
    page.get_by_label("Changed by").select_option(label="Asha Adviser")
    page.get_by_label("Kind of record").select_option(label="Stages and area details")
    page.get_by_role("button", name="Show changes").click()
    expect(page.get_by_text("1 entry.")).to_be_visible()
    entry = page.get_by_role("listitem").filter(has_text="Created stage change")
    expect(entry).to_contain_text("Stage: Year Zero (planning)")
    expect(entry).to_contain_text("Note: Plan begins")
    expect(entry).to_contain_text("by Asha Adviser")
    assert_healthy(page)

    entry.get_by_role("link", name="Hendon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hendon")
    page.get_by_role("link", name="Who changed what here (audit history)").click()
    expect(page.get_by_label("Area:", exact=True)).to_have_value("E05001158")
    expect(page.get_by_text("Hours: 3")).to_be_visible()
