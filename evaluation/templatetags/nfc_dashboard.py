from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nfc.text import without_direction_controls

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping[key]``, for keys held in variables."""
    return mapping.get(key) if mapping else None


@register.filter
def sum_of(rows, key: str):
    """The total of ``key`` over a list of dicts."""
    return sum(row[key] for row in rows)


@register.filter
def timedelta_words(every) -> str:
    """A job's period in words: "1 day", "5 minutes"."""
    seconds = int(every.total_seconds())
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


@register.filter
def job_is_late(state) -> bool:
    return state.is_late(timezone.now())


def _whole_number(value: int) -> str:
    """A whole number as the template engine shows it: localize() gives
    plain digits unless thousands are grouped, and digits need no escaping
    (int() holds it to digits); localize() itself cost most of the rows."""
    if settings.USE_THOUSAND_SEPARATOR:
        return escape(localize(value))
    return str(int(value))


@register.simple_tag
def overdue_action_rows(
    rows: list[dict], *, my_actions: str, region: str, can_triage: bool, me: int | None
) -> SafeString:
    """The overdue actions table's rows, one for each owner: the lines the
    template's loop drew, byte for byte, written here because the programme's
    fifty-odd owners made that loop a tenth of the dashboard's drawing. Each
    value is escaped (names as bidi_safe shows them)."""
    in_region = f"&amp;region={escape(region)}" if region else ""
    listed = escape(my_actions)
    lines = []
    for row in rows:
        name = escape(without_direction_controls(str(row["owner__full_name"])))
        count = _whole_number(row["overdue"])
        if can_triage:
            owner = _whole_number(row["owner_id"])
            cell = f'<a href="{listed}?owner={owner}&amp;overdue=on{in_region}">{count}</a>'
        elif row["owner_id"] == me:
            cell = f'<a href="{listed}?overdue=on">{count}</a>'
        else:
            cell = count
        lines.append(
            "\n              <tr>"
            f'\n                <th scope="row">{name}</th>'
            f"\n                <td>{cell}</td>"
            "\n              </tr>\n            "
        )
    # Safe: built above from escaped values and the module's own markup.
    return mark_safe("".join(lines))


@register.simple_tag
def open_request_rows(rows: list, *, request_list: str, region: str) -> SafeString:
    """The open requests table's rows, one for each status, with a cell for
    each age, the total and those past the response target: the lines the
    template's loops drew, byte for byte, every value escaped."""
    in_region = f"&amp;region={escape(region)}" if region else ""
    listed = escape(request_list)
    lines = []
    for row in rows:
        status = escape(row.status)
        cells = []
        for age, count in row.cells:
            if count:
                link = f"{listed}?status={status}&amp;age={escape(age)}{in_region}"
                cell = f'<a href="{link}">{_whole_number(count)}</a>'
            else:
                cell = "0"
            cells.append(f"\n                <td>{cell}</td>\n              ")
        total = row.total
        if total:
            total_cell = f'<a href="{listed}?status={status}{in_region}">{_whole_number(total)}</a>'
        else:
            total_cell = "0"
        if row.overdue:
            link = f"{listed}?overdue=on{in_region}"
            overdue_cell = f'<a href="{link}">{_whole_number(row.overdue)}</a>'
        else:
            overdue_cell = "0" if row.status == "new" else "–"
        lines.append(
            "\n            <tr>"
            f'\n              <th scope="row">{escape(row.label)}</th>\n              '
            + "".join(cells)
            + f"\n              <td>{total_cell}</td>"
            f"\n              <td>{overdue_cell}</td>"
            "\n            </tr>\n          "
        )
    # Safe: built above from escaped values and the module's own markup.
    return mark_safe("".join(lines))
