"""Demo areas for `seed_demo`: the real 225 neighbourhoods, 100 of them in
the programme in three yearly cohorts, spread across the regions."""

import datetime
import random
from collections import defaultdict
from pathlib import Path

from django.db import transaction

from areas.importing import areas_import
from areas.models import Area, AreaType, FundingBid, LocalContact, Partnership, Stage
from areas.postcodes import postcodes_import
from areas.services import area_change_stage, area_join_programme

DATA = Path(__file__).resolve().parent / "data"
PROGRAMME_SIZE = 100
# Cohort year: (date it joined, how many areas, the stages its areas reach)
COHORTS = {
    1: (datetime.date(2024, 4, 1), 30, [Stage.DELIVERING, Stage.DELIVERING, Stage.PLAN_AGREED]),
    2: (datetime.date(2025, 4, 1), 35, [Stage.PLAN_AGREED, Stage.YEAR_ZERO, Stage.YEAR_ZERO]),
    3: (datetime.date(2026, 4, 1), 35, [Stage.OUTREACH, Stage.YEAR_ZERO, Stage.OUTREACH]),
}
STAGE_ORDER = [Stage.OUTREACH, Stage.YEAR_ZERO, Stage.PLAN_AGREED, Stage.DELIVERING]

# A rough first sorting of places into the report's kinds, by council; staff
# correct it area by area.
COASTAL = {
    "Tendring",
    "Thanet",
    "Hartlepool",
    "South Tyneside",
    "Sunderland",
    "Redcar and Cleveland",
    "Great Yarmouth",
    "Wirral",
    "Sefton",
    "Shepway",
    "Dover",
    "Gosport",
    "Havant",
    "Portsmouth",
    "Southampton",
    "Rother",
    "Weymouth and Portland",
    "Allerdale",
    "Swale",
}
FORMER_COALFIELD = {
    "County Durham",
    "Barnsley",
    "Wakefield",
    "Doncaster",
    "Rotherham",
    "Northumberland",
    "Wigan",
    "Mansfield",
    "Ashfield",
    "Bolsover",
    "Chesterfield",
    "North West Leicestershire",
}
CITIES = {
    "Birmingham",
    "Manchester",
    "Liverpool",
    "Leeds",
    "Sheffield",
    "Newcastle upon Tyne",
    "Nottingham",
    "Coventry",
    "Kingston upon Hull, City of",
    "Stoke-on-Trent",
    "Salford",
    "Wolverhampton",
    "Croydon",
    "Knowsley",
    "Middlesbrough",
}


def demo_areas_import() -> None:
    """Import the 225 neighbourhoods and their deprivation figures (idempotent)."""
    for name in ("left_behind_neighbourhoods_225.csv", "ward_deprivation_2019.csv"):
        path = DATA / name
        with path.open(encoding="utf-8", newline="") as file:
            result = areas_import(file=file, source=f"seed_demo ({name})")
        if not result.saved:
            raise RuntimeError(f"{name} did not import: {result.problems[:3]}")


def demo_postcodes_import() -> None:
    """The Sunderland postcode sample, so the help form's look-up works (idempotent)."""
    with (DATA / "postcodes_sunderland_sample.csv").open(encoding="utf-8", newline="") as file:
        postcodes_import(file=file)


def _kinds(area: Area) -> list[str]:
    if area.local_authority in COASTAL:
        return ["coastal"]
    if area.local_authority in FORMER_COALFIELD:
        return ["former-coalfield", "post-industrial-town"]
    if area.local_authority in CITIES:
        return ["outer-estate"]
    return ["post-industrial-town"]


def _programme_choice(areas: list[Area]) -> list[Area]:
    """About 100 areas, each region in proportion to its share of the 225."""
    by_region = defaultdict(list)
    for area in areas:
        by_region[area.region].append(area)
    chosen = []
    for region_areas in by_region.values():
        share = round(len(region_areas) * PROGRAMME_SIZE / len(areas))
        # Every other ward of a region (by code), so councils are spread too.
        chosen.extend(sorted(region_areas, key=lambda a: a.ward_code)[::2][: max(share, 1)])
    return sorted(chosen, key=lambda a: a.ward_code)[:PROGRAMME_SIZE]


@transaction.atomic
def demo_programme_seed(*, rng: random.Random) -> list[Area]:
    """Types for every area; 100 in the programme, with their stories."""
    types = {t.slug: t for t in AreaType.objects.all()}
    areas = list(Area.objects.prefetch_related("types").order_by("ward_code"))
    for area in areas:
        if not area.types.all():
            area.types.add(*(types[slug] for slug in _kinds(area)))
    if Area.objects.filter(cohort__isnull=False).exists():
        return list(Area.objects.filter(cohort__isnull=False).order_by("region", "name"))

    chosen = _programme_choice(areas)
    rng.shuffle(chosen)
    start = 0
    for cohort, (joined_on, size, stages) in COHORTS.items():
        for area in chosen[start : start + size]:
            area_join_programme(area=area, cohort=cohort, joined_on=joined_on)
            target = rng.choice(stages)
            on = joined_on
            for stage in STAGE_ORDER[1 : STAGE_ORDER.index(target) + 1]:
                on = min(
                    on + datetime.timedelta(days=rng.randint(90, 200)), datetime.date(2026, 11, 1)
                )
                area_change_stage(area=area, stage=stage, on=on, note="Demo history")
            _story(area, target, rng)
        start += size
    return sorted(chosen, key=lambda a: (a.region, a.name))


def _story(area: Area, stage: str, rng: random.Random) -> None:
    """A partnership, a couple of contacts and, further on, some funding."""
    if stage == Stage.OUTREACH:
        return
    Partnership.objects.create(
        area=area,
        name=f"{area.name} Community Partnership",
        contact_name="Chair of the partnership",
        contact_email=f"chair.{area.ward_code.lower()}@example.org",
        trusted_organisation=f"{area.local_authority} Community Trust"
        if rng.random() < 0.6
        else "",
    )
    LocalContact.objects.create(
        area=area,
        name="Community development officer",
        kind=LocalContact.Kind.COUNCIL_OFFICER,
        organisation=f"{area.local_authority} Council",
    )
    LocalContact.objects.create(
        area=area, name="Ward councillor", kind=LocalContact.Kind.COUNCILLOR
    )
    if stage in (Stage.PLAN_AGREED, Stage.DELIVERING):
        for stream in rng.sample(list(FundingBid.Stream), k=rng.randint(1, 3)):
            sought = rng.choice([5_000, 20_000, 50_000, 150_000, 400_000])
            status = rng.choice(list(FundingBid.Status))
            FundingBid.objects.create(
                area=area,
                stream=stream,
                amount_sought=sought,
                amount_secured=sought if status == FundingBid.Status.AWARDED else 0,
                status=status,
                submitted_on=datetime.date(2025, rng.randint(1, 12), 1),
            )
