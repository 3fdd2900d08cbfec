"""The postcode directory: normalising, `import_postcodes`, and finding a postcode's area."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from areas import postcodes
from areas.models import Postcode
from areas.postcodes import area_for_postcode, normalise_postcode

# Hendon is only a ward the portal holds here: outside the programme, and
# nobody works there.
pytestmark = pytest.mark.hendon(programme=False, adviser=False, community_worker=False)

SAMPLE = Path(settings.BASE_DIR) / "areas" / "data" / "postcodes_sunderland_sample.csv"
SAMPLE_ROWS = 2913

# The first columns of the ONS Postcode Directory, as it names them.
ONSPD_HEADER = ["pcd", "pcd2", "pcds", "dointr", "doterm", "oslaua", "osward", "lat", "long"]


def import_postcodes(path: Path) -> tuple[str, str]:
    """Run the command; return what it wrote to stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_postcodes", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_csv(tmp_path: Path, *lines: str, name: str = "postcodes.csv") -> Path:
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def directory() -> list[tuple]:
    return list(Postcode.objects.values_list("pk", "postcode", "ward_code", "local_authority"))


def row_versions() -> set[str]:
    """Where each row's current version lies: an UPDATE writes a new version
    elsewhere (even one that sets the same values), so this changes for
    every row written."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ctid::text FROM {Postcode._meta.db_table}")
        return {ctid for (ctid,) in cursor.fetchall()}


@pytest.fixture(params=["copy", "batches"])
def saving(request, monkeypatch):
    """Each way of saving: COPY through a staging table (PostgreSQL), and the
    batched upserts of the local SQLite default, run here on PostgreSQL."""
    if request.param == "batches":
        monkeypatch.setattr(postcodes, "_save_by_copy", postcodes._save_in_batches)
    return request.param


# --- Normalising --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SR1 1AE", "SR1 1AE"),
        ("sr11ae", "SR1 1AE"),
        (" SR1  1AE ", "SR1 1AE"),
        ("sr1\t1ae\n", "SR1 1AE"),
        ("S R 1 1 A E", "SR1 1AE"),
        ("M11AE", "M1 1AE"),  # A9
        ("b338th", "B33 8TH"),  # A99
        ("W1A 0AX", "W1A 0AX"),  # A9A
        ("CR26XH", "CR2 6XH"),  # AA9
        ("DN551PT", "DN55 1PT"),  # AA99
        ("ec1a1bb", "EC1A 1BB"),  # AA9A
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_a_postcode_in_any_case_and_spacing_is_put_in_its_standard_form(text, expected):
    assert normalise_postcode(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "SR1",  # an outward code alone
        "1AE",
        "SR1 1A",  # an inward code too short
        "SR1 1AEX",
        "SR1 AAE",  # an inward code must start with a digit
        "SR1 11E",  # and end with two letters
        "S 1AE",  # an outward code of one character
        "SRR1 1AE",  # three letters
        "1SR 1AE",  # starting with a digit
        "SW1AA 1AA",  # five characters
        "SR1-1AE",
        "SR1 1ÄE",
        "SR1 １AE",  # a full-width digit
        "GIR 0AB",
        "Sunderland",
    ],
)
def test_anything_else_is_not_a_postcode(text):
    assert normalise_postcode(text) is None


@pytest.mark.django_db
def test_the_database_refuses_a_postcode_not_in_its_standard_form():
    with pytest.raises(IntegrityError):
        Postcode.objects.create(postcode="sr11ae", ward_code="E05001158")


# --- Importing ----------------------------------------------------------


@pytest.mark.django_db
def test_the_shipped_sample_imports_every_postcode(saving):
    out, err = import_postcodes(SAMPLE)

    assert err == ""
    assert f"{SAMPLE_ROWS:,} created, 0 updated, 0 unchanged, 0 skipped." in out
    assert (
        "Read postcode from pcds, ward code from ward_code, local authority from lad_name." in out
    )
    assert Postcode.objects.count() == SAMPLE_ROWS
    hendon = Postcode.objects.get(postcode="SR1 1AE")
    assert (hendon.ward_code, hendon.local_authority) == ("E05001158", "Sunderland")
    peterlee = Postcode.objects.filter(ward_code="E05009074")  # Peterlee East
    assert peterlee.count() == 225
    assert set(peterlee.values_list("local_authority", flat=True)) == {"County Durham"}


@pytest.mark.django_db
def test_importing_the_sample_again_changes_nothing(saving):
    import_postcodes(SAMPLE)
    before, versions = directory(), row_versions()

    out, err = import_postcodes(SAMPLE)

    assert err == ""
    assert f"0 created, 0 updated, {SAMPLE_ROWS:,} unchanged, 0 skipped." in out
    assert directory() == before
    assert row_versions() == versions  # not one row rewritten


@pytest.mark.django_db
def test_on_postgresql_the_file_is_copied_into_a_staging_table_first():
    with CaptureQueriesContext(connection) as queries:
        import_postcodes(SAMPLE)

    statements = [" ".join(query["sql"].split()) for query in queries]
    assert any(sql.startswith("CREATE TEMPORARY TABLE postcode_import") for sql in statements)
    assert not any("VALUES" in sql for sql in statements)  # no row by row, nor in batches


@pytest.mark.django_db
def test_a_postcode_whose_ward_changed_is_updated(tmp_path, saving):
    import_postcodes(SAMPLE)
    Postcode.objects.filter(postcode="SR1 1AE").update(ward_code="E05001172")
    Postcode.objects.filter(postcode="SR1 1AF").update(local_authority="Somewhere else")

    out, _ = import_postcodes(SAMPLE)

    assert f"0 created, 2 updated, {SAMPLE_ROWS - 2:,} unchanged, 0 skipped." in out
    assert Postcode.objects.get(postcode="SR1 1AE").ward_code == "E05001158"
    assert Postcode.objects.get(postcode="SR1 1AF").local_authority == "Sunderland"


@pytest.mark.django_db
def test_the_sample_imports_the_same_in_small_batches(monkeypatch):
    # Many batches: rows are saved as the file is read, and no postcode of
    # one batch is mistaken for a repeat of another's.
    monkeypatch.setattr(postcodes, "BATCH_SIZE", 100)

    out, err = import_postcodes(SAMPLE)
    assert err == ""
    assert f"{SAMPLE_ROWS:,} created, 0 updated, 0 unchanged, 0 skipped." in out
    out, err = import_postcodes(SAMPLE)
    assert f"0 created, 0 updated, {SAMPLE_ROWS:,} unchanged, 0 skipped." in out


@pytest.mark.django_db
@pytest.mark.parametrize("ward_column", ["osward", "ward"])
def test_a_file_with_the_ons_column_names_imports(tmp_path, ward_column):
    # ONSPD names the ward osward; NSPL names it ward. Neither has lad_name.
    header = ",".join(ONSPD_HEADER).replace("osward", ward_column)
    path = write_csv(
        tmp_path,
        header,
        '"SR1 1AE","SR1  1AE","SR1 1AE","200710","","E08000024","E05001158",54.90,-1.37',
        '"SR2 7AA","SR2  7AA","SR2 7AA","198001","200001","E08000024","E05001158",54.89,-1.37',
        '"CF101AA","CF10 1AA","CF10 1AA","198001","","W06000015","W05000864",51.47,-3.17',
        '"EH1 1AA","EH1  1AA","EH1 1AA","198001","","S12000036","S13002922",55.95,-3.18',
        '"BT1 1AA","BT1  1AA","BT1 1AA","198001","","N09000003","N08000313",54.59,-5.92',
        '"GY1 1AA","GY1  1AA","GY1 1AA","198001","","L99999999","L99999999",49.45,-2.53',
        '"NE1 1AA","NE1  1AA","NE1 1AA","198001","","E08000021","E99999999",54.97,-1.61',
    )

    out, err = import_postcodes(path)

    assert err == ""  # outside England is not an error, and not listed
    assert f"Read postcode from pcds, ward code from {ward_column}." in out
    assert "no lad_name column: local authorities are left blank" in out
    assert "2 created, 0 updated, 0 unchanged, 5 skipped (5 not in an English ward)." in out
    assert list(Postcode.objects.values_list("postcode", "ward_code", "local_authority")) == [
        ("SR1 1AE", "E05001158", ""),
        ("SR2 7AA", "E05001158", ""),
    ]


@pytest.mark.django_db
def test_a_file_with_the_2025_ons_column_names_imports(tmp_path):
    # The 2025 editions of the ONSPD and NSPL name the ward for its year
    # (wd25cd), and the postcode pcd7, pcd8 and pcds.
    path = write_csv(
        tmp_path,
        "pcd7,pcd8,pcds,dointr,doterm,cty25cd,ced25cd,lad25cd,wd25cd,lat,long",
        '"SR1 1AE","SR1  1AE","SR1 1AE","200710","","E99999999","E99999999",'
        '"E08000024","E05001158",54.90,-1.37',
        '"CF101AA","CF10 1AA","CF10 1AA","198001","","W99999999","W99999999",'
        '"W06000015","W05000864",51.47,-3.17',
    )

    out, err = import_postcodes(path)

    assert err == ""
    assert "Read postcode from pcds, ward code from wd25cd." in out
    assert "1 created, 0 updated, 0 unchanged, 1 skipped (1 not in an English ward)." in out
    assert Postcode.objects.get().ward_code == "E05001158"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [("pcd", "SR1 1AE"), ("pcd7", "SR1 1AE"), ("pcd8", "SR1  1AE"), ("postcode", "sr11ae")],
)
def test_the_postcode_may_come_from_any_of_the_ons_postcode_columns(tmp_path, column, value):
    path = write_csv(tmp_path, f"{column},ward_code", f"{value},E05001158")

    out, err = import_postcodes(path)

    assert err == ""
    assert f"Read postcode from {column}, ward code from ward_code." in out
    assert Postcode.objects.get().postcode == "SR1 1AE"


@pytest.mark.django_db
def test_the_standard_postcode_column_is_preferred_to_the_others(tmp_path):
    path = write_csv(tmp_path, "pcd,pcds,ward_code", "SR1 1AE,SR1 1AF,E05001158")

    import_postcodes(path)

    assert Postcode.objects.get().postcode == "SR1 1AF"


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_line_numbers_and_the_rest_imported(
    tmp_path, monkeypatch, saving
):
    # Batches (and COPY chunks) of two, so the repeated postcode on line 12
    # comes after its first appearance (line 2) has been sent.
    monkeypatch.setattr(postcodes, "BATCH_SIZE", 2)
    monkeypatch.setattr(postcodes, "COPY_CHUNK_ROWS", 2)
    path = write_csv(
        tmp_path,
        "pcds,ward_code,ward_name,lad_name",
        "SR1 1AE,E05001158,Hendon,Sunderland",
        "SR1 1XX1,E05001158,Hendon,Sunderland",
        ",E05001158,Hendon,Sunderland",
        "SR1 1AF,E06000047,Hendon,Sunderland",
        "SR1 1AG,,Hendon,Sunderland",
        "",
        "SR1 1BA,E05001158,Hendon,Sunderland,oops",
        'SR1 1BH,E05001158,"Hendon,',
        'Sunderland",Sunderland',
        "SR1 1BL,E05001158,Hendon,Sunderland",
        "sr11ae,E05001172,Southwick,Sunderland",
        "SR1 1BU,E05001158,Hendon,Sunderland",
    )

    out, err = import_postcodes(path)

    assert err.splitlines() == [
        "line 3 (SR1 1XX1): pcds 'SR1 1XX1' is not a UK postcode.",
        "line 4: The pcds is missing.",
        "line 5 (SR1 1AF): ward_code 'E06000047': A ward code is E05 followed by six digits, "
        "e.g. E05001158.",
        "line 6 (SR1 1AG): The ward_code is missing.",
        "line 8 (SR1 1BA): The row has 5 cells but the header has 4 columns: "
        "put any value with a comma in it in double quotes.",
        "line 12 (sr11ae): SR1 1AE is on an earlier line too: the first is kept.",
    ]
    assert "4 created, 0 updated, 0 unchanged, 6 skipped (6 invalid, listed above)." in out
    assert dict(Postcode.objects.values_list("postcode", "ward_code")) == {
        "SR1 1AE": "E05001158",  # the first of the two kept
        "SR1 1BH": "E05001158",  # a quoted cell over two lines, read as one row
        "SR1 1BL": "E05001158",
        "SR1 1BU": "E05001158",
    }


@pytest.mark.django_db
def test_only_the_first_thousand_bad_rows_are_listed(tmp_path, monkeypatch):
    monkeypatch.setattr(postcodes, "MAX_LISTED_PROBLEMS", 3)
    rows = [f"SR1 {n}AA,E0{n}" for n in range(5)]  # not ward codes
    path = write_csv(tmp_path, "pcds,ward_code", "SR1 1AE,E05001158", *rows)

    out, err = import_postcodes(path)

    assert err.splitlines()[-1] == "... and 2 more invalid rows (only the first 3 are listed)."
    assert len(err.splitlines()) == 4
    assert "1 created, 0 updated, 0 unchanged, 5 skipped (5 invalid, listed above)." in out


@pytest.mark.django_db
def test_a_file_of_nothing_but_bad_rows_is_refused(tmp_path):
    path = write_csv(tmp_path, "pcds,ward_code", "SR1 1AE,Hendon", "SR1 1AF,Southwick")

    with pytest.raises(CommandError, match="Nothing was imported: all 2 rows"):
        import_postcodes(path)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "The file is empty."),
        (["ward_code,lad_name", "E05001158,Sunderland"], "The file has no postcode column"),
        (["pcds,lad_name", "SR1 1AE,Sunderland"], "The file has no ward code column"),
    ],
)
def test_a_file_without_the_columns_it_needs_is_refused(tmp_path, lines, message):
    path = tmp_path / "postcodes.csv"
    path.write_text("\n".join(lines), encoding="utf-8")

    with pytest.raises(CommandError, match=message):
        import_postcodes(path)


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_half_way_imports_nothing(tmp_path, monkeypatch, saving):
    # Small batches: thousands of rows are sent before the bad byte is read.
    monkeypatch.setattr(postcodes, "BATCH_SIZE", 100)
    monkeypatch.setattr(postcodes, "COPY_CHUNK_ROWS", 100)
    path = tmp_path / "postcodes.csv"
    path.write_bytes(SAMPLE.read_bytes() + b"SR9 9ZZ,E05001158,Hendon,E08000024,Sunderl\xe6nd\r\n")

    # The file is decoded a block at a time, so the error is noticed a little
    # before the line that holds the bad byte.
    with pytest.raises(CommandError, match=r"UTF-8 text \(.* after line 2\d\d\d .*Nothing was"):
        import_postcodes(path)
    assert not Postcode.objects.exists()


@pytest.mark.django_db
def test_a_failed_import_leaves_the_directory_as_it_was(tmp_path, monkeypatch, saving):
    import_postcodes(SAMPLE)
    before = directory()
    monkeypatch.setattr(postcodes, "BATCH_SIZE", 100)
    monkeypatch.setattr(postcodes, "COPY_CHUNK_ROWS", 100)
    # The next edition: every ward changed, a new postcode, then a bad byte.
    edition = SAMPLE.read_bytes().replace(b",E05001158,", b",E05001172,")
    edition += b"SR9 9ZZ,E05001158,Hendon,E08000024,Sunderland\r\n"
    path = tmp_path / "postcodes.csv"
    path.write_bytes(edition + b"SR9 9ZY,E05001158,Hendon,E08000024,Sunderl\xe6nd\r\n")

    with pytest.raises(CommandError, match="not UTF-8"):
        import_postcodes(path)

    assert directory() == before
    # And the same edition, put right, then imports (no staging table is left over).
    path.write_bytes(edition)
    out, _ = import_postcodes(path)
    assert f"1 created, 436 updated, {SAMPLE_ROWS - 436:,} unchanged" in out


@pytest.mark.django_db
def test_postcodes_the_file_does_not_give_are_kept_and_counted(tmp_path, saving):
    import_postcodes(SAMPLE)
    path = write_csv(
        tmp_path,
        "pcds,ward_code,lad_name",
        "SR1 1AE,E05001172,Sunderland",  # in the sample, in another ward now
        "SR9 9ZZ,E05001158,Sunderland",  # new
    )

    out, err = import_postcodes(path)

    assert err == ""
    assert "1 created, 1 updated, 0 unchanged, 0 skipped." in out
    assert f"{SAMPLE_ROWS - 1:,} postcodes already held are not in the file: they are kept." in out
    assert Postcode.objects.count() == SAMPLE_ROWS + 1


@pytest.mark.django_db
def test_a_local_authority_is_kept_as_the_file_writes_it(tmp_path, saving):
    # COPY's text format gives a tab, a backslash and a line break meanings
    # of their own; none may be lost or read as one.
    name = 'Tab\there, back\\slash \\N, line\nbreak, "quoted"'
    path = tmp_path / "postcodes.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerows([["pcds", "ward_code", "lad_name"], ["SR1 1AE", "E05001158", name]])

    out, err = import_postcodes(path)

    assert err == ""
    assert Postcode.objects.get().local_authority == name


@pytest.mark.django_db
def test_a_local_authority_with_a_nul_character_is_a_bad_row(tmp_path):
    path = write_csv(
        tmp_path,
        "pcds,ward_code,lad_name",
        "SR1 1AE,E05001158,Sunder\x00land",
        "SR1 1AF,E05001158,Sunderland",
    )

    out, err = import_postcodes(path)

    assert err.splitlines() == ["line 2 (SR1 1AE): The local authority has a NUL character in it."]
    assert "1 created" in out


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_postcodes(tmp_path / "nowhere.csv")


# --- Finding a postcode's area -------------------------------------------


@pytest.fixture
def hendon(hendon):
    """The Hendon ward of Sunderland as an area, and the sample directory."""
    import_postcodes(SAMPLE)
    return hendon


@pytest.mark.parametrize("text", ["SR1 1AE", "sr11ae", " sr1 1ae "])
def test_a_postcode_finds_the_area_of_its_ward(hendon, text):
    assert area_for_postcode(text) == hendon


def test_a_postcode_in_a_ward_the_portal_does_not_hold_finds_no_area(hendon):
    assert Postcode.objects.get(postcode="SR2 7WY").ward_code == "E05001172"  # Southwick
    assert area_for_postcode("SR2 7WY") is None


def test_an_unknown_postcode_finds_no_area(hendon):
    assert area_for_postcode("SW1A 1AA") is None


def test_finding_the_area_takes_one_query(hendon, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert area_for_postcode("SR1 1AE") == hendon
    with django_assert_num_queries(1):
        assert area_for_postcode("SW1A 1AA") is None


def test_text_that_is_not_a_postcode_finds_no_area_without_a_query(
    hendon, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert area_for_postcode("Hendon") is None
