"""Demo events for `seed_demo`: last year's national event, regional and
virtual events coming up (some full, with a waitlist), a visit between two
of the demo adviser's areas and a training series, with made-up people
registered (example.org addresses)."""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from advisers.models import User
from areas.models import Area, Region
from casework.demo import FIRST_NAMES, LAST_NAMES
from events.models import Event, EventSession, EventTopic, Registration, new_slug

# Sent already: the demo's made-up people are e-mailed nothing.
_SENT = (
    "confirmation_sent_at",
    "waitlist_sent_at",
    "offer_sent_at",
    "reminder_sent_at",
)


def _at(days: int, hour: int, minute: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _event(
    organiser: User,
    *,
    days: int,
    hours: int = 5,
    topics=(),
    areas=(),
    published: bool = True,
    **fields,
) -> Event:
    starts = _at(days, fields.pop("hour", 10))
    event = Event.objects.create(
        organiser=organiser,
        slug=new_slug(fields["title"]),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=hours),
        registration_closes_at=starts - datetime.timedelta(days=1),
        published_at=timezone.now() - datetime.timedelta(days=30) if published else None,
        **fields,
    )
    EventTopic.objects.bulk_create(EventTopic(event=event, topic=t) for t in topics)
    event.areas.set(areas)
    return event


def _register(rng: random.Random, event: Event, areas: list[Area], *, count: int) -> None:
    """``count`` people: places first, then the waitlist in the order they came."""
    now = timezone.now()
    people = []
    for n in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        at = min(now, event.starts_at) - datetime.timedelta(days=20, hours=-n)
        placed = n < event.capacity
        area = rng.choice(areas) if rng.random() < 0.85 else None
        people.append(
            Registration(
                event=event,
                name=f"{first} {last}",
                area=area,
                email=f"{first}.{last}{n}@example.org".lower(),
                phone="" if rng.random() < 0.7 else f"0191 498 {rng.randint(1000, 9999)}",
                access_needs="Step-free access, please" if rng.random() < 0.1 else "",
                dietary_needs="Vegetarian" if not event.online and rng.random() < 0.2 else "",
                consented_at=at,
                privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
                # Every third from our areas asks to be contacted after the
                # event (not drawn from rng, so the rest of the demo is as before).
                follow_up_consented_at=at if area and n % 3 == 0 else None,
                status=Registration.Status.CONFIRMED if placed else Registration.Status.WAITLISTED,
                confirmed_at=at if placed else None,
                waitlisted_at=None if placed else at,
                **dict.fromkeys(_SENT, at),
            )
        )
    Registration.objects.bulk_create(people)


@transaction.atomic
def demo_events_seed(*, rng: random.Random) -> None:
    if Event.objects.exists():
        return
    manager = User.objects.get(email="manager@example.org")
    adviser = User.objects.get(email="adviser@example.org")
    in_programme = list(Area.objects.in_programme().order_by("name"))
    by_region: dict[str, list[Area]] = {}
    for area in in_programme:
        by_region.setdefault(area.region, []).append(area)
    venue = {
        "venue_address": "1 Market Street\nThe town centre",
        "accessibility_notes": (
            "Step-free entrance and lift; accessible toilets; hearing loop in the main hall; "
            "a quiet room. Ten minutes' walk from the station."
        ),
    }
    online = {"online": True, "joining_link": "https://meet.example.org/nfc-demo"}

    national = _event(
        manager,
        days=-300,
        hours=7,
        kind=Event.Kind.NATIONAL,
        title="The Network for Communities national gathering",
        summary="A day for every area in the programme: stories, workshops and a marketplace.",
        venue_name="Birmingham Conference Centre",
        capacity=300,
        topics=["plan", "people", "networks"],
        **venue,
    )
    _register(rng, national, in_programme, count=180)

    regional = [
        (Region.NORTH_EAST, "North East get-together: running good meetings", 20, 35, ["skills"]),
        (Region.NORTH_WEST, "North West: taking over a building", 24, 40, ["asset_transfer"]),
        (Region.YORKSHIRE, "Yorkshire: reaching beyond the usual faces", 31, 30, ["people"]),
        (Region.WEST_MIDLANDS, "West Midlands: bidding for the UKSPF", 12, 12, ["ukspf"]),
        (Region.SOUTH_EAST, "Coastal areas: learning from each other", 45, 25, ["networks"]),
    ]
    for region, title, days, capacity, topics in regional:
        event = _event(
            manager,
            days=days,
            kind=Event.Kind.REGIONAL,
            title=title,
            summary="Meet people from neighbourhoods near you, share what worked and what did not.",
            venue_name="The Community Hub",
            region=region,
            invited=Event.Invited.REGION,
            capacity=capacity,
            topics=topics,
            **venue,
        )
        # The West Midlands one is full, with people waiting.
        count = capacity + 4 if capacity == 12 else rng.randint(capacity // 3, capacity - 2)
        _register(rng, event, by_region.get(region, in_programme), count=count)

    for days, title, topics in [
        (9, "Online: an introduction to neighbourhood planning", ["neighbourhood_plan"]),
        (16, "Online: keeping your group's accounts", ["skills"]),
        (38, "Online: talking to your council", ["council"]),
    ]:
        event = _event(
            manager,
            days=days,
            hours=1,
            hour=18,
            kind=Event.Kind.VIRTUAL,
            title=title,
            summary="An hour online, with time for questions. Join from a phone or a computer.",
            region=Region.NORTH_EAST,
            venue_name="",
            capacity=60,
            topics=topics,
            **online,
        )
        _register(rng, event, in_programme, count=rng.randint(10, 40))

    held = list(Area.objects.advised_by(adviser).order_by("name"))
    if len(held) >= 2:
        host, *visitors = held[:3]
        visit = _event(
            adviser,
            days=27,
            hours=4,
            kind=Event.Kind.VISIT,
            title=f"A visit to {host.name}",
            summary=f"See how {host.name} turned an empty shop into a community café.",
            venue_name=f"{host.name} Community Café",
            region=host.region,
            invited=Event.Invited.AREAS,
            host_area=host,
            capacity=15,
            topics=["plan", "asset_transfer"],
            areas=visitors,
            **venue,
        )
        _register(rng, visit, visitors, count=11)

    series = _event(
        manager,
        days=14,
        hours=24 * 21 + 2,
        hour=18,
        kind=Event.Kind.TRAINING,
        title="Leading your group: a four-week course",
        summary="Four evenings online on chairing, money, volunteers and plans.",
        region=Region.NORTH_WEST,
        venue_name="",
        capacity=20,
        topics=["skills", "plan"],
        **online,
    )
    EventSession.objects.bulk_create(
        EventSession(
            event=series,
            title=f"Week {week + 1}: {subject}",
            starts_at=series.starts_at + datetime.timedelta(weeks=week),
            ends_at=series.starts_at + datetime.timedelta(weeks=week, hours=2),
        )
        for week, subject in enumerate(["chairing", "money", "volunteers", "plans"])
    )
    _register(rng, series, in_programme, count=23)

    # One still being planned: a draft only staff see.
    _event(
        manager,
        days=60,
        kind=Event.Kind.REGIONAL,
        title="East Midlands: spring gathering (draft)",
        summary="Details to follow.",
        venue_name="To be confirmed",
        region=Region.EAST_MIDLANDS,
        capacity=40,
        topics=["networks"],
        published=False,
    )
