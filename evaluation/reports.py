"""Evaluation reports: asking for one, and building it (the job's work).

A report is asked for once per scope and period while it is being built
(a database constraint), built by a job on the reports queue in four
stages, and its files are written to the reports storage under names made
from the report's id, so a job run again (its worker killed halfway, say)
overwrites them and the report still has one of each.
"""

import datetime
import functools
import io
import logging
import mimetypes
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from areas.models import Area
from casework import audit
from evaluation import report_figures
from evaluation.models import Report
from evaluation.report_content import ReportContent, Table
from nfc.csv import csv_text, spreadsheet_safe
from nfc.periods import add_months, quarter_start
from nfc.webhooks import api_url, webhooks_announce

logger = logging.getLogger(__name__)

BUILD_TASK = "evaluation.tasks.report_build_task"
STAGES = [stage for stage, _ in Report.Stage.choices]
# Where the PDF's page pretends to be: only its static files are fetched.
PDF_BASE_URL = "https://report.nfc.invalid/"
# A section with a table of more columns than this is printed on landscape
# pages: on a portrait A4 page the last columns ran off its edge.
PORTRAIT_COLUMNS = 8

# The job's time limits (evaluation.tasks), here because the claim needs
# them. Well below the broker's visibility timeout (2 h, nfc/settings.py),
# so Redis never hands a job still running to a second worker.
SOFT_TIME_LIMIT = 30 * 60
TIME_LIMIT = 35 * 60
# A report "being built" for longer than the hard limit has lost its worker.
LOST_AFTER = datetime.timedelta(seconds=TIME_LIMIT + 5 * 60)
# A report whose worker was lost this many times is given up.
MOST_ATTEMPTS = 3
LOST = (
    "Its worker stopped {attempts} times before it could finish. Try again; if it "
    "fails again, tell the portal's administrators."
)


def _storage():
    # Read from the settings each time: they choose where (and tests do).
    return storages["reports"]


def report_enqueue(*, report: Report) -> None:
    """Send the report's job when the transaction commits, noting when (the
    sweep sends again only what was sent long ago)."""
    report.enqueued_at = timezone.now()
    Report.objects.filter(pk=report.pk).update(enqueued_at=report.enqueued_at)
    # By name: the task module imports this one.
    current_app.tasks[BUILD_TASK].delay_on_commit(report.pk)


def report_request(
    *,
    kind: str,
    region: str = "",
    cohort: int | None = None,
    area: Area | None = None,
    span: str,
    start: datetime.date,
    end: datetime.date,
    by,
    scheduled: bool = False,
    enqueue: bool = True,
) -> Report:
    """Ask for a report of ``kind`` for its scope, from ``start`` up to (not
    including) ``end``; its job is enqueued when the transaction commits.

    If the same report (scope and period) is already waiting or being built,
    that one is returned and nothing new is asked: the database's unique
    constraint decides, so two people asking at the same moment get one.
    ``scheduled`` marks the schedule's own reports. ``enqueue=False`` leaves
    the building to the caller (build_report).
    """
    if end <= start:
        raise ValidationError("The period must end after it starts.")
    if kind == Report.Kind.AREA:
        region = area.region if area else ""
    key = Report.key_for(kind=kind, region=region, cohort=cohort, area=area)
    report = Report(
        kind=kind,
        scope_key=key,
        region=region if kind in (Report.Kind.REGION, Report.Kind.AREA) else "",
        cohort=cohort if kind == Report.Kind.COHORT else None,
        area=area if kind == Report.Kind.AREA else None,
        span=span,
        period_start=start,
        period_end=end,
        requested_by=by,
        scheduled=scheduled,
    )
    # The other one may finish between our failed insert and the look-up:
    # then there is room to insert again.
    for _ in range(3):
        try:
            with transaction.atomic():
                report.save()
                audit.record(
                    obj=report,
                    by=by,
                    fields=["kind", "region", "cohort", "area", "period_start", "period_end"],
                )
                if enqueue:
                    report_enqueue(report=report)
                return report
        except IntegrityError:
            report.pk = None
            running = (
                Report.objects.running()
                .filter(scope_key=key, period_start=start, period_end=end)
                .first()
            )
            if running:
                return running
    raise ValidationError("The report could not be asked for; please try again.")


