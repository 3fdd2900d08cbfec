"""No count withheld in a report or its open data can be worked out from
the cells the two publish together (issue 13: trust in the figures).

The checker plays the reader with both outputs in hand: every total either
prints is an equation (a region's count is the sum of its areas' in the
open data, "All" the sum of the regions, a quarter's sum that of the areas
recording it...). An equation with one unknown gives that one away; that
is repeated until nothing more comes out. Nothing withheld may."""

import datetime
import random

import pytest

from advisers.models import Role
from areas.models import Area, Cohort, Region
from areas.services import area_join_programme
from casework.models import Interaction
from evaluation.models import OutcomeRecord, Report, quarter_label
from evaluation.report_content import Cell, ReportContent, Table
from evaluation.report_figures import PEOPLE_MEASURES, _measure_label, build
from nfc.periods import Period
from tests.evaluation.test_report_figures import make_request, outcome
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory

pytestmark = [pytest.mark.django_db]

# April to September 2026: two quarters, areas joined in January.
PERIOD = Period(datetime.date(2026, 4, 1), datetime.date(2026, 10, 1))
Q2, Q3 = datetime.date(2026, 4, 1), datetime.date(2026, 7, 1)
REGIONS = [Region.NORTH_EAST, Region.NORTH_WEST, Region.YORKSHIRE]
COMPARED = ("requests", "residents_reached", "event_attendances")


def _world(seed: int) -> dict:
    """Nine areas in three regions and three cohorts, with counts drawn at
    random, many of them small. Returns each area's quarters recorded."""
    rng = random.Random(seed)
    adviser = UserFactory(role=Role.ADVISER)
    event = EventFactory(
        published=True,
        starts_at=datetime.datetime(2026, 8, 10, 10, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 8, 10, 16, tzinfo=datetime.UTC),
        registration_closes_at=datetime.datetime(2026, 8, 9, tzinfo=datetime.UTC),
    )
    recorded: dict[int, list[datetime.date]] = {}
    for n in range(9):
        area = AreaFactory(
            name=f"Area {n}", ward_code=f"E0500{n:04d}", region=REGIONS[n % 3], programme=False
        )
        area_join_programme(
            area=area, cohort=rng.choice([1, 2, 3]), joined_on=datetime.date(2026, 1, 5)
        )
        for _ in range(rng.choice([0, 1, 2, 3, 6, 9, 14])):
            make_request(area, datetime.date(2026, rng.randint(4, 9), 10))
        residents = rng.choice([0, 2, 3, 7, 12, 30])
        if residents:
            Interaction.objects.create(
                area=area,
                date=datetime.date(2026, 8, 3),
                kind=Interaction.Kind.MEETING,
                residents=residents,
                logged_by=adviser,
            )
        for _ in range(rng.choice([0, 1, 3, 8])):
            RegistrationFactory(
                event=event,
                area=area,
                checked_in_at=datetime.datetime(2026, 8, 10, 11, tzinfo=datetime.UTC),
            )
        if rng.random() < 0.8:
            outcome(
                area,
                datetime.date(2026, 1, 1),
                OutcomeRecord.Kind.BASELINE,
                **{name: rng.choice([0, 2, 4, 9, 20]) for name in PEOPLE_MEASURES},
            )
        quarters = [q for q in (Q2, Q3) if rng.random() < 0.7]
        for quarter in quarters:
            outcome(
                area, quarter, **{name: rng.choice([1, 3, 6, 11, 25]) for name in PEOPLE_MEASURES}
            )
        recorded[area.pk] = quarters
    return recorded


def _table(content: ReportContent, slug: str) -> Table:
    return next(table for table in content.tables() if table.slug == slug)


