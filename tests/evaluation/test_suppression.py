"""Small counts of people withheld, and the next smallest with them where
a total would give a withheld one back."""

import pytest

from evaluation.report_content import Cell, Column, Table
from evaluation.suppression import Group, protect_groups, protect_table, withhold


def grid(rows: list[list[int]], *, total_row: bool = True) -> Table:
    """A table of the rows given, each with its total, and a total row."""
    body = [[*row, sum(row)] for row in rows]
    if total_row:
        body.append([sum(column) for column in zip(*body, strict=True)])
    keys = [f"c{n}" for n in range(len(rows[0]))] + ["total"]
    return Table(
        slug="t",
        title="T",
        columns=[Column("label", "Label", numeric=False), *(Column(k, k) for k in keys)],
        rows=[
            {
                "label": Cell.of(f"row {n}"),
                **{k: Cell.of(v) for k, v in zip(keys, row, strict=True)},
            }
            for n, row in enumerate(body)
        ],
        has_total_row=total_row,
    )


def withheld(table: Table) -> list[list[bool]]:
    return [[cell.suppressed for key, cell in row.items() if key != "label"] for row in table.rows]


def shown_values(table: Table) -> list[list]:
    return [
        [None if cell.suppressed else cell.value for key, cell in row.items() if key != "label"]
        for row in table.rows
    ]


def test_a_count_from_one_to_four_is_withheld_and_five_and_nought_are_shown():
    cells = [Cell.of(n) for n in (0, 1, 4, 5, 12)]
    withhold(cells, 5)
    assert [c.suppressed for c in cells] == [False, True, True, False, False]


def test_the_threshold_is_a_setting(settings):
    settings.NFC_REPORT_SUPPRESS_BELOW = 10
    table = grid([[9, 10]], total_row=False)
    protect_table(table, columns=["c0", "c1", "total"], row_total="total")
    assert withheld(table) == [[True, True, False]]


def test_one_small_cell_in_a_row_with_a_total_takes_the_next_smallest_with_it():
    # Row total 30, cells 3, 7, 20: 30 - 7 - 20 would give the 3 back.
    table = grid([[3, 7, 20]], total_row=False)
    protect_table(table, columns=["c0", "c1", "c2", "total"], row_total="total", below=5)
    assert withheld(table) == [[True, True, False, False]]
    assert shown_values(table) == [[None, None, 20, 30]]


def test_a_cell_withheld_to_protect_another_says_withheld_not_fewer_than_five():
    table = grid([[3, 7, 20]], total_row=False)
    protect_table(table, columns=["c0", "c1", "c2", "total"], row_total="total", below=5)
    small, protecting = table.rows[0]["c0"], table.rows[0]["c1"]
    assert small.withheld_text(5) == "fewer than 5"
    assert protecting.secondary
    assert protecting.withheld_text(5) == "withheld"


def test_two_small_cells_in_a_row_need_nothing_more():
    table = grid([[3, 2, 20]], total_row=False)
    protect_table(table, columns=["c0", "c1", "c2", "total"], row_total="total", below=5)
    assert withheld(table) == [[True, True, False, False]]


def test_secondary_suppression_runs_down_the_columns_too_until_nothing_can_be_worked_out():
    table = grid([[3, 10, 12], [8, 9, 20], [15, 6, 7]])
    protect_table(table, columns=["c0", "c1", "c2", "total"], row_total="total", below=5)
    # No row or column with a total shown has exactly one cell withheld.
    for row in table.rows:
        parts = [row[k] for k in ("c0", "c1", "c2")]
        assert row["total"].suppressed or sum(c.suppressed for c in parts) != 1
    for key in ("c0", "c1", "c2", "total"):
        parts = [row[key] for row in table.rows[:-1]]
        assert table.rows[-1][key].suppressed or sum(c.suppressed for c in parts) != 1
    assert table.rows[0]["c0"].suppressed


def test_the_total_is_withheld_when_the_withheld_cell_is_its_only_part():
    parts = [Cell.of(3)]
    total = Cell.of(3)
    protect_groups([Group(parts, total)], below=5)
    assert total.suppressed


def test_a_withheld_cell_beside_noughts_takes_a_nought_only_when_nothing_else_is_left():
    table = grid([[2, 0, 9]], total_row=False)
    protect_table(table, columns=["c0", "c1", "c2", "total"], row_total="total", below=5)
    assert withheld(table) == [[True, False, True, False]]
    table = grid([[2, 0]], total_row=False)
    protect_table(table, columns=["c0", "c1", "total"], row_total="total", below=5)
    # The total (2) is small itself.
    assert withheld(table) == [[True, False, True]]


@pytest.mark.parametrize("below", [3, 5])
def test_columns_not_named_are_never_withheld(below):
    table = grid([[1, 2]], total_row=False)
    protect_table(table, columns=["c0"], below=below)
    assert withheld(table) == [[True, False, False]]
