"""Demo staff, caseloads and a year of time for `seed_demo`.

One sign-in per role shares a published password; the rest of the team
(10 advisers, 20 community workers) fill the caseloads.
"""

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, TimeRecord, User
from advisers.roles import Role
from advisers.services import area_allocate_community_worker, area_assign_adviser
from areas.models import Area

DEMO_PASSWORD = "nfc-demo-only-password"

DEMO_STAFF = [
    ("adviser@example.org", "Asha Adviser", Role.ADVISER),
    ("community.worker@example.org", "Callum Community-Worker", Role.COMMUNITY_WORKER),
    ("manager@example.org", "Mina Manager", Role.MANAGER),
    ("evaluator@example.org", "Evan Evaluator", Role.EVALUATOR),
    ("admin@example.org", "Ada Administrator", Role.ADMINISTRATOR),
]
ADVISERS = [
    "Ben Okafor",
    "Carys Hughes",
    "Deepa Patel",
    "Eamon Walsh",
    "Fatima Rahman",
    "Gareth Lewis",
    "Hannah Brooks",
    "Imran Siddiqui",
    "Jess Armstrong",
]
COMMUNITY_WORKERS = [
    "Aled Price",
    "Bola Adeyemi",
    "Chloe Dixon",
    "Darren Moss",
    "Ellie Grant",
    "Femi Johnson",
    "Grace Liddle",
    "Harry Fenwick",
    "Iqra Hussain",
    "Josh Marley",
    "Kerry Pearson",
    "Liam Doyle",
    "Maya Singh",
    "Nathan Cole",
    "Orla Keane",
    "Priya Shah",
    "Rhys Jenkins",
    "Shona McKay",
    "Tom Ridley",
]
# How well each area's 2 + 2 days a month are kept: on track, behind, far behind.
DELIVERY = [(0.65, 1.0), (0.25, 0.55), (0.10, 0.15)]


def _person(email: str, full_name: str, role: str, *, can_sign_in: bool) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "role": role}
    )
    if created:
        if can_sign_in:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def demo_staff_seed() -> list[User]:
    """The demo sign-ins (returned) and the rest of the team."""
    sign_ins = [_person(*row, can_sign_in=True) for row in DEMO_STAFF]
    for n, name in enumerate(ADVISERS, start=2):
        _person(f"adviser{n}@example.org", name, Role.ADVISER, can_sign_in=True)
    for n, name in enumerate(COMMUNITY_WORKERS, start=2):
        _person(f"community.worker{n}@example.org", name, Role.COMMUNITY_WORKER, can_sign_in=True)
    _person("manager2@example.org", "Owen Operations", Role.MANAGER, can_sign_in=True)
    return sign_ins


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@transaction.atomic
def demo_caseloads_seed(*, programme: list[Area]) -> None:
    """Ten areas an adviser and five a community worker, by region (once)."""
    if AdviserAssignment.objects.exists():
        return
    advisers = list(User.objects.filter(role=Role.ADVISER).order_by("pk"))
    workers = list(User.objects.filter(role=Role.COMMUNITY_WORKER).order_by("pk"))
    for adviser, areas in zip(advisers, _chunks(programme, 10), strict=False):
        for area in areas:
            area_assign_adviser(
                area=area,
                adviser=adviser,
                by=None,
                reason="Joined the programme",
                on=area.joined_on,
            )
    for worker, areas in zip(workers, _chunks(programme, 5), strict=False):
        for area in areas:
            area_allocate_community_worker(area=area, worker=worker, by=None, on=area.joined_on)


@transaction.atomic
def demo_time_seed(*, rng: random.Random) -> None:
    """A year of recorded time: most areas on track, some behind (once)."""
    if TimeRecord.objects.exists():
        return
    today = timezone.localdate()
    year_ago = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    day = Decimal(str(settings.NFC_HOURS_PER_DAY))
    records = []
    assignments = AdviserAssignment.objects.current().select_related("area")
    workers = {
        allocation.area_id: allocation.worker
        for allocation in CommunityWorkerAllocation.objects.current().select_related("worker")
    }
    for assignment in assignments:
        area = assignment.area
        keep = rng.choices([share for _, share in DELIVERY], weights=[w for w, _ in DELIVERY])[0]
        month = max(year_ago, area.joined_on.replace(day=1))
        while month <= today:
            for person in (assignment.adviser, workers.get(area.pk)):
                if person is None:
                    continue
                half_days = round(4 * keep * rng.uniform(0.8, 1.2))
                for _ in range(half_days):
                    date = month + datetime.timedelta(days=rng.randint(0, 27))
                    if date > today:
                        continue
                    records.append(
                        TimeRecord(
                            person=person,
                            area=area,
                            date=date,
                            hours=day / 2,
                            role=person.role,
                            kind=rng.choice(list(TimeRecord.Kind)),
                            recorded_by=person,
                        )
                    )
            month = (month + datetime.timedelta(days=32)).replace(day=1)
    TimeRecord.objects.bulk_create(records, batch_size=2000)
