"""`python manage.py import_areas`: the shipped files, every kind of bad row, and the caps."""

import csv
import importlib.util
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, Role
from advisers.services import area_assign_adviser
from areas.models import Area, Region, Stage
from tests.factories import UserFactory

DATA = Path(settings.BASE_DIR) / "areas" / "data"
LEFT_BEHIND = DATA / "left_behind_neighbourhoods_225.csv"
DEPRIVATION = DATA / "ward_deprivation_2019.csv"
EXAMPLE = DATA / "example_areas.csv"

PORTAL_COLUMNS = [
    "ward_code",
    "name",
    "local_authority",
    "region",
    "types",
    "population",
    "small_areas",
    "small_areas_most_deprived",
    "population_most_deprived",
    "imd_rank",
    "imd_decile",
    "cni_rank",
    "cohort",
    "joined_on",
    "stage",
    "adviser",
    "community_worker",
    "notes",
]


def import_areas(path: Path, *args: str) -> tuple[str, str]:
    """Run the command; return what it wrote to stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_areas", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_refused(path: Path, *args: str) -> tuple[str, str]:
    """Run the command expecting it to fail; return stderr and the error's message."""
    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("import_areas", str(path), *args, stdout=io.StringIO(), stderr=err)
    return err.getvalue(), str(refusal.value)


