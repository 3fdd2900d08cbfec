"""Derive ward_deprivation_2019.csv: IMD 2019 figures for each of the 225 wards.

Run by hand, from the project's root, when the source files change:

    python areas/data/derive_ward_deprivation.py ../shared/data

It reads, from the folder given, the English Indices of Deprivation 2019
(``imd2019_lsoa.csv``, ``iod2019_population_lsoa.csv``) and the ONS best-fit
lookup of small areas to 2017 wards (``lsoa11_to_ward17_lookup.csv``), and
writes one row per ward of ``left_behind_neighbourhoods_225.csv`` (the copy
beside this script) in the portal's own column names, so that
``python manage.py import_areas areas/data/ward_deprivation_2019.csv``
updates the areas directly. Standard library only: it needs no Django.
"""

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

# England's small areas (LSOA 2011) in the Indices of Deprivation 2019. The
# official deciles are tenths of 3,284.4 small areas: decile 1 is ranks 1 to
# 3,284, decile 2 starts at 3,285.
SMALL_AREAS = 32_844

COLUMNS = [
    "ward_code",
    "population",
    "small_areas",
    "small_areas_most_deprived",
    "population_most_deprived",
    "imd_rank",
    "imd_decile",
]


@dataclass(frozen=True)
class SmallArea:
    code: str
    imd_rank: int
    imd_decile: int
    population: int


def read_csv(path: Path) -> list[dict[str, str]]:
    # The IoD files start with a byte-order mark and end lines with CRLF;
    # utf-8-sig drops the mark and the csv module copes with either line end.
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def whole_number(text: str) -> int:
    """A count as the IoD files print it, with thousands separators ("29,199")."""
    return int(text.replace(",", ""))


def decile_of(rank: int) -> int:
    """The IMD decile of a rank (1 = most deprived), as the official files give it."""
    return -(-rank * 10 // SMALL_AREAS)  # ceiling of rank / 3,284.4, in whole numbers


def read_small_areas(source: Path) -> dict[str, SmallArea]:
    populations = {
        row["LSOA code (2011)"]: whole_number(
            row["Total population: mid 2015 (excluding prisoners)"]
        )
        for row in read_csv(source / "iod2019_population_lsoa.csv")
    }
    small_areas = {}
    for row in read_csv(source / "imd2019_lsoa.csv"):
        code = row["LSOA code (2011)"]
        small_areas[code] = SmallArea(
            code=code,
            imd_rank=whole_number(row["Index of Multiple Deprivation (IMD) Rank"]),
            imd_decile=whole_number(row["Index of Multiple Deprivation (IMD) Decile"]),
            population=populations[code],
        )
    if len(small_areas) != SMALL_AREAS:
        raise SystemExit(f"Expected {SMALL_AREAS} small areas, found {len(small_areas)}.")
    return small_areas


def ward_row(ward_code: str, small_areas: list[SmallArea]) -> dict[str, int | str]:
    population = sum(area.population for area in small_areas)
    most_deprived = [area for area in small_areas if area.imd_decile == 1]
    # Round the weighted average half up, in whole numbers, so the result
    # never depends on floating point.
    weighted = sum(area.imd_rank * area.population for area in small_areas)
    imd_rank = (2 * weighted + population) // (2 * population)
    return {
        "ward_code": ward_code,
        "population": population,
        "small_areas": len(small_areas),
        "small_areas_most_deprived": len(most_deprived),
        "population_most_deprived": sum(area.population for area in most_deprived),
        "imd_rank": imd_rank,
        "imd_decile": decile_of(imd_rank),
    }


def derive(source: Path) -> list[dict[str, int | str]]:
    wards = [row["ward_code_wd17"] for row in read_csv(HERE / "left_behind_neighbourhoods_225.csv")]
    small_areas = read_small_areas(source)
    in_ward: dict[str, list[SmallArea]] = {ward: [] for ward in wards}
    for row in read_csv(source / "lsoa11_to_ward17_lookup.csv"):
        # The lookup covers Wales too; the IoD only England, and so do the wards.
        if row["WD17CD"] in in_ward:
            in_ward[row["WD17CD"]].append(small_areas[row["LSOA11CD"]])
    missing = [ward for ward in wards if not in_ward[ward]]
    if missing:
        raise SystemExit(f"No small areas are best-fitted to {', '.join(missing)}.")
    return [ward_row(ward, in_ward[ward]) for ward in sorted(wards)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the folder holding the source CSV files")
    parser.add_argument(
        "--output",
        type=Path,
        default=HERE / "ward_deprivation_2019.csv",
        help="where to write (default: ward_deprivation_2019.csv beside this script)",
    )
    args = parser.parse_args()
    rows = derive(args.source)
    with args.output.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {len(rows)} wards to {args.output}.")


if __name__ == "__main__":
    main()
