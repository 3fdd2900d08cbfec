"""An area's first page and the pages a click from it, in real Chromium."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services
from advisers.models import Role, TimeRecord
from areas.models import Stage
from casework.services import interaction_log
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import EventFactory, RegistrationFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.hendon(programme=Stage.YEAR_ZERO, adviser=False, community_worker=False),
]

PAGES = ["Casework and referrals", "Events and network", "Time and funding", "Outcomes"]


def _history(hendon, adviser):
    """Something on each of Hendon's pages."""
    today = timezone.localdate()
    interaction_log(area=hendon, by=adviser, date=today, kind="meeting", residents=12)
    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=hendon, date=today, hours=Decimal("7.5")
    )
    starts = timezone.now() - datetime.timedelta(days=10)
    event = EventFactory(
        published=True,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
        registration_closes_at=starts - datetime.timedelta(days=1),
    )
    RegistrationFactory(event=event, area=hendon, checked_in_at=starts)


def _contents(page):
    return page.get_by_role("navigation", name="Pages of Hendon")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_manager_opens_an_area_and_reads_each_of_its_pages(browser, live_server, hendon, width):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    _history(hendon, adviser)
    sign_in(page, UserFactory(role=Role.MANAGER, full_name="Mina Manager"))

    page.goto(f"/staff/areas/{hendon.ward_code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hendon")
    expect(_contents(page).get_by_role("link", name="Overview")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_text("Named adviser: Asha Adviser")).to_be_visible()
    expect(page.get_by_role("heading", name="Early warning")).to_be_visible()
    expect(page.get_by_role("heading", name="Interactions")).to_be_visible()
    # The long history is a click away, not on the first page.
    expect(page.get_by_role("table", name="The latest time recorded here")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_healthy(page)

    for title in PAGES:
        _contents(page).get_by_role("link", name=title).click()
        expect(_contents(page).get_by_role("link", name=title)).to_have_attribute(
            "aria-current", "page"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert_healthy(page)
        if title == "Casework and referrals":
            expect(
                page.get_by_role("table", name="Residents reached, last 12 months")
            ).to_be_visible()
        elif title == "Events and network":
            expect(page.get_by_text("1 person from Hendon came to 1 event")).to_be_visible()
        elif title == "Time and funding":
            expect(page.get_by_role("table", name="The latest time recorded here")).to_contain_text(
                "Asha Adviser"
            )
        else:
            expect(page.get_by_role("region", name="Outcomes")).to_be_visible()

    _contents(page).get_by_role("link", name="Overview").click()
    expect(page.get_by_role("heading", name="Follow-up actions")).to_be_visible()
    context.close()


def test_an_evaluator_sees_only_the_pages_theirs_to_read(page, hendon):
    sign_in(page, UserFactory(role=Role.EVALUATOR))
    page.goto(f"/staff/areas/{hendon.ward_code}/")
    expect(_contents(page).get_by_role("link")).to_have_text(
        ["Overview", "Events and network", "Time and funding", "Outcomes"]
    )
    assert_healthy(page)
    _contents(page).get_by_role("link", name="Time and funding").click()
    expect(page.get_by_text("No funding recorded yet.")).to_be_visible()
    assert_healthy(page)
    assert page.goto(f"/staff/areas/{hendon.ward_code}/casework/").status == 403


def test_a_time_record_removed_from_the_time_page_comes_back_to_it(page, hendon):
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    TimeRecord.objects.create(
        person=adviser,
        role=adviser.role,
        area=hendon,
        date=timezone.localdate() - datetime.timedelta(days=1),
        hours=Decimal("7.5"),
    )
    sign_in(page, adviser)
    page.goto(f"/staff/areas/{hendon.ward_code}/time/")
    page.get_by_role("button", name="Remove this record").click()
    expect(page.get_by_text("No time recorded yet.")).to_be_visible()
    expect(_contents(page).get_by_role("link", name="Time and funding")).to_have_attribute(
        "aria-current", "page"
    )
    assert_healthy(page)
    assert not TimeRecord.objects.exists()
