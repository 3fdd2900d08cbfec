"""Reads about areas: lists with their people, and funding by stream."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, User
from advisers.permissions import require_perm
from areas.models import (
    Area,
    AreaQuerySet,
    AreaType,
    FundingBid,
    LocalContact,
    Partnership,
    StageChange,
)
from nfc.periods import Period
from nfc.statements import STAND_IN_ID, Statement, stand_in_text

if TYPE_CHECKING:
    # django-stubs' type for a model with annotations; a dev dependency only.
    from django_stubs_ext import WithAnnotations  # for mypy only: not installed in production


class People(TypedDict):
    """What areas_with_people adds to each area (None where nobody is named)."""

    adviser_name: str | None
    adviser_email: str | None
    community_worker_name: str | None
    community_worker_email: str | None


def area_in_scope(user, ward_code: str, perm: str | None = None) -> Area:
    """The area ``ward_code`` names, through ``user``'s scope (404 outside
    it, as if there were none), and, given ``perm``, that they may do it to
    the area (403): how the web's area pages and the API fetch one."""
    area = get_object_or_404(Area.objects.visible_to(user), ward_code=ward_code)
    if perm is not None:
        require_perm(user, perm, area)
    return area


_AREA_COLUMNS = tuple(f.attname for f in Area._meta.concrete_fields)
_PARTNERSHIP_COLUMNS = tuple(f.attname for f in Partnership._meta.concrete_fields)


def _area_in_scope(*, ward_code, person, role, is_active, partnership, region=""):
    """The row of the area ``ward_code`` names through the scope of a person
    of ``role`` (``person`` their id, ``region`` the one they lead, if any),
    as get_object_or_404(Area.objects.visible_to(them), ...) asks it; with
    its partnership's columns after, given ``partnership``."""
    someone = User(pk=person, role=role, region=region, is_active=is_active)
    areas = Area.objects.visible_to(someone)
    columns = _AREA_COLUMNS
    if partnership:
        areas = areas.select_related("partnership")
        columns += tuple(f"partnership__{name}" for name in _PARTNERSHIP_COLUMNS)
    # As get() asks: unordered, and enough rows to tell one from several.
    return areas.filter(ward_code=ward_code).order_by().values_list(*columns)[:21]


# Compiled once a process for each shape of scope (what visible_to decides
# by: the role, whether the person leads a region, whether they are active)
# and whether the partnership is read with it: building and compiling the
# query took the ORM about a millisecond a page, some five times what
# PostgreSQL takes to answer it.
_AREA_IN_SCOPE: dict[tuple, Statement] = {}


def visible_area(user, ward_code: str, *, partnership: bool = False) -> Area:
    """get_object_or_404(Area.objects.visible_to(user), ward_code=ward_code),
    with its partnership read with it (select_related) given
    ``partnership``: the same instance, from SQL compiled once a process.
    tests/areas/test_visible_area.py holds the two equal."""
    shape = (user.role, bool(user.region), user.is_active, partnership)
    if shape not in _AREA_IN_SCOPE:
        region = {"region": stand_in_text("region")} if user.region else {}
        _AREA_IN_SCOPE[shape] = Statement(
            partial(
                _area_in_scope,
                role=user.role,
                is_active=user.is_active,
                partnership=partnership,
            ),
            stand_ins=lambda _: {
                "ward_code": stand_in_text("ward_code"),
                "person": STAND_IN_ID,
                **region,
            },
            # Only an adviser's or a community worker's scope asks who they are.
            optional=frozenset({"person"}),
        )
    try:
        rows = _AREA_IN_SCOPE[shape].rows(
            None, ward_code=ward_code, person=user.pk, region=user.region
        )
    except EmptyResultSet:
        # A scope of no areas (visible_to's none()): nothing to ask.
        raise Http404("No Area matches the given query.") from None
    if not rows:
        raise Http404("No Area matches the given query.")
    if len(rows) > 1:
        raise Area.MultipleObjectsReturned(
            f"get() returned more than one Area -- it returned {len(rows)}!"
        )
    (row,) = rows
    area = Area.from_db("default", _AREA_COLUMNS, row[: len(_AREA_COLUMNS)])
    if partnership:
        own = row[len(_AREA_COLUMNS) :]
        found = None
        if own[0] is not None:
            found = Partnership.from_db("default", _PARTNERSHIP_COLUMNS, own)
            Partnership._meta.get_field("area").set_cached_value(found, area)
        Area.partnership.related.set_cached_value(area, found)
    return area


