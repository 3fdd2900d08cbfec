"""The shape of a report's figures: sections of tables, each cell a number
(or words) with the link to the records it counts, and whether it is
withheld as too small to show.

The report job gathers a ``ReportContent`` (evaluation.report_figures) and
keeps it as JSON on the report; the HTML page, the PDF and the workbook all
draw the same tables from it, and a table that asks for a chart is drawn
by nfc.charts, as the dashboard's are. Nothing here is personal data: a
report holds counts, never names.
"""

from dataclasses import asdict, dataclass, field
from decimal import Decimal

from nfc.charts import Series, StackedBarChart

SERIES_CLASSES = [f"series-{n}" for n in range(1, 7)]


@dataclass
class Cell:
    """One figure. ``value`` is a number, words, or None for "no data";
    ``suppressed`` means it is too small to show ("fewer than N");
    ``link`` is the portal's list of the records it counts (a path with
    its query), empty where there is none."""

    value: int | float | str | None
    suppressed: bool = False
    link: str = ""
    # Withheld not for being small but so that a total cannot give a small
    # withheld count back (or, for a median or a change, with the count it
    # rests on): it may be large, so it shows as "withheld", not "fewer
    # than N".
    secondary: bool = False

    @classmethod
    def of(cls, value, link: str = "") -> "Cell":
        if isinstance(value, Decimal):
            value = float(value)
        return cls(value=value, link=link)

    def withheld_text(self, below: int) -> str:
        """What an output shows in place of a withheld figure."""
        return "withheld" if self.secondary else f"fewer than {below}"

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, int | float) and not isinstance(self.value, bool)


@dataclass
class Column:
    key: str
    label: str
    # Numbers are right-aligned, totalled and suppressed; words are not.
    numeric: bool = True


@dataclass
class Chart:
    """How to draw a table as stacked bars: one bar per row, labelled by
    ``category`` (a column of words), stacked from the ``series`` columns."""

    category: str
    series: list[str]
    unit: tuple[str, str] = ("", "")


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Cell]]
    # One sentence saying what the table shows, read before the table (and
    # as the chart's text alternative).
    summary: str = ""
    # The last row is a total of the others (suppression protects it).
    has_total_row: bool = False
    chart: Chart | None = None
    notes: list[str] = field(default_factory=list)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def draw(self) -> StackedBarChart | None:
        """The chart, drawn the portal's one way; withheld cells count as 0
        in the bars, and the table beside it says "fewer than N"."""
        if self.chart is None:
            return None
        rows = self.rows[:-1] if self.has_total_row else self.rows
        series = [
            Series(key, self.column(key).label, SERIES_CLASSES[n % len(SERIES_CLASSES)])
            for n, key in enumerate(self.chart.series)
        ]
        return StackedBarChart(
            slug=self.slug,
            title=self.title,
            summary=self.summary,
            series=series,
            categories=[str(row[self.chart.category].value) for row in rows],
            rows=[
                {
                    key: (0 if row[key].suppressed or not row[key].is_number else row[key].value)
                    for key in self.chart.series
                }
                for row in rows
            ],
            unit=self.chart.unit,
        )


@dataclass
class Section:
    slug: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class ReportContent:
    title: str
    scope: str
    period: str
    sections: list[Section]
    # Data sources, coverage, gaps, what was withheld: the method note.
    method: list[str] = field(default_factory=list)
    # The threshold below which counts were withheld.
    suppress_below: int = 5

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ReportContent":
        def table(t: dict) -> Table:
            chart = t.get("chart")
            return Table(
                slug=t["slug"],
                title=t["title"],
                columns=[Column(**c) for c in t["columns"]],
                rows=[{k: Cell(**c) for k, c in row.items()} for row in t["rows"]],
                summary=t.get("summary", ""),
                has_total_row=t.get("has_total_row", False),
                chart=Chart(
                    category=chart["category"],
                    series=chart["series"],
                    unit=tuple(chart.get("unit", ("", ""))),
                )
                if chart
                else None,
                notes=t.get("notes", []),
            )

        return cls(
            title=data["title"],
            scope=data["scope"],
            period=data["period"],
            sections=[
                Section(
                    slug=s["slug"],
                    title=s["title"],
                    paragraphs=s.get("paragraphs", []),
                    tables=[table(t) for t in s.get("tables", [])],
                )
                for s in data["sections"]
            ],
            method=data.get("method", []),
            suppress_below=data.get("suppress_below", 5),
        )
