"""Evaluation reports in real Chromium: an evaluator starts a programme
report, watches its bar move without the page reloading, reads the report,
follows a figure to the records it counts, and downloads the PDF and the
workbook; the same pages at phone width and without JavaScript."""

import datetime
import io
import time

import openpyxl
import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from pypdf import PdfReader

from advisers.models import Role
from evaluation import report_figures, reports
from evaluation.models import Report
from evaluation.report_content import Cell, Column, ReportContent, Section, Table
from tests.browser.conftest import assert_healthy, sign_in
from tests.factories import AreaFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def figures(report) -> ReportContent:
    # Slowed, so the bar can be seen to move; one figure links to its areas.
    time.sleep(1.5)
    areas = Table(
        slug="areas",
        title="Areas in the programme",
        columns=[Column("region", "Region", numeric=False), Column("areas", "Areas")],
        rows=[
            {
                "region": Cell.of("North East"),
                "areas": Cell.of(2, link="/staff/areas/?region=north_east"),
            },
            {"region": Cell.of("London"), "areas": Cell(value=1, suppressed=True)},
        ],
    )
    return ReportContent(
        title="Evaluation report: The whole programme",
        scope=report.scope_label,
        period=report.period_label,
        sections=[Section("areas", "Areas", ["Where the programme works."], [areas])],
        method=["Counted from the portal's records."],
    )


@pytest.fixture
def slow_report(monkeypatch):
    pdf = reports.pdf_bytes

    def slow_pdf(html):
        time.sleep(1.5)
        return pdf(html)

    monkeypatch.setattr(
        report_figures, "build", lambda report: (figures(report), (["ward_code"], []))
    )
    monkeypatch.setattr(reports, "pdf_bytes", slow_pdf)


def _bar_until_reloaded(page) -> int | None:
    """The bar's value while the page is the one first loaded; None once the
    script has reloaded it (asked in one step, so the answer is never half
    from each page)."""
    try:
        return page.evaluate(
            "window.nfcSamePage === true"
            " ? Number(document.getElementById('report-bar').value) : null"
        )
    except PlaywrightError as error:
        # The reload began while we asked.
        if "Execution context was destroyed" in str(error):
            return None
        raise


def test_an_evaluator_starts_a_report_watches_it_built_reads_it_and_downloads_it(
    page, celery_report_worker, slow_report
):
    AreaFactory(name="Hendon", ward_code="E05001158")
    evaluator = UserFactory(role=Role.EVALUATOR, full_name="Evan Evaluator")
    sign_in(page, evaluator)
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluation reports")
    assert_healthy(page)

    page.get_by_label("The whole programme").check()
    page.get_by_label("Chosen dates").check()
    page.get_by_label("From").fill("2026-01-01")
    page.locator("#id_last").fill("2026-03-31")
    page.get_by_role("button", name="Start the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The whole programme, 1 January 2026 to 31 March 2026"
    )
    expect(page.locator("#report-refresh")).to_be_hidden()
    # The same document throughout: a reload would lose this mark.
    page.evaluate("window.nfcSamePage = true")
    seen = set()
    deadline = time.monotonic() + 60
    while (value := _bar_until_reloaded(page)) is not None:
        seen.add(value)
        assert time.monotonic() < deadline, "the report was never finished"
        time.sleep(0.2)
    assert {0, 50} <= seen, seen
    # Once finished, the page shows its outputs.
    expect(page.get_by_role("link", name="Read the report")).to_be_visible()
    assert_healthy(page)

    page.get_by_role("link", name="Read the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Evaluation report: The whole programme"
    )
    expect(page.get_by_text("fewer than 5").first).to_be_visible()
    assert_healthy(page)
    page.get_by_role("link", name="2", exact=True).click()
    expect(page).to_have_url("/staff/areas/?region=north_east")

    page.go_back()
    page.get_by_role("link", name="This report's page and downloads").click()
    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Download the PDF").click()
    pdf = PdfReader(pdf_download.value.path())
    assert "Areas in the programme" in pdf.pages[0].extract_text() + pdf.pages[1].extract_text()
    with page.expect_download() as workbook_download:
        page.get_by_role("link", name="Download the workbook").click()
    assert workbook_download.value.suggested_filename.endswith(".xlsx")
    with open(workbook_download.value.path(), "rb") as file:
        book = openpyxl.load_workbook(io.BytesIO(file.read()))
    assert "Areas in the programme" in book.sheetnames
    assert Report.objects.get().status == Report.Status.DONE


def test_without_javascript_the_page_asks_to_be_refreshed(browser, live_server):
    evaluator = UserFactory(role=Role.EVALUATOR)
    report = reports.report_request(
        kind=Report.Kind.PROGRAMME,
        span=Report.Span.YEAR,
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2026, 1, 1),
        by=evaluator,
        enqueue=False,
    )
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        sign_in(page, evaluator)
        page.goto(f"/staff/reports/{report.pk}/")
        expect(page.get_by_text("refresh it to see how far")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