# What an area's first page lists of it besides its own row, each a few
# rows: its advisers (the latest first), its community worker now, its
# stage changes (the latest first), its types and its local contacts (in
# the order of their models' Meta.ordering). One statement written out
# once, a branch for each, the branches' columns shared: five queries built
# by the ORM cost some 2.7 ms of Python a draw, far more than the
# database's work. Each branch (the first's blanks typed, for PostgreSQL's
# UNION to match the others'): its part, the row's id, two days, a moment,
# a person (id, name, e-mail), six texts, a number, and what it sorts by.
_PARTS = {
    "assignments": """
SELECT 'a' AS part, s.id, s.started_on AS day, s.ended_on, CAST(NULL AS TIMESTAMP) AS moment,
  s.adviser_id, u.full_name, u.email, CAST(NULL AS TEXT) AS t1, CAST(NULL AS TEXT) AS t2,
  CAST(NULL AS TEXT) AS t3, CAST(NULL AS TEXT) AS t4, CAST(NULL AS TEXT) AS t5,
  CAST(NULL AS TEXT) AS t6, CAST(NULL AS NUMERIC) AS number, CAST(NULL AS TEXT) AS sort_a,
  CAST(NULL AS TEXT) AS sort_b
FROM advisers_adviserassignment s INNER JOIN advisers_user u ON u.id = s.adviser_id
WHERE s.area_id = %s""",
    "allocation": """
SELECT 'b', w.id, NULL, NULL, NULL, w.worker_id, u.full_name, u.email,
  NULL, NULL, NULL, NULL, NULL, NULL, w.days_per_month, NULL, NULL
FROM advisers_communityworkerallocation w INNER JOIN advisers_user u ON u.id = w.worker_id
WHERE w.area_id = %s AND w.ended_on IS NULL""",
    "stage_changes": """
SELECT 'c', c.id, c.changed_on, NULL, c.withdrawn_at, c.withdrawn_by_id, u.full_name, u.email,
  c.stage, c.note, c.withdrawn_reason, NULL, NULL, NULL, NULL, NULL, NULL
FROM areas_stagechange c LEFT OUTER JOIN advisers_user u ON u.id = c.withdrawn_by_id
WHERE c.area_id = %s""",
    "types": """
SELECT 'd', t.id, NULL, NULL, NULL, NULL, NULL, NULL,
  t.slug, t.name, NULL, NULL, NULL, NULL, NULL, t.name, NULL
FROM areas_areatype t INNER JOIN areas_area_types j ON j.areatype_id = t.id
WHERE j.area_id = %s""",
    "contacts": """
SELECT 'e', l.id, NULL, NULL, NULL, NULL, NULL, NULL,
  l.name, l.kind, l.role, l.organisation, l.email, l.phone, NULL, l.kind, l.name
FROM areas_localcontact l
WHERE l.area_id = %s""",
}
# By position (part, sort_a, sort_b, day, id): SQLite matches a UNION's
# ORDER BY names against its last branch, whose columns are unnamed when
# the contacts are left out.
_PARTS_ORDER = "\nORDER BY 1, 16, 17, 3 DESC, 2 DESC"


def _date(value) -> datetime.date:
    """A day as the database driver gives it (SQLite's as text here)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _moment(value) -> datetime.datetime | None:
    """A date-time as the driver gives it: SQLite's as text, in UTC."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def _person(pk, full_name, email) -> User | None:
    return User(pk=pk, full_name=full_name, email=email) if pk else None


@dataclass
class FirstPage:
    """What an area's first page lists of it (see _PARTS): every adviser it
    has had, the latest first; its community worker's current allocation
    (None for none); its stage changes, the latest first; its types; and,
    when asked for, its local contacts (else None)."""

    adviser_assignments: list[AdviserAssignment]
    allocation: CommunityWorkerAllocation | None
    stage_changes: list[StageChange]
    types: list[AreaType]
    contacts: list[LocalContact] | None