def ward(number: int, **values: str) -> dict[str, str]:
    """A valid row for a new area, with ``values`` on top."""
    return {
        "ward_code": f"E05{number:06d}",
        "name": f"Ward {number}",
        "local_authority": "Example Borough",
        "region": "North East",
        **values,
    }


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (dicts) under the portal's full header; return the file's path."""

    def write(rows: list[dict[str, str]], *, name: str = "areas.csv") -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=PORTAL_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


def snapshot() -> list[tuple]:
    return list(
        Area.objects.order_by("ward_code").values_list(
            "ward_code", "name", "local_authority", "region", "population", "small_areas",
            "small_areas_most_deprived", "population_most_deprived", "imd_rank", "imd_decile",
        )
    )  # fmt: skip


# --- The shipped files ---------------------------------------------------


def test_the_shipped_list_is_a_byte_for_byte_copy_of_the_reference_data():
    # The reference data sits beside the project while it is developed (../shared).
    reference = Path(settings.BASE_DIR).parent / "shared" / "data" / LEFT_BEHIND.name
    if not reference.exists():
        pytest.skip("the shared reference data is not on this machine")
    assert LEFT_BEHIND.read_bytes() == reference.read_bytes()


@pytest.mark.django_db
def test_the_225_neighbourhoods_import_as_they_are_and_a_second_run_changes_nothing():
    out, _ = import_areas(LEFT_BEHIND)

    assert "225 created, 0 updated, 0 unchanged, 0 skipped (invalid)" in out
    assert "Columns ignored: lad_code_lad17, county_code_cty17, county_name, region_code" in out
    assert Area.objects.count() == 225
    assert Area.objects.filter(region=Region.NORTH_EAST).count() == 56
    assert Area.objects.filter(region=Region.LONDON).count() == 2
    ashfield = Area.objects.get(ward_code="E05010677")
    assert ashfield.name == "Central & New Cross"
    assert ashfield.local_authority == "Ashfield"
    assert ashfield.region == Region.EAST_MIDLANDS
    assert (ashfield.population, ashfield.small_areas, ashfield.small_areas_most_deprived) == (
        5832,
        3,
        1,
    )
    before = snapshot()

    out, _ = import_areas(LEFT_BEHIND)

    assert "0 created, 0 updated, 225 unchanged, 0 skipped (invalid)" in out
    assert snapshot() == before


@pytest.mark.django_db
def test_the_deprivation_file_updates_the_225_areas_and_leaves_their_other_facts_alone():
    import_areas(LEFT_BEHIND)
    names = dict(Area.objects.values_list("ward_code", "name"))

    out, _ = import_areas(DEPRIVATION)

    assert "0 created, 225 updated, 0 unchanged" in out
    area = Area.objects.get(ward_code="E05000655")
    assert (area.population, area.small_areas, area.small_areas_most_deprived) == (16994, 11, 6)
    assert (area.population_most_deprived, area.imd_rank, area.imd_decile) == (9287, 2647, 1)
    assert dict(Area.objects.values_list("ward_code", "name")) == names
    assert not Area.objects.filter(imd_rank=None).exists()
    assert "0 created, 0 updated, 225 unchanged" in import_areas(DEPRIVATION)[0]


@pytest.mark.django_db
def test_the_deprivation_file_alone_cannot_create_areas():
    errors, message = import_refused(DEPRIVATION)

    assert (
        "line 2 (E05000028): E05000028 is not in the portal yet, and a new area needs name, "
        "local_authority, region: name, local_authority, region missing." in errors
    )
    assert "Nothing was imported: 225 of 225 rows are invalid" in message
    assert Area.objects.count() == 0


def load_derive_script():
    spec = importlib.util.spec_from_file_location(
        "derive_ward_deprivation", DATA / "derive_ward_deprivation.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("rank", "decile"), [(1, 1), (3284, 1), (3285, 2), (16422, 5), (16423, 6), (32844, 10)]
)
def test_a_rank_falls_in_the_official_imd_decile(rank, decile):
    assert load_derive_script().decile_of(rank) == decile


def test_a_wards_rank_is_the_population_weighted_average_of_its_small_areas():
    derive = load_derive_script()
    small_areas = [
        derive.SmallArea(code="E01000001", imd_rank=100, imd_decile=1, population=1000),
        derive.SmallArea(code="E01000002", imd_rank=4000, imd_decile=2, population=3000),
    ]

    row = derive.ward_row("E05000001", small_areas)

    # (100 × 1,000 + 4,000 × 3,000) / 4,000 = 3,025
    assert row == {
        "ward_code": "E05000001",
        "population": 4000,
        "small_areas": 2,
        "small_areas_most_deprived": 1,
        "population_most_deprived": 1000,
        "imd_rank": 3025,
        "imd_decile": 1,
    }


def test_the_derived_file_agrees_with_the_published_list_of_225():
    def rows(path: Path) -> dict[str, dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as file:
            return {
                row.get("ward_code") or row["ward_code_wd17"]: row for row in csv.DictReader(file)
            }

    published, derived = rows(LEFT_BEHIND), rows(DEPRIVATION)
    decile_of = load_derive_script().decile_of

    assert derived.keys() == published.keys()
    for code, row in published.items():
        assert derived[code]["population"] == row["approx_population_mid2015"], code
        assert derived[code]["small_areas"] == row["lsoa11_count_bestfit"], code
        assert derived[code]["small_areas_most_deprived"] == row["lsoa11_in_imd2019_decile1"], code
        assert int(derived[code]["imd_decile"]) == decile_of(int(derived[code]["imd_rank"]))


@pytest.mark.django_db
def test_the_example_file_imports_every_column():
    adviser = UserFactory(role=Role.ADVISER, email="adviser@example.org", full_name="Asha Adviser")
    worker = UserFactory(role=Role.COMMUNITY_WORKER, email="community.worker@example.org")

    out, errors = import_areas(EXAMPLE)

    assert errors == ""
    assert "3 created, 0 updated, 0 unchanged, 0 skipped (invalid)" in out
    harbour = Area.objects.get(ward_code="E05999001")
    assert harbour.name == "Example Harbour"
    assert harbour.region == Region.NORTH_EAST
    assert sorted(harbour.types.values_list("slug", flat=True)) == ["coastal", "outer-estate"]
    assert (harbour.population, harbour.imd_rank, harbour.imd_decile, harbour.cni_rank) == (
        6120,
        1520,
        1,
        210,
    )
    assert (harbour.cohort, str(harbour.joined_on), harbour.stage) == (
        1,
        "2024-09-01",
        Stage.YEAR_ZERO,
    )
    assert [change.stage for change in harbour.stage_changes.all()] == [
        Stage.YEAR_ZERO,
        Stage.OUTREACH,
    ]
    assert AdviserAssignment.objects.current().get(area=harbour).adviser == adviser
    assert CommunityWorkerAllocation.objects.current().get(area=harbour).worker == worker
    village = Area.objects.get(ward_code="E05999002")
    assert village.region == Region.EAST_MIDLANDS
    assert list(village.types.values_list("slug", flat=True)) == ["former-coalfield"]
    estate = Area.objects.get(ward_code="E05999003")
    assert estate.region == Region.YORKSHIRE
    assert not estate.in_programme
    assert estate.cni_rank is None

    out, _ = import_areas(EXAMPLE)

    assert "0 created, 0 updated, 3 unchanged" in out
    assert harbour.stage_changes.count() == 2
    assert AdviserAssignment.objects.count() == 2


@pytest.mark.django_db
def test_a_byte_order_mark_and_spreadsheet_style_headers_are_understood(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(
        "Ward code,Name,Local authority,Region,Population\r\n"
        'E05000001,Oakfield,Example Borough,South West,"12,345"\r\n',
        encoding="utf-8-sig",
    )

    import_areas(path)

    area = Area.objects.get(ward_code="E05000001")
    assert (area.name, area.region, area.population) == ("Oakfield", Region.SOUTH_WEST, 12345)


@pytest.mark.django_db
def test_columns_absent_and_empty_cells_leave_values_alone(tmp_path, write_csv):
    import_areas(write_csv([ward(1, population="5000", notes="Hall on the green")]))
    path = tmp_path / "update.csv"
    path.write_text("ward_code,imd_rank,population\nE05000001,1200,\n", encoding="utf-8")

    out, _ = import_areas(path)

    assert "0 created, 1 updated" in out
    area = Area.objects.get()
    assert (area.name, area.population, area.imd_rank, area.notes) == (
        "Ward 1",
        5000,
        1200,
        "Hall on the green",
    )


# --- Bad rows ------------------------------------------------------------


@pytest.fixture
def staff(db):
    UserFactory(role=Role.ADVISER, email="asha@example.org", full_name="Asha Adviser")
    UserFactory(role=Role.ADVISER, email="gone@example.org", is_active=False)
    UserFactory(role=Role.COMMUNITY_WORKER, email="callum@example.org")


BAD_ROWS = [
    pytest.param(
        {**ward(2), "ward_code": ""}, "line 3: The ward_code is missing.", id="missing-ward-code"
    ),
    pytest.param(
        {**ward(2), "ward_code": "E0500002"},
        "line 3 (E0500002): ward_code 'E0500002': A ward code is E05 followed by six digits",
        id="bad-ward-code",
    ),
    pytest.param(
        {**ward(2), "ward_code": "W05000002"},
        "line 3 (W05000002): ward_code 'W05000002': A ward code is E05",
        id="welsh-ward-code",
    ),
    pytest.param(
        ward(1, name="Ward 1 again"),
        "line 3 (E05000001): The ward code E05000001 is on lines 2 and 3: give each ward once.",
        id="duplicate-ward-code",
    ),
    pytest.param(
        ward(2, region="Scotland"),
        "line 3 (E05000002): region 'Scotland' is not an English region",
        id="unknown-region",
    ),
    pytest.param(
        ward(2, population="about 5000"),
        "line 3 (E05000002): population 'about 5000' is not a whole number.",
        id="text-in-a-number-column",
    ),
    pytest.param(
        ward(2, imd_decile="11"),
        "line 3 (E05000002): imd_decile '11' must be between 1 and 10.",
        id="number-out-of-range",
    ),
    pytest.param(
        ward(2, types="coastal;seaside"),
        "line 3 (E05000002): types: unknown area type 'seaside' (known: coastal,",
        id="unknown-area-type",
    ),
    pytest.param(
        ward(2, cohort="1", joined_on="01/09/2025"),
        "line 3 (E05000002): joined_on '01/09/2025' is not a date written YYYY-MM-DD.",
        id="bad-date-format",
    ),
    pytest.param(
        ward(2, cohort="1", joined_on="2025-02-30"),
        "line 3 (E05000002): joined_on '2025-02-30' is not a date written YYYY-MM-DD.",
        id="no-such-date",
    ),
    pytest.param(
        ward(2, cohort="1", joined_on="2025-09-01", stage="finished"),
        "line 3 (E05000002): stage 'finished' is not a stage: give one of outreach, year_zero,",
        id="unknown-stage",
    ),
    pytest.param(
        ward(2, cohort="4", joined_on="2025-09-01"),
        "line 3 (E05000002): cohort '4' is not a cohort: give 1, 2 or 3.",
        id="unknown-cohort",
    ),
    pytest.param(
        ward(2, cohort="1"),
        "line 3 (E05000002): cohort: give the date it joined (joined_on, YYYY-MM-DD) too",
        id="cohort-without-date",
    ),
    pytest.param(
        ward(2, stage="delivering"),
        "line 3 (E05000002): stage: Ward 2 is not in the programme.",
        id="stage-outside-the-programme",
    ),
    pytest.param(
        ward(2, adviser="nobody@example.org"),
        "line 3 (E05000002): adviser 'nobody@example.org' is not the e-mail of an active adviser.",
        id="unknown-adviser",
    ),
    pytest.param(
        ward(2, adviser="gone@example.org"),
        "line 3 (E05000002): adviser 'gone@example.org' is not the e-mail of an active adviser.",
        id="inactive-adviser",
    ),
    pytest.param(
        ward(2, adviser="callum@example.org"),
        "line 3 (E05000002): adviser 'callum@example.org' is not the e-mail of an active adviser.",
        id="community-worker-as-adviser",
    ),
    pytest.param(
        ward(2, community_worker="asha@example.org"),
        "line 3 (E05000002): community_worker 'asha@example.org' is not the e-mail of an active "
        "community worker.",
        id="adviser-as-community-worker",
    ),
    pytest.param(
        {"ward_code": "E05000002", "population": "100"},
        "line 3 (E05000002): E05000002 is not in the portal yet, and a new area needs name, "
        "local_authority, region: name, local_authority, region missing.",
        id="new-area-without-name",
    ),
    pytest.param(
        ward(2, name="N" * 121),
        "line 3 (E05000002): name: Ensure this value has at most 120 characters",
        id="name-too-long",
    ),
]


@pytest.mark.parametrize(("bad_row", "expected"), BAD_ROWS)
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_imported(
    staff, write_csv, bad_row, expected
):
    path = write_csv(
        [ward(1, adviser="asha@example.org", cohort="1", joined_on="2025-09-01"), bad_row]
    )

    errors, message = import_refused(path)

    assert expected in errors
    assert "Nothing was imported" in message
    assert "pass --skip-invalid" in message
    # The good row on line 2 was rolled back with the rest.
    assert Area.objects.count() == 0
    assert AdviserAssignment.objects.count() == 0


@pytest.mark.django_db
def test_every_problem_of_a_row_and_every_bad_row_is_reported(write_csv):
    path = write_csv([ward(1, region="Narnia", population="many"), ward(2), ward(3, imd_rank="0")])

    errors, message = import_refused(path)

    assert errors.splitlines() == [
        "line 2 (E05000001): region 'Narnia' is not an English region: give its name "
        "(e.g. North East) or its ONS code (e.g. E12000001).",
        "line 2 (E05000001): population 'many' is not a whole number.",
        "line 4 (E05000003): imd_rank '0' must be between 1 and 32,844.",
    ]
    assert message.startswith("Nothing was imported: 2 of 3 rows are invalid")


@pytest.mark.django_db
def test_line_numbers_count_the_files_own_lines(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "ward_code,name,local_authority,region,notes\n"
        'E05000001,Oakfield,Example Borough,North East,"A note\nover two lines"\n'
        "\n"
        "E05000002,Elmside,Example Borough,Narnia,\n",
        encoding="utf-8",
    )

    errors, _ = import_refused(path)

    assert errors.startswith("line 5 (E05000002): region 'Narnia'")


@pytest.mark.django_db
def test_an_unquoted_comma_is_caught(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_text(
        "ward_code,name,local_authority,region\n"
        "E05000001,Newington,Kingston upon Hull, City of,Yorkshire and The Humber\n",
        encoding="utf-8",
    )

    errors, _ = import_refused(path)

    assert "line 2 (E05000001): The row has 5 cells but the header has 4 columns" in errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "The file is empty."),
        ("name,region\nOakfield,North East\n", "The file has no ward_code column"),
        (
            "ward_code,ward_code_wd17\nE05000001,E05000001\n",
            "The columns ward_code and ward_code_wd17 both give the ward_code: keep one.",
        ),
    ],
)
@pytest.mark.django_db
def test_a_file_that_cannot_be_read_is_refused_whole(tmp_path, text, expected):
    path = tmp_path / "areas.csv"
    path.write_text(text, encoding="utf-8")

    _, message = import_refused(path)

    assert expected in message


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "areas.csv"
    path.write_bytes("ward_code,name\nE05000001,Bishop Auckland Caf\xe9\n".encode("latin-1"))

    _, message = import_refused(path)

    assert "not UTF-8" in message


# --- --skip-invalid --------------------------------------------------------


@pytest.mark.django_db
def test_skip_invalid_imports_the_good_rows_and_lists_the_bad(write_csv):
    path = write_csv([ward(1), ward(2, region="Narnia"), ward(3), ward(1, name="Twice")])

    out, errors = import_areas(path, "--skip-invalid")

    assert "1 created, 0 updated, 0 unchanged, 3 skipped (invalid)" in out
    assert "line 3 (E05000002): region 'Narnia'" in errors
    # Neither copy of a repeated ward is imported: which one was meant is unknown.
    assert "line 2 (E05000001): The ward code E05000001 is on lines 2 and 5" in errors
    assert list(Area.objects.values_list("ward_code", flat=True)) == ["E05000003"]


@pytest.mark.django_db
def test_skip_invalid_with_no_good_row_fails(write_csv):
    _, message = import_refused(write_csv([ward(1, region="Narnia")]), "--skip-invalid")

    assert message == "Nothing was imported: 1 of 1 rows are invalid (listed above)."


# --- The programme, through its services -----------------------------------


@pytest.mark.django_db
def test_the_import_does_not_move_an_area_to_another_cohort_or_rewrite_its_join_date(write_csv):
    import_areas(write_csv([ward(1, cohort="1", joined_on="2025-09-01")]))

    errors, _ = import_refused(write_csv([ward(1, cohort="2")]))
    assert "cohort: Ward 1 is in cohort 1; the import does not move an area" in errors

    errors, _ = import_refused(write_csv([ward(1, joined_on="2025-10-01")]))
    assert "joined_on: Ward 1 joined the programme on 2025-09-01; the import does not" in errors

    assert Area.objects.get().cohort == 1


@pytest.mark.django_db
def test_a_stage_change_is_recorded_in_the_history_once(write_csv):
    import_areas(write_csv([ward(1, cohort="1", joined_on="2025-09-01")]))
    path = write_csv([ward(1, stage="Plan agreed")])

    assert "0 created, 1 updated" in import_areas(path)[0]
    assert "0 created, 0 updated, 1 unchanged" in import_areas(path)[0]

    area = Area.objects.get()
    assert [change.stage for change in area.stage_changes.all()] == [
        Stage.PLAN_AGREED,
        Stage.OUTREACH,
    ]
    assert area.stage_changes.first().note == "Imported from areas.csv"


@pytest.mark.django_db
def test_an_adviser_cannot_take_an_eleventh_area_through_the_import(write_csv):
    asha = UserFactory(role=Role.ADVISER, email="asha@example.org", full_name="Asha Adviser")
    rows = [
        ward(number, adviser="asha@example.org", cohort="1", joined_on="2026-04-01")
        for number in range(1, 12)
    ]

    errors, _ = import_refused(write_csv(rows))

    assert errors.splitlines() == [
        "line 12 (E05000011): adviser: Asha Adviser already has 10 areas, the most an adviser "
        "can have: Ward 1, Ward 10, Ward 2, Ward 3, Ward 4, Ward 5, Ward 6, Ward 7, Ward 8, "
        "Ward 9."
    ]
    assert AdviserAssignment.objects.count() == 0

    out, _ = import_areas(write_csv(rows), "--skip-invalid")

    assert "10 created, 0 updated, 0 unchanged, 1 skipped (invalid)" in out
    assert AdviserAssignment.objects.current().filter(adviser=asha).count() == 10
    assert not Area.objects.filter(ward_code="E05000011").exists()


@pytest.mark.django_db
def test_an_adviser_with_a_full_caseload_is_named_when_the_import_adds_one_more(write_csv):
    asha = UserFactory(role=Role.ADVISER, email="asha@example.org", full_name="Asha Adviser")
    import_areas(
        write_csv([ward(number, cohort="1", joined_on="2026-04-01") for number in range(1, 12)])
    )
    for area in Area.objects.exclude(ward_code="E05000011"):
        area_assign_adviser(area=area, adviser=asha, by=None)

    errors, _ = import_refused(write_csv([ward(11, adviser="ASHA@example.org")]))

    assert "adviser: Asha Adviser already has 10 areas, the most an adviser can have: " in errors
    assert AdviserAssignment.objects.filter(area__ward_code="E05000011").count() == 0


@pytest.mark.django_db
def test_a_community_worker_cannot_take_a_sixth_area_through_the_import(write_csv):
    UserFactory(role=Role.COMMUNITY_WORKER, email="callum@example.org", full_name="Callum Worker")
    rows = [
        ward(number, community_worker="callum@example.org", cohort="1", joined_on="2026-04-01")
        for number in range(1, 7)
    ]

    errors, _ = import_refused(write_csv(rows))

    assert errors.splitlines() == [
        "line 7 (E05000006): community_worker: Callum Worker already works in 5 areas, the "
        "most a community worker can have: Ward 1, Ward 2, Ward 3, Ward 4, Ward 5."
    ]
    assert CommunityWorkerAllocation.objects.count() == 0
