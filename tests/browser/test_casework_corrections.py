"""Logging an interaction with its time, correcting it, changing an action
and correcting a stage, on a phone-sized screen in real Chromium, with the
accessibility check on each page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services as staff_services
from advisers.models import TimeRecord
from advisers.roles import Role
from areas.models import Stage
from areas.services import area_change_stage
from casework import services
from casework.models import Action, Interaction
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_an_adviser_logs_a_meeting_with_its_time_then_corrects_it(mobile_page):
    page = mobile_page
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    sign_in(page, adviser)
    page.goto("/staff/areas/E05001158/")
    page.get_by_role("link", name="Log an interaction").click()
    page.get_by_label("What kind").select_option(label="Meeting")
    page.get_by_label("Residents who took part").fill("12")
    page.get_by_label("How long (minutes)").fill("90")
    page.get_by_label("Confidence and a plan for change").check()
    page.get_by_label("Notes").fill("Steering group <agreed> the plan")
    page.get_by_label("Next steps").fill("Book the hall & invite the council")
    expect(page.get_by_label("Count how long it took as my time in this area")).to_be_checked()
    assert_healthy(page)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("and its time counted")).to_be_visible()
    item = page.get_by_role("listitem").filter(has_text="Steering group <agreed> the plan")
    expect(item).to_contain_text("1 h 30 min")
    expect(item).to_contain_text("Confidence and a plan for change")
    expect(item).to_contain_text("Book the hall & invite the council")
    expect(item).to_contain_text("Counted as time given.")
    assert fits_the_phone(page)
    assert_healthy(page)

    item.get_by_role("link", name="Correct").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Correct an interaction")
    page.get_by_label("Of them, new to us").fill("40")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be more than the residents")
    assert_healthy(page)
    page.get_by_label("Of them, new to us").fill("2")
    page.get_by_label("How long (minutes)").fill("60")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("Corrected:")).to_be_visible()
    assert Interaction.objects.get().time_record.hours == 1
    assert TimeRecord.objects.count() == 1


def test_an_adviser_reschedules_an_action_on_a_phone(mobile_page):
    page = mobile_page
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    services.action_add(
        area=area,
        owner=adviser,
        by=adviser,
        description="Ring the chair about the plan",
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    sign_in(page, adviser)
    page.goto("/staff/casework/actions/")
    item = page.get_by_role("listitem").filter(has_text="Ring the chair about the plan")
    item.get_by_role("link", name="Change").click()
    later = timezone.localdate() + datetime.timedelta(days=14)
    page.get_by_label("By when").fill(later.isoformat())
    assert_healthy(page)
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changed: Ring the chair about the plan")).to_be_visible()
    assert Action.objects.get().due_on == later
    assert fits_the_phone(page)
    assert_healthy(page)


def test_a_manager_withdraws_a_stage_change_made_in_error(mobile_page):
    page = mobile_page
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    area_change_stage(area=area, stage=Stage.YEAR_ZERO, on=timezone.localdate(), by=adviser)
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))
    page.goto("/staff/areas/E05001158/")
    page.get_by_role("link", name="Correct Year Zero (planning)").click()
    assert_healthy(page)
    page.get_by_role("button", name="Withdraw the change").click()
    expect(page.get_by_role("alert")).to_contain_text("Why is it withdrawn?")
    page.get_by_label("Why is it withdrawn?").fill("Recorded against the wrong area")
    page.get_by_role("button", name="Withdraw the change").click()
    expect(page.get_by_text("Withdrawn: Hendon is back at Outreach.")).to_be_visible()
    expect(page.get_by_text("Recorded against the wrong area")).to_be_visible()
    assert fits_the_phone(page)
    assert_healthy(page)
