"""Demo connections for `seed_demo`: about sixty pairs of areas that met over
the last eighteen months, most through their advisers, some followed up, and
a few areas left with none, so the network page and the dashboard have
something to show and advisers someone to introduce."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from advisers.models import AdviserAssignment
from events.models import TOPIC_CHOICES, Connection
from events.network_services import in_order

NOTES = [
    "Their chairs swapped notes on running a public meeting.",
    "Shared the template of a successful bid.",
    "Offered a visit to see their community hub.",
    "Both are taking on a building from the council.",
    "",
    "",
]


@transaction.atomic
def demo_connections_seed(*, rng: random.Random) -> None:
    """Once: connections between areas in the programme, recorded by one
    of their advisers. Every tenth area is left without any."""
    if Connection.objects.exists():
        return
    held = list(
        AdviserAssignment.objects.current()
        .select_related("area", "adviser")
        .order_by("area__region", "area__name")
    )
    connectable = [a for n, a in enumerate(held) if n % 10 != 3]
    today = timezone.localdate()
    topics = [value for value, _ in TOPIC_CHOICES]
    made: set[tuple[int, int]] = set()
    connections = []
    for _ in range(80):
        first = rng.choice(connectable)
        # Mostly within a region (regional events), sometimes across.
        same_region = [a for a in connectable if a.area.region == first.area.region]
        second = rng.choice(same_region if rng.random() < 0.7 else connectable)
        area_a, area_b = in_order(first.area, second.area)
        if area_a == area_b or (area_a.pk, area_b.pk) in made:
            continue
        made.add((area_a.pk, area_b.pk))
        connections.append(
            Connection(
                area_a=area_a,
                area_b=area_b,
                topic=rng.choice(topics),
                origin=rng.choice(list(Connection.Origin)),
                made_on=today - datetime.timedelta(days=rng.randint(3, 540)),
                followed_up=rng.random() < 0.4,
                note=rng.choice(NOTES),
                recorded_by=first.adviser,
            )
        )
    Connection.objects.bulk_create(connections)
