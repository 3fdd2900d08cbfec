"""The picture of the network between areas, drawn on the server as SVG
(as nfc.charts draws bars): no script, nothing loaded from outside, within
the Content Security Policy.

Numbers in, shapes out: areas sit round a circle, grouped by region with a
gap between regions, each a point in its region's colour; connections are
lines between them, solid where staff recorded one, dashed where people
from both areas came to the same events. The same pairs are a table for
anyone who cannot see the picture: the strongest under it, every one on a
page of their own.

A year of a full programme draws about a thousand lines and lists as many
pairs: the points, the lines and the table's rows are written here (each
name escaped, as format_html would), and the template puts them in place.
Through the template engine, a tag or a filter a value, they took most of
a second.
"""

import datetime
import heapq
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from areas.links import addresses, area_page_addresses
from areas.models import Area, Region
from events.models import TOPIC_LABELS, Connection
from events.selectors_network import EventLink, RecordedPair
from nfc.text import without_direction_controls

# (most points, the picture's width, the circle's radius, the type's size):
# a few areas (an adviser's) drawn larger, so their names read on a phone.
SCALES = [(20, 640, 170, 15), (40, 760, 220, 13), (None, 900, 250, 10)]

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
REGION_ORDER = {region: n for n, region in enumerate(Region.values)}
REGION_LABELS = dict(Region.choices)
RECORDED = "recorded"
AT_EVENTS = "at_events"


@dataclass
class Point:
    area: Area
    x: float
    y: float
    colour: str
    isolated: bool
    # Names longer than this are cut short (whole in the title and the table).
    label_length: int
    # The label, turned to point away from the centre.
    label_x: float
    label_y: float
    rotate: float
    anchor: str

    @property
    def label(self) -> str:
        name, most = self.area.name, self.label_length
        return name if len(name) <= most else name[: most - 1].rstrip() + "…"

    @property
    def title(self) -> str:
        isolated = ", no connection in the last 12 months" if self.isolated else ""
        return f"{self.area.name} ({REGION_LABELS[self.area.region]}){isolated}"


@dataclass
class Line:
    kind: str
    # The line's SVG element, written as it is placed (see _line_svg).
    svg: str


@dataclass
class PairRow:
    """One pair of areas: a line on the picture, a row of the tables."""

    area_a: Area
    area_b: Area
    recorded: RecordedPair | None
    at_events: EventLink | None

    @property
    def strength(self) -> int:
        """Each connection recorded and each event both areas came to
        counts one."""
        recorded = self.recorded.count if self.recorded else 0
        return recorded + (self.at_events.events if self.at_events else 0)


@dataclass
class NetworkPicture:
    points: list[Point] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    size: int = 900
    label_size: int = 10

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

    # The picture's thousand shapes, written here: their numbers are
    # made here and their kinds, colours and anchors are this module's
    # own, so only the names are escaped. Through _html(), which escapes
    # every value, the 6,000 numbers took three quarters of the time.

    @property
    def svg_lines(self) -> SafeString:
        return mark_safe("".join([line.svg for line in self.lines]))

    @property
    def svg_points(self) -> SafeString:
        def point_svg(point: Point) -> str:
            fill = (
                f'fill="#ffffff" stroke="{point.colour}" stroke-width="2.5"'
                if point.isolated
                else f'fill="{point.colour}"'
            )
            x, y = point.label_x, point.label_y
            return (
                f'<circle cx="{point.x}" cy="{point.y}" r="6" {fill}>'
                f"<title>{escape(point.title)}</title></circle>\n"
                f'<text x="{x}" y="{y}" transform="rotate({point.rotate} {x} {y})"'
                f' text-anchor="{point.anchor}" dominant-baseline="middle"'
                f' font-size="{self.label_size}" class="network-label">'
                f"{escape(point.label)}</text>\n"
            )

        return mark_safe("".join([point_svg(point) for point in self.points]))


AREA = '<a href="{}">{}</a> <span class="muted">{}</span>'
AREA_UNLINKED = '{} <span class="muted">{}</span>'
TABLE_ROW = (
    "\n              <tr>"
    '\n                <th scope="row">{}</th>'
    "\n                <td>{}</td>"
    "\n                <td>{}</td>"
    "\n                <td>{}</td>"
    "\n              </tr>\n            "
)


