"""The postcode directory: normalising a postcode, finding its area, and
loading the directory from the ONS postcode lookup.

``python manage.py import_postcodes`` is a thin wrapper round
:func:`postcodes_import`. Unlike ``import_areas``, a bad row does not stop
the import: a national file of 2.7 million postcodes always has a few
oddities, so each is reported with its line number and skipped.

The file is read and checked a row at a time, in Python, so memory stays
small whatever its size. On PostgreSQL the good rows stream into a
temporary table with COPY and are applied to the directory in two
set-based statements; on the local SQLite default they are upserted in
batches. Either way the import is one transaction.
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
# preference. The ONS Postcode Directory (ONSPD) and the National Statistics
# Postcode Lookup (NSPL) give the postcode three ways (pcd or pcd7, pcd2 or
# pcd8, pcds). Older editions name the ward osward (ONSPD) or ward (NSPL);
# the 2025 editions of both name it for the year of its boundaries (wd25cd),
# which WARD_COLUMN_OF_A_YEAR finds. ward_code is the shipped sample's. Any
# other column is ignored.
POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8", "postcode")
WARD_COLUMNS = ("osward", "ward", "ward_code")
WARD_COLUMN_OF_A_YEAR = re.compile(r"wd\d\dcd")
LOCAL_AUTHORITY_COLUMNS = ("lad_name",)

# Postcodes outside England are in a ward of Wales (W05), Scotland (S13) or
# Northern Ireland (N08); the Channel Islands, the Isle of Man and postcodes
# with no ward have a pseudo code (L99999999, E99999999...). The portal's
# areas are English wards, so these rows are counted, not imported, and not
# listed one by one: a UK file has hundreds of thousands of them.
NOT_AN_ENGLISH_WARD = re.compile(r"(W05|S13|N08)\d{6}|[A-Z]99999999")

BATCH_SIZE = 5000  # rows per upsert, on SQLite
COPY_CHUNK_ROWS = 10_000  # rows per piece of the COPY stream, on PostgreSQL
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
    problems: list[PostcodeProblem] = field(default_factory=list)  # the first thousand
    # Postcodes the directory held that the file does not give. They are
    # kept: the ONSPD keeps a postcode after it is withdrawn (with its date
    # of termination), so one missing means a partial or different file,
    # and a resident may still give an old postcode.
    not_in_file: int = 0

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def skipped(self) -> int:
        return self.invalid + self.not_in_england


class _SeenPostcodes:
    """Which postcodes the file has given so far, in a few megabytes.

    A set of 2.7 million strings would take some 300 MB. The inward code has
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

    The file is read a row at a time, so a national file (2.7 million rows)
    needs little memory. A bad row is reported with its line number and
    skipped; the rest are imported. Postcodes the directory holds that the
    file does not give are kept. Running the same file again changes
    nothing. Raises :class:`ImportFileError` if the file as a whole cannot
    be read, and then nothing is saved.
    """
    result = PostcodeImportResult()
    rows = _rows(file, result)
    # One transaction: a file that turns out to be unreadable half-way
    # leaves the directory as it was, and the public form never sees a
    # half-loaded one.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _save_by_copy(rows, result)
        else:
            _save_in_batches(rows, result)
        result.not_in_file = Postcode.objects.count() - result.imported
    return result


@dataclass(frozen=True)
class _Header:
    width: int
    postcode: int
    ward_code: int
    local_authority: int | None
    columns: dict[str, str]  # what is read -> the file's column, for messages


def _rows(file: TextIO, result: PostcodeImportResult) -> Iterator[tuple[str, str, str]]:
    """The postcode, ward code and local authority of each good row, read as
    they are asked for; the other rows are counted (and the first listed)
    in ``result``."""
    reader = csv.reader(file)
    seen = _SeenPostcodes()
    try:
        names = next(reader, None)
        if names is None:
            raise ImportFileError("The file is empty.")
        header = _header(names)
        result.columns = header.columns
        line = reader.line_num + 1
        for cells in reader:
            row = _check(line, cells, header, result, seen)
            if row is not None:
                yield row
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
    if ward_code is None:
        ward_code = next(
            (i for i, key in enumerate(keys) if WARD_COLUMN_OF_A_YEAR.fullmatch(key)), None
        )
    if postcode is None:
        raise ImportFileError(f"The file has no postcode column ({', '.join(POSTCODE_COLUMNS)}).")
    if ward_code is None:
        raise ImportFileError(
            f"The file has no ward code column ({', '.join(WARD_COLUMNS)}, "
            "or wd and a year, such as wd25cd)."
        )
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
    """The row's postcode, ward code and local authority; None if it is skipped.

    Run 2.7 million times for a national file, so the usual row (a good
    postcode in its standard form, an English ward) takes the shortest way.
    """
    width = len(cells)
    text = cells[header.postcode].strip() if header.postcode < width else ""
    ward_code = cells[header.ward_code].strip().upper() if header.ward_code < width else ""
    if not (text or ward_code or any(cell.strip() for cell in cells)):
        return None  # a blank line
    local_authority = (
        cells[header.local_authority].strip()
        if header.local_authority is not None and header.local_authority < width
        else ""
    )
    problems = []

    if width > header.width and any(extra.strip() for extra in cells[header.width :]):
        # Most often a name with a comma in it that was not put in quotes,
        # which moves every later cell along: none of them can be trusted.
        problems.append(
            f"The row has {width} cells but the header has {header.width} columns: "
            "put any value with a comma in it in double quotes."
        )

    # The ONS files give pcds in its standard form already.
    postcode = text if _STANDARD_POSTCODE.fullmatch(text) else normalise_postcode(text)
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

    if local_authority:
        if len(local_authority) > LOCAL_AUTHORITY_MAX_LENGTH:
            problems.append(
                f"The local authority is longer than {LOCAL_AUTHORITY_MAX_LENGTH} characters."
            )
        if "\x00" in local_authority:
            # PostgreSQL cannot hold it; Python's csv module lets it through.
            problems.append("The local authority has a NUL character in it.")

    if not problems and not seen.add(postcode):
        # The first is kept: which the file meant is unknown, and keeping
        # the first keeps a re-run unchanged.
        problems.append(f"{postcode} is on an earlier line too: the first is kept.")

    if problems:
        result.invalid += 1
        if len(result.problems) < MAX_LISTED_PROBLEMS:
            result.problems.append(PostcodeProblem(line, text, " ".join(problems)))
        return None
    return postcode, ward_code, local_authority


# --- Saving: SQLite ------------------------------------------------------


def _save_in_batches(rows: Iterator[tuple[str, str, str]], result: PostcodeImportResult) -> None:
    batch_size = min(BATCH_SIZE, connection.features.max_query_params or BATCH_SIZE)
    batch: dict[str, tuple[str, str]] = {}
    for postcode, ward_code, local_authority in rows:
        batch[postcode] = (ward_code, local_authority)
        if len(batch) >= batch_size:
            _save(batch, result)
            batch = {}
    _save(batch, result)


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


# --- Saving: PostgreSQL --------------------------------------------------

# The file's rows, as COPY reads them. A temporary table: private to this
# connection, never written to the write-ahead log, and gone if the import
# fails (its creation is undone with the transaction).
STAGING_TABLE = "postcode_import"
_STAGING_SQL = f"""
    CREATE TEMPORARY TABLE {STAGING_TABLE} (
        postcode varchar(8) NOT NULL,
        ward_code varchar(9) NOT NULL,
        local_authority varchar(120) NOT NULL
    )
