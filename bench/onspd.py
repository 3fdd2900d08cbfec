"""A national postcode file for `make bench-postcodes`, shaped like the ONS
Postcode Directory (ONSPD), with made-up values.

Like the real file: one row per postcode, live and terminated, for the
whole UK, in postcode order; 54 columns, most of them quoted codes, named
as the 2025 editions name them (pcd7, pcd8, pcds, ..., wd25cd for the ward,
lat, long, ...); some 480 bytes a row, CRLF line ends. About 87% of the rows
are in English wards (the first of which are the programme's 225); the rest
are in Scotland, Wales, Northern Ireland, the Channel Islands and the Isle
of Man, with a few English postcodes that have no ward. One row in about
100,000 is bad in one of the ways `import_postcodes` reports (not a
postcode, a missing or malformed ward code, an unquoted comma, a postcode
given twice).

Edition 2 is the next quarter's file: the same postcodes, some new ones in
about a third of the postcode sectors, and about 1% of the English
postcodes in another ward.

    onspd_write(path, rows=2_700_000, edition=1) -> OnspdFile

Deterministic: the same arguments write the same bytes.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

PROGRAMME_WARDS = Path(__file__).resolve().parent.parent / "areas" / "data"
PROGRAMME_WARDS_FILE = PROGRAMME_WARDS / "left_behind_neighbourhoods_225.csv"

HEADER = (
    "pcd7,pcd8,pcds,dointr,doterm,cty25cd,ced25cd,lad25cd,wd25cd,parncp25cd,usrtypind,east1m,"
    "north1m,gridind,hlth19cd,nhser24cd,ctry25cd,rgn25cd,streg,pcon24cd,eer20cd,teclec,"
    "ttwa15cd,pct,itl25cd,statsward,oa01cd,casward,npark16cd,lsoa01cd,msoa01cd,ur01ind,"
    "oac01ind,oa11cd,lsoa11cd,msoa11cd,wz11cd,sicbl24cd,bua24cd,ruc11ind,oac11ind,lat,long,"
    "lep21cd1,lep21cd2,pfa23cd,imd20ind,calncv,icb23cd,oa21cd,lsoa21cd,msoa21cd,ruc21ind,"
    "oac21ind"
)
COLUMNS = HEADER.split(",")
# Numbers are not in quotes; every other value is, blank or not.
NUMBERS = {"lat", "long", "imd20ind"}
# Columns of past geographies, blank for most postcodes.
BLANK = {"teclec", "pct", "statsward", "oa01cd", "casward", "lsoa01cd", "msoa01cd", "ur01ind"}
BLANK |= {"oac01ind", "lep21cd2", "calncv"}
_ROW = ",".join(f"{{{name}}}" if name in NUMBERS else f'"{{{name}}}"' for name in COLUMNS)

# The UK's postcode areas, by the country most of each lies in.
COUNTRIES = {
    "S": "AB DD DG EH FK G HS IV KA KW KY ML PA PH TD ZE",
    "W": "CF LD LL NP SA",
    "N": "BT",
    "L": "GY JE",  # the Channel Islands
    "M": "IM",  # the Isle of Man
    "E": "AL B BA BB BD BH BL BN BR BS CA CB CH CM CO CR CT CV CW DA DE DH DL DN DT DY E EC "
    "EN EX FY GL GU HA HD HG HP HR HU HX IG IP L LA LE LN LS LU M ME MK N NE NG NN NR NW OL "
    "OX PE PL PO PR RG RH RM S SE SG SK SL SM SN SO SP SR SS ST SW SY TA TF TN TQ TR TS TW "
    "UB W WA WC WD WF WN WR WS WV YO",
}
# Districts per postcode area: more in England, as there.
ENGLISH_DISTRICTS = 14
OTHER_DISTRICTS = 8
# The letters of an inward code (never C, I, K, M, O or V).
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
UNITS_PER_SECTOR = len(UNIT_LETTERS) ** 2

BAD_EVERY = 100_003  # rows; a prime, so the bad rows fall in all kinds of places
NO_WARD_EVERY = 2_003  # English postcodes with no ward (E99999999)
MOVED_EVERY = 97  # English postcodes in another ward in edition 2
NEW_IN_EDITION_2 = 3  # new postcodes in every third sector


@dataclass(frozen=True)
class OnspdFile:
    """What was written: rows by what import_postcodes should make of them."""

    path: Path
    rows: int  # data rows, not counting the header
    english: int  # good rows in an English ward: imported
    not_in_england: int
    invalid: int
    new: int  # of the English, how many edition 1 did not have
    moved: int  # of the English, how many were in another ward in edition 1
    size: int  # bytes

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "english": self.english,
            "not_in_england": self.not_in_england,
            "invalid": self.invalid,
            "new": self.new,
            "moved": self.moved,
            "bytes": self.size,
        }


@dataclass(frozen=True)
class _Sector:
    index: int
    outward: str
    digit: int
    country: str  # E, S, W, N, L or M (the first letter of its codes)
    units: int  # in edition 1


def _sectors(rows: int) -> list[_Sector]:
    """Every postcode sector, in postcode order, with enough units between
    them for ``rows`` postcodes (spread evenly)."""
    countries = {area: country for country, areas in COUNTRIES.items() for area in areas.split()}
    places = []
    for area in sorted(countries):
        districts = ENGLISH_DISTRICTS if countries[area] == "E" else OTHER_DISTRICTS
        for district in range(1, districts + 1):
            for digit in range(10):
                places.append((f"{area}{district}", digit, countries[area]))
    # ONSPD's order: by pcd7, in which "SR1 " comes before "SR10".
    places.sort(key=lambda place: (f"{place[0]:<4}", place[1]))
    base, extra = divmod(rows, len(places))
    if base + 1 + NEW_IN_EDITION_2 > UNITS_PER_SECTOR:
        raise ValueError(f"At most {len(places) * (UNITS_PER_SECTOR - 3):,} rows.")
    return [
        _Sector(index, outward, digit, country, base + (index < extra))
        for index, (outward, digit, country) in enumerate(places)
    ]


def _english_wards() -> list[str]:
    """The programme's 225 wards first, then made-up ones: about 7,000, as England has."""
    with PROGRAMME_WARDS_FILE.open(encoding="utf-8", newline="") as file:
        programme = [row["ward_code_wd17"] for row in csv.DictReader(file)]
    made_up = [f"E05{number:06d}" for number in range(200_001, 200_001 + 7_000 - len(programme))]
    return programme + made_up


