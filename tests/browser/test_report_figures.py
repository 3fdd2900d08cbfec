"""Checking a report's figure against its records, in real Chromium: an
evaluator opens the link of the residents reached and of the days given,
sees the same totals, and narrows the list with the filters; then follows
the report's count of requests from its page to the requests it counts
(never the residents' details, which an evaluator may not see)."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from advisers.models import TimeRecord
from advisers.roles import Role
from casework.models import Interaction, SupportRequest, Topic
from evaluation.models import Report
from evaluation.report_figures import build
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def figure(content, slug: str, row: str, column: str):
    table = next(t for t in content.tables() if t.slug == slug)
    first = table.columns[0].key
    return next(r[column] for r in table.rows if r[first].value == row)


def test_an_evaluator_follows_a_figure_to_the_records_it_counts(mobile_page):
    page = mobile_page
    hendon = AreaFactory(name="Hendon", ward_code="E05001158")
    byker = AreaFactory(name="Byker")
    adviser = UserFactory(role=Role.ADVISER, full_name="Asha Adviser")
    for area, residents in ((hendon, 9), (hendon, 7), (byker, 6)):
        Interaction.objects.create(
            area=area,
            date=datetime.date(2026, 8, 12),
            kind=Interaction.Kind.MEETING,
            residents=residents,
            notes="Mrs Jones spoke about her son",
            logged_by=adviser,
        )
    TimeRecord.objects.create(
        person=adviser, role=adviser.role, area=hendon, date=datetime.date(2026, 8, 3), hours=15
    )
    received = datetime.datetime(2026, 8, 5, 10, tzinfo=datetime.UTC)
    for _ in range(6):
        asked = SupportRequest.objects.create(
            area=hendon,
            topic=Topic.PLAN,
            description="Our landlord will not fix the damp",
            name="Rosa Privatesurname",
            email="rosa.private@example.org",
            contact_by="email",
            consented_at=received,
            privacy_notice_version="2026-11",
        )
        SupportRequest.objects.filter(pk=asked.pk).update(created_at=received)
    report = Report.objects.create(
        kind=Report.Kind.PROGRAMME,
        scope_key=Report.key_for(kind=Report.Kind.PROGRAMME),
        span=Report.Span.QUARTER,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 10, 1),
    )
    content, _ = build(report)
    reached = figure(content, "residents-reached", "Total", "residents")
    assert reached.value == 22
    days = figure(content, "days-by-month", "Aug 2026", "adviser")
    assert days.value == 2.0
    assert figure(content, "requests-by-topic", "Total", "total").value == 6
    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.DONE, content=content.to_json(), finished_at=timezone.now()
    )

    sign_in(page, UserFactory(role=Role.EVALUATOR, full_name="Evan Evaluator"))
    page.goto(reached.link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Interactions")
    expect(page.get_by_text("3 interactions, with 22 residents taking part")).to_be_visible()
    expect(page.get_by_text("Mrs Jones")).to_have_count(0)
    assert_healthy(page)

    page.get_by_label("Ward code").fill("E05001158")
    page.get_by_role("button", name="Show interactions").click()
    expect(page.get_by_text("2 interactions, with 16 residents taking part")).to_be_visible()

    page.goto(days.link)
    expect(page.get_by_text("1 time record: 2.0 days")).to_be_visible()
    expect(page.get_by_role("cell", name="Asha Adviser")).to_be_visible()
    assert_healthy(page)
    page.screenshot(path="/tmp/nfc-figures-records-mobile.png", full_page=True)

    # From the report's own page: the total of requests, for an evaluator,
    # opens the requests behind the figures (the request list is not theirs).
    page.goto(f"/staff/reports/{report.pk}/report/")
    page.locator("#table-requests-by-topic tr.total-row td").last.get_by_role(
        "link", name="6"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requests")
    assert page.url.split("?")[0].endswith("/staff/figures/requests/")
    expect(page.get_by_text("6 requests, oldest first")).to_be_visible()
    expect(page.get_by_role("cell", name="Hendon").first).to_be_visible()
    for personal in ("Rosa", "rosa.private@example.org", "damp"):
        expect(page.get_by_text(personal)).to_have_count(0)
    assert_healthy(page)
    page.screenshot(path="/tmp/nfc-figures-requests-mobile.png", full_page=True)