def span_of(start: datetime.date, end: datetime.date) -> str:
    """What kind of period runs from ``start`` up to ``end``."""
    if start == quarter_start(start) and end == add_months(start, 3):
        return Report.Span.QUARTER
    if (start.month, start.day) == (1, 1) and end == start.replace(year=start.year + 1):
        return Report.Span.YEAR
    return Report.Span.CUSTOM


def report_retry(*, report: Report, by) -> Report:
    """Build a failed report again; if the same report has been asked for
    since and is being built, that one is returned instead."""
    if report.status != Report.Status.FAILED:
        return report
    try:
        with transaction.atomic():
            before = audit.snapshot(report, ["status"])
            updated = Report.objects.filter(pk=report.pk, status=Report.Status.FAILED).update(
                status=Report.Status.QUEUED, stage="", failure="", attempts=0, finished_at=None
            )
            if not updated:
                report.refresh_from_db()
                return report
            report.refresh_from_db()
            audit.record(obj=report, by=by, before=before, fields=["status"])
            report_enqueue(report=report)
            return report
    except IntegrityError:
        return (
            Report.objects.running()
            .filter(
                scope_key=report.scope_key,
                period_start=report.period_start,
                period_end=report.period_end,
            )
            .first()
            or report
        )


def _mine(report: Report):
    # The row while it is still this run's: a run that has been given up
    # on, and the report claimed again since, matches nothing.
    return Report.objects.filter(
        pk=report.pk, attempts=report.attempts, started_at=report.started_at
    )


def report_fail(*, report: Report, failure: str) -> None:
    """Mark a report failed, with ``failure`` in words a person can act on,
    if it is still as ``report`` has it (the same run, unfinished): a stale
    run's failure never overwrites a newer run's report."""
    failed = (
        _mine(report)
        .filter(status__in=Report.UNFINISHED)
        .update(status=Report.Status.FAILED, failure=failure, finished_at=timezone.now())
    )
    if not failed:
        logger.warning(
            "Report %s: run %s no longer holds it; not marked failed", report.pk, report.attempts
        )


def report_release(*, report: Report) -> None:
    """Give a claimed report back to wait for its job's retry (a service
    briefly away), so the retry can claim it."""
    _mine(report).filter(status=Report.Status.RUNNING).update(
        status=Report.Status.QUEUED, stage="", enqueued_at=timezone.now()
    )


def report_claim(*, report_id: int, redelivered: bool = False) -> Report | None:
    """Claim report ``report_id`` for this run, or None if it may not be
    built here: already built or failed, or being built by another run.

    One conditional UPDATE decides, so two deliveries of its job (the sweep
    sending again, build_report, the broker giving it back) never both build
    it. A report being built is taken over only when its run is known to be
    gone: the broker gave this job back after its worker was lost
    (``redelivered``), or it has been "being built" longer than any run may
    last. One whose worker was lost MOST_ATTEMPTS times is failed instead of
    built again (a build that kills its worker would be given back forever).
    """
    now = timezone.now()
    lost = Q(status=Report.Status.RUNNING, started_at__lt=now - LOST_AFTER)
    if redelivered:
        lost |= Q(status=Report.Status.RUNNING)
    claimable = Report.objects.filter(pk=report_id)
    claimed = claimable.filter(
        Q(status=Report.Status.QUEUED) | (lost & Q(attempts__lt=MOST_ATTEMPTS))
    ).update(
        status=Report.Status.RUNNING,
        stage="",
        started_at=now,
        attempts=F("attempts") + 1,
        failure="",
    )
    if claimed:
        return Report.objects.select_related("area").get(pk=report_id)
    given_up = claimable.filter(lost, attempts__gte=MOST_ATTEMPTS).first()
    if given_up:
        report_fail(report=given_up, failure=LOST.format(attempts=given_up.attempts))
    else:
        logger.info("Report %s: not claimed (built, failed, or being built)", report_id)
    return None