def pairs_table(rows: Iterable[PairRow], *, openable: set[int]) -> SafeString:
    """The rows of a table of pairs. ``openable``: the ids of the areas
    whose pages the viewer may open; only these are links (a pair may join
    one of theirs to an area beyond their scope)."""
    # Each area's link written once, each month's name once.
    links: dict[int, SafeString] = {}
    day = _days()
    page_of = area_page_addresses()

    def link(area: Area) -> SafeString:
        made = links.get(area.pk)
        if made is None:
            region = REGION_LABELS[area.region]
            if area.pk in openable:
                made = _html([(AREA, (page_of(area.ward_code), area.name, region))])
            else:
                made = _html([(AREA_UNLINKED, (area.name, region))])
            links[area.pk] = made
        return made

    def recorded(pair: RecordedPair | None) -> str:
        if not pair:
            return "None"
        return f"{', '.join(pair.topics)} (last {day(pair.last)})"

    def at_events(met: EventLink | None) -> str:
        if not met:
            return "None"
        last = day(timezone.localtime(met.last).date())
        return f"{met.events} event{'' if met.events == 1 else 's'} (last {last})"

    # A thousand rows of four values: each written straight into the row,
    # not through _html()'s look at each value (a third of the table's time).
    lines = [
        TABLE_ROW.format(
            link(row.area_a),
            link(row.area_b),
            escape(recorded(row.recorded)),
            escape(at_events(row.at_events)),
        )
        for row in rows
    ]
    # The areas' links were made by _html(), the rest escaped above; the row
    # is this module's own markup.
    return mark_safe("".join(lines))


def _days() -> Callable[[datetime.date], str]:
    """A function writing a date as the template's ``|date:"j M Y"`` does,
    each month's name made once (a table's dates fall in a few months)."""
    months: dict[tuple[int, int], str] = {}

    def day(value: datetime.date) -> str:
        month = (value.year, value.month)
        if month not in months:
            months[month] = date_filter(value, "M Y")
        return f"{value.day} {months[month]}"

    return day


def _html(parts: Iterable[tuple[str, tuple]]) -> SafeString:
    """Each template with its values escaped (but those already made safe),
    joined: what format_html_join makes, at a quarter of its cost over the
    page's few thousand values (Django's escape() looks first for a lazy
    string in each)."""
    # Every value is escaped here or was made here; the templates are this
    # module's own.
    return mark_safe(
        "".join(
            template.format(*(v if isinstance(v, SafeString) else escape(str(v)) for v in values))
            for template, values in parts
        )
    )


def _region_order(area: Area) -> tuple[int, str]:
    return (REGION_ORDER[area.region], area.name)


def network_pairs(
    *, areas: Iterable[Area], recorded: list[RecordedPair], at_events: list[EventLink]
) -> list[PairRow]:
    """The pairs of ``recorded`` and ``at_events`` both of whose areas are
    among ``areas``, each pair once, by region and name."""
    by_id = {area.pk: area for area in areas}
    pairs: dict[tuple[int, int], PairRow] = {}
    for pair in recorded:
        if pair.area_a in by_id and pair.area_b in by_id:
            pairs[pair.area_a, pair.area_b] = PairRow(
                by_id[pair.area_a], by_id[pair.area_b], pair, None
            )
    for link in at_events:
        if link.area_a in by_id and link.area_b in by_id:
            row = pairs.setdefault(
                (link.area_a, link.area_b),
                PairRow(by_id[link.area_a], by_id[link.area_b], None, None),
            )
            row.at_events = link
    return sorted(pairs.values(), key=lambda r: (_region_order(r.area_a), _region_order(r.area_b)))


def strongest(rows: list[PairRow], most: int) -> list[PairRow]:
    """The ``most`` strongest of ``rows``, the strongest first (those alike
    in the order given)."""
    return heapq.nsmallest(most, rows, key=lambda row: -row.strength)