# Outside England: the ward codes' prefixes; the Channel Islands and the
# Isle of Man have none (a pseudo code).
OTHER_WARD_PREFIXES = {"S": "S13", "W": "W05", "N": "N08"}


def _ward(sector: _Sector, key: int, english_wards: list[str], edition: int) -> str:
    if sector.country == "E":
        if key % NO_WARD_EVERY == 0:
            return "E99999999"
        moved = edition == 2 and key % MOVED_EVERY == 0
        return english_wards[(sector.index + moved) % len(english_wards)]
    if sector.country in OTHER_WARD_PREFIXES:
        return f"{OTHER_WARD_PREFIXES[sector.country]}{2_000 + sector.index // 10:06d}"
    return f"{sector.country}99999999"


def _sector_values(sector: _Sector) -> dict[str, str]:
    """The values every postcode of the sector shares: made-up codes of the
    country's form (a letter and eight digits)."""
    c = sector.country
    values = {name: "" for name in BLANK}
    for n, name in enumerate(COLUMNS):
        if name.endswith(("cd", "cd1")) and name not in values:
            values[name] = f"{c}{10 + n:02d}{(sector.index * 7 + n) % 1_000_000:06d}"
    values |= {"lad25cd": f"{c}0{6_000_000 + sector.index // 40:07d}", "ctry25cd": f"{c}92000001"}
    values |= {"gridind": "1", "streg": "0"}
    return values


def _row(sector_values: dict[str, str], key: int, postcode: str, pcds: str, ward: str) -> str:
    """One row of the file, without its line end (``pcds`` is ``postcode``
    in its standard form, but for a bad row)."""
    outward, inward = postcode.split(" ")
    return _ROW.format_map(
        sector_values
        | {
            "pcd7": f"{outward:<4}{inward}",
            "pcd8": f"{outward:<5}{inward}",
            "pcds": pcds,
            "dointr": f"{1980 + key % 45}{1 + key % 12:02d}",
            "doterm": f"20{10 + key % 14:02d}{1 + key % 12:02d}" if key % 10 < 3 else "",
            "wd25cd": ward,
            "usrtypind": str(key % 2),
            "east1m": f"{300000 + key % 200000:07d}",
            "north1m": f"{100000 + key % 900000:07d}",
            "ruc11ind": str(key % 8),
            "oac11ind": f"{key % 7}{'ABC'[key % 3]}{key % 4}",
            "lat": f"{50 + key % 900_000 / 100_000:.6f}",
            "long": f"{-5 + key % 700_000 / 100_000:.6f}",
            "imd20ind": str(1 + key % 32844),
            "ruc21ind": f"{'UN'[key % 2]}{1 + key % 4}",
            "oac21ind": f"{key % 8}{'abc'[key % 3]}",
        }
    )


def onspd_write(path: Path, *, rows: int = 2_700_000, edition: int = 1) -> OnspdFile:
    """Write the file (see the module's docstring); what is in it."""
    english_wards = _english_wards()
    counts = dict(rows=0, english=0, not_in_england=0, invalid=0, new=0, moved=0)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER + "\r\n")
        for sector in _sectors(rows):
            sector_values = _sector_values(sector)
            units = sector.units
            if edition == 2 and sector.index % 3 == 0:
                units += NEW_IN_EDITION_2
            lines = []
            for unit in range(units):
                key = sector.index * UNITS_PER_SECTOR + unit
                inward = f"{sector.digit}{UNIT_LETTERS[unit // 20]}{UNIT_LETTERS[unit % 20]}"
                postcode = pcds = f"{sector.outward} {inward}"
                ward = _ward(sector, key, english_wards, edition)
                english = sector.country == "E" and ward != "E99999999"
                bad = english and key % BAD_EVERY == BAD_EVERY // 2
                kind = (sector.index + unit) % 5 if bad else None
                if kind == 0:
                    pcds = pcds[:-1]  # not a postcode
                elif kind == 1:
                    ward = ""
                elif kind == 2:
                    ward = ward[:-1]  # one digit short
                row = _row(sector_values, key, postcode, pcds, ward)
                if kind == 3:
                    # Values with commas in them, not in quotes: two cells too many.
                    row += ",Newcastle upon Tyne, North East"
                lines.append(row + "\r\n")
                counts["rows"] += 1
                if kind in (0, 1, 2, 3):
                    counts["invalid"] += 1
                    continue
                if not english:
                    counts["not_in_england"] += 1
                    continue
                counts["english"] += 1
                if unit >= sector.units:
                    counts["new"] += 1
                elif ward != _ward(sector, key, english_wards, 1):
                    counts["moved"] += 1
                if kind == 4:
                    lines.append(row + "\r\n")  # the same postcode again
                    counts["rows"] += 1
                    counts["invalid"] += 1
            file.writelines(lines)
    return OnspdFile(path=path, size=path.stat().st_size, **counts)