def report_build(*, report_id: int, on_stage: Callable[[str], None] | None = None) -> Report:
    """Claim report ``report_id`` and build it (report_build_claimed); if it
    cannot be claimed (built already, or being built), it is returned as it
    is, untouched."""
    report = report_claim(report_id=report_id)
    if report is None:
        return Report.objects.get(pk=report_id)
    return report_build_claimed(report=report, on_stage=on_stage)


def report_build_claimed(
    *, report: Report, on_stage: Callable[[str], None] | None = None
) -> Report:
    """Build a report this run has claimed (report_claim): gather its
    figures, draw its charts and its page, make its PDF, its workbook and
    its open-data CSV, saving the stage in the row as it goes (the page
    shows it).

    ``on_stage`` is called with each stage's name as it starts, and with
    "done" at the end (build_report --timings measures them).

    One whose last run stopped halfway (a worker killed) is built from the
    start, overwriting what it had written. If the report is no longer this
    run's at the end (given up on and claimed again), its result is dropped.
    """

    def stage(name: str) -> None:
        _mine(report).update(stage=name)
        report.stage = name
        if on_stage:
            on_stage(name)

    stage(Report.Stage.GATHERING)
    content, (header, rows) = report_figures.build(report)
    Report.objects.filter(pk=report.pk).update(content=content.to_json())

    stage(Report.Stage.CHARTS)
    html = report_html(report=report, content=content, for_pdf=True)

    stage(Report.Stage.PDF)
    pdf = _save(report, "pdf", pdf_bytes(html))

    stage(Report.Stage.WORKBOOK)
    workbook = _save(report, "xlsx", workbook_bytes(content))
    open_data = _save(report, "csv", csv_text(header, rows).encode("utf-8"))

    finished = (
        _mine(report)
        .filter(status=Report.Status.RUNNING)
        .update(
            status=Report.Status.DONE,
            stage="",
            pdf=pdf,
            workbook=workbook,
            open_data=open_data,
            finished_at=timezone.now(),
        )
    )
    if finished:
        webhooks_announce(
            "report.finished",
            {"report_id": report.pk, "status": "done", "url": api_url(f"reports/{report.pk}/")},
        )
    else:
        logger.warning(
            "Report %s: run %s no longer holds it; its result is dropped",
            report.pk,
            report.attempts,
        )
    if on_stage:
        on_stage("done")
    report.refresh_from_db()
    return report


def file_name(report: Report, extension: str) -> str:
    """Where a report's file is kept: the same name each time it is built."""
    return f"reports/{report.pk}/{download_name(report, extension)}"


def download_name(report: Report, extension: str) -> str:
    scope = report.scope_key.replace(":", "-").lower()
    last = report.period_end - datetime.timedelta(days=1)
    return f"nfc-report-{scope}-{report.period_start:%Y%m%d}-{last:%Y%m%d}.{extension}"


def _save(report: Report, extension: str, data: bytes) -> str:
    storage = _storage()
    name = file_name(report, extension)
    # A file storage adds a suffix rather than overwrite: remove the old
    # one first, so a run again leaves one file, not two.
    storage.delete(name)
    saved = storage.save(name, ContentFile(data))
    return saved


def report_html(*, report: Report, content: ReportContent, for_pdf: bool) -> str:
    """The report as HTML, from the one template the page and the PDF share
    (the PDF's frame has no portal navigation, and its figures no links)."""
    return render_to_string(
        "evaluation/reports/report.html", report_context(report, content, for_pdf)
    )


def report_context(report: Report, content: ReportContent, for_pdf: bool) -> dict:
    return {
        "base_template": "evaluation/reports/pdf_base.html" if for_pdf else "base.html",
        "for_pdf": for_pdf,
        "report": report,
        "content": content,
        "sections": [
            {
                "section": section,
                "tables": [{"table": table, "chart": table.draw()} for table in section.tables],
                "wide": any(len(table.columns) > PORTRAIT_COLUMNS for table in section.tables),
            }
            for section in content.sections
        ],
    }


