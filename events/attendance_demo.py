"""Demo attendance for `seed_demo`: at each event already over, most of the
people with a place checked in, a walk-in or two, and feedback from some of
them (made-up people; example.org addresses). Run after the events' own
demo data; it adds nothing to an event that already has check-ins."""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from events.models import Event, Feedback, Registration

# Who comes: most of those who registered.
CAME_SHARE = 0.8
# Who answers the feedback e-mail, of those who came and have an address.
ANSWER_SHARE = 0.6
USEFUL = [
    "Hearing how Hartlepool set up their community shop.",
    "Meeting people from estates like ours who have been through Year Zero.",
    "The session on writing a funding bid: I finally understand match funding.",
    "Swapping numbers with the group from Seaham; we are going to visit them.",
    "",
]
NEXT_STEPS = [
    "Take the asset transfer checklist to our next steering group.",
    "Invite the young people's group to our meetings.",
    "Ask our adviser to introduce us to the food pantry in Blackpool.",
    "",
]
WALK_IN_NAMES = ["Jo Walsh", "Lee Hughes", "Kim Ali", "Robin Evans"]


@transaction.atomic
def demo_attendance_seed(*, rng: random.Random) -> int:
    """Check people in at past events that have no check-ins yet, with
    feedback. How many events it filled."""
    now = timezone.now()
    checked_in = Registration.objects.filter(event=OuterRef("pk"), checked_in_at__isnull=False)
    events = (
        Event.objects.filter(ends_at__lt=now, cancelled_at=None)
        .exclude(Exists(checked_in))
        .select_related("organiser", "host_area")
        .order_by("starts_at")
    )
    filled = 0
    for event in events:
        arrived = event.starts_at + datetime.timedelta(minutes=5)
        came = [
            registration
            for registration in event.registrations.filter(status=Registration.Status.CONFIRMED)
            if rng.random() < CAME_SHARE
        ]
        for registration in came:
            registration.checked_in_at = arrived
            registration.checked_in_by = event.organiser
        Registration.objects.bulk_update(came, ["checked_in_at", "checked_in_by"])
        for name in rng.sample(WALK_IN_NAMES, k=rng.randint(0, 2)):
            came.append(
                Registration.objects.create(
                    event=event,
                    name=name,
                    area=event.host_area,
                    walk_in=True,
                    status=Registration.Status.CONFIRMED,
                    confirmed_at=arrived,
                    checked_in_at=arrived,
                    checked_in_by=event.organiser,
                    consented_at=arrived,
                    privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
                    confirmation_sent_at=arrived,
                    reminder_sent_at=arrived,
                )
            )
        asked = [registration for registration in came if registration.email]
        Registration.objects.filter(pk__in=[r.pk for r in asked]).update(
            feedback_sent_at=event.ends_at + datetime.timedelta(hours=18)
        )
        Feedback.objects.bulk_create(
            Feedback(
                registration=registration,
                rating=rng.choice([3, 4, 4, 5, 5]),
                useful=rng.choice(USEFUL),
                next_steps=rng.choice(NEXT_STEPS),
            )
            for registration in asked
            if rng.random() < ANSWER_SHARE
        )
        filled += 1
    return filled
