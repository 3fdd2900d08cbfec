"""Load or update areas from a CSV file, one row per ward, keyed by its ward code.

``python manage.py import_areas`` is a thin wrapper round :func:`areas_import`.
The programme columns (cohort, joined_on, stage, adviser, community_worker) go
through the same services as every other path, so the caseload caps and the
stage rules hold here too; a service's refusal becomes that row's error.
"""

import csv
import datetime
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, TextIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, User
from advisers.roles import Role
from advisers.services import area_allocate_community_worker, area_assign_adviser
from areas.models import (
    IMD_2019_SMALL_AREAS,
    WARD_CODE_VALIDATOR,
    Area,
    AreaType,
    Cohort,
    Region,
    Stage,
)
from areas.services import area_change_stage, area_join_programme

# Every column the import reads, by the name in the file (lower case, spaces
# as underscores), mapped to the field it fills: the portal's own names, and
# the names in the published list of 225 neighbourhoods so that it loads as
# it is. Any other column is ignored.
COLUMNS: dict[str, str] = {
    "ward_code": "ward_code",
    "ward_code_wd17": "ward_code",
    "name": "name",
    "ward_name": "name",
    "local_authority": "local_authority",
    "lad_name": "local_authority",
    "region": "region",
    "region_name": "region",
    "types": "types",
    "population": "population",
    "approx_population_mid2015": "population",
    "small_areas": "small_areas",
    "lsoa11_count_bestfit": "small_areas",
    "small_areas_most_deprived": "small_areas_most_deprived",
    "lsoa11_in_imd2019_decile1": "small_areas_most_deprived",
    "population_most_deprived": "population_most_deprived",
    "imd_rank": "imd_rank",
    "imd_decile": "imd_decile",
    "cni_rank": "cni_rank",
    "cohort": "cohort",
    "joined_on": "joined_on",
    "stage": "stage",
    "adviser": "adviser",
    "community_worker": "community_worker",
    "notes": "notes",
}

REQUIRED_FOR_NEW_AREA = ["name", "local_authority", "region"]

# Whole-number columns and the values they may take: the facts' own bounds,
# or the database column's where the facts set none.
LARGEST_INTEGER = 2_147_483_647
NUMBER_RANGES: dict[str, tuple[int, int]] = {
    "population": (0, LARGEST_INTEGER),
    "small_areas": (0, IMD_2019_SMALL_AREAS),
    "small_areas_most_deprived": (0, IMD_2019_SMALL_AREAS),
    "population_most_deprived": (0, LARGEST_INTEGER),
    "imd_rank": (1, IMD_2019_SMALL_AREAS),
    "imd_decile": (1, 10),
    "cni_rank": (1, LARGEST_INTEGER),
}

