"""Demo casework for `seed_demo`: a year of requests, interactions and actions
across the programme's areas (made-up residents; example.org addresses)."""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from advisers.models import AdviserAssignment
from casework.models import (
    Action,
    ContactBy,
    Expertise,
    Interaction,
    InteractionTopic,
    Partner,
    Referral,
    ResidentMessage,
    StatusChange,
    SupportRequest,
    Topic,
)
from nfc.periods import start_of_day

FIRST_NAMES = ["Pat", "Sam", "Jo", "Chris", "Alex", "Lee", "Kim", "Robin", "Jordan", "Taylor"]
LAST_NAMES = [
    "Smith",
    "Khan",
    "Jones",
    "Patel",
    "Brown",
    "Wilson",
    "Hughes",
    "Ali",
    "Evans",
    "Walsh",
]
ASKS = {
    Topic.PLAN: "We want to do something about the empty shops on our parade. Where do we start?",
    Topic.SKILLS: "Our group has some money now and nobody knows how to keep the accounts.",
    Topic.PEOPLE: "The same five people come to every meeting. How do we get young people in?",
    Topic.COUNCIL: "The council is selling the old library. Can we take it over for the community?",
    Topic.NETWORKS: "Is there another estate that has set up a food pantry we could learn from?",
    Topic.OTHER: "We would like help to start a residents' newsletter.",
}
NOTES = [
    "Met the steering group; agreed next meeting date.",
    "Walked the estate with two residents to map spaces.",
    "Talked through the funding options and deadlines.",
    "Workshop on running meetings; good turnout.",
    "Call with the council's community development officer.",
]
# What residents add through their private link, on some open requests.
MESSAGES = [
    "Thank you. We meet on Tuesday evenings at the community centre if you want to come along.",
    "The council has set a date for the library sale, so we need to move quickly.",
    "Two more neighbours want to help, and one has experience of running meetings.",
    "Could you send the allotment guidance you mentioned? We have found some land.",
]
PARTNERS = [
    ("Planning Aid North", [Expertise.PLANNING], 40),
    ("Community Finance Partners", [Expertise.FINANCE], 30),
    ("Pro Bono Legal Network", [Expertise.LEGAL, Expertise.LAND_BUILDINGS], 25),
    ("Local Voices Communications", [Expertise.COMMUNICATIONS], 20),
    ("Buildings for People", [Expertise.LAND_BUILDINGS], 30),
]
ASKED = {
    Expertise.PLANNING: "Help to start a neighbourhood plan.",
    Expertise.FINANCE: "Set up the group's accounts and a budget.",
    Expertise.LEGAL: "Advice on becoming a charitable incorporated organisation.",
    Expertise.COMMUNICATIONS: "A simple newsletter and social media plan.",
    Expertise.LAND_BUILDINGS: "A survey of the old library before a transfer.",
}

# How a request's story goes, by its age: the older, the further along.
STORIES = [
    ["acknowledged", "in_progress", "resolved", "closed"],
    ["acknowledged", "in_progress", "waiting", "in_progress", "resolved"],
    ["acknowledged", "referred", "in_progress"],
    ["acknowledged", "in_progress"],
    ["acknowledged"],
    [],
]


