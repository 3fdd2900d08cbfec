"""The picture of the network between areas, drawn on the server as SVG
(as nfc.charts draws bars): no script, nothing loaded from outside, within
the Content Security Policy.

Numbers in, shapes out: areas sit round a circle, grouped by region with a
gap between regions, each a point in its region's colour; connections are
lines between them, solid where staff recorded one, dashed where people
from both areas came to the same events. The template draws the shapes and
shows the same pairs as a table for anyone who cannot see the picture.
"""

import math
from dataclasses import dataclass, field

from areas.models import Area, Region
from events.selectors_network import EventLink, RecordedPair

SIZE = 760
RADIUS = 240
POINT_RADIUS = 6

# One colour a region, each 3:1 or more against white (WCAG 1.4.11, tested),
# and differing in lightness as well as hue where they sit side by side. The
# first six are the dashboard charts' (static/css/nfc.css, .series-*).
REGION_COLOURS: dict[str, str] = {
    Region.NORTH_EAST: "#1f4e99",
    Region.NORTH_WEST: "#b3261e",
    Region.YORKSHIRE: "#6a3d9a",
    Region.EAST_MIDLANDS: "#0b5e55",
    Region.WEST_MIDLANDS: "#b35806",
    Region.EAST: "#5c6b00",
    Region.LONDON: "#5a5a58",
    Region.SOUTH_EAST: "#a0256b",
    Region.SOUTH_WEST: "#7a5230",
}
RECORDED = "recorded"
AT_EVENTS = "at_events"


@dataclass
class Point:
    area: Area
    x: float
    y: float
    colour: str
    isolated: bool
    # The label, turned to point away from the centre.
    label_x: float
    label_y: float
    rotate: float
    anchor: str

    @property
    def title(self) -> str:
        isolated = ", no connection in the last 12 months" if self.isolated else ""
        return f"{self.area.name} ({self.area.get_region_display()}){isolated}"


@dataclass
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    kind: str
    width: float
    title: str


@dataclass
class PairRow:
    """One pair of areas, for the table beside the picture."""

    area_a: Area
    area_b: Area
    recorded: RecordedPair | None
    at_events: EventLink | None


@dataclass
class NetworkPicture:
    points: list[Point] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    rows: list[PairRow] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    size: int = SIZE

    @property
    def label_size(self) -> int:
        # Smaller type when the circle is crowded, so neighbours' names do
        # not run into each other.
        return 10 if len(self.points) > 40 else 13

    @property
    def summary(self) -> str:
        recorded = sum(1 for line in self.lines if line.kind == RECORDED)
        at_events = sum(1 for line in self.lines if line.kind == AT_EVENTS)
        isolated = sum(1 for point in self.points if point.isolated)
        return (
            f"{len(self.points)} areas round a circle, grouped by region. "
            f"{recorded} pairs with a connection recorded (solid lines), "
            f"{at_events} pairs whose people met at events (dashed lines). "
            f"{isolated} areas with no connection (hollow points)."
        )


def _region_order(area: Area) -> tuple[int, str]:
    return (list(Region.values).index(area.region), area.name)


def network_picture(
    *,
    areas: list[Area],
    recorded: list[RecordedPair],
    at_events: list[EventLink],
    isolated: set[int],
) -> NetworkPicture:
    """Place ``areas`` (every area a line touches among them) and the lines
    between them. ``isolated``: the ids of areas to draw hollow."""
    picture = NetworkPicture()
    ordered = sorted(areas, key=_region_order)
    regions = list(dict.fromkeys(area.region for area in ordered))
    # A slot each area, and an empty one after each region.
    slots = max(len(ordered) + len(regions), 1)
    centre = SIZE / 2
    by_id: dict[int, Point] = {}
    slot = 0
    for index, area in enumerate(ordered):
        if index and area.region != ordered[index - 1].region:
            slot += 1
        angle = 2 * math.pi * slot / slots - math.pi / 2
        slot += 1
        cos, sin = math.cos(angle), math.sin(angle)
        left = cos < -1e-9
        degrees = math.degrees(angle) + (180 if left else 0)
        point = Point(
            area=area,
            x=round(centre + RADIUS * cos, 1),
            y=round(centre + RADIUS * sin, 1),
            colour=REGION_COLOURS[area.region],
            isolated=area.pk in isolated,
            label_x=round(centre + (RADIUS + 12) * cos, 1),
            label_y=round(centre + (RADIUS + 12) * sin, 1),
            rotate=round(degrees, 1),
            anchor="end" if left else "start",
        )
        by_id[area.pk] = point
        picture.points.append(point)
    picture.legend = [
        {"label": Region(region).label, "colour": REGION_COLOURS[region]} for region in regions
    ]

    pairs: dict[tuple[int, int], PairRow] = {}
    for pair in recorded:
        if pair.area_a in by_id and pair.area_b in by_id:
            pairs[pair.area_a, pair.area_b] = PairRow(
                by_id[pair.area_a].area, by_id[pair.area_b].area, pair, None
            )
    for link in at_events:
        if link.area_a in by_id and link.area_b in by_id:
            row = pairs.setdefault(
                (link.area_a, link.area_b),
                PairRow(by_id[link.area_a].area, by_id[link.area_b].area, None, None),
            )
            row.at_events = link
    # Dashed lines first, so a solid one over the same pair shows.
    for (a, b), row in pairs.items():
        if row.at_events:
            picture.lines.append(
                _line(by_id[a], by_id[b], AT_EVENTS, 1.0, f"met at {row.at_events.events} events")
            )
    for (a, b), row in pairs.items():
        if row.recorded:
            width = min(1.5 + 0.75 * (row.recorded.count - 1), 4.5)
            picture.lines.append(
                _line(by_id[a], by_id[b], RECORDED, width, ", ".join(row.recorded.topics))
            )
    picture.rows = sorted(
        pairs.values(), key=lambda r: (_region_order(r.area_a), _region_order(r.area_b))
    )
    return picture


def _line(a: Point, b: Point, kind: str, width: float, what: str) -> Line:
    return Line(
        x1=a.x,
        y1=a.y,
        x2=b.x,
        y2=b.y,
        kind=kind,
        width=width,
        title=f"{a.area.name} and {b.area.name}: {what}",
    )