def first_page_lists(area: Area, *, contacts: bool) -> FirstPage:
    """The lists of ``area`` its first page shows (FirstPage), in one query;
    its local contacts only with ``contacts`` (for those who may see them)."""
    parts = [sql for name, sql in _PARTS.items() if contacts or name != "contacts"]
    with connection.cursor() as cursor:
        cursor.execute("\nUNION ALL".join(parts) + _PARTS_ORDER, [area.pk] * len(parts))
        rows = cursor.fetchall()
    page = FirstPage([], None, [], [], [] if contacts else None)
    for part, pk, day, ended_on, moment, person, name, email, *texts, number, _, _ in rows:
        t1, t2, t3, t4, t5, t6 = texts
        if part == "a":
            page.adviser_assignments.append(
                AdviserAssignment(
                    pk=pk,
                    area=area,
                    adviser=_person(person, name, email),
                    started_on=_date(day),
                    ended_on=_date(ended_on) if ended_on else None,
                )
            )
        elif part == "b":
            page.allocation = CommunityWorkerAllocation(
                pk=pk,
                area=area,
                worker=_person(person, name, email),
                days_per_month=Decimal(str(number)),
            )
        elif part == "c":
            page.stage_changes.append(
                StageChange(
                    pk=pk,
                    area=area,
                    stage=t1,
                    changed_on=_date(day),
                    note=t2,
                    withdrawn_at=_moment(moment),
                    withdrawn_reason=t3,
                    withdrawn_by=_person(person, name, email),
                )
            )
        elif part == "d":
            page.types.append(AreaType(pk=pk, slug=t1, name=t2))
        elif page.contacts is not None:
            page.contacts.append(
                LocalContact(
                    pk=pk,
                    area=area,
                    name=t1,
                    kind=t2,
                    role=t3,
                    organisation=t4,
                    email=t5,
                    phone=t6,
                )
            )
    return page


def areas_with_people(areas: QuerySet[Area]) -> "QuerySet[WithAnnotations[Area, People]]":
    """Each area with its named adviser's and community worker's names, in
    the same query (a subquery each), so a list costs the same for 10 or 225."""
    adviser = AdviserAssignment.objects.current().filter(area=OuterRef("pk"))
    worker = CommunityWorkerAllocation.objects.current().filter(area=OuterRef("pk"))
    return areas.annotate(
        adviser_name=Subquery(adviser.values("adviser__full_name")[:1]),
        adviser_email=Subquery(adviser.values("adviser__email")[:1]),
        community_worker_name=Subquery(worker.values("worker__full_name")[:1]),
        community_worker_email=Subquery(worker.values("worker__email")[:1]),
    )


def filter_areas(
    areas: AreaQuerySet,
    *,
    q="",
    region="",
    area_type=None,
    cohort=None,
    stage="",
    adviser=None,
    community_worker=None,
    funding_stream="",
    without_adviser=False,
    without_community_worker=False,
) -> AreaQuerySet:
    """Narrow a list of areas by the staff list's filters; blanks mean "any"."""
    areas = areas.search(q)
    if region:
        areas = areas.filter(region=region)
    if area_type is not None:
        areas = areas.filter(types=area_type)
    if cohort:
        areas = areas.filter(cohort=cohort)
    if stage:
        areas = areas.filter(stage=stage)
    if adviser is not None:
        areas = areas.advised_by(adviser)
    if community_worker is not None:
        areas = areas.worked_in_by(community_worker)
    if funding_stream:
        bids = FundingBid.objects.filter(area=OuterRef("pk"), stream=funding_stream)
        areas = areas.filter(Exists(bids))
    if without_adviser:
        areas = areas.without_adviser()
    if without_community_worker:
        areas = areas.without_community_worker()
    return areas


# The CSV export's columns: the import's own names, so a downloaded file can
# be edited and imported again.
EXPORT_COLUMNS = [
    "ward_code",
    "name",
    "local_authority",
    "region",
    "types",
    "population",
    "imd_rank",
    "imd_decile",
    "cni_rank",
    "cohort",
    "joined_on",
    "stage",
    "adviser",
    "community_worker",
]


def export_rows(areas: "QuerySet[WithAnnotations[Area, People]]"):
    """One row per area (from areas_with_people, types prefetched)."""
    for area in areas:
        yield [
            area.ward_code,
            area.name,
            area.local_authority,
            area.get_region_display(),
            ";".join(t.slug for t in area.types.all()),
            area.population,
            area.imd_rank,
            area.imd_decile,
            area.cni_rank,
            area.cohort,
            area.joined_on,
            area.stage,
            area.adviser_email,
            area.community_worker_email,
        ]


