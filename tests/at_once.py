"""Two people doing the same thing at the same moment, each on their own
database connection: the races the portal must settle with a clear answer
for each of them, never a server error.

The same races run on PostgreSQL (tests/nfc/test_at_once.py, in threads of
the test process) and on an SQLite file as `make run` uses it, in a child
process with the portal's own settings:
``DATABASE_URL=sqlite:////tmp/x.sqlite3 python manage.py shell -c
"from tests.at_once import main; main()"`` migrates a new database there,
runs every race and prints what each person saw, as JSON, on its last line.
"""

import contextlib
import json
import threading
import time
from collections.abc import Callable
from decimal import Decimal

from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from advisers import services
from advisers.models import (
    ADVISER_CASELOAD_CAP,
    COMMUNITY_WORKER_AREA_CAP,
    AdviserAssignment,
    CommunityWorkerAllocation,
)
from advisers.roles import Role
from casework import referrals
from casework.forms import HelpRequestForm
from casework.models import Partner, Referral, SupportRequest, Topic
from casework.public_views import HELP_SENT
from events.forms import NOT_SUPPORTED, RegistrationForm
from events.models import Registration
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory

# How long each person waits at their first write for the other to have read
# too. When the other cannot read yet (a lock holds them back, as it should)
# the first goes on alone after this.
RENDEZVOUS_SECONDS = 2

WRITES = ("INSERT", "UPDATE", "DELETE")


def at_once(*requests: Callable[[], object]) -> list:
    """Run each request in its own thread (so on its own connection), each
    held at its first write inside a transaction until every one of them has
    got that far: so each has read what it checks before anyone writes, the
    moment two people clicking together can meet."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(index: int, request: Callable[[], object]) -> None:
        waited = False

        def rendezvous(execute, sql, params, many, context):
            nonlocal waited
            if (
                not waited
                and context["connection"].in_atomic_block
                and sql.lstrip().upper().startswith(WRITES)
            ):
                waited = True
                with contextlib.suppress(threading.BrokenBarrierError):
                    barrier.wait(timeout=RENDEZVOUS_SECONDS)
            return execute(sql, params, many, context)

        try:
            with connection.execute_wrapper(rendezvous):
                answers[index] = request()
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def outcome(response, refusal: str = "") -> str:
    """What the person saw, in a word: saved (sent on), refused in the words
    expected, or the status code of anything else (a 500, say)."""
    if response.status_code == 302:
        return "saved"
    if response.status_code == 200 and refusal and refusal in response.text:
        return "refused in words"
    return f"answered {response.status_code}"


def signed_in(user) -> Client:
    """A client signed in as ``user`` before the race (signing in writes to
    the database too). A 500 comes back as a response to look at, as the
    person would see it."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# --- The races -------------------------------------------------------------
# Each sets up its own people and areas, runs the race, and returns what each
# person saw (sorted) and how many places, days or requests were taken.


def adviser_last_place() -> dict:
    """Two managers name the same adviser, who has one place left, for two
    areas."""

    adviser = UserFactory(role=Role.ADVISER, full_name="Nearly Full")
    for _ in range(ADVISER_CASELOAD_CAP - 1):
        services.area_assign_adviser(area=AreaFactory(), adviser=adviser, by=None)
    areas = [AreaFactory(), AreaFactory()]
    managers = [signed_in(UserFactory(role=Role.MANAGER)) for _ in range(2)]
    today = timezone.localdate().isoformat()

    def name(n):
        return lambda: managers[n].post(
            f"/staff/areas/{areas[n].ward_code}/people/",
            {"assign_adviser": "", "adviser": adviser.pk, "on": today, "reason": ""},
        )

    responses = at_once(name(0), name(1))
    refusal = f"{adviser} already has {ADVISER_CASELOAD_CAP} areas"
    return {
        "seen": sorted(outcome(response, refusal) for response in responses),
        "taken": AdviserAssignment.objects.current().filter(adviser=adviser).count(),
    }


def community_worker_last_place() -> dict:
    """Two managers give the same community worker, who has one place left,
    two areas."""

    worker = UserFactory(role=Role.COMMUNITY_WORKER, full_name="Nearly Busy")
    for _ in range(COMMUNITY_WORKER_AREA_CAP - 1):
        services.area_allocate_community_worker(area=AreaFactory(), worker=worker, by=None)
    areas = [AreaFactory(), AreaFactory()]
    managers = [signed_in(UserFactory(role=Role.MANAGER)) for _ in range(2)]
    today = timezone.localdate().isoformat()

    def allocate(n):
        return lambda: managers[n].post(
            f"/staff/areas/{areas[n].ward_code}/people/",
            {
                "allocate_worker": "",
                "worker": worker.pk,
                "days_per_month": "2",
                "on": today,
                "reason": "",
            },
        )

    responses = at_once(allocate(0), allocate(1))
    refusal = f"{worker} already works in {COMMUNITY_WORKER_AREA_CAP} areas"
    return {
        "seen": sorted(outcome(response, refusal) for response in responses),
        "taken": CommunityWorkerAllocation.objects.current().filter(worker=worker).count(),
    }


