"""Reads about areas for the staff pages: lists with their people."""

from django.db.models import OuterRef, QuerySet, Subquery

from advisers.models import AdviserAssignment, CommunityWorkerAllocation
from areas.models import Area


def areas_with_people(areas: QuerySet[Area]) -> QuerySet[Area]:
    """Each area with its named adviser's and community worker's names, in
    the same query (a subquery each), so a list costs the same for 10 or 225."""
    adviser = AdviserAssignment.objects.current().filter(area=OuterRef("pk"))
    worker = CommunityWorkerAllocation.objects.current().filter(area=OuterRef("pk"))
    return areas.annotate(
        adviser_name=Subquery(adviser.values("adviser__full_name")[:1]),
        adviser_id=Subquery(adviser.values("adviser_id")[:1]),
        community_worker_name=Subquery(worker.values("worker__full_name")[:1]),
    )


def filter_areas(
    areas: QuerySet[Area],
    *,
    q="",
    region="",
    area_type=None,
    cohort=None,
    stage="",
    adviser=None,
    without_adviser=False,
):
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
    if without_adviser:
        areas = areas.without_adviser()
    return areas