@transaction.atomic
def demo_casework_seed(*, rng: random.Random) -> None:
    """Once: about 300 requests, 2,000 interactions, 400 actions and some
    residents' messages."""
    if SupportRequest.objects.exists():
        return
    now = timezone.now()
    today = timezone.localdate()
    assignments = list(AdviserAssignment.objects.current().select_related("area", "adviser"))
    requests, changes, interactions, actions = [], [], [], []
    for assignment in assignments:
        area, adviser = assignment.area, assignment.adviser
        joined = datetime.datetime.combine(area.joined_on, datetime.time(9), tzinfo=datetime.UTC)
        start = max(joined, now - datetime.timedelta(days=365))
        for _ in range(rng.randint(1, 5)):
            created = start + (now - start) * rng.random()
            topic = rng.choice(list(Topic))
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            age_share = (now - created) / (now - start) if now > start else 0
            story = STORIES[min(int((1 - age_share) * len(STORIES)), len(STORIES) - 1)]
            support_request = SupportRequest(
                area=area,
                topic=topic,
                description=ASKS[topic],
                for_group=rng.random() < 0.6,
                group_name=f"{area.name} Residents' Group",
                name=f"{first} {last}",
                email=f"{first.lower()}.{last.lower()}@example.org",
                contact_by=ContactBy.EMAIL,
                consented_at=created,
                privacy_notice_version=settings.NFC_PRIVACY_NOTICE_VERSION,
                status=story[-1] if story else SupportRequest.Status.NEW,
                assigned_to=adviser,
                acknowledgement_sent_at=created,
                adviser_told_at=created,
            )
            if not support_request.for_group:
                support_request.group_name = ""
            requests.append((support_request, created, story, adviser))
        for _ in range(rng.randint(10, 30)):
            date = (start + (now - start) * rng.random()).date()
            residents = rng.randint(0, 25)
            interactions.append(
                Interaction(
                    area=area,
                    date=min(date, today),
                    kind=rng.choice(list(Interaction.Kind)),
                    residents=residents,
                    new_residents=rng.randint(0, residents // 3),
                    minutes=rng.choice([30, 60, 90, 120]),
                    topics=rng.sample(list(InteractionTopic.values), k=rng.randint(1, 3)),
                    notes=rng.choice(NOTES),
                    logged_by=adviser,
                )
            )
        for _ in range(rng.randint(2, 6)):
            due = today + datetime.timedelta(days=rng.randint(-30, 45))
            actions.append(
                Action(
                    area=area,
                    description=rng.choice(
                        [
                            "Send the grant guidance",
                            "Book the hall",
                            "Introduce to a peer group",
                            "Check the council's deadline",
                            "Share the meeting template",
                        ]
                    ),
                    owner=adviser,
                    due_on=due,
                    done_at=now if due < today and rng.random() < 0.7 else None,
                    created_by=adviser,
                )
            )
    SupportRequest.objects.bulk_create([r for r, *_ in requests])
    for support_request, created, story, adviser in requests:
        previous = SupportRequest.Status.NEW
        moment = created
        for status in story:
            moment += datetime.timedelta(days=rng.randint(1, 12))
            changes.append(
                StatusChange(
                    support_request=support_request,
                    from_status=previous,
                    to_status=status,
                    changed_by=adviser,
                    changed_at=min(moment, now),
                )
            )
            if previous == SupportRequest.Status.NEW:
                support_request.first_contact_at = min(moment, now)
            if status == SupportRequest.Status.RESOLVED:
                support_request.resolved_at = min(moment, now)
            previous = status
    # changed_at is set on insert too: put each change back on its own day.
    moments = [change.changed_at for change in changes]
    StatusChange.objects.bulk_create(changes)
    for change, moment in zip(changes, moments, strict=True):
        change.changed_at = moment
    StatusChange.objects.bulk_update(changes, ["changed_at"], batch_size=500)
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    # Logged on the day they happened (created_at is set on saving), so that
    # only the last week's are still open to their author's correction.
    for interaction in interactions:
        interaction.created_at = start_of_day(interaction.date) + datetime.timedelta(hours=17)
    Interaction.objects.bulk_update(interactions, ["created_at"], batch_size=1000)
    Action.objects.bulk_create(actions)
    for action in actions:
        set_up = min(action.due_on - datetime.timedelta(days=14), today)
        action.created_at = start_of_day(set_up) + datetime.timedelta(hours=10)
    Action.objects.bulk_update(actions, ["created_at"])
    # created_at is set on insert; give each request its place in the year.
    for support_request, created, *_ in requests:
        support_request.created_at = created
    SupportRequest.objects.bulk_update(
        [r for r, *_ in requests],
        ["created_at", "first_contact_at", "resolved_at"],
        batch_size=500,
    )
    # Every third open request has a message; chosen in turn, not at random,
    # so the figures drawn after these stay as they were.
    open_requests = [r for r, *_ in requests if r.is_open][::3]
    messages = ResidentMessage.objects.bulk_create(
        ResidentMessage(support_request=r, text=MESSAGES[n % len(MESSAGES)], seen_at=now)
        for n, r in enumerate(open_requests)
    )
    for message in messages:
        message.created_at = min(
            message.support_request.created_at + datetime.timedelta(days=2), now
        )
    ResidentMessage.objects.bulk_update(messages, ["created_at"], batch_size=500)


@transaction.atomic
def demo_referrals_seed(*, rng: random.Random) -> None:
    """Once: five partners and about 60 referrals at every step."""
    if Partner.objects.exists():
        return
    partners = [
        Partner.objects.create(
            name=name,
            expertise=expertise,
            email=f"referrals@{name.split()[0].lower()}.example.org",
            capacity_days=days,
        )
        for name, expertise, days in PARTNERS
    ]
    today = timezone.localdate()
    referrals = []
    for assignment in AdviserAssignment.objects.current().select_related("area", "adviser")[:60]:
        partner = rng.choice(partners)
        requested = today - datetime.timedelta(days=rng.randint(10, 300))
        referral = Referral(
            area=assignment.area,
            partner=partner,
            help_asked=ASKED[Expertise(partner.expertise[0])],
            requested_on=requested,
            created_by=assignment.adviser,
        )
        step = rng.random()
        if step > 0.2:
            referral.status, referral.accepted_on = (
                "accepted",
                requested + datetime.timedelta(days=rng.randint(1, 14)),
            )
        if step > 0.5 and referral.accepted_on < today - datetime.timedelta(days=30):
            referral.status, referral.delivered_on = (
                "delivered",
                referral.accepted_on + datetime.timedelta(days=20),
            )
            referral.days_used, referral.cost = rng.choice([0.5, 1, 2]), rng.choice([0, 250, 600])
        if step > 0.7 and referral.delivered_on and referral.delivered_on < today:
            referral.status, referral.outcome_recorded_on = (
                "outcome_recorded",
                referral.delivered_on,
            )
            referral.outcome, referral.group_rating = (
                "The group has what it needed to go on.",
                rng.randint(3, 5),
            )
        referrals.append(referral)
    for referral in referrals:
        # The demo's partners were told long ago: the sweep e-mails none of them.
        referral.partner_told_at = timezone.now()
    Referral.objects.bulk_create(referrals)