"""
# Only the rows whose ward or local authority differ are written, so a
# re-run rewrites no row.
_UPDATE_CHANGED_SQL = f"""
    UPDATE {{directory}} AS directory
    SET ward_code = incoming.ward_code, local_authority = incoming.local_authority
    FROM {STAGING_TABLE} AS incoming
    WHERE directory.postcode = incoming.postcode
    AND (directory.ward_code, directory.local_authority)
        IS DISTINCT FROM (incoming.ward_code, incoming.local_authority)
"""
# In postcode order, so the postcode index grows at its end rather than
# being split all over.
_INSERT_NEW_SQL = f"""
    INSERT INTO {{directory}} (postcode, ward_code, local_authority)
    SELECT incoming.postcode, incoming.ward_code, incoming.local_authority
    FROM {STAGING_TABLE} AS incoming
    WHERE NOT EXISTS (
        SELECT FROM {{directory}} AS directory WHERE directory.postcode = incoming.postcode
    )
    ORDER BY incoming.postcode
"""
# COPY's text format: a tab between values, a newline after each row, and a
# backslash before either (or itself) inside one. Postcodes and ward codes
# are letters, digits and a space by now; a local authority may be anything.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _save_by_copy(rows: Iterator[tuple[str, str, str]], result: PostcodeImportResult) -> None:
    """Stream the rows into a temporary table with COPY, then apply them to
    the directory: update the changed, insert the new, count the rest."""
    directory = connection.ops.quote_name(Postcode._meta.db_table)
    with connection.cursor() as cursor:
        # A second import waits for this one (rather than failing on the
        # same new postcodes); the help form's look-ups are not held up.
        cursor.execute(f"LOCK TABLE {directory} IN SHARE ROW EXCLUSIVE MODE")
        # The joins below hash or sort millions of rows: room to do it in
        # memory, for this transaction only (the default is 4 MB).
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(_STAGING_SQL)
        _copy(
            cursor,
            f"COPY {STAGING_TABLE} (postcode, ward_code, local_authority) FROM STDIN",
            _copy_text(rows),
        )
        # A temporary table is never analysed on its own; without figures
        # the planner would guess the joins' sizes.
        cursor.execute(f"ANALYZE {STAGING_TABLE}")
        cursor.execute(f"SELECT count(*) FROM {STAGING_TABLE}")
        staged = cursor.fetchone()[0]
        cursor.execute(_UPDATE_CHANGED_SQL.format(directory=directory))
        result.updated = cursor.rowcount
        cursor.execute(_INSERT_NEW_SQL.format(directory=directory))
        result.created = cursor.rowcount
        result.unchanged = staged - result.created - result.updated
        # Dropped now, not at the end of the transaction: the caller's
        # transaction may go on (and import again).
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")


def _copy_text(rows: Iterator[tuple[str, str, str]]) -> Iterator[str]:
    """The rows as COPY's text format, some thousands at a time."""
    lines = []
    for postcode, ward_code, local_authority in rows:
        lines.append(f"{postcode}\t{ward_code}\t{local_authority.translate(_COPY_ESCAPES)}\n")
        if len(lines) >= COPY_CHUNK_ROWS:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


