"""What the portal already knows of each area over a period, counted from
its own records (time, requests, interactions, referrals, funding, events):
shown beside the outcome records and used by the reports, never typed twice.

A placeholder: the figures are counted in the reports' part of issue 13.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from areas.models import Area
from nfc.periods import Period


@dataclass
class AreaFigures:
    area_id: int
    adviser_days: Decimal = Decimal(0)
    worker_days: Decimal = Decimal(0)
    days_due: Decimal = Decimal(0)
    requests: int = 0
    interactions: int = 0
    residents_reached: int = 0
    referrals: int = 0
    funding_applied: Decimal = Decimal(0)
    funding_secured: Decimal = Decimal(0)
    event_attendances: int = 0


def area_figures(*, areas: QuerySet[Area], period: Period) -> dict[int, AreaFigures]:
    """Each area's figures over ``period``, by area id."""
    return {pk: AreaFigures(area_id=pk) for pk in areas.values_list("pk", flat=True)}
