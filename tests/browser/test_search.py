"""Searching casework on a phone, in real Chromium: a phrase, the pages,
one kind at a time, and a result's own page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers import services as staff_services
from advisers.models import Role
from casework.models import Interaction, ResidentMessage
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_adviser_finds_a_phrase_pages_through_and_opens_a_residents_message(mobile_page):
    page = mobile_page
    hendon = AreaFactory(name="Hendon", ward_code="E05001158")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    staff_services.area_assign_adviser(area=hendon, adviser=adviser, by=None)
    today = timezone.localdate()
    Interaction.objects.bulk_create(
        Interaction(
            area=hendon,
            date=today - datetime.timedelta(days=n + 1),
            kind="workshop",
            minutes=90,
            topics=["skills"],
            notes=f"Workshop {n} on running meetings.",
            next_steps="Share the meeting template.",
            logged_by=adviser,
        )
        for n in range(22)
    )
    # The same words apart are not the phrase.
    Interaction.objects.create(
        area=hendon, date=today, kind="call", notes="Running late for meetings.", logged_by=adviser
    )
    request = SupportRequestFactory(area=hendon, description="Help for our group")
    ResidentMessage.objects.create(
        support_request=request, text="Could someone show us how running meetings works?"
    )

    sign_in(page, adviser)
    page.get_by_role("navigation", name="Staff pages").get_by_role("link", name="Search").click()
    page.get_by_label("Words to find").fill('"running meetings"')
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=2, name="23 results")).to_be_visible()
    expect(page.get_by_text("Showing 1 to 20, newest first.")).to_be_visible()
    results = page.locator(".search-results > li")
    expect(results).to_have_count(20)
    expect(results.first).to_contain_text("Resident's message")
    expect(results.nth(1)).to_contain_text("Interaction")
    expect(results.nth(1)).to_contain_text("90 minutes")
    expect(results.nth(1)).to_contain_text("Skills and expertise")
    expect(results.nth(1)).to_contain_text("Next steps: Share the meeting template.")
    expect(page.get_by_text("Running late for meetings.")).to_have_count(0)
    assert_healthy(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    expect(results).to_have_count(3)
    expect(page.get_by_label("Words to find")).to_have_value('"running meetings"')
    assert_healthy(page)

    page.get_by_role("link", name="Residents' messages (1)").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("1 result in residents' messages")
    expect(page.get_by_role("link", name="Residents' messages (1)")).to_have_attribute(
        "aria-current", "page"
    )
    assert_healthy(page)
    page.get_by_role("link", name=f"On request {request.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(request.reference)
    expect(page.get_by_text("how running meetings works")).to_be_visible()