def partner_last_days() -> dict:
    """Two advisers record, at once, deliveries that each use all of a
    partner's two days left this year."""

    partner = Partner.objects.create(
        name="Last Days Planning", expertise=["planning"], capacity_days=Decimal("2")
    )
    advisers = [UserFactory(role=Role.ADVISER), UserFactory(role=Role.ADVISER)]
    accepted = []
    for adviser in advisers:
        area = AreaFactory()
        services.area_assign_adviser(area=area, adviser=adviser, by=None)
        referral = referrals.referral_request(
            area=area, partner=partner, help_asked="A neighbourhood plan", by=adviser
        )
        accepted.append(
            referrals.referral_move(referral=referral, to_status="accepted", by=adviser)
        )
    today = timezone.localdate().isoformat()
    clients = [signed_in(adviser) for adviser in advisers]

    def deliver(n):
        return lambda: clients[n].post(
            f"/staff/referrals/{accepted[n].pk}/step/",
            {"to_status": "delivered", "on": today, "days_used": "2", "cost": ""},
        )

    responses = at_once(deliver(0), deliver(1))
    refusal = f"{partner.name} has 0 days left in {timezone.localdate().year}"
    used = Referral.objects.filter(partner=partner, status=Referral.Status.DELIVERED)
    return {
        "seen": sorted(outcome(response, refusal) for response in responses),
        "taken": sum(referral.days_used for referral in used),
    }


def help_form_post(client: Client, *, area, started: str, n: int = 0):
    """A resident's post of the help form, with the page's token ``started``."""
    return client.post(
        "/help/",
        {
            "postcode": "",
            "place": "",
            "area": str(area.pk),
            "topic": Topic.PLAN,
            "description": "We want to start a community garden on the old green.",
            "for_group": "no",
            "group_name": "",
            "name": f"Resident {n}",
            "email": f"resident{n}@example.org",
            "phone": "",
            "contact_by": "email",
            "consent_contact": "on",
            "consent_privacy": "on",
            "nfc_trap": "",
            "started": started,
        },
        REMOTE_ADDR=f"192.0.2.{n + 1}",
    )


def a_minute_ago() -> str:
    """A help form's token, as if the page had been open a minute."""
    return HelpRequestForm.started_token(shown_at=time.time() - 60)


def two_help_requests() -> dict:
    """Two residents of one area send the help form at the same moment."""

    area = AreaFactory()
    services.area_assign_adviser(area=area, adviser=UserFactory(role=Role.ADVISER), by=None)

    def send(n):
        started = a_minute_ago()
        return lambda: help_form_post(
            Client(raise_request_exception=False), area=area, started=started, n=n
        )

    responses = at_once(send(0), send(1))
    return {
        "seen": sorted(outcome(response) for response in responses),
        "taken": SupportRequest.objects.filter(area=area).count(),
    }


def one_help_form_sent_twice() -> dict:
    """A resident's double click: the same form, with the same token, sent
    twice at the same moment. Both posts are answered with the one request
    (the reference both are shown is counted)."""

    area = AreaFactory()
    services.area_assign_adviser(area=area, adviser=UserFactory(role=Role.ADVISER), by=None)
    started = a_minute_ago()
    # One browser: one session, as a double click sends.
    browser = Client(raise_request_exception=False)

    def send():
        response = help_form_post(browser, area=area, started=started)
        shown = None
        if response.status_code == 302:
            # What the sent page will read from the cookie the answer set.
            sent_page = RequestFactory().get("/help/sent/")
            sent_page.COOKIES[HELP_SENT.name] = response.cookies[HELP_SENT.name].value
            shown = HELP_SENT.read(sent_page)
        return response, shown

    answers = at_once(send, send)
    return {
        "seen": sorted(outcome(response) for response, _ in answers),
        "taken": SupportRequest.objects.filter(area=area).count(),
        "references shown": len({shown for _, shown in answers}),
    }


def two_residents_last_event_place() -> dict:
    """Two residents register at the same moment for an event with one place
    left: one gets it, the other is first on the waitlist."""

    event = EventFactory(published=True, capacity=2)
    RegistrationFactory(event=event)

    def send(n):
        started = RegistrationForm.started_token(shown_at=time.time() - 60)
        data = {
            "name": f"Resident {n}",
            "area": NOT_SUPPORTED,
            "email": f"resident{n}@example.org",
            "phone": "",
            "access_needs": "",
            "dietary_needs": "",
            "consent_privacy": "on",
            "nfc_trap": "",
            "started": started,
        }
        return lambda: Client(raise_request_exception=False).post(
            f"/events/{event.slug}/", data, REMOTE_ADDR=f"192.0.2.{n + 1}"
        )

    responses = at_once(send(0), send(1))
    statuses = list(Registration.objects.filter(event=event).values_list("status", flat=True))
    return {
        "seen": sorted(outcome(response) for response in responses),
        "taken": statuses.count(Registration.Status.CONFIRMED),
        "waitlisted": statuses.count(Registration.Status.WAITLISTED),
    }


RACES = {
    "adviser_last_place": adviser_last_place,
    "community_worker_last_place": community_worker_last_place,
    "partner_last_days": partner_last_days,
    "two_help_requests": two_help_requests,
    "one_help_form_sent_twice": one_help_form_sent_twice,
    "two_residents_last_event_place": two_residents_last_event_place,
}

# What each person must see, and what must have been taken, whichever
# database the portal runs on.
EXPECTED = {
    "adviser_last_place": {"seen": ["refused in words", "saved"], "taken": 10},
    "community_worker_last_place": {"seen": ["refused in words", "saved"], "taken": 5},
    "partner_last_days": {"seen": ["refused in words", "saved"], "taken": 2},
    "two_help_requests": {"seen": ["saved", "saved"], "taken": 2},
    "one_help_form_sent_twice": {"seen": ["saved", "saved"], "taken": 1, "references shown": 1},
    "two_residents_last_event_place": {"seen": ["saved", "saved"], "taken": 2, "waitlisted": 1},
}


def main() -> None:
    """Run every race on the database in the settings (a new SQLite file, in
    the child process), and print what each person saw."""
    call_command("migrate", verbosity=0)
    results = {}
    for name, race in RACES.items():
        result = race()
        results[name] = {**result, "taken": int(result["taken"])}
    print(json.dumps(results))
