"""How a report's figures are written on its page and in its PDF."""

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

from evaluation.records import link_for
from evaluation.report_content import Cell

register = template.Library()


@register.filter
def cell_of(row: dict, key: str) -> Cell | None:
    return row.get(key)


@register.filter
def figure(cell: Cell | None, suppress_below: int) -> str:
    """A figure in words: "fewer than 5" when withheld for being small,
    "withheld" when withheld to protect another, "–" for no data,
    numbers with thousands separated (decimals only where there are any)."""
    if cell is None or cell.value is None:
        return "–"
    if cell.suppressed:
        return cell.withheld_text(suppress_below)
    if cell.is_number:
        value = cell.value
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.1f}"
        return f"{int(value):,}"
    return str(cell.value)


@register.filter
def record_link(cell: Cell | None, user) -> str:
    """The portal's list of the records a figure counts, one ``user`` may
    open (evaluation.records.link_for): a path on this site only (never
    another site's address, nor a script). Django's own check reads a
    path as a browser does (``/\\evil.example`` is another site)."""
    link = cell.link if cell else ""
    if not link.startswith("/") or not url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return ""
    return link_for(user, link)
