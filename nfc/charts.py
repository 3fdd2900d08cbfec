"""Bar charts drawn on the server as SVG, so they need no script, load from
nothing outside the portal and obey the Content Security Policy.

A chart is numbers in, shapes out: the template draws the rectangles and
labels this module places, and shows the same numbers as a table for anyone
who cannot see the picture.
"""

import math
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH = 720
HEIGHT = 280
LEFT = 48
RIGHT = 8
TOP = 12
BOTTOM = 40
# Labels are 11 units high (nfc.css): about this wide a character, at most,
# and this far apart a line, to keep them inside the picture and apart.
CHARACTER_WIDTH = 7
LINE_HEIGHT = 13


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css_class: str


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass
class StackedBarChart:
    """Stacked bars, one per category (a month), with a scale and a legend."""

    slug: str
    title: str
    summary: str
    series: list[Series]
    categories: list[str]
    rows: list[dict]
    # What the numbers count, one and many: ("day", "days").
    unit: tuple[str, str] = ("", "")
    # A value each row is measured against (the days promised), drawn as a
    # dashed mark across each bar.
    target_key: str = ""
    target_label: str = ""
    bars: list[Bar] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)

    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT

    def __post_init__(self):
        totals = [sum(float(row[s.key]) for s in self.series) for row in self.rows]
        aims = [float(row[self.target_key]) for row in self.rows] if self.target_key else []
        top = _nice_top(max([*totals, *aims, 1]))
        # Room on the left for the longest number of the scale (£1,000,000
        # was cut to "000,000"), and below for each label's lines (long
        # names of funding streams ran into each other).
        widest = max(len(_tick(top / 4 * n)) for n in range(5))
        self.plot_left = max(LEFT, widest * CHARACTER_WIDTH + 8)
        plot_width = self.width - self.plot_left - RIGHT
        slot = plot_width / max(len(self.rows), 1)
        lines = [_wrap(category, int(slot // CHARACTER_WIDTH)) for category in self.categories]
        plot_height = self.height - TOP - BOTTOM
        # BOTTOM holds two lines; the picture grows for more.
        self.height += LINE_HEIGHT * max(0, max(map(len, lines), default=1) - 2)
        bar_width = slot * 0.6
        baseline = TOP + plot_height

        def y_of(value: float) -> float:
            return baseline - value / top * plot_height

        for index, (row, category) in enumerate(zip(self.rows, self.categories, strict=True)):
            x = self.plot_left + index * slot + (slot - bar_width) / 2
            running = 0.0
            for series in self.series:
                value = float(row[series.key])
                if value <= 0:
                    continue
                self.bars.append(
                    Bar(
                        x=round(x, 1),
                        y=round(y_of(running + value), 1),
                        width=round(bar_width, 1),
                        height=round(value / top * plot_height, 1),
                        css_class=series.css_class,
                        title=f"{category}, {series.label}: {self._counted(value)}",
                    )
                )
                running += value
            self.labels.append(
                {"x": round(x + bar_width / 2, 1), "y": baseline + 18, "lines": lines[index]}
            )
            if self.target_key:
                self.targets.append(
                    {
                        "x1": round(x - slot * 0.15, 1),
                        "x2": round(x + bar_width + slot * 0.15, 1),
                        "y": round(y_of(float(row[self.target_key])), 1),
                    }
                )
        step = top / 4
        self.ticks = [{"y": round(y_of(step * n), 1), "text": _tick(step * n)} for n in range(5)]

    def _counted(self, value: float) -> str:
        one, many = self.unit
        noun = one if value == 1 else many
        return f"{_number(value)} {noun}".rstrip()

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def table_rows(self) -> list[dict]:
        return [
            {
                "category": category,
                "values": [_number(float(row[s.key])) for s in self.series],
                "total": _number(sum(float(row[s.key]) for s in self.series)),
                "target": _number(float(row[self.target_key])) if self.target_key else "",
            }
            for row, category in zip(self.rows, self.categories, strict=True)
        ]


def _wrap(text: str, most: int) -> list[str]:
    """``text`` in lines of at most ``most`` characters, broken between
    words (a word longer than that has a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def _nice_top(value: float) -> float:
    """A round number at or above ``value`` whose quarters are round too."""
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6, 8, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _tick(value: float) -> str:
    """A mark of the scale, exactly: a quarter of 1 is "0.25" (rounded to
    one place, the scale of a small count read 0.2, 0.5, 0.8, 1)."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _number(value: float | Decimal) -> str:
    value = float(value)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
