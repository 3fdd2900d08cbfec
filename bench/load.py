"""The bench's data: ten years of a programme at full size.

225 areas (imported with the portal's own `import_areas`), 200 of them in
the programme, 20 advisers with 10 areas each and 40 community workers with
5, and ten years of their work: time records, residents' requests with their
status changes, interactions, follow-up actions, funding bids and referrals,
and each area's outcome records (a baseline, then one a quarter).

Deterministic: a seeded random generator for each step, dates counted back
from today. Bulk writes only: the ORM's bulk_create for the few thousand rows of staff,
caseloads and outcome records, and PostgreSQL's COPY (from text built in memory, a chunk at a
time) for the big tables, whose ids the database assigns. Columns the models
fill in by default (created_at and the like) are given explicitly. Ends with
VACUUM ANALYZE, so the planner knows the tables and autovacuum does not wake
up in the middle of the measurements.

    load(sizes=Sizes(), seed=2026) -> {table: (rows, seconds)}

needs Django set up on PostgreSQL (bench/run.py, or a test's database).
"""

import bisect
import datetime
import io
import itertools
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, TimeRecord, User
from advisers.roles import Role
from areas.models import (
    Area,
    AreaType,
    FundingBid,
    LocalContact,
    Partnership,
    Region,
    Stage,
)
from casework.models import (
    REFERENCE_ALPHABET,
    ContactBy,
    Expertise,
    Interaction,
    InteractionTopic,
    Partner,
    Referral,
    SupportRequest,
    Topic,
)
from casework.retention import REMOVED
from evaluation.models import OutcomeRecord
from events.models import TOPIC_CHOICES, Connection, Event
from nfc.periods import add_months, quarter_start

AREA_FILES = ["left_behind_neighbourhoods_225.csv", "ward_deprivation_2019.csv"]
AREA_DATA = Path(__file__).resolve().parent.parent / "areas" / "data"
# The word bench/run.py searches for: in about one interaction note in 30.
SEARCH_WORD = "orchard"
COPY_CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class Sizes:
    """How much to load. The programme is as large as the caseloads hold:
    10 areas an adviser, 5 a community worker, one of each per area."""

    advisers: int = 20
    community_workers: int = 40
    support_requests: int = 100_000
    interactions: int = 1_000_000
    time_records: int = 500_000
    actions: int = 20_000
    referrals: int = 2_000
    # Connections recorded between areas: a few a week for ten years.
    connections: int = 3_000
    # Events over the ten years and the next six months (a national event a
    # year, the rest regional, virtual, visits and training series), and
    # the people registered for them.
    events: int = 10_000
    registrations: int = 300_000
    years: int = 10

    @property
    def programme_areas(self) -> int:
        return min(self.advisers * 10, self.community_workers * 5, 225)

    def scaled(self, scale: float) -> "Sizes":
        """The same shape with the activity tables ``scale`` times as large."""
        return replace(
            self,
            support_requests=max(1, round(self.support_requests * scale)),
            interactions=max(1, round(self.interactions * scale)),
            time_records=max(1, round(self.time_records * scale)),
            actions=max(1, round(self.actions * scale)),
            referrals=max(1, round(self.referrals * scale)),
            connections=max(1, round(self.connections * scale)),
            events=max(1, round(self.events * scale)),
            registrations=max(1, round(self.registrations * scale)),
        )


# --- Words ---------------------------------------------------------------

FIRST_NAMES = [
    "Pat",
    "Sam",
    "Jo",
    "Chris",
    "Alex",
    "Lee",
    "Kim",
    "Robin",
    "Jordan",
    "Taylor",
    "Aisha",
    "Bilal",
    "Ceri",
    "Dylan",
    "Erin",
    "Fatima",
    "Gemma",
    "Hamza",
    "Isla",
    "Jamal",
    "Kayleigh",
    "Liam",
    "Megan",
    "Nadia",
    "Owen",
    "Priya",
    "Rhys",
    "Saima",
    "Tariq",
    "Zoe",
]
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
    "Taylor",
    "Davies",
    "Roberts",
    "Hussain",
    "Thompson",
    "Wright",
    "Walker",
    "Robinson",
    "Wood",
    "Thomas",
    "Clarke",
    "Begum",
    "Ahmed",
    "Murphy",
    "Kelly",
    "Shaw",
    "Price",
]
OPENERS = [
    "Met the steering group",
    "Walked the estate with two residents",
    "Phoned the partnership chair",
    "Ran a workshop at the community centre",
    "Visited the youth club",
    "Spoke with the council's community development officer",
    "Joined the tenants' association meeting",
    "Had coffee with the treasurer",
    "Online call with the trustees",
    "Dropped in at the food bank",
    "Door-knocked on the streets by the railway",
    "Met the head teacher at the primary school",
    "Called the housing association's neighbourhood officer",
    "Went to the ward councillors' surgery",
    "Met the church hall committee",
    "Toured the old library building with a surveyor",
    "Held a drop-in at the library",
    "Caught up with the volunteers at the community café",
    "Met the mosque's outreach team",
    "Talked to parents at the school gate",
]
SUBJECTS = [
    "about the allotment lease",
    "to plan the summer fun day",
    "about the food pantry rota",
    "about taking over the old library as a community asset transfer",
    "to map the empty shops on the parade",
    "about the neighbourhood plan consultation",
    "about a bid to the National Lottery",
    "about the youth club's funding gap",
    "about fly-tipping behind the garages",
    "about street lighting on the footpath to the station",
    "about the bus route the council wants to cut",
    "about setting up a credit union collection point",
    f"about planting a community {SEARCH_WORD} on the green",
    "about refurbishing the playground",
    "about starting a men's shed",
    "about repairs to the community centre roof",
    "about a warm space over the winter",
    "about the petition for a skate park",
    "about the residents' newsletter",
    "about recruiting new trustees",
    "about the accounts and the annual return",
    "about writing a constitution",
    "about safeguarding training for volunteers",
    "about a heritage trail for the mining history",
    "about the monthly litter pick",
    "about a stall at the Saturday market",
    "about the mural on the underpass",
    "about the changing rooms at the football pitch",
    "about listing the pub as an asset of community value",
    "about the job club at the library",
]
OUTCOMES = [
    "Agreed the next meeting date.",
    "The treasurer will draft a budget.",
    "We need three quotes for the repairs.",
    "Residents are keen but worried about the cost.",
    "The council officer will check who owns the land.",
    "Good turnout, several new faces.",
    "The group will write to the ward councillors.",
    "I will send the grant guidance by Friday.",
    "Low turnout; try a Saturday morning next time.",
    "The chair is stepping down and they need someone new.",
    "They agreed to apply to the Community Wealth Fund.",
    "Volunteers signed up for the rota.",
    "Young people asked for an evening session.",
    "The landlord has not replied yet.",
    "The minutes will go on the noticeboard.",
    "Some tension between the two groups; keep an eye on it.",
    "They want to see how another estate did it.",
    "The school offered its hall for free.",
    "Insurance is the sticking point.",
    "Photos taken for the newsletter.",
]
NEXT_STEPS = [
    "Send the grant guidance.",
    "Book the hall for next month.",
    "Introduce them to a peer group on another estate.",
    "Check the council's deadline.",
    "Share the meeting template.",
    "Ask the partner for a survey.",
    "Follow up with the councillor.",
    "Draft the letter to the landlord.",
]
ASKS = {
    Topic.PLAN: "We want to do something about the empty shops on our parade. Where do we start?",
    Topic.SKILLS: "Our group has some money now and nobody knows how to keep the accounts.",
    Topic.PEOPLE: "The same five people come to every meeting. How do we get young people in?",
    Topic.COUNCIL: "The council is selling the old library. Can we take it over?",
    Topic.NETWORKS: "Is there another estate that has set up a food pantry we could learn from?",
    Topic.OTHER: "We would like help to start a residents' newsletter.",
}
GROUP_SUFFIXES = [
    "Residents' Group",
    "Tenants' Association",
    "Friends of the Park",
    "Youth Forum",
    "Community Partnership",
]
ACTIONS = [
    "Send the grant guidance",
    "Book the hall",
    "Introduce to a peer group",
    "Check the council's deadline",
    "Share the meeting template",
    "Chase the landlord about the lease",
    "Find a trainer for the treasurer",
    "Draft the consultation leaflet",
]
PARTNERS = [
    ("Planning Aid North", [Expertise.PLANNING]),
    ("Community Finance Partners", [Expertise.FINANCE]),
    ("Pro Bono Legal Network", [Expertise.LEGAL, Expertise.LAND_BUILDINGS]),
    ("Local Voices Communications", [Expertise.COMMUNICATIONS]),
    ("Buildings for People", [Expertise.LAND_BUILDINGS]),
    ("Neighbourhood Planning Collective", [Expertise.PLANNING, Expertise.LEGAL]),
    ("Charity Accounts Clinic", [Expertise.FINANCE]),
    ("Media Mentors", [Expertise.COMMUNICATIONS]),
]
COURSES = [
    "Leading a community group",
    "Keeping the accounts",
    "Chairing meetings",
    "Writing a funding bid",
    "Running a consultation",
]
# How well each area's 2 + 2 days a month are kept: on track, behind, far behind.
DELIVERY = [(0.65, 1.0), (0.25, 0.55), (0.10, 0.15)]
# What an adviser writes with the local group at the end of a quarter.
NARRATIVES = [
    "The steering group met monthly; two new members joined after the fun day.",
    "Most of the quarter went on the community plan consultation.",
    "The food pantry now opens twice a week, run by volunteers.",
    "A quiet quarter: the chair was ill and meetings were cancelled.",
    "The youth forum ran its first event and wants to do more.",
    "The group took on the lease of the old library.",
    "Training for the new treasurer; the accounts are up to date.",
    "A bid to the National Lottery was turned down; they will try again.",
]
# A quarter with no outcome record: the last one finished is more often
# still to come (overdue) than an older one is missing for good.
OUTCOME_GAP = 0.05
OUTCOME_GAP_LAST_QUARTER = 0.15
# Requests: how a closed one's story went (after "new"), and how often.
CLOSED_STORIES = [
    (40, ["acknowledged", "in_progress", "resolved", "closed"]),
    (30, ["acknowledged", "in_progress", "resolved"]),
    (15, ["acknowledged", "in_progress", "waiting", "in_progress", "resolved", "closed"]),
    (10, ["closed"]),
    (5, ["in_progress", "referred", "in_progress", "resolved"]),
]
OPEN_STORIES = [
    ["acknowledged"],
    ["acknowledged", "in_progress"],
    ["acknowledged", "referred"],
    ["acknowledged", "in_progress", "waiting"],
]


