"""How the PDF lays out its pages: a section's heading with its chart (a
chart and its table were held together on one page, so when both did not
fit, the pair moved on and left the heading alone on a page), and every
column of a wide table on the page (the last ones were cut off)."""

import datetime
import io

import pytest
from pypdf import PdfReader

from evaluation import reports
from evaluation.models import Report
from evaluation.report_figures import build

ROWS = "".join(f"<tr><th>Month {n}</th><td>{n}</td></tr>" for n in range(40))
PAGE = f"""<!DOCTYPE html><html><head>
<link rel="stylesheet" href="/static/css/nfc.css">
<link rel="stylesheet" href="/static/css/report-print.css"></head>
<body class="report-pdf"><main><article class="report">
<section class="report-section"><h2>Requests for help</h2><p>Requests come from residents.</p>
<div class="report-table">
  <figure class="chart"><figcaption><h3>Requests by topic and month</h3></figcaption>
    <svg viewBox="0 0 720 280" class="chart-svg"><rect width="720" height="280"/></svg></figure>
  <p>Requests for help received each month.</p>
  <div class="table-wrap"><table><thead><tr><th>Month</th><th>Requests</th></tr></thead>
  <tbody>{ROWS}</tbody></table></div>
</div></section></article></main></body></html>"""


def test_a_sections_heading_shares_its_page_with_the_chart_below_it():
    pdf = PdfReader(io.BytesIO(reports.pdf_bytes(PAGE)))
    first = pdf.pages[0].extract_text()
    assert "Requests for help" in first
    assert "Requests by topic and month" in first


@pytest.mark.django_db
def test_a_wide_tables_last_columns_are_on_the_page(hendon):
    report = Report.objects.create(
        kind=Report.Kind.PROGRAMME,
        scope_key="programme",
        span=Report.Span.QUARTER,
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 10, 1),
    )
    html = reports.report_html(report=report, content=build(report)[0], for_pdf=True)
    pdf = PdfReader(io.BytesIO(reports.pdf_bytes(html)))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "Days given (% of promised)" in text
    # With the programme's figures, the comparisons' and the quarterly
    # outcomes' last columns ran off the right of a portrait page: the
    # sections with tables of many columns are on landscape pages.
    for title in ("Comparison by region", "Outcomes quarter by quarter"):
        pages = [page for page in pdf.pages if title in page.extract_text()]
        assert pages
        assert all(page.mediabox.width > page.mediabox.height for page in pages), title
    [first] = pdf.pages[:1]
    assert first.mediabox.width < first.mediabox.height
