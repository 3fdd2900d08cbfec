"""The PDF keeps a section's heading with its chart: a chart and its table
were held together on one page, so when both did not fit, the pair moved
to the next page and left the section's heading alone on a page."""

import io

from pypdf import PdfReader

from evaluation import reports

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
