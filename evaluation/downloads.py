"""A finished report's files, served the one way the web and the API both
use, after each has checked who may see the report."""

from django.core.files.storage import storages
from django.http import FileResponse, Http404

from evaluation import reports
from evaluation.models import Report

# What each download is: the report's file field, and its content type.
DOWNLOADS = {
    "pdf": ("pdf", "application/pdf"),
    "xlsx": ("workbook", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("open_data", "text/csv; charset=utf-8"),
}


def report_file_response(report: Report, kind: str) -> FileResponse:
    """``report``'s file of ``kind`` as a private attachment; 404 for an
    unknown kind, a report not yet done, or a file gone from storage."""
    if kind not in DOWNLOADS or report.status != Report.Status.DONE:
        raise Http404
    field, content_type = DOWNLOADS[kind]
    name = getattr(report, field).name
    storage = storages["reports"]
    if not name or not storage.exists(name):
        raise Http404
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=True,
        filename=reports.download_name(report, kind),
        content_type=content_type,
    )
    # Private figures: kept by no shared cache, nor by the browser's.
    response["Cache-Control"] = "private, no-store"
    return response