class Reader:
    """What a reader knows: each published cell by a name, its value when
    shown, and the totals that tie them together."""

    def __init__(self) -> None:
        self.known: dict[str, float] = {}
        self.withheld: set[str] = set()
        # (total, parts): total = sum(parts).
        self.equations: list[tuple[str, list[str]]] = []

    def cell(self, name: str, cell: Cell) -> str:
        if cell.suppressed:
            self.withheld.add(name)
        else:
            assert isinstance(cell.value, int | float), (name, cell.value)
            self.known[name] = cell.value
        return name

    def open_value(self, name: str, value) -> str | None:
        if value == "":
            return None
        if isinstance(value, str):
            self.withheld.add(name)
        else:
            self.known[name] = value
        return name

    def adds_up(self, total: str, parts: list[str]) -> None:
        self.equations.append((total, parts))

    def worked_out(self) -> set[str]:
        known = dict(self.known)
        changed = True
        while changed:
            changed = False
            for total, parts in self.equations:
                unknown = [name for name in [total, *parts] if name not in known]
                if len(unknown) != 1:
                    continue
                (name,) = unknown
                if name == total:
                    known[name] = sum(known[part] for part in parts)
                else:
                    known[name] = known[total] - sum(known[p] for p in parts if p != name)
                changed = True
        return self.withheld & set(known)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_nothing_withheld_can_be_worked_out_from_the_report_and_its_open_data(seed, settings):
    settings.NFC_REPORT_SUPPRESS_BELOW = 5
    recorded = _world(seed)
    made = Report.objects.create(
        kind=Report.Kind.PROGRAMME,
        scope_key="programme",
        span=Report.Span.YEAR,
        period_start=PERIOD.start,
        period_end=PERIOD.end,
    )
    content, (header, rows) = build(made)
    reader = Reader()
    column = {name: n for n, name in enumerate(header)}
    by_ward = {row[column["ward_code"]]: row for row in rows}
    areas = dict(Area.objects.values_list("ward_code", "pk"))

    def of_area(ward: str, name: str) -> str | None:
        return reader.open_value(f"{ward}:{name}", by_ward[ward][column[name]])

    # The comparisons: each group's count is its areas' in the open data;
    # "All" is the groups' and the areas'.
    groups = {
        "by-region": (
            "region",
            {label: label for _, label in Region.choices},
        ),
        "by-cohort": (
            "cohort",
            {f"Cohort {label}": value for value, label in Cohort.choices},
        ),
    }
    for slug, (field, labels) in groups.items():
        table = _table(content, slug)
        for name in COMPARED:
            group_names = []
            for row in table.rows:
                label = row["group"].value
                total = reader.cell(f"{slug}:{label}:{name}", row[name])
                if label == "All":
                    reader.adds_up(total, group_names)
                    reader.adds_up(total, [f"{ward}:{name}" for ward in by_ward])
                    continue
                group_names.append(total)
                members = [
                    ward for ward, data in by_ward.items() if data[column[field]] == labels[label]
                ]
                reader.adds_up(total, [f"{ward}:{name}" for ward in members])
    for ward in by_ward:
        for name in COMPARED:
            of_area(ward, name)

    # The outcomes: against the baseline, the areas with both; quarter by
    # quarter, the areas recording (their record is published only where
    # it is their latest: otherwise it is an unknown of its own).
    against = _table(content, "outcomes-against-baseline")
    quarters = _table(content, "outcomes-by-quarter")
    for name in PEOPLE_MEASURES:
        for ward in by_ward:
            for when in ("baseline", "latest"):
                of_area(ward, f"{name}_{when}")
        both = [
            ward
            for ward, row in by_ward.items()
            if row[column[f"{name}_baseline"]] != "" and row[column[f"{name}_latest"]] != ""
        ]
        row = next(row for row in against.rows if row["measure"].value == _measure_label(name))
        totals = {}
        for when in ("baseline", "latest"):
            totals[when] = reader.cell(f"against:{name}:{when}", row[when])
            reader.adds_up(totals[when], [f"{ward}:{name}_{when}" for ward in both])
        change = reader.cell(f"against:{name}:change", row["change"])
        reader.adds_up(totals["latest"], [totals["baseline"], change])
        for quarter in (Q2, Q3):
            row = next(
                (r for r in quarters.rows if r["quarter"].value == quarter_label(quarter)), None
            )
            if row is None:
                continue
            parts = []
            for ward in both:
                pk = areas[ward]
                if quarter not in recorded[pk]:
                    continue
                if recorded[pk][-1] == quarter:
                    parts.append(f"{ward}:{name}_latest")
                else:
                    parts.append(f"{ward}:{name}:{quarter}")  # never published
            reader.adds_up(reader.cell(f"quarter:{quarter}:{name}", row[name]), parts)

    assert reader.withheld, "the data should have small counts to withhold"
    assert reader.worked_out() == set()