def network_picture(
    *, areas: list[Area], pairs: list[PairRow], isolated: set[int]
) -> NetworkPicture:
    """Place ``areas`` (every area a pair joins among them) and the lines
    of ``pairs`` between them. ``isolated``: the ids of areas to draw
    hollow."""
    ordered = sorted(areas, key=_region_order)
    size, radius, type_size = next(
        (size, radius, type_size)
        for most, size, radius, type_size in SCALES
        if most is None or len(ordered) <= most
    )
    picture = NetworkPicture(size=size, label_size=type_size)
    # As many letters as fit between the circle and the edge (a letter is
    # about half as wide as the type is high).
    label_length = int((size / 2 - radius - 16) / (type_size * 0.55))
    regions = list(dict.fromkeys(area.region for area in ordered))
    # A slot each area, and an empty one after each region.
    slots = max(len(ordered) + len(regions), 1)
    centre = size / 2
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
            x=round(centre + radius * cos, 1),
            y=round(centre + radius * sin, 1),
            colour=REGION_COLOURS[area.region],
            isolated=area.pk in isolated,
            label_length=label_length,
            label_x=round(centre + (radius + 12) * cos, 1),
            label_y=round(centre + (radius + 12) * sin, 1),
            rotate=round(degrees, 1),
            anchor="end" if left else "start",
        )
        by_id[area.pk] = point
        picture.points.append(point)
    picture.legend = [
        {"label": REGION_LABELS[region], "colour": REGION_COLOURS[region]} for region in regions
    ]

    # Each point's ends of a line and its name, written once: a line is
    # then two of them and its title.
    ends = {
        pk: (f'x1="{p.x}" y1="{p.y}"', f'x2="{p.x}" y2="{p.y}"', escape(p.area.name))
        for pk, p in by_id.items()
    }

    def line(row: PairRow, kind: str, width: float, what: str) -> Line:
        start, _, name_a = ends[row.area_a.pk]
        _, end, name_b = ends[row.area_b.pk]
        return Line(
            kind,
            f'<line {start} {end} stroke-width="{width}" class="network-line network-{kind}">'
            f"<title>{name_a} and {name_b}: {escape(what)}</title></line>\n",
        )

    # Dashed lines first, so a solid one over the same pair shows.
    for row in pairs:
        if row.at_events:
            picture.lines.append(line(row, AT_EVENTS, 1.0, f"met at {row.at_events.events} events"))
    for row in pairs:
        if row.recorded:
            width = min(1.5 + 0.75 * (row.recorded.count - 1), 4.5)
            picture.lines.append(line(row, RECORDED, width, ", ".join(row.recorded.topics)))
    return picture


# What the table of connections recorded lately reads of each: a row of
# plain values, not a connection and the four objects it joins.
RECENT_FIELDS = (
    "pk",
    "made_on",
    "area_a__name",
    "area_b__name",
    "note",
    "topic",
    "origin",
    "event_id",
    "event__title",
    "recorded_by__full_name",
    "recorded_by__email",
    "followed_up",
)
ORIGIN_LABELS = dict(Connection.Origin.choices)
RECENT_ROW = (
    "\n              <tr>"
    "\n                <td>{}</td>"
    '\n                <th scope="row">{} and {}{}</th>'
    "\n                <td>{}</td>"
    '\n                <td>{}{}<br><span class="muted">Recorded by {}</span></td>'
    "\n                <td>"
    "\n                  {}"
    "\n                </td>"
    "\n              </tr>\n            "
)
FOLLOW_UP_FORM = (
    '\n                    <form method="post" action="{}">'
    '\n                      <input type="hidden" name="csrfmiddlewaretoken" value="{}">'
    '\n                      <button type="submit" class="button">Mark followed up'
    '<span class="visually-hidden">: {} and {}</span></button>'
    "\n                    </form>\n                  "
)


def recent_table(
    rows: Iterable[dict], *, can_record: bool, can_see_notes: bool, csrf_token: Callable[[], str]
) -> SafeString:
    """The rows of the table of connections recorded lately, from rows of
    RECENT_FIELDS: what the template's loop drew, fifty rows of a dozen
    values (a fifth of the page's time through the template engine).
    ``csrf_token``: called for the token once a row needs the form to mark
    it followed up, as the template's tag asked for it."""
    followed_up_address = addresses("events:connection_followed_up", 1)
    day = _days()
    token = ""
    parts = []
    for row in rows:
        note = ""
        if can_see_notes and row["note"]:
            # As |bidi_safe|linebreaksbr: escaped, then its lines broken.
            lines = linebreaksbr(without_direction_controls(row["note"]))
            note = f'<br><span class="muted">{lines}</span>'
        if row["followed_up"]:
            followed = "Yes"
        elif can_record:
            token = token or csrf_token()
            followed = _html(
                [
                    (
                        FOLLOW_UP_FORM,
                        (
                            followed_up_address(row["pk"]),
                            token,
                            row["area_a__name"],
                            row["area_b__name"],
                        ),
                    )
                ]
            )
        else:
            followed = "Not yet"
        by = row["recorded_by__full_name"] or row["recorded_by__email"]
        parts.append(
            (
                RECENT_ROW,
                (
                    day(row["made_on"]),
                    row["area_a__name"],
                    row["area_b__name"],
                    mark_safe(note),  # escaped above: the rest is this module's markup
                    TOPIC_LABELS.get(row["topic"], row["topic"]),
                    ORIGIN_LABELS.get(row["origin"], row["origin"]),
                    _html([(": {}", (row["event__title"],))])
                    if row["event_id"] is not None
                    else mark_safe(""),
                    without_direction_controls(by),
                    mark_safe(followed),  # escaped by _html() or a word of ours
                ),
            )
        )
    return _html(parts)
