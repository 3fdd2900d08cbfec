"""Small counts of people withheld from reports, so nobody can be picked
out of a figure.

A count of people (requests, residents, attendances) above nought and
below NFC_REPORT_SUPPRESS_BELOW is withheld: the outputs show "fewer than
N". That alone is not enough where a table has totals: a total minus the
cells shown would give the withheld one back. So wherever a row or a column
with a total has exactly one withheld cell, the next smallest is withheld
too (secondary suppression), and this is repeated until no withheld cell
can be worked out that way.

A cell withheld only to protect another is marked ``secondary``: it may
be large, so the outputs show it as "withheld" rather than "fewer than N".

A nought is shown: it says that nobody was counted, which tells nothing
about any one person, and hiding it would hide the gaps evaluators need to
see. Days, money and numbers of areas are about the programme, not people,
and are never withheld.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from evaluation.report_content import Cell, Table


def threshold() -> int:
    return settings.NFC_REPORT_SUPPRESS_BELOW


def is_small(value, below: int) -> bool:
    """A count of people too small to show (a nought is not)."""
    return isinstance(value, int | float) and 0 < value < below


@dataclass
class Group:
    """Cells that add up to ``total`` (a cell shown, or None where the
    outputs print no total). ``unseen`` counts further parts that are in
    the total but never published (a quarter's record of an area whose
    latest record is later): each is as good as withheld."""

    parts: list[Cell]
    total: Cell | None
    unseen: int = 0


def withhold(cells: Iterable[Cell], below: int) -> None:
    """Primary suppression of standalone counts: no totals to protect."""
    for cell in cells:
        if is_small(cell.value, below):
            cell.suppressed = True


def _withhold_too(cell: Cell) -> None:
    cell.suppressed = True
    cell.secondary = True


def withhold_with(cell: Cell, counted: Cell) -> None:
    """Withhold ``cell`` (a median, a change) when the count it rests on
    is withheld."""
    if counted.suppressed:
        _withhold_too(cell)


def protect_groups(groups: list[Group], below: int) -> None:
    """Withhold the small counts in ``groups``, then, wherever a group has
    exactly one cell unknown (a withheld part, or its withheld total), the
    next smallest shown: its total less the parts shown would give that
    one back. Repeated until no group has a single unknown, as one cell
    withheld for a row may leave a column exposed; a cell shared by two
    groups (a region's total is a part of the whole) carries its
    withholding from one to the other."""
    for group in groups:
        withhold([*group.parts, *([group.total] if group.total else [])], below)
    changed = True
    while changed:
        changed = False
        for group in groups:
            if group.total is None:
                continue
            unknown = group.unseen + sum(1 for cell in group.parts if cell.suppressed)
            unknown += 1 if group.total.suppressed else 0
            if unknown != 1:
                continue
            shown = [cell for cell in group.parts if not cell.suppressed and cell.is_number]
            if not shown:
                if group.total.suppressed:
                    continue
                # Nothing else to withhold beside it: withhold the total.
                _withhold_too(group.total)
                changed = True
                continue
            # The smallest other count: the least information lost. Noughts
            # last, as withholding a nought beside a withheld cell still
            # lets a reader who guesses it is nought work the cell out.
            _withhold_too(min(shown, key=lambda cell: (cell.value == 0, cell.value)))
            changed = True


def protect_table(
    table: Table, *, columns: list[str], row_total: str | None = None, below: int | None = None
) -> None:
    """Withhold small counts in ``table``'s ``columns`` (counts of people),
    with secondary suppression across each row (where ``row_total`` is the
    column holding the row's total of the others in ``columns``) and down
    each column (where the table's last row is its total)."""
    below = threshold() if below is None else below
    parts_of_row = [key for key in columns if key != row_total]
    groups: list[Group] = []
    for row in table.rows:
        if row_total:
            groups.append(Group([row[key] for key in parts_of_row], row[row_total]))
        else:
            groups.append(Group([row[key] for key in columns], None))
    if table.has_total_row and len(table.rows) > 1:
        body, total = table.rows[:-1], table.rows[-1]
        for key in columns:
            groups.append(Group([row[key] for row in body], total[key]))
    protect_groups(groups, below)


def count_withheld(tables: Iterable[Table]) -> int:
    return sum(
        1 for table in tables for row in table.rows for cell in row.values() if cell.suppressed
    )