def _bids(areas: QuerySet[Area]) -> QuerySet[FundingBid]:
    """The bids of ``areas``, each with the day it was decided: an award
    recorded without its decision's date counts from the day the bid was
    submitted, so its money is not lost to every period."""
    return FundingBid.objects.filter(area__in=areas.values("pk")).alias(
        decided=Coalesce("decided_on", "submitted_on")
    )


def _bids_in(period: Period | None) -> Q:
    """Bids with a step in ``period``: submitted, or decided, in it."""
    if period is None:
        return Q()
    return Q(submitted_on__gte=period.start, submitted_on__lt=period.end) | Q(
        decided__gte=period.start, decided__lt=period.end
    )


def _awarded_in(period: Period | None) -> Q:
    awarded = Q(status=FundingBid.Status.AWARDED)
    if period is None:
        return awarded
    return awarded & Q(decided__gte=period.start, decided__lt=period.end)


def funding_by_stream(*, areas: QuerySet[Area], period: Period | None = None) -> list[dict]:
    """Each funding stream's bids from ``areas``: how many areas bid, how
    many bids, how many were awarded, and the money sought and secured.
    Every stream is listed, with noughts where there were no bids.

    With ``period``, the bids submitted or decided in it: money sought of
    those submitted in it, awards and money secured of those decided in it."""
    return funding_streams(funding_query(areas=areas, period=period))


# What each row of funding_query gives.
FUNDING_COLUMNS = ("stream", "bids", "areas", "awarded", "sought", "secured")


def funding_query(*, areas: QuerySet[Area], period: Period | None = None) -> QuerySet:
    """funding_by_stream's figures for each stream bid in, as FUNDING_COLUMNS
    (the dashboard compiles it once a process)."""
    awarded = _awarded_in(period)
    sought = (
        Q() if period is None else Q(submitted_on__gte=period.start, submitted_on__lt=period.end)
    )
    return (
        _bids(areas)
        .filter(_bids_in(period))
        .values("stream")
        .annotate(
            bids=Count("pk"),
            areas=Count("area", distinct=True),
            awarded=Count("pk", filter=awarded),
            sought=Sum("amount_sought", filter=sought),
            secured=Sum("amount_secured", filter=awarded),
        )
        .order_by()
        .values_list(*FUNDING_COLUMNS)
    )


def funding_streams(rows: Iterable[tuple]) -> list[dict]:
    """Every stream, from funding_query's ``rows``: noughts where none."""
    found = {row[0]: dict(zip(FUNDING_COLUMNS, row, strict=True)) for row in rows}
    return [
        {
            "stream": stream,
            "label": label,
            "bids": found.get(stream, {}).get("bids", 0),
            "areas": found.get(stream, {}).get("areas", 0),
            "awarded": found.get(stream, {}).get("awarded", 0),
            "sought": found.get(stream, {}).get("sought") or Decimal(0),
            "secured": found.get(stream, {}).get("secured") or Decimal(0),
        }
        for stream, label in FundingBid.Stream.choices
    ]


@dataclass(frozen=True)
class AreaFunding:
    applied: Decimal
    secured: Decimal


def funding_per_area(*, areas: QuerySet[Area], period: Period) -> dict[int, AreaFunding]:
    """Money each of ``areas`` applied for (bids submitted in ``period``)
    and secured (awards decided in it). One query."""
    rows = (
        _bids(areas)
        .filter(_bids_in(period))
        .values("area_id")
        .annotate(
            applied=Sum(
                "amount_sought",
                filter=Q(submitted_on__gte=period.start, submitted_on__lt=period.end),
            ),
            secured=Sum("amount_secured", filter=_awarded_in(period)),
        )
        .order_by()
    )
    return {
        row["area_id"]: AreaFunding(row["applied"] or Decimal(0), row["secured"] or Decimal(0))
        for row in rows
    }


def areas_by_town() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every area as a choice (its id, its name), grouped under its council
    in alphabetical order: the neighbourhood question of the public forms."""
    by_town: dict[str, list[tuple[str, str]]] = {}
    for pk, name, town in Area.objects.order_by("local_authority", "name").values_list(
        "pk", "name", "local_authority"
    ):
        by_town.setdefault(town, []).append((str(pk), name))
    return list(by_town.items())