class _ChunkReader:
    """What psycopg2's copy_expert reads from: each read() is the next chunk."""

    def __init__(self, chunks: Iterator[str]):
        self._chunks = chunks
        self.error: Exception | None = None

    def read(self, size: int = -1) -> str:
        try:
            return next(self._chunks, "")
        except Exception as error:
            self.error = error
            raise


def _copy(cursor, sql: str, chunks: Iterator[str]) -> None:
    """Run ``sql``, a COPY ... FROM STDIN, sending ``chunks`` as they are made,
    through psycopg2 (as in production) or psycopg 3 (which Django prefers
    when both are installed, as with the dev tools).

    The server stores each chunk while the next is read from the file, so
    reading and storing share the work of two cores.
    """
    driver_cursor = cursor.cursor
    if hasattr(driver_cursor, "copy_expert"):  # psycopg2
        source = _ChunkReader(chunks)
        try:
            driver_cursor.copy_expert(sql, source)
        except Exception:
            if source.error is None:
                raise
        # psycopg2 reports an error raised while it reads as its own
        # QueryCanceled; the caller needs the first (a file that is not
        # UTF-8, say).
        if source.error is not None:
            raise source.error
    else:  # psycopg 3
        with driver_cursor.copy(sql) as copy:
            for chunk in chunks:
                copy.write(chunk)
