"""What the portal already knows about each area over a period: the days
of support given and due, requests, interactions and the residents they
reached, referrals, funding, and people at events.

Outcome records show them beside what the local group typed (never typed
twice), and the evaluation reports and their open data count them. Each
figure comes from its own app's period-aware selector, one aggregate query
per table, so a hundred areas over ten years cost the same few queries as
one area over a quarter.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from advisers.delivery import AreaDelivery, area_deliveries, hours_by_month
from advisers.models import CommunityWorkerAllocation
from areas.models import Area
from areas.selectors import funding_per_area
from casework.models import Interaction, Referral, SupportRequest
from casework.selectors import reach_per_area, referrals_per_area, requests_per_area
from events.models import Registration
from events.selectors import attendance_by_area
from nfc.periods import Period

# The name area_deliveries gives the whole period among its periods.
WHOLE = "period"


@dataclass
class AreaFigures:
    area_id: int
    adviser_days: Decimal
    worker_days: Decimal
    days_due: Decimal
    requests: int
    interactions: int
    residents_reached: int
    referrals: int
    funding_applied: Decimal
    funding_secured: Decimal
    event_attendances: int


def deliveries(
    *, areas: QuerySet[Area], period: Period, today: datetime.date | None = None
) -> dict[int, AreaDelivery]:
    """Each area's days given and due, month by month over ``period`` and
    over the whole of it (``WHOLE``). Two queries: the areas with their
    community worker's agreed days, and the time given."""
    today = today or timezone.localdate()
    months = period.months
    agreed = CommunityWorkerAllocation.objects.current().filter(area=OuterRef("pk"))
    rows = list(
        areas.annotate(worker_days=Subquery(agreed.values("days_per_month")[:1])).order_by("name")
    )
    return area_deliveries(
        areas=rows,
        months=months,
        periods={WHOLE: months},
        today=today,
        hours=hours_by_month(areas=areas, months=months, today=today),
    )


def figures_from(
    *, areas: QuerySet[Area], period: Period, delivered: dict[int, AreaDelivery]
) -> dict[int, AreaFigures]:
    """area_figures, from days already counted by ``deliveries``."""
    requests = requests_per_area(
        requests=SupportRequest.objects.filter(area__in=areas.values("pk")), period=period
    )
    reach = reach_per_area(
        interactions=Interaction.objects.filter(area__in=areas.values("pk")), period=period
    )
    referrals = referrals_per_area(
        referrals=Referral.objects.filter(area__in=areas.values("pk")), period=period
    )
    funding = funding_per_area(areas=areas, period=period)
    attendances = {
        row["area_id"]: row["people"]
        for row in attendance_by_area(
            registrations=Registration.objects.filter(area__in=areas.values("pk")), period=period
        )
    }
    figures = {}
    for area_id, delivery in delivered.items():
        reached = reach.get(area_id)
        money = funding.get(area_id)
        figures[area_id] = AreaFigures(
            area_id=area_id,
            adviser_days=delivery.adviser[WHOLE].given,
            worker_days=delivery.worker[WHOLE].given,
            days_due=delivery.adviser[WHOLE].due + delivery.worker[WHOLE].due,
            requests=requests.get(area_id, 0),
            interactions=reached.interactions if reached else 0,
            residents_reached=reached.residents if reached else 0,
            referrals=referrals.get(area_id, 0),
            funding_applied=money.applied if money else Decimal(0),
            funding_secured=money.secured if money else Decimal(0),
            event_attendances=attendances.get(area_id, 0),
        )
    return figures


def area_figures(*, areas: QuerySet[Area], period: Period) -> dict[int, AreaFigures]:
    """The figures of each of ``areas`` over ``period``, by area id. Seven
    queries, whatever the number of areas or the length of the period."""
    return figures_from(
        areas=areas, period=period, delivered=deliveries(areas=areas, period=period)
    )