class StaticOnlyFetcher(URLFetcher):
    """Gives WeasyPrint the portal's own static files (its stylesheet) and
    nothing else: a report never reaches out to the network or the disk."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        static = "/" + settings.STATIC_URL.lstrip("/")
        if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL or not parts.path.startswith(static):
            raise ValueError(f"A report's PDF fetches only the portal's static files, not {url}")
        relative = parts.path.removeprefix(static)
        path = finders.find(relative) if ".." not in relative else None
        if not path:
            raise ValueError(f"No static file {relative}")
        with open(path, "rb") as file:
            body = file.read()
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})


# The portal's stylesheet rules that colour the charts' SVG.
_CHART_RULE = re.compile(r"^(?:\.|rect\.)(?:chart-|series-|status-)[^{]*\{[^}]*\}", re.M)
_CUSTOM_PROPERTY = re.compile(r"(--[\w-]+):\s*([^;]+);")


@functools.cache
def chart_style() -> str:
    """The chart rules of the portal's one stylesheet, for inside each SVG of
    the PDF: WeasyPrint draws an SVG apart from the page's stylesheet (the
    portal's pages cannot do this: their CSP refuses inline styles)."""
    with open(finders.find("css/nfc.css"), encoding="utf-8") as file:
        css = file.read()
    root = css.split(":root", 1)[1].split("}", 1)[0]
    values = dict(_CUSTOM_PROPERTY.findall(root))
    rules = "\n".join(_CHART_RULE.findall(css))
    return re.sub(r"var\((--[\w-]+)\)", lambda m: values.get(m[1], "currentColor"), rules)


def pdf_bytes(html: str) -> bytes:
    html = html.replace('class="chart-svg">', f'class="chart-svg"><style>{chart_style()}</style>')
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel's limits: 31 characters, none of []:*?/\, unique ignoring case.
    clean = "".join(" " if c in "[]:*?/\\" else c for c in title)
    clean = " ".join(clean.split()) or "Table"
    base, n = clean[:31].rstrip(), 2
    name = base
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def workbook_rows(table: Table, below: int) -> list[list]:
    """A table as rows of cells for the workbook: numbers as numbers,
    withheld ones in words, every string neutralised against formulas."""
    rows: list[list] = [[spreadsheet_safe(column.label) for column in table.columns]]
    for row in table.rows:
        line: list = []
        for column in table.columns:
            cell = row.get(column.key)
            if cell is None or cell.value is None:
                line.append(None)
            elif cell.suppressed:
                line.append(cell.withheld_text(below))
            elif cell.is_number:
                line.append(cell.value)
            else:
                line.append(spreadsheet_safe(cell.value))
        rows.append(line)
    return rows


def workbook_bytes(content: ReportContent) -> bytes:
    """Every table on a sheet of its own, and the method note on the last."""
    below = content.suppress_below
    book = Workbook()
    about = book.active
    about.title = "About"
    used = {"about", "method note"}
    for line in (content.title, content.scope, content.period):
        about.append([spreadsheet_safe(line)])
    about.append([])
    about.append(
        [f'"fewer than {below}": a count too small to show without risk of identifying people.']
    )
    about.append(['"withheld": a count held back so that a total cannot give a small one away.'])
    for table in content.tables():
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.append([spreadsheet_safe(table.title)])
        if table.summary:
            sheet.append([spreadsheet_safe(table.summary)])
        sheet.append([])
        for line in workbook_rows(table, below):
            sheet.append(line)
        for note in table.notes:
            sheet.append([spreadsheet_safe(note)])
    method = book.create_sheet("Method note")
    for paragraph in content.method:
        method.append([spreadsheet_safe(paragraph)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_progress(report: Report) -> dict:
    """How far its job has gone, for the page's bar and the API."""
    stages = STAGES
    if report.status == Report.Status.DONE:
        done = len(stages)
    elif report.stage in stages:
        done = stages.index(report.stage)
    else:
        done = 0
    return {
        "status": report.status,
        "status_label": report.get_status_display(),
        "stage": report.stage,
        "stage_label": report.get_stage_display() if report.stage else "",
        "stages_done": done,
        "stages": len(stages),
        "percent": round(100 * done / len(stages)),
        "finished": report.is_finished,
    }
