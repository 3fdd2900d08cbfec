"""CSV downloads that a spreadsheet opens safely."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# A cell starting with one of these is run as a formula by spreadsheet
# programs; a leading apostrophe makes it plain text again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_write(file, header: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Write a spreadsheet-safe CSV to ``file`` (anything with ``write``)."""
    # A byte-order mark, so that Excel reads the file as UTF-8.
    file.write("\ufeff")
    writer = csv.writer(file)
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])


def csv_text(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A spreadsheet-safe CSV as text, to put in a ZIP file, say."""
    file = io.StringIO()
    csv_write(file, header, rows)
    return file.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv_write(response, header, rows)
    return response
