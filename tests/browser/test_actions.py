"""Follow-up actions, in real Chromium."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services as staff_services
from advisers.models import TimeRecord
from advisers.roles import Role
from casework import services
from casework.models import Action
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_manager_closes_a_community_workers_overdue_action_from_the_area_page(mobile_page):
    page = mobile_page
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    worker = UserFactory(role=Role.COMMUNITY_WORKER, full_name="Callum Worker")
    staff_services.area_allocate_community_worker(area=area, worker=worker, by=None)
    services.action_add(
        area=area,
        owner=worker,
        by=worker,
        description="Book the hall for <the> AGM",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    staff_services.time_record_add(
        person=worker,
        area=area,
        date=timezone.localdate(),
        hours=Decimal("7.5"),
        kind=TimeRecord.Kind.VISIT,
        by=worker,
    )
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))
    page.goto("/staff/areas/E05001158/")
    item = page.get_by_role("listitem").filter(has_text="Book the hall for <the> AGM")
    expect(item).to_contain_text("Callum Worker")
    expect(item).to_contain_text("overdue")
    assert_healthy(page)

    # Nothing on the page (the hidden words of its buttons included) makes a
    # phone's screen scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    item.get_by_role("button", name="Mark done").click()
    expect(page.get_by_text("Done: Book the hall for <the> AGM.")).to_be_visible()
    expect(page.get_by_text("No open actions.")).to_be_visible()
    assert Action.objects.get().done_at is not None