# --- Writing -------------------------------------------------------------


def copy_rows(table: str, columns: list[str], rows: Iterable[str]) -> int:
    """COPY ``rows`` (tab-separated text lines, no newline) into ``table``, a
    chunk at a time; how many. Works with psycopg 2 and 3, whichever Django
    uses."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count = 0
    chunk: list[str] = []
    with connection.cursor() as cursor:
        raw = cursor.cursor

        def send():
            data = "\n".join(chunk) + "\n"
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, io.StringIO(data))
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(data)
            chunk.clear()

        for row in rows:
            chunk.append(row)
            count += 1
            if len(chunk) >= COPY_CHUNK_ROWS:
                send()
        if chunk:
            send()
    return count


def _null(value) -> str:
    return "\\N" if value is None else str(value)


def _at(moment: datetime.datetime) -> str:
    return moment.isoformat()


# --- The loader ----------------------------------------------------------


class Loader:
    def __init__(self, *, sizes: Sizes, seed: int, report: Callable[[str], None]):
        self.sizes = sizes
        self.seed = seed
        self.rng = random.Random(seed)
        self.report = report
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate()
        self.start = self.today - datetime.timedelta(days=365 * sizes.years)
        self.timings: dict[str, tuple[int, float]] = {}

    def step(self, name: str, function: Callable[[], int]) -> None:
        # A generator of its own for each step: how many draws one table
        # takes (which changes with the date) never shifts the next one's.
        self.rng = random.Random(f"{self.seed}:{name}")
        started = time.monotonic()
        rows = function()
        seconds = time.monotonic() - started
        self.timings[name] = (rows, seconds)
        self.report(f"  {name:<28} {rows:>10,} rows {seconds:>7.1f} s")

    def run(self, *, vacuum: bool) -> dict[str, tuple[int, float]]:
        if SupportRequest.objects.exists() or AdviserAssignment.objects.exists():
            raise RuntimeError("The bench loads into an empty database only.")
        if connection.vendor != "postgresql":
            raise RuntimeError("The bench loads with PostgreSQL's COPY: use PostgreSQL.")
        started = time.monotonic()
        with connection.cursor() as cursor:
            # This session's commits need not wait for the disk: a crash would
            # only lose the bench's own data. fsync stays on for everyone.
            cursor.execute("SET synchronous_commit = off")
        self.step("areas (import_areas)", self.areas)
        with transaction.atomic():
            self.step("programme and stage changes", self.programme)
            self.step("staff", self.staff)
            self.step("assignments and allocations", self.caseloads)
            self.step("partnerships and contacts", self.partnerships)
            self.step("funding bids", self.funding_bids)
            self.step("outcome records", self.outcome_records)
        self.step("time records", self.time_records)
        self.step("support requests", self.support_requests)
        self.step("status changes", self.status_changes)
        self.step("interactions", self.interactions)
        self.step("actions", self.actions)
        self.step("partners and referrals", self.referrals)
        self.step("connections between areas", self.connections)
        self.step("events, topics and sessions", self.events)
        self.step("registrations", self.registrations)
        self.step("feedback", self.feedback)
        if vacuum:
            self.step("vacuum analyze", self.vacuum_analyze)
        else:
            self.step("analyze", self.analyze)
        self.timings["total"] = (0, time.monotonic() - started)
        return self.timings

    # Areas, people and caseloads: a few hundred rows, through the ORM.

    def areas(self) -> int:
        for name in AREA_FILES:
            call_command("import_areas", str(AREA_DATA / name), stdout=io.StringIO())
        types = list(AreaType.objects.order_by("slug"))
        through = Area.types.through
        links = []
        for area_id in Area.objects.order_by("ward_code").values_list("pk", flat=True):
            for area_type in self.rng.sample(types, k=self.rng.choice([1, 1, 2])):
                links.append(through(area_id=area_id, areatype_id=area_type.pk))
        through.objects.bulk_create(links)
        return Area.objects.count()

    def programme(self) -> int:
        rng = self.rng
        areas = list(Area.objects.order_by("ward_code"))
        chosen = rng.sample(areas, k=self.sizes.programme_areas)
        span = (self.today - datetime.timedelta(days=60) - self.start).days
        changes = []
        for area in chosen:
            joined_on = self.start + datetime.timedelta(days=rng.randint(0, span))
            age = (self.today - joined_on).days / 365
            area.joined_on = joined_on
            area.cohort = 1 if age > 6.5 else 2 if age > 3.5 else 3
            stages = [Stage.OUTREACH, Stage.YEAR_ZERO, Stage.PLAN_AGREED, Stage.DELIVERING]
            reached = min(len(stages) - 1, int(age / 0.8 * rng.uniform(0.6, 1.2)))
            area.stage = stages[reached]
            on = joined_on
            for n, stage in enumerate(stages[: reached + 1]):
                if n:
                    on = min(on + datetime.timedelta(days=rng.randint(90, 300)), self.today)
                note = "Joined the programme" if n == 0 else ""
                changes.append(f"{area.pk}\t{stage}\t{on.isoformat()}\t{note}\t{on} 10:00:00+00\t")
        Area.objects.bulk_update(chosen, ["joined_on", "cohort", "stage"])
        copy_rows(
            "areas_stagechange",
            ["area_id", "stage", "changed_on", "note", "recorded_at", "withdrawn_reason"],
            changes,
        )
        self.programme_areas = sorted(chosen, key=lambda a: (a.region, a.ward_code))
        return len(chosen) + len(changes)

    def staff(self) -> int:
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        rng = self.rng
        unusable = make_password(None)

        def person(email, role, **extra):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            return User(email=email, full_name=name, role=role, password=unusable, **extra)

        people = [
            person(f"adviser{n}@bench.example.org", Role.ADVISER)
            for n in range(1, self.sizes.advisers + 1)
        ] + [
            person(f"worker{n}@bench.example.org", Role.COMMUNITY_WORKER)
            for n in range(1, self.sizes.community_workers + 1)
        ]
        people += [
            person("manager@bench.example.org", Role.MANAGER),
            person("lead.north.east@bench.example.org", Role.MANAGER, region=Region.NORTH_EAST),
            person("evaluator@bench.example.org", Role.EVALUATOR),
            person("admin@bench.example.org", Role.ADMINISTRATOR),
        ]
        User.objects.bulk_create(people)
        # Managers and administrators must use two-factor authentication:
        # without an authenticator app every page sends them to set one up.
        for user in User.objects.filter(role__in=[Role.MANAGER, Role.ADMINISTRATOR]):
            TOTP.activate(user, generate_totp_secret())
        self.advisers = list(User.objects.filter(role=Role.ADVISER).order_by("pk"))
        self.workers = list(User.objects.filter(role=Role.COMMUNITY_WORKER).order_by("pk"))
        self.manager = User.objects.get(email="manager@bench.example.org")
        return len(people)

    def caseloads(self) -> int:
        """Advisers by region, 10 areas each; community workers 5 each. A
        third of the areas changed adviser once, so they have history."""
        rng = self.rng
        assignments, allocations = [], []
        # Who held the area when: [(from, adviser)], for the activity below.
        self.adviser_periods: dict[int, list[tuple[datetime.date, User]]] = {}
        self.worker_of: dict[int, User] = {}
        for n, area in enumerate(self.programme_areas):
            adviser = self.advisers[n // 10]
            slot = n % 10 + 1
            started_on = area.joined_on
            periods = []
            days_in = (self.today - area.joined_on).days
            if days_in > 400 and rng.random() < 1 / 3:
                before = rng.choice([a for a in self.advisers if a != adviser] or [adviser])
                started_on = area.joined_on + datetime.timedelta(days=rng.randint(180, days_in))
                assignments.append(
                    AdviserAssignment(
                        area=area,
                        adviser=before,
                        slot=rng.randint(1, 10),
                        started_on=area.joined_on,
                        ended_on=started_on,
                        reason="Joined the programme",
                        assigned_by=self.manager,
                        handover_note="Strong chair; the treasurer needs support.",
                    )
                )
                periods.append((area.joined_on, before))
            assignments.append(
                AdviserAssignment(
                    area=area,
                    adviser=adviser,
                    slot=slot,
                    started_on=started_on,
                    reason="Joined the programme" if not periods else "Caseloads rebalanced",
                    assigned_by=self.manager,
                )
            )
            periods.append((started_on, adviser))
            self.adviser_periods[area.pk] = periods
            worker = self.workers[n // 5]
            allocations.append(
                CommunityWorkerAllocation(
                    area=area,
                    worker=worker,
                    slot=n % 5 + 1,
                    days_per_month=Decimal(settings.NFC_COMMUNITY_WORKER_DAYS_PER_AREA),
                    started_on=area.joined_on,
                    assigned_by=self.manager,
                )
            )
            self.worker_of[area.pk] = worker
        AdviserAssignment.objects.bulk_create(assignments)
        CommunityWorkerAllocation.objects.bulk_create(allocations)
        return len(assignments) + len(allocations)

    def pick_area(self) -> Area:
        """An area in the programme, each as likely as its days in it: so
        activity is as dense in an area that joined last year as in one that
        joined ten years ago."""
        if not hasattr(self, "_area_weights"):
            spans = [(self.today - area.joined_on).days + 1 for area in self.programme_areas]
            self._area_weights = list(itertools.accumulate(spans))
        point = self.rng.random() * self._area_weights[-1]
        return self.programme_areas[bisect.bisect_right(self._area_weights, point)]

    def adviser_on(self, area_id: int, day: datetime.date) -> User:
        periods = self.adviser_periods[area_id]
        return periods[1][1] if len(periods) > 1 and day >= periods[1][0] else periods[0][1]

    def partnerships(self) -> int:
        partnerships, contacts = [], []
        for area in self.programme_areas:
            if area.stage == Stage.OUTREACH:
                continue
            partnerships.append(
                Partnership(
                    area=area,
                    name=f"{area.name} Community Partnership",
                    contact_name=f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                    contact_email=f"chair.{area.ward_code.lower()}@example.org",
                    trusted_organisation=f"{area.local_authority} Community Trust",
                )
            )
            contacts.append(
                LocalContact(
                    area=area,
                    name="Community development officer",
                    kind=LocalContact.Kind.COUNCIL_OFFICER,
                    organisation=f"{area.local_authority} Council",
                )
            )
            contacts.append(
                LocalContact(area=area, name="Ward councillor", kind=LocalContact.Kind.COUNCILLOR)
            )
        Partnership.objects.bulk_create(partnerships)
        LocalContact.objects.bulk_create(contacts)
        return len(partnerships) + len(contacts)

    def funding_bids(self) -> int:
        rng = self.rng
        bids = []
        for area in self.programme_areas:
            for _ in range(rng.randint(1, 6)):
                sought = rng.choice([5_000, 20_000, 50_000, 150_000, 400_000])
                status = rng.choice(list(FundingBid.Status))
                submitted = area.joined_on + datetime.timedelta(
                    days=rng.randint(0, max(0, (self.today - area.joined_on).days))
                )
                decided = status in (FundingBid.Status.AWARDED, FundingBid.Status.DECLINED)
                bids.append(
                    FundingBid(
                        area=area,
                        stream=rng.choice(list(FundingBid.Stream)),
                        description="Capital and running costs",
                        amount_sought=sought,
                        amount_secured=sought if status == FundingBid.Status.AWARDED else 0,
                        status=status,
                        submitted_on=None if status == FundingBid.Status.PLANNED else submitted,
                        decided_on=min(submitted + datetime.timedelta(days=90), self.today)
                        if decided
                        else None,
                    )
                )
        FundingBid.objects.bulk_create(bids)
        return len(bids)

    def outcome_records(self) -> int:
        """A baseline when each area joined, then a record for each quarter
        finished since (not the one it joined in, nor the one under way), a
        few missing: counts of people that grow as the area's group does,
        new groups and leaders trained now and then, plans agreed in time.
        Made a few days after the quarter ends, as an adviser would."""
        rng = self.rng
        records: list[OutcomeRecord] = []
        # When each was made, for the UPDATE below (bulk_create stamps now).
        made: list[datetime.date] = []
        current = quarter_start(self.today)
        for area in self.programme_areas:
            joined = quarter_start(area.joined_on)
            people = {
                "residents_involved": rng.randint(3, 25),
                "volunteers": rng.randint(1, 8),
                "leaders": rng.randint(0, 3),
                "spaces_in_use": rng.randint(0, 2),
                "spaces_owned": 0,
            }
            # The quarter in which each plan is agreed, if ever.
            plans = {
                "community_plan": rng.randint(3, 10),
                "neighbourhood_plan": rng.randint(10, 24) if rng.random() < 0.4 else None,
                "economic_plan": rng.randint(14, 30) if rng.random() < 0.25 else None,
            }
            adviser = self.adviser_on(area.pk, area.joined_on)
            records.append(
                OutcomeRecord(
                    area=area,
                    kind=OutcomeRecord.Kind.BASELINE,
                    quarter=joined,
                    new_groups=0,
                    leaders_trained=0,
                    narrative="Where the area started, with the local group.",
                    recorded_by=adviser,
                    **people,
                )
            )
            made.append(
                min(area.joined_on + datetime.timedelta(days=rng.randint(5, 30)), self.today)
            )
            quarter, n = add_months(joined, 3), 1
            while quarter < current:
                ends = add_months(quarter, 3)
                gap = OUTCOME_GAP_LAST_QUARTER if ends == current else OUTCOME_GAP
                if rng.random() < gap:
                    quarter, n = ends, n + 1
                    continue
                for name in ("residents_involved", "volunteers"):
                    people[name] = max(1, round(people[name] * rng.uniform(0.95, 1.12)))
                if rng.random() < 0.2:
                    people["leaders"] += 1
                if rng.random() < 0.08:
                    people["spaces_in_use"] += 1
                if people["spaces_owned"] < people["spaces_in_use"] and rng.random() < 0.02:
                    people["spaces_owned"] += 1
                records.append(
                    OutcomeRecord(
                        area=area,
                        kind=OutcomeRecord.Kind.QUARTER,
                        quarter=quarter,
                        new_groups=1 if rng.random() < 0.15 else 0,
                        leaders_trained=rng.choice([0, 0, 0, 1, 2]),
                        narrative=rng.choice(NARRATIVES),
                        recorded_by=self.adviser_on(area.pk, ends),
                        **{name: at is not None and n >= at for name, at in plans.items()},
                        **people,
                    )
                )
                made.append(min(ends + datetime.timedelta(days=rng.randint(1, 40)), self.today))
                quarter, n = ends, n + 1
        OutcomeRecord.objects.bulk_create(records, batch_size=2_000)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE evaluation_outcomerecord AS o SET created_at = v.at, updated_at = v.at "
                "FROM (VALUES "
                + ", ".join(["(%s, %s::timestamptz)"] * len(records))
                + ") AS v (id, at) WHERE o.id = v.id",
                [
                    value
                    for record, day in zip(records, made, strict=True)
                    for value in (record.pk, f"{day.isoformat()} 16:00:00+00")
                ],
            )
        return len(records)

    # Ten years of activity: COPY.

    def _keep(self) -> float:
        keeps = [keep for _, keep in DELIVERY]
        return self.rng.choices(keeps, weights=[w for w, _ in DELIVERY])[0]

    def time_records(self) -> int:
        """Each area's adviser and community worker, month by month since it
        joined. The last twelve months look like real delivery (about 2
        days a month each in most areas, some behind, a few far behind);
        older months carry the bulk of the rows, an hour or so each."""
        rng = self.rng
        today = self.today
        # Hours a month each person owes an area.
        promised = {
            "adviser": settings.NFC_HOURS_PER_DAY * settings.NFC_ADVISER_DAYS_PER_AREA,
            "worker": settings.NFC_HOURS_PER_DAY * settings.NFC_COMMUNITY_WORKER_DAYS_PER_AREA,
        }
        recent_from = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
        # (area, role, first day, last day, share of the month kept, weight, recent)
        cells = []
        for area in self.programme_areas:
            keeps = {"adviser": self._keep(), "worker": self._keep()}
            month = area.joined_on.replace(day=1)
            while month <= today:
                after = (month + datetime.timedelta(days=32)).replace(day=1)
                first = max(month, area.joined_on)
                last = min(after - datetime.timedelta(days=1), today)
                share = ((last - first).days + 1) / (after - month).days
                for role, keep in keeps.items():
                    recent = month >= recent_from
                    # Recent months: few, realistic records; older: many small ones.
                    weight = share * (0.2 * keep if recent else 1.0)
                    cells.append((area.pk, role, first, last, keep * share, weight, recent))
                month = after
        counts = _apportion(self.sizes.time_records, [cell[5] for cell in cells], rng)

        side_role = {"adviser": Role.ADVISER, "worker": Role.COMMUNITY_WORKER}

        def rows():
            kinds = TimeRecord.Kind.values
            for (area_id, role, first, last, keep, _, recent), n in zip(cells, counts, strict=True):
                if not n:
                    continue
                span = (last - first).days
                hours_each = promised[role] * keep / n if recent else 1.0
                for _ in range(n):
                    day = first + datetime.timedelta(days=int(rng.random() * (span + 1)))
                    if role == "adviser":
                        person = self.adviser_on(area_id, day).pk
                    else:
                        person = self.worker_of[area_id].pk
                    hours = hours_each * rng.uniform(0.8, 1.2)
                    hours = min(7.5, max(1.0, round(hours * 4) / 4))
                    yield (
                        f"{person}\t{area_id}\t{day.isoformat()}\t{hours:.2f}\t"
                        f"{side_role[role]}\t{kinds[int(rng.random() * len(kinds))]}\t\t"
                        f"{person}\t{day.isoformat()} 17:30:00+00"
                    )

        return copy_rows(
            "advisers_timerecord",
            ["person_id", "area_id", "date", "hours", "role", "kind", "note", "recorded_by_id"]
            + ["recorded_at"],
            rows(),
        )

    def support_requests(self) -> int:
        """Spread over each area's years in the programme (one in a hundred
        from outside our areas, waiting in triage or signposted). Older ones
        are resolved or closed, with their residents' details removed after
        the retention period; a few hundred recent ones are open."""
        rng = self.rng
        now = self.now
        retention = datetime.timedelta(days=settings.NFC_RETENTION_DAYS)
        version = settings.NFC_PRIVACY_NOTICE_VERSION
        story_weights = [w for w, _ in CLOSED_STORIES]
        closed_stories = [s for _, s in CLOSED_STORIES]
        topics = Topic.values
        references: set[str] = set()
        # Kept for the status changes, interactions and actions that follow.
        self.request_references: list[str] = []
        self.request_steps: list[list[tuple[str, str, datetime.datetime]]] = []
        self.request_area: list[int | None] = []
        self.request_created: list[datetime.datetime] = []
        self.request_adviser: list[int | None] = []

        def reference() -> str:
            while True:
                chars = "".join(rng.choices(REFERENCE_ALPHABET, k=8))
                value = f"NFC-{chars[:4]}-{chars[4:]}"
                if value not in references:
                    references.add(value)
                    return value

        def rows():
            for n in range(self.sizes.support_requests):
                outside = rng.random() < 0.01
                area = None if outside else self.pick_area()
                since = datetime.datetime.combine(
                    area.joined_on if area else self.start, datetime.time(8), datetime.UTC
                )
                created = since + (now - since) * rng.random()
                created = created.replace(microsecond=0)
                age = (now - created).days
                if age < 14 and rng.random() < 0.6 or 14 <= age < 60 and rng.random() < 0.05:
                    story = [] if age < 2 or rng.random() < 0.1 else rng.choice(OPEN_STORIES)
                else:
                    story = rng.choices(closed_stories, weights=story_weights)[0]
                if outside:
                    story = [] if age < 14 else ["closed"]
                # Each step a while after the one before; squeezed to fit
                # before now for the youngest requests.
                gaps = [rng.uniform(0.05, 6) for _ in story[:1]]
                gaps += [rng.uniform(0.5, 20) for _ in story[1:]]
                room = (now - created).total_seconds() / 86400 - 0.05
                if sum(gaps) > room:
                    gaps = [gap * room / sum(gaps) for gap in gaps]
                steps, moment, previous = [], created, "new"
                for status, gap in zip(story, gaps, strict=True):
                    moment = moment + datetime.timedelta(days=gap)
                    steps.append((previous, status, moment.replace(microsecond=0)))
                    previous = status
                status = story[-1] if story else "new"
                first_contact = steps[0][2] if steps else None
                resolved = max((at for _, to, at in steps if to == "resolved"), default=None)
                day = created.date()
                adviser = None
                if area is not None:
                    # A reassignment hands the open requests to the new adviser.
                    is_open = status not in ("resolved", "closed")
                    adviser = self.adviser_on(area.pk, self.today if is_open else day)
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{first.lower()}.{last.lower()}{n}@example.org"
                phone = f"07700 900{n % 1000:03d}"
                reach = rng.random()
                if reach < 0.2:
                    email = ""
                elif reach < 0.7:
                    phone = ""
                topic = topics[int(rng.random() * len(topics))]
                for_group = rng.random() < 0.6
                group = (
                    f"{(area.name if area else 'Our Street')} {rng.choice(GROUP_SUFFIXES)}"
                    if for_group
                    else ""
                )
                name = f"{first} {last}"
                description = ASKS[topic]
                place = "" if area else rng.choice(["Ashford", "Bridgwater", "Crewe"])
                token_hash, expires, revoked, removed = "", None, None, None
                if email:
                    token_hash = f"{rng.getrandbits(256):064x}"
                    expires = created + datetime.timedelta(days=settings.NFC_FOLLOW_LINK_DAYS)
                closed_at = steps[-1][2] if steps else created
                if status in ("resolved", "closed") and closed_at + retention < now:
                    # What the daily retention job would have done by now.
                    removed = min(closed_at + retention + datetime.timedelta(days=1), now)
                    name = description = REMOVED
                    email = phone = place = token_hash = ""
                    revoked = removed
                self.request_references.append(reference())
                self.request_steps.append(steps)
                self.request_area.append(area.pk if area else None)
                self.request_created.append(created)
                self.request_adviser.append(adviser.pk if adviser else None)
                told = _at(created + datetime.timedelta(minutes=1))
                yield "\t".join(
                    [
                        self.request_references[-1],
                        "",
                        place,
                        topic,
                        description,
                        "t" if for_group else "f",
                        group,
                        name,
                        email,
                        phone,
                        ContactBy.EMAIL if email or not phone else ContactBy.PHONE,
                        _at(created),
                        version,
                        status,
                        _null(area.pk if area else None),
                        _null(adviser.pk if adviser else None),
                        _at(created),
                        _null(first_contact and _at(first_contact)),
                        _null(resolved and _at(resolved)),
                        told if email else "\\N",
                        told if adviser else "\\N",
                        token_hash,
                        _null(expires and _at(expires)),
                        _null(revoked and _at(revoked)),
                        _null(removed and _at(removed)),
                    ]
                )

        count = copy_rows(
            "casework_supportrequest",
            [
                "reference",
                "postcode",
                "place",
                "topic",
                "description",
                "for_group",
                "group_name",
                "name",
                "email",
                "phone",
                "contact_by",
                "consented_at",
                "privacy_notice_version",
                "status",
                "area_id",
                "assigned_to_id",
                "created_at",
                "first_contact_at",
                "resolved_at",
                "acknowledgement_sent_at",
                "adviser_told_at",
                "follow_token_hash",
                "follow_expires_at",
                "follow_revoked_at",
                "details_removed_at",
            ],
            rows(),
        )
        # COPY gives ids in row order; read them back rather than assume it.
        ids = dict(SupportRequest.objects.values_list("reference", "pk"))
        self.request_ids = [ids[ref] for ref in self.request_references]
        return count

    def status_changes(self) -> int:
        def rows():
            for request_id, steps, adviser in zip(
                self.request_ids, self.request_steps, self.request_adviser, strict=True
            ):
                by = _null(adviser)
                for previous, status, at in steps:
                    yield f"{previous}\t{status}\t\t{by}\t{request_id}\t{_at(at)}"

        return copy_rows(
            "casework_statuschange",
            ["from_status", "to_status", "note", "changed_by_id", "support_request_id"]
            + ["changed_at"],
            rows(),
        )

    def _requests_by_area(self) -> dict[int, tuple[list[datetime.date], list[int]]]:
        """Each area's requests in date order: (their dates, their ids)."""
        by_area: dict[int, list[tuple[datetime.date, int]]] = {}
        for request_id, area_id, created in zip(
            self.request_ids, self.request_area, self.request_created, strict=True
        ):
            if area_id is not None:
                by_area.setdefault(area_id, []).append((created.date(), request_id))
        result = {}
        for area_id, pairs in by_area.items():
            pairs.sort()
            result[area_id] = ([d for d, _ in pairs], [i for _, i in pairs])
        return result

    def interactions(self) -> int:
        """Spread over each area's years; notes of varied, realistic words,
        so full-text search has something to chew on."""
        rng = self.rng
        by_area = self._requests_by_area()
        kinds = Interaction.Kind.values
        topic_values = InteractionTopic.values
        topic_sets = [
            json.dumps(rng.sample(topic_values, k=rng.choice([1, 1, 2, 3]))) for _ in range(400)
        ]
        minutes = ["30", "45", "60", "90", "120", "\\N"]

        def rows():
            for _ in range(self.sizes.interactions):
                area = self.pick_area()
                span = (self.today - area.joined_on).days
                day = area.joined_on + datetime.timedelta(days=int(rng.random() * (span + 1)))
                if rng.random() < 0.4:
                    by = self.worker_of[area.pk].pk
                else:
                    by = self.adviser_on(area.pk, day).pk
                request = "\\N"
                if rng.random() < 0.05 and area.pk in by_area:
                    dates, ids = by_area[area.pk]
                    before = bisect.bisect_right(dates, day)
                    if before:
                        request = ids[before - 1 - int(rng.random() * min(before, 5))]
                residents = int(rng.random() * 26)
                new = int(rng.random() * (residents // 3 + 1))
                notes = (
                    f"{OPENERS[int(rng.random() * len(OPENERS))]} "
                    f"{SUBJECTS[int(rng.random() * len(SUBJECTS))]}. "
                    f"{OUTCOMES[int(rng.random() * len(OUTCOMES))]}"
                )
                if rng.random() < 0.3:
                    notes += f" {OUTCOMES[int(rng.random() * len(OUTCOMES))]}"
                steps = (
                    NEXT_STEPS[int(rng.random() * len(NEXT_STEPS))] if rng.random() < 0.5 else ""
                )
                yield (
                    f"{area.pk}\t{request}\t{day.isoformat()}\t"
                    f"{kinds[int(rng.random() * len(kinds))]}\t{residents}\t{new}\t"
                    f"{minutes[int(rng.random() * len(minutes))]}\t"
                    f"{topic_sets[int(rng.random() * len(topic_sets))]}\t{notes}\t{steps}\t"
                    f"{by}\t{day.isoformat()} 18:00:00+00"
                )

        return copy_rows(
            "casework_interaction",
            ["area_id", "support_request_id", "date", "kind", "residents", "new_residents"]
            + ["minutes", "topics", "notes", "next_steps", "logged_by_id", "created_at"],
            rows(),
        )

    def actions(self) -> int:
        """Follow-ups: nearly all of the old ones done; of those due in the
        last three months some are still open, so some are overdue."""
        rng = self.rng
        by_area = self._requests_by_area()

        def rows():
            for _ in range(self.sizes.actions):
                area = self.pick_area()
                span = (self.today - area.joined_on).days
                created = area.joined_on + datetime.timedelta(days=int(rng.random() * (span + 1)))
                due = created + datetime.timedelta(days=rng.randint(7, 45))
                owner = (
                    self.worker_of[area.pk]
                    if rng.random() < 0.3
                    else self.adviser_on(area.pk, created)
                )
                overdue_days = (self.today - due).days
                done = None
                # Nearly all old follow-ups were done; recent ones less often.
                if overdue_days > 90:
                    is_done = rng.random() < 0.995
                elif overdue_days > 0:
                    is_done = rng.random() < 0.7
                else:
                    is_done = rng.random() < 0.2
                if is_done:
                    done_on = min(due + datetime.timedelta(days=rng.randint(-5, 10)), self.today)
                    done_on = max(done_on, created)
                    done = f"{done_on.isoformat()} 16:00:00+00"
                request = "\\N"
                if rng.random() < 0.2 and area.pk in by_area:
                    dates, ids = by_area[area.pk]
                    before = bisect.bisect_right(dates, created)
                    if before:
                        request = ids[before - 1]
                yield (
                    f"{area.pk}\t{request}\t{rng.choice(ACTIONS)}\t{owner.pk}\t"
                    f"{due.isoformat()}\t{_null(done)}\t{owner.pk}\t"
                    f"{created.isoformat()} 11:00:00+00"
                )

        return copy_rows(
            "casework_action",
            ["area_id", "support_request_id", "description", "owner_id", "due_on", "done_at"]
            + ["created_by_id", "created_at"],
            rows(),
        )

    def referrals(self) -> int:
        rng = self.rng
        partners = Partner.objects.bulk_create(
            [
                Partner(
                    name=name,
                    expertise=[str(e) for e in expertise],
                    email=f"referrals{n}@partners.example.org",
                    capacity_days=Decimal(rng.choice([40, 60, 100])),
                )
                for n, (name, expertise) in enumerate(PARTNERS)
            ]
        )
        referrals = []
        for _ in range(self.sizes.referrals):
            area = self.pick_area()
            partner = rng.choice(partners)
            span = (self.today - area.joined_on).days
            requested = area.joined_on + datetime.timedelta(days=rng.randint(0, span))
            referral = Referral(
                area=area,
                partner=partner,
                help_asked="Help with the group's plans.",
                requested_on=requested,
                created_by=self.adviser_on(area.pk, requested),
                partner_told_at=self.now,
            )
            if requested < self.today - datetime.timedelta(days=14) and rng.random() < 0.85:
                referral.status = Referral.Status.ACCEPTED
                referral.accepted_on = requested + datetime.timedelta(days=rng.randint(1, 14))
                if referral.accepted_on < self.today - datetime.timedelta(days=60):
                    referral.status = Referral.Status.OUTCOME_RECORDED
                    referral.delivered_on = referral.accepted_on + datetime.timedelta(days=30)
                    referral.outcome_recorded_on = referral.delivered_on
                    referral.days_used = Decimal(rng.choice(["0.5", "1", "2"]))
                    referral.cost = Decimal(rng.choice([0, 250, 600]))
                    referral.outcome = "The group has what it needed to go on."
                    referral.group_rating = rng.randint(3, 5)
            referrals.append(referral)
        Referral.objects.bulk_create(referrals, batch_size=1000)
        return len(partners) + len(referrals)

    def connections(self) -> int:
        """Connections between areas, each recorded by one area's adviser on
        a day both were in the programme; a pair once a topic, as the
        database holds it."""
        rng = self.rng
        topics = [value for value, _ in TOPIC_CHOICES]
        made: dict[tuple[int, int, str], Connection] = {}
        for _ in range(self.sizes.connections):
            area_a, area_b = sorted((self.pick_area(), self.pick_area()), key=lambda a: a.pk)
            topic = rng.choice(topics)
            if area_a.pk == area_b.pk or (area_a.pk, area_b.pk, topic) in made:
                continue
            since = max(area_a.joined_on, area_b.joined_on)
            made_on = since + datetime.timedelta(days=rng.randint(0, (self.today - since).days))
            made[area_a.pk, area_b.pk, topic] = Connection(
                area_a=area_a,
                area_b=area_b,
                topic=topic,
                origin=rng.choice(Connection.Origin.values),
                made_on=made_on,
                followed_up=rng.random() < 0.4,
                recorded_by=self.adviser_on(area_a.pk, made_on),
            )
        Connection.objects.bulk_create(made.values(), batch_size=1000)
        return len(made)

    # Ten years of events and the people registered for them: COPY.

    def events(self) -> int:
        """A national event a year (the last one two days ago, so its
        check-in is still open; the next in three months, filling up), and
        regional and virtual events, visits between areas and training
        series spread over the ten years and the next six months. Nearly all
        published, a few cancelled, a few of the coming ones still drafts.
        Each has one to three topics; a visit its visiting areas; a training
        series its weekly sessions."""
        rng = self.rng
        now = self.now
        horizon_days = (self.today - self.start).days + 180
        regions = Region.values
        region_labels = dict(Region.choices)
        topics = [value for value, _ in TOPIC_CHOICES]
        topic_labels = dict(TOPIC_CHOICES)
        by_region: dict[str, list[Area]] = {}
        for area in self.programme_areas:
            by_region.setdefault(area.region, []).append(area)
        slugs: set[str] = set()
        # What the registrations need to know of each event, in row order.
        self.event_plan: list[dict] = []

        def slug(title: str) -> str:
            while True:
                tail = "".join(rng.choices(REFERENCE_ALPHABET, k=6)).lower()
                value = f"{slugify(title)[:60].strip('-')}-{tail}"
                if value not in slugs:
                    slugs.add(value)
                    return value

        def at(day: datetime.date, hour: int) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(hour), datetime.UTC)

        nationals = [
            self.today - datetime.timedelta(days=2 + 365 * y) for y in range(self.sizes.years)
        ]
        nationals.append(self.today + datetime.timedelta(days=100))
        kinds = ["regional", "virtual", "visit", "training"]
        kind_weights = [40, 25, 20, 15]
        plans = [("national", day) for day in nationals]
        for _ in range(max(0, self.sizes.events - len(plans))):
            day = self.start + datetime.timedelta(days=int(rng.random() * horizon_days))
            plans.append((rng.choices(kinds, weights=kind_weights)[0], day))
        plans.sort(key=lambda plan: plan[1])

        event_rows, topic_rows, session_rows, area_rows = [], [], [], []
        for kind, day in plans:
            region, host, visitors, sessions = "", None, [], []
            topic = rng.choice(topics)
            if kind == "visit":
                hosts = [a for a in self.programme_areas if a.joined_on <= day]
                if len(hosts) < 2:
                    kind = "regional"
                else:
                    host = rng.choice(hosts)
                    region = host.region
                    near = [a for a in by_region[host.region] if a.pk != host.pk and a in hosts]
                    visitors = rng.sample(
                        near or hosts, k=min(len(near or hosts), rng.randint(1, 3))
                    )
                    visitors = [a for a in visitors if a.pk != host.pk] or [
                        next(a for a in hosts if a.pk != host.pk)
                    ]
            if kind != "national" and not region:
                region = rng.choice(regions)
            online = kind == "virtual"
            if kind == "national":
                title = f"NfC national gathering {day.year}"
                starts, ends, capacity = at(day, 9), at(day, 17), 2_000
            elif kind == "regional":
                title = f"{region_labels[region]} network day: {topic_labels[topic]}"
                starts = at(day, rng.choice([9, 10, 13]))
                ends, capacity = starts + datetime.timedelta(hours=4), rng.choice([40, 60, 80, 120])
            elif kind == "virtual":
                title = f"Online: {topic_labels[topic]}"
                starts = at(day, rng.choice([12, 18]))
                ends, capacity = (
                    starts + datetime.timedelta(hours=1, minutes=30),
                    rng.choice([50, 100, 200]),
                )
            elif kind == "visit":
                title = f"Visit to {host.name}"
                starts, ends, capacity = at(day, 10), at(day, 15), rng.choice([10, 15, 25])
            else:
                title = f"{rng.choice(COURSES)} course ({region_labels[region]})"
                starts = at(day, 18)
                for week in range(rng.randint(3, 6)):
                    begins = starts + datetime.timedelta(weeks=week)
                    sessions.append(
                        (f"Session {week + 1}", begins, begins + datetime.timedelta(hours=2))
                    )
                ends, capacity = sessions[-1][2], rng.choice([12, 16, 20])
            created = starts - datetime.timedelta(days=75)
            # Published two months ahead (the national event five); a few
            # of the coming ones are still drafts.
            published = starts - datetime.timedelta(days=150 if kind == "national" else 60)
            if published > now or starts > now and rng.random() < 0.03:
                published = None
            cancelled = None
            if published and kind != "national" and rng.random() < 0.02:
                cancelled = min(starts - datetime.timedelta(days=10), now)
            if host is not None:
                organiser = self.adviser_on(host.pk, day).pk
            elif kind in ("regional", "training") and by_region.get(region):
                organiser = self.adviser_on(
                    rng.choice(by_region[region]).pk, max(day, self.start)
                ).pk
            else:
                organiser = self.manager.pk
            invited = "everyone"
            if kind == "visit":
                invited = "areas"
            elif kind in ("regional", "training") and rng.random() < 0.5:
                invited = "region"
            venue = (
                ""
                if online
                else (
                    f"{host.name} Community Centre"
                    if host
                    else f"{region_labels.get(region, 'Birmingham')} Conference Centre"
                )
            )
            self.event_plan.append(
                {
                    "kind": kind,
                    "starts": starts,
                    "ends": ends,
                    "capacity": capacity,
                    "region": region,
                    "host": host,
                    "visitors": visitors,
                    "published": published,
                    "online": online,
                    "organiser": organiser,
                    "closes": starts - datetime.timedelta(days=1),
                    "sessions": sessions,
                    "topics": [
                        topic,
                        *rng.sample([t for t in topics if t != topic], k=rng.choice([0, 0, 1, 2])),
                    ],
                }
            )
            event_rows.append(
                "\t".join(
                    [
                        slug(title),
                        kind,
                        title,
                        f"{topic_labels[topic]}: meet people from other neighbourhoods "
                        "and share what works.",
                        _at(starts),
                        _at(ends),
                        "t" if online else "f",
                        venue,
                        "" if online else "1 High Street\\nTown centre",
                        "" if online else "Step-free entrance, hearing loop, accessible toilets.",
                        "https://meet.example.org/nfc" if online else "",
                        region,
                        invited,
                        _null(host.pk if host else None),
                        str(capacity),
                        _at(starts - datetime.timedelta(days=1)),
                        str(organiser),
                        _null(published and _at(published)),
                        _null(cancelled and _at(cancelled)),
                        "The venue is closed." if cancelled else "",
                        _at(created),
                    ]
                )
            )
        count = copy_rows(
            "events_event",
            ["slug", "kind", "title", "summary", "starts_at", "ends_at", "online", "venue_name"]
            + ["venue_address", "accessibility_notes", "joining_link", "region", "invited"]
            + ["host_area_id", "capacity", "registration_closes_at", "organiser_id"]
            + ["published_at", "cancelled_at", "cancellation_reason", "created_at"],
            event_rows,
        )
        # COPY gives ids in row order; read them back rather than assume it.
        ids = dict(Event.objects.values_list("slug", "pk"))
        for plan, row in zip(self.event_plan, event_rows, strict=True):
            plan["pk"] = ids[row.split("\t", 1)[0]]
            topic_rows += [f"{plan['pk']}\t{topic}" for topic in plan["topics"]]
            session_rows += [
                f"{plan['pk']}\t{title}\t{_at(begins)}\t{_at(finishes)}"
                for title, begins, finishes in plan["sessions"]
            ]
            area_rows += [f"{plan['pk']}\t{area.pk}" for area in plan["visitors"]]
        count += copy_rows("events_eventtopic", ["event_id", "topic"], topic_rows)
        count += copy_rows(
            "events_eventsession", ["event_id", "title", "starts_at", "ends_at"], session_rows
        )
        count += copy_rows("events_event_areas", ["event_id", "area_id"], area_rows)
        return count

    def registrations(self) -> int:
        """About thirty people an event, and some 1,800 at each national
        event: confirmed while places last, then the waitlist; some cancel.
        At events past, most people with a place were checked in, and at
        those in person a few came without registering (walk-ins). A year
        after an event its people's details are gone, as the retention job
        would have removed them."""
        rng = self.rng
        now = self.now
        retention = datetime.timedelta(days=settings.NFC_EVENT_RETENTION_DAYS)
        version = settings.NFC_PRIVACY_NOTICE_VERSION
        by_region: dict[str, list[Area]] = {}
        for area in self.programme_areas:
            by_region.setdefault(area.region, []).append(area)
        published = [plan for plan in self.event_plan if plan["published"]]
        national_each = min(1_800, self.sizes.registrations // 30)
        nationals = [plan for plan in published if plan["kind"] == "national"]
        others = [plan for plan in published if plan["kind"] != "national"]
        weights = []
        for plan in others:
            # A coming event has had only part of its time to fill up.
            opened = (now - plan["published"]) / (plan["closes"] - plan["published"])
            # One in ten is popular: more people than places, so a waitlist.
            demand = rng.uniform(2.5, 3.5) if rng.random() < 0.1 else rng.uniform(0.3, 1.1)
            weights.append(plan["capacity"] * demand * max(0.0, min(1.0, opened)))
        rest = max(0, self.sizes.registrations - national_each * len(nationals))
        counts = [national_each] * len(nationals) + _apportion(rest, weights, rng)
        people = itertools.count()

        def rows():
            for plan, n in zip(nationals + others, counts, strict=True):
                if not n:
                    continue
                opens, until = plan["published"], min(plan["closes"], now)
                span = max(1, int((until - opens).total_seconds()))
                past = plan["ends"] < now
                removed = None
                if plan["ends"] + retention < now:
                    removed = _at(min(plan["ends"] + retention + datetime.timedelta(days=1), now))
                walk_ins = n // 20 if past and not plan["online"] else 0
                moments = sorted(
                    opens + datetime.timedelta(seconds=int(rng.random() * span))
                    for _ in range(n - walk_ins)
                )
                if plan["host"] is not None:
                    local = [plan["host"], *plan["visitors"]]
                elif plan["kind"] in ("regional", "training"):
                    local = by_region.get(plan["region"]) or self.programme_areas
                else:
                    local = self.programme_areas
                came = 0.6 if plan["online"] else 0.8
                placed = 0
                for k in range(n):
                    walk_in = k >= n - walk_ins
                    created = plan["starts"] if walk_in else moments[k]
                    status, confirmed, waitlisted, cancelled = "confirmed", created, None, None
                    if walk_in:
                        pass
                    elif rng.random() < 0.08:
                        status = "cancelled"
                        later = created + datetime.timedelta(days=rng.randint(1, 20))
                        cancelled = min(later, plan["starts"], now)
                    elif placed < plan["capacity"]:
                        placed += 1
                    else:
                        status, confirmed, waitlisted = "waitlisted", None, created
                    checked_in = None
                    if past and status == "confirmed" and (walk_in or rng.random() < came):
                        checked_in = plan["starts"] + datetime.timedelta(
                            minutes=rng.randint(-20, 45)
                        )
                    n_person = next(people)
                    name = email = phone = access = dietary = salt = token = ""
                    if removed is None:
                        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                        name = f"{first} {last}"
                        if not walk_in:
                            reach = rng.random()
                            if reach < 0.8:
                                email = f"{first.lower()}.{last.lower()}{n_person}@example.org"
                            if reach > 0.6:
                                phone = f"07700 9{n_person % 100_000:05d}"
                            token = f"{rng.getrandbits(256):064x}"
                            salt = f"{rng.getrandbits(128):032x}"
                        if rng.random() < 0.1:
                            access = "Step-free access, please."
                        if not plan["online"] and rng.random() < 0.2:
                            dietary = rng.choice(["Vegetarian", "Halal", "No nuts"])
                    area = rng.choice(local).pk if rng.random() < 0.85 else None
                    told = _at(created + datetime.timedelta(minutes=1))
                    feedback_sent = None
                    if checked_in and plan["ends"] + datetime.timedelta(days=1) < now:
                        feedback_sent = _at(plan["ends"] + datetime.timedelta(days=1))
                    yield "\t".join(
                        [
                            str(plan["pk"]),
                            name,
                            _null(area),
                            email,
                            phone,
                            access,
                            dietary,
                            _at(created),
                            version,
                            status,
                            _at(created),
                            _null(confirmed and _at(confirmed)),
                            _null(waitlisted and _at(waitlisted)),
                            _null(cancelled and _at(cancelled)),
                            "person" if cancelled else "",
                            token,
                            _at(plan["ends"]),
                            _null(cancelled and _at(cancelled)),
                            salt,
                            told if status == "confirmed" and not walk_in else "\\N",
                            told if status == "waitlisted" else "\\N",
                            "",
                            _null(removed),
                            _null(checked_in and _at(checked_in)),
                            _null(checked_in and plan["organiser"]),
                            "t" if walk_in else "f",
                            "",
                            _null(feedback_sent),
                        ]
                    )

        return copy_rows(
            "events_registration",
            ["event_id", "name", "area_id", "email", "phone", "access_needs", "dietary_needs"]
            + ["consented_at", "privacy_notice_version", "status", "created_at", "confirmed_at"]
            + ["waitlisted_at", "cancelled_at", "cancelled_by", "manage_token_hash"]
            + ["manage_expires_at", "manage_revoked_at", "manage_link_salt"]
            + ["confirmation_sent_at", "waitlist_sent_at", "form_token_hash", "details_removed_at"]
            + ["checked_in_at", "checked_in_by_id", "walk_in", "feedback_token_hash"]
            + ["feedback_sent_at"],
            rows(),
        )

    def feedback(self) -> int:
        """About a third of the people checked in answered the feedback
        e-mail, most finding the event useful; a year on, their words are
        removed and the ratings kept. One INSERT ... SELECT."""
        cutoff = self.now - datetime.timedelta(days=settings.NFC_EVENT_RETENTION_DAYS)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO events_feedback
                    (registration_id, rating, useful, next_steps, submitted_at, words_removed_at)
                SELECT r.id,
                    CASE WHEN r.id %% 10 < 5 THEN 5 WHEN r.id %% 10 < 8 THEN 4
                         WHEN r.id %% 10 < 9 THEN 3 ELSE 2 END,
                    CASE WHEN e.ends_at < %(cutoff)s THEN ''
                         ELSE 'Hearing how another estate set up its food pantry.' END,
                    CASE WHEN e.ends_at < %(cutoff)s THEN ''
                         ELSE 'Ask our council about the empty shop on the parade.' END,
                    LEAST(e.ends_at + interval '1 day', %(now)s),
                    CASE WHEN e.ends_at < %(cutoff)s
                         THEN LEAST(e.ends_at + interval '366 days', %(now)s) END
                FROM events_registration r JOIN events_event e ON e.id = r.event_id
                WHERE r.checked_in_at IS NOT NULL AND r.status = 'confirmed'
                    AND r.feedback_sent_at IS NOT NULL AND r.id %% 20 < 7
                """,
                {"cutoff": cutoff, "now": self.now},
            )
            return cursor.rowcount

    def analyze(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return 0

    def vacuum_analyze(self) -> int:
        # VACUUM cannot run in a transaction; the loader runs in autocommit.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        return 0


def _apportion(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Split ``total`` into whole counts in proportion to ``weights``
    (largest remainders first, ties broken at random)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    exact = [total * w / whole for w in weights]
    counts = [int(x) for x in exact]
    left = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], rng.random()))
    for i in order[len(order) - left :]:
        counts[i] += 1
    return counts


def load(
    *,
    sizes: Sizes | None = None,
    seed: int = 2026,
    vacuum: bool = True,
    report: Callable[[str], None] = print,
) -> dict[str, tuple[int, float]]:
    """Load the bench's data into the (empty, migrated) database; each
    step's rows and seconds, and the total."""
    return Loader(sizes=sizes or Sizes(), seed=seed, report=report).run(vacuum=vacuum)
