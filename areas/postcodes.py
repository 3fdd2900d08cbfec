"""The postcode directory: normalising a postcode, finding its area, and
loading the directory from the ONS postcode lookup.

``python manage.py import_postcodes`` is a thin wrapper round
:func:`postcodes_import`. Unlike ``import_areas``, a bad row does not stop
the import: a national file of 2.6 million postcodes always has a few
oddities, so each is reported with its line number and skipped.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from django.db import connection, transaction
from django.db.models import Subquery

from areas.importing import ImportFileError
from areas.models import STANDARD_POSTCODE, WARD_CODE_VALIDATOR, Area, Postcode

_STANDARD_POSTCODE = re.compile(STANDARD_POSTCODE)


def normalise_postcode(text: str | None) -> str | None:
    """``text`` as a postcode in its standard form ("sr11ae" -> "SR1 1AE"),
    or None if it is not a UK postcode. Any case and any spacing is accepted."""
    if not text:
        return None
    compact = "".join(text.split()).upper()
    standard = f"{compact[:-3]} {compact[-3:]}"
    return standard if _STANDARD_POSTCODE.fullmatch(standard) else None


def area_for_postcode(postcode: str) -> Area | None:
    """The area the postcode falls in, in one query; None when the postcode
    is not a postcode, is not in the directory, or its ward is not held."""
    standard = normalise_postcode(postcode)
    if standard is None:
        return None
    return Area.objects.filter(ward_code=Subquery(Postcode.objects.ward_code_of(standard))).first()


# --- Importing the ONS postcode lookup ----------------------------------

# The columns read, by the name in the file (lower case), in order of
# preference: the ONS Postcode Directory (ONSPD) and the National Statistics
# Postcode Lookup (NSPL) give the postcode three ways (pcd, pcd2, pcds) and
# the ward as osward (ONSPD) or ward (NSPL); ward_code is the shipped
# sample's. Any other column is ignored.
POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8", "postcode")
WARD_COLUMNS = ("osward", "ward", "ward_code")
LOCAL_AUTHORITY_COLUMNS = ("lad_name",)

# Postcodes outside England are in a ward of Wales (W05), Scotland (S13) or
# Northern Ireland (N08); the Channel Islands, the Isle of Man and postcodes
# with no ward have a pseudo code (L99999999, E99999999...). The portal's
# areas are English wards, so these rows are counted, not imported, and not
# listed one by one: a UK file has hundreds of thousands of them.
NOT_AN_ENGLISH_WARD = re.compile(r"(W05|S13|N08)\d{6}|[A-Z]99999999")

BATCH_SIZE = 5000
MAX_LISTED_PROBLEMS = 1000
LOCAL_AUTHORITY_MAX_LENGTH = Postcode._meta.get_field("local_authority").max_length


@dataclass(frozen=True)
class PostcodeProblem:
    line: int
    text: str  # the postcode as the file gives it
    message: str

    def __str__(self) -> str:
        return f"line {self.line}" + (f" ({self.text})" if self.text else "") + f": {self.message}"


@dataclass
class PostcodeImportResult:
    """What an import did, in counts of rows."""

    columns: dict[str, str] = field(default_factory=dict)  # what -> the file's column
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_england: int = 0
    invalid: int = 0
    problems: list[PostcodeProblem] = field(default_factory=list)  # the first few hundred

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def skipped(self) -> int:
        return self.invalid + self.not_in_england


class _SeenPostcodes:
    """Which postcodes the file has given so far, in a few megabytes.

    A set of 2.6 million strings would take some 300 MB. The inward code has
    only 6,760 possible values (a digit and two letters), so one bit each
    per outward code (about 3,000 in the UK) is enough.
    """

    def __init__(self):
        self._by_outward: dict[str, bytearray] = {}

    def add(self, postcode: str) -> bool:
        """Record the postcode; False if it was recorded already."""
        outward, inward = postcode.split(" ")
        bits = self._by_outward.setdefault(outward, bytearray(6760 // 8 + 1))
        index = int(inward[0]) * 676 + (ord(inward[1]) - 65) * 26 + (ord(inward[2]) - 65)
        byte, mask = index >> 3, 1 << (index & 7)
        if bits[byte] & mask:
            return False
        bits[byte] |= mask
        return True


def postcodes_import(*, file: TextIO) -> PostcodeImportResult:
    """Create or update a Postcode for each row of an ONS postcode lookup.

    The file is read a row at a time and saved in batches, so a national
    file (2.6 million rows) needs little memory. A bad row is reported with
    its line number and skipped; the rest are imported. Running the same
    file again changes nothing. Raises :class:`ImportFileError` if the file
    as a whole cannot be read, and then nothing is saved.
    """
    result = PostcodeImportResult()
    seen = _SeenPostcodes()
    batch_size = min(BATCH_SIZE, connection.features.max_query_params or BATCH_SIZE)
    batch: dict[str, tuple[str, str]] = {}

    # One transaction: a file that turns out to be unreadable half-way
    # leaves the directory as it was, and the public form never sees a
    # half-loaded one.
    with transaction.atomic():
        for line, cells, header in _records(file, result):
            row = _check(line, cells, header, result, seen)
            if row is not None:
                postcode, ward_code, local_authority = row
                batch[postcode] = (ward_code, local_authority)
                if len(batch) >= batch_size:
                    _save(batch, result)
                    batch = {}
        _save(batch, result)
    return result


@dataclass(frozen=True)
class _Header:
    width: int
    postcode: int
    ward_code: int
    local_authority: int | None
    columns: dict[str, str]  # what is read -> the file's column, for messages


def _records(
    file: TextIO, result: PostcodeImportResult
) -> Iterator[tuple[int, list[str], _Header]]:
    """Each non-blank record with the line it starts on, and the header."""
    reader = csv.reader(file)
    try:
        names = next(reader, None)
        if names is None:
            raise ImportFileError("The file is empty.")
        header = _header(names)
        result.columns = header.columns
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells, header
            line = reader.line_num + 1
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (something after line {reader.line_num} is not): "
            "save it as UTF-8 and try again."
        ) from error
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num}: {error}.") from error


def _header(names: list[str]) -> _Header:
    # A byte-order mark is left on the first name when the caller opened the
    # file without utf-8-sig; it must not hide the postcode column.
    keys = [name.replace("\ufeff", "").strip().lower() for name in names]

    def first_of(wanted: tuple[str, ...]) -> int | None:
        return next((keys.index(name) for name in wanted if name in keys), None)

    postcode, ward_code = first_of(POSTCODE_COLUMNS), first_of(WARD_COLUMNS)
    if postcode is None:
        raise ImportFileError(f"The file has no postcode column ({', '.join(POSTCODE_COLUMNS)}).")
    if ward_code is None:
        raise ImportFileError(f"The file has no ward code column ({', '.join(WARD_COLUMNS)}).")
    local_authority = first_of(LOCAL_AUTHORITY_COLUMNS)
    columns = {"postcode": names[postcode].strip(), "ward code": names[ward_code].strip()}
    if local_authority is not None:
        columns["local authority"] = names[local_authority].strip()
    return _Header(
        width=len(names),
        postcode=postcode,
        ward_code=ward_code,
        local_authority=local_authority,
        columns=columns,
    )


def _check(
    line: int,
    cells: list[str],
    header: _Header,
    result: PostcodeImportResult,
    seen: _SeenPostcodes,
) -> tuple[str, str, str] | None:
    """The row's postcode, ward code and local authority; None if it is skipped."""

    def cell(index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    text, ward_code = cell(header.postcode), cell(header.ward_code).upper()
    local_authority = cell(header.local_authority)
    problems = []

    if len(cells) > header.width and any(extra.strip() for extra in cells[header.width :]):
        # Most often a name with a comma in it that was not put in quotes,
        # which moves every later cell along: none of them can be trusted.
        problems.append(
            f"The row has {len(cells)} cells but the header has {header.width} columns: "
            "put any value with a comma in it in double quotes."
        )

    postcode = normalise_postcode(text)
    if not text:
        problems.append(f"The {header.columns['postcode']} is missing.")
    elif postcode is None:
        problems.append(f"{header.columns['postcode']} {text!r} is not a UK postcode.")

    if not ward_code:
        problems.append(f"The {header.columns['ward code']} is missing.")
    elif NOT_AN_ENGLISH_WARD.fullmatch(ward_code):
        if not problems:
            result.not_in_england += 1
            return None
    elif not WARD_CODE_VALIDATOR.regex.fullmatch(ward_code):
        problems.append(
            f"{header.columns['ward code']} {ward_code!r}: {WARD_CODE_VALIDATOR.message}"
        )

    if len(local_authority) > LOCAL_AUTHORITY_MAX_LENGTH:
        problems.append(
            f"The local authority is longer than {LOCAL_AUTHORITY_MAX_LENGTH} characters."
        )

    if not problems and not seen.add(postcode):
        # The first is kept: it may be saved already, and which the file
        # meant is unknown. Keeping the first also keeps a re-run unchanged.
        problems.append(f"{postcode} is on an earlier line too: the first is kept.")

    if problems:
        result.invalid += 1
        if len(result.problems) < MAX_LISTED_PROBLEMS:
            result.problems.append(PostcodeProblem(line, text, " ".join(problems)))
        return None
    return postcode, ward_code, local_authority


def _save(batch: dict[str, tuple[str, str]], result: PostcodeImportResult) -> None:
    """Save the batch's new and changed postcodes (one upsert); count what it did."""
    if not batch:
        return
    existing = {
        postcode: (ward_code, local_authority)
        for postcode, ward_code, local_authority in Postcode.objects.filter(
            postcode__in=list(batch)
        )
        .order_by()
        .values_list("postcode", "ward_code", "local_authority")
    }
    changed = []
    for postcode, values in batch.items():
        before = existing.get(postcode)
        if before == values:
            result.unchanged += 1
            continue
        if before is None:
            result.created += 1
        else:
            result.updated += 1
        ward_code, local_authority = values
        changed.append(
            Postcode(postcode=postcode, ward_code=ward_code, local_authority=local_authority)
        )
    if changed:
        # An upsert rather than bulk_create plus bulk_update: bulk_update
        # builds a CASE expression per field that grows with the batch.
        Postcode.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["postcode"],
            update_fields=["ward_code", "local_authority"],
        )