# Digits, optionally with thousands separators as spreadsheets export them.
WHOLE_NUMBER = re.compile(r"-?(\d+|\d{1,3}(,\d{3})+)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

REGION_ONS_CODES = {
    "E12000001": Region.NORTH_EAST,
    "E12000002": Region.NORTH_WEST,
    "E12000003": Region.YORKSHIRE,
    "E12000004": Region.EAST_MIDLANDS,
    "E12000005": Region.WEST_MIDLANDS,
    "E12000006": Region.EAST,
    "E12000007": Region.LONDON,
    "E12000008": Region.SOUTH_EAST,
    "E12000009": Region.SOUTH_WEST,
}


def _by_value_or_label(choices: list[tuple]) -> dict:
    """Look up a choice by its stored value or its label, ignoring case."""
    return {key.lower(): value for value, label in choices for key in (str(value), str(label))}


REGIONS = _by_value_or_label(Region.choices) | {
    code.lower(): region.value for code, region in REGION_ONS_CODES.items()
}
STAGES = _by_value_or_label(Stage.choices)
COHORTS = _by_value_or_label(Cohort.choices)


Outcome = Literal["created", "updated", "unchanged"]


class ImportFileError(ValueError):
    """The file as a whole cannot be read: not UTF-8, no header, no ward code column."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    ward_code: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" ({self.ward_code})" if self.ward_code else "")
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import did, by ward code; nothing is saved unless ``saved``."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    saved: bool = False

    @property
    def skipped(self) -> int:
        """Rows left out because they are invalid (a row may have several problems)."""
        return len({problem.line for problem in self.problems})

    @property
    def imported(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)


class _RowInvalid(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class _Row:
    line: int
    ward_code: str
    cells: dict[str, str]  # field -> non-empty cell; an empty cell changes nothing
    width: int  # cells up to the last non-empty one


@dataclass
class _Parsed:
    """A row's values, checked and converted; None means "leave it as it is"."""

    facts: dict[str, object]  # plain Area fields, set directly
    types: list[AreaType] | None = None
    cohort: int | None = None
    joined_on: datetime.date | None = None
    stage: str | None = None
    adviser: User | None = None
    community_worker: User | None = None


@dataclass
class _Context:
    """What every row is checked against, loaded once for the whole file."""

    column_names: dict[str, str]  # field -> the file's own column name, for messages
    header_width: int
    source: str
    areas: dict[str, Area]
    types: dict[str, AreaType]
    staff: dict[tuple[str, str], User]  # (role, lower-case e-mail) -> active person


def areas_import(*, file: TextIO, source: str, skip_invalid: bool = False) -> ImportResult:
    """Create or update an area for each row of a CSV file.

    Every row is checked. If any is invalid, nothing is saved, unless
    ``skip_invalid``, when the valid rows are. Running the same file again
    changes nothing. ``source`` names the file in the assignment and stage
    histories. Raises :class:`ImportFileError` if the file cannot be read.
    """
    header, records = _read(file)
    column_names, ignored = _map_columns(header)
    rows = [_row(line, cells, header) for line, cells in records]
    result = ImportResult(ignored_columns=ignored)
    lines_of: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        lines_of[row.ward_code].append(row.line)

    with transaction.atomic():
        context = _load_context(rows, column_names, len(header), source)
        for row in rows:
            try:
                _refuse_repeated_ward(row, lines_of)
                # A savepoint per row: a row refused half-way (by a service,
                # say) leaves nothing behind, and the later rows are still
                # checked against the file's earlier valid rows.
                with transaction.atomic():
                    outcome = _import_row(row, context)
            except _RowInvalid as invalid:
                result.problems.extend(
                    RowProblem(row.line, row.ward_code, message) for message in invalid.messages
                )
            else:
                getattr(result, outcome).append(row.ward_code)
        result.saved = skip_invalid or not result.problems
        if not result.saved:
            transaction.set_rollback(True)
    return result


# --- Reading the file ---------------------------------------------------


def _read(file: TextIO) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each non-blank record with the line it starts on."""
    reader = csv.reader(file)
    records = []
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError("The file is empty.")
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise ImportFileError(
            'The file is not UTF-8 text: save it as "CSV UTF-8" and try again.'
        ) from error
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num}: {error}.") from error
    return header, records


def _column_key(name: str) -> str:
    # A byte-order mark is left on the first name when the caller opened the
    # file without utf-8-sig; it must not hide the ward_code column.
    return name.replace("\ufeff", "").strip().lower().replace(" ", "_")


def _map_columns(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Which column fills which field, and the columns ignored."""
    column_names: dict[str, str] = {}
    ignored = []
    for name in header:
        field_name = COLUMNS.get(_column_key(name))
        if field_name is None:
            ignored.append(name.strip())
        elif field_name in column_names:
            raise ImportFileError(
                f"The columns {column_names[field_name]} and {name.strip()} both give the "
                f"{field_name}: keep one."
            )
        else:
            column_names[field_name] = name.strip()
    if "ward_code" not in column_names:
        raise ImportFileError("The file has no ward_code column (or ward_code_wd17).")
    return column_names, ignored


def _row(line: int, cells: list[str], header: list[str]) -> _Row:
    by_field = {}
    for name, cell in zip(header, cells, strict=False):
        field_name = COLUMNS.get(_column_key(name))
        if field_name and cell.strip():
            by_field[field_name] = cell.strip()
    width = max(number for number, cell in enumerate(cells, start=1) if cell.strip())
    return _Row(
        line=line, ward_code=by_field.get("ward_code", "").upper(), cells=by_field, width=width
    )


def _load_context(
    rows: list[_Row], column_names: dict[str, str], header_width: int, source: str
) -> _Context:
    emails = {
        row.cells[name].lower()
        for row in rows
        for name in ("adviser", "community_worker")
        if name in row.cells
    }
    staff = User.objects.annotate(email_lower=Lower("email")).filter(
        email_lower__in=emails,
        role__in=[Role.ADVISER, Role.COMMUNITY_WORKER],
        is_active=True,
    )
    types = {}
    for area_type in AreaType.objects.all():
        types[area_type.slug.lower()] = area_type
        types[area_type.name.lower()] = area_type
    areas = Area.objects.filter(ward_code__in={row.ward_code for row in rows})
    return _Context(
        column_names=column_names,
        header_width=header_width,
        source=source,
        areas={area.ward_code: area for area in areas.prefetch_related("types")},
        types=types,
        staff={(person.role, person.email_lower): person for person in staff},
    )


# --- Checking a row -----------------------------------------------------


def _refuse_repeated_ward(row: _Row, lines_of: dict[str, list[int]]) -> None:
    # Every copy is refused, not just the later ones: which the file meant is unknown.
    lines = lines_of[row.ward_code]
    if row.ward_code and len(lines) > 1:
        listed = ", ".join(str(line) for line in lines[:-1]) + f" and {lines[-1]}"
        raise _RowInvalid(
            [f"The ward code {row.ward_code} is on lines {listed}: give each ward once."]
        )


def _parse(row: _Row, context: _Context) -> _Parsed:
    """Check and convert every cell of the row, collecting every problem."""
    problems: list[str] = []
    parsed = _Parsed(facts={})
    cells = row.cells
    column = context.column_names

    if row.width > context.header_width:
        # Most often a name with a comma in it that was not put in quotes.
        problems.append(
            f"The row has {row.width} cells but the header has {context.header_width} columns: "
            "put any value with a comma in it in double quotes."
        )

    if not row.ward_code:
        problems.append(f"The {column['ward_code']} is missing.")
    else:
        try:
            WARD_CODE_VALIDATOR(row.ward_code)
        except ValidationError as error:
            problems.append(f"{column['ward_code']} {cells['ward_code']!r}: {error.messages[0]}")

    for name in ("name", "local_authority", "notes"):
        if name in cells:
            parsed.facts[name] = cells[name]

    if "region" in cells:
        region = REGIONS.get(cells["region"].lower())
        if region is None:
            problems.append(
                f"{column['region']} {cells['region']!r} is not an English region: give its name "
                "(e.g. North East) or its ONS code (e.g. E12000001)."
            )
        else:
            parsed.facts["region"] = region

    for name, (lowest, highest) in NUMBER_RANGES.items():
        if name not in cells:
            continue
        text = cells[name]
        if not WHOLE_NUMBER.fullmatch(text):
            problems.append(f"{column[name]} {text!r} is not a whole number.")
            continue
        number = int(text.replace(",", ""))
        if not lowest <= number <= highest:
            problems.append(f"{column[name]} {text!r} must be between {lowest} and {highest:,}.")
        else:
            parsed.facts[name] = number

    if "types" in cells:
        names = [name.strip() for name in cells["types"].split(";") if name.strip()]
        unknown = [name for name in names if name.lower() not in context.types]
        if unknown:
            known = ", ".join(sorted({area_type.slug for area_type in context.types.values()}))
            problems.append(
                f"{column['types']}: unknown area type {', '.join(map(repr, unknown))} "
                f"(known: {known}; separate several with ;)."
            )
        else:
            parsed.types = [context.types[name.lower()] for name in names]

    if "cohort" in cells:
        parsed.cohort = COHORTS.get(cells["cohort"].lower())
        if parsed.cohort is None:
            problems.append(
                f"{column['cohort']} {cells['cohort']!r} is not a cohort: give 1, 2 or 3."
            )

    if "joined_on" in cells:
        text = cells["joined_on"]
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError
            parsed.joined_on = datetime.date.fromisoformat(text)
        except ValueError:
            problems.append(f"{column['joined_on']} {text!r} is not a date written YYYY-MM-DD.")

    if "stage" in cells:
        parsed.stage = STAGES.get(cells["stage"].lower())
        if parsed.stage is None:
            problems.append(
                f"{column['stage']} {cells['stage']!r} is not a stage: give one of "
                f"{', '.join(Stage.values)}."
            )

    for name, role, described in (
        ("adviser", Role.ADVISER, "adviser"),
        ("community_worker", Role.COMMUNITY_WORKER, "community worker"),
    ):
        if name in cells:
            person = context.staff.get((role, cells[name].lower()))
            if person is None:
                problems.append(
                    f"{column[name]} {cells[name]!r} is not the e-mail of an active {described}."
                )
            setattr(parsed, name, person)

    if problems:
        raise _RowInvalid(problems)
    return parsed


# --- Saving a row -------------------------------------------------------


@contextmanager
def _refusals_of(column: str) -> Iterator[None]:
    """Report a rule's refusal (a service's ValidationError) as the row's error."""
    try:
        yield
    except ValidationError as error:
        raise _RowInvalid([f"{column}: {message}" for message in error.messages]) from error


def _import_row(row: _Row, context: _Context) -> Outcome:
    """Save one row, and say what it did."""
    parsed = _parse(row, context)
    area = context.areas.get(row.ward_code)
    created = area is None
    if area is None:
        missing = [name for name in REQUIRED_FOR_NEW_AREA if name not in parsed.facts]
        if missing:
            raise _RowInvalid(
                [
                    f"{row.ward_code} is not in the portal yet, and a new area needs "
                    f"{', '.join(REQUIRED_FOR_NEW_AREA)}: {', '.join(missing)} missing."
                ]
            )
        area = Area(ward_code=row.ward_code)

    changed = [name for name, value in parsed.facts.items() if getattr(area, name) != value]
    for name in changed:
        setattr(area, name, parsed.facts[name])
    if created or changed:
        try:
            area.full_clean()
        except ValidationError as error:
            raise _RowInvalid(
                [
                    f"{context.column_names.get(name, name)}: {message}"
                    for name, messages in error.message_dict.items()
                    for message in messages
                ]
            ) from error
        area.save()

    if parsed.types is not None and set(parsed.types) != set(area.types.all()):
        area.types.set(parsed.types)
        changed.append("types")

    if _programme_update(area, parsed, context):
        changed.append("programme")

    if created:
        return "created"
    return "updated" if changed else "unchanged"


def _programme_update(area: Area, parsed: _Parsed, context: _Context) -> bool:
    """Apply the programme columns through their services; True if anything changed."""
    column = context.column_names
    note = f"Imported from {context.source}"
    changed = False

    if parsed.cohort is not None or parsed.joined_on is not None:
        changed = _join(area, parsed, column)

    if parsed.stage is not None and parsed.stage != area.stage:
        # The file gives no date for a stage, so the change is dated the day
        # of the import; re-running the file finds the stage already set.
        with _refusals_of(column["stage"]):
            area_change_stage(area=area, stage=parsed.stage, on=timezone.localdate(), note=note)
        changed = True

    if (
        parsed.adviser is not None
        and not AdviserAssignment.objects.current()
        .filter(area=area, adviser=parsed.adviser)
        .exists()
    ):
        with _refusals_of(column["adviser"]):
            area_assign_adviser(area=area, adviser=parsed.adviser, by=None, reason=note)
        changed = True

    if (
        parsed.community_worker is not None
        and not CommunityWorkerAllocation.objects.current()
        .filter(area=area, worker=parsed.community_worker)
        .exists()
    ):
        with _refusals_of(column["community_worker"]):
            area_allocate_community_worker(
                area=area, worker=parsed.community_worker, by=None, reason=note
            )
        changed = True

    return changed


def _join(area: Area, parsed: _Parsed, column: dict[str, str]) -> bool:
    """Bring the area into the programme if the row says so; True if it joined.

    There is no service to move an area to another cohort or change the day
    it joined, so the import refuses to do either rather than rewrite history.
    """
    if area.cohort is None:
        if parsed.cohort is None:
            raise _RowInvalid(
                [f"{column['joined_on']}: give a cohort too, to put the area in the programme."]
            )
        if parsed.joined_on is None:
            raise _RowInvalid(
                [
                    f"{column['cohort']}: give the date it joined (joined_on, YYYY-MM-DD) too, "
                    "to put the area in the programme."
                ]
            )
        with _refusals_of(column["cohort"]):
            area_join_programme(area=area, cohort=parsed.cohort, joined_on=parsed.joined_on)
        return True
    if parsed.cohort is not None and parsed.cohort != area.cohort:
        raise _RowInvalid(
            [
                f"{column['cohort']}: {area.name} is in cohort {area.cohort}; the import does not "
                "move an area to another cohort."
            ]
        )
    if parsed.joined_on is not None and parsed.joined_on != area.joined_on:
        raise _RowInvalid(
            [
                f"{column['joined_on']}: {area.name} joined the programme on "
                f"{area.joined_on:%Y-%m-%d}; the import does not change that date."
            ]
        )
    return False
