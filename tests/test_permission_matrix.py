"""Who may open each staff page: one matrix of role × page × method, with the
expected answer read from the permission table (advisers.permissions).

Each staff page is declared once in PAGES below, with the NfC permissions its
view checks (its ``permission_required(...)`` and ``require_perm`` calls), the
methods it answers and how to build its address. For each role and method:

- a method the view does not answer gives 405, whoever asks;
- a role that holds every permission the page names gets a page (200) or is
  sent on (302), never a 403, a 404 or an error: what the page is about is in
  their scope (the adviser and the community worker work in the area);
- any other role gets 403.

POSTs carry no data: the question here is who gets in, not the forms.
A guard test fails when a page under /staff/ or /dashboard/ is
missing from PAGES, so a new page cannot ship without its row.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from advisers.navigation import destinations_for
from advisers.permissions import PERMISSIONS, has_perm
from advisers.tokens import api_token_create
from evaluation.outcomes import quarter_slug
from tests.scene import Scene
from tests.support import url_patterns

pytestmark = pytest.mark.django_db

# The personas of tests/conftest.py, one per role.
ROLES = ["adviser", "community_worker", "manager", "evaluator", "administrator"]
METHODS = ["GET", "POST"]
# Where the staff pages live; allauth's and the admin's pages are elsewhere,
# and the API has its own matrix (tests/api/test_matrix.py).
STAFF_PREFIXES = ("staff/", "dashboard/")

READ = frozenset({"GET"})  # @require_safe (or a DRF view with get() only)
WRITE = frozenset({"POST"})  # @require_POST
FORM = frozenset({"GET", "POST"})  # no method decorator: a form page


Kwargs = Callable[[Scene, object], dict]


def no_kwargs(scene, user):
    return {}


def area(scene, user):
    return {"ward_code": scene.area.ward_code}


def support_request(scene, user):
    return {"reference": scene.support_request.reference}


def referral(scene, user):
    return {"pk": scene.referral.pk}


def report(scene, user):
    return {"pk": scene.report.pk}


def event(scene, user):
    return {"slug": scene.event.slug}


@dataclass(frozen=True)
class Page:
    perms: tuple[str, ...]  # every one of them is needed
    methods: frozenset[str]
    kwargs: Kwargs = no_kwargs


# Every staff page: the permissions its view checks, what it answers, and
# how its address is made.
PAGES: dict[str, Page] = {
    # advisers/urls.py
    "advisers:home": Page(("portal.use",), READ),
    "advisers:caseloads": Page(("caseloads.manage",), READ),
    "advisers:time_record_add": Page(("time.record",), WRITE),
    "advisers:time_record_remove": Page(
        ("portal.use",), WRITE, lambda s, u: {"pk": s.time_record_of(u).pk}
    ),
    # Each person's own API tokens; another's is a 404 (tests/advisers/test_api_tokens.py).
    "advisers:api_tokens": Page(("portal.use",), FORM),
    # With no token just made, it sends the person back to the list.
    "advisers:api_token_made": Page(("portal.use",), READ),
    "advisers:api_token_revoke": Page(
        ("portal.use",),
        FORM,
        lambda s, u: {
            "pk": api_token_create(
                user=u,
                name="script",
                scope="read",
                expires_on=timezone.localdate() + datetime.timedelta(days=9),
            )[0].pk
        },
    ),
    # The dashboard; a region of it, or its CSV, needs "areas.view_all" too.
    "dashboard:index": Page(("dashboard.view",), READ),
    "dashboard:export": Page(("dashboard.view",), READ, lambda s, u: {"table": "delivery"}),
    "dashboard:region": Page(
        ("dashboard.view", "areas.view_all"), READ, lambda s, u: {"region": s.area.region}
    ),
    "dashboard:region_export": Page(
        ("dashboard.view", "areas.view_all"),
        READ,
        lambda s, u: {"region": s.area.region, "table": "delivery"},
    ),
    # Its long tables, a link from the first page; the caseloads are for
    # those who manage them, as their CSVs are.
    "dashboard:delivery": Page(("dashboard.view",), READ),
    "dashboard:caseloads": Page(("dashboard.view", "caseloads.manage"), READ),
    "dashboard:trends": Page(("dashboard.view",), READ),
    "dashboard:region_delivery": Page(
        ("dashboard.view", "areas.view_all"), READ, lambda s, u: {"region": s.area.region}
    ),
    "dashboard:region_caseloads": Page(
        ("dashboard.view", "areas.view_all", "caseloads.manage"),
        READ,
        lambda s, u: {"region": s.area.region},
    ),
    "dashboard:region_trends": Page(
        ("dashboard.view", "areas.view_all"), READ, lambda s, u: {"region": s.area.region}
    ),
    # areas/urls.py
    "areas:list": Page(("areas.view",), READ),
    "areas:export": Page(("areas.export",), READ),
    "areas:detail": Page(("areas.view",), READ, area),
    # The area's pages a click from its first page.
    "areas:casework": Page(("casework.view",), READ, area),
    "areas:events": Page(("events.view",), READ, area),
    "areas:time": Page(("areas.view",), READ, area),
    "areas:outcomes": Page(("outcomes.view",), READ, area),
    "areas:stage": Page(("areas.edit",), WRITE, area),
    "areas:stage_correct": Page(
        ("areas.correct_stages",), FORM, lambda s, u: {**area(s, u), "pk": s.stage_change.pk}
    ),
    "areas:assign": Page(("caseloads.manage",), FORM, area),
    "areas:join": Page(("caseloads.manage",), FORM, area),
    "areas:handover": Page(("areas.edit", "areas.view_notes"), READ, area),
    "areas:handover_note": Page(("areas.edit", "areas.view_notes"), FORM, area),
    "areas:facts": Page(("areas.edit",), FORM, area),
    "areas:partnership": Page(("areas.edit",), FORM, area),
    "areas:contact_add": Page(("areas.edit",), FORM, area),
    "areas:contact_remove": Page(
        ("areas.edit",), WRITE, lambda s, u: {**area(s, u), "pk": s.contact.pk}
    ),
    "areas:funding_add": Page(("areas.edit",), FORM, area),
    "areas:funding_edit": Page(
        ("areas.edit",), FORM, lambda s, u: {**area(s, u), "pk": s.funding_bid.pk}
    ),
    # evaluation/outcome_urls.py, under an area: a record to read (with its
    # history), and the form that records or corrects one.
    "outcomes:detail": Page(
        ("outcomes.view",),
        READ,
        lambda s, u: {**area(s, u), "quarter": quarter_slug(s.outcome_record.quarter)},
    ),
    "outcomes:record": Page(
        ("outcomes.record",), FORM, lambda s, u: {**area(s, u), "quarter": "baseline"}
    ),
    # casework/urls.py
    "casework:signposting": Page(("signposting.edit",), FORM),
    "casework:request_list": Page(("casework.view",), READ),
    "casework:search": Page(("casework.view",), READ),
    "casework:audit": Page(("audit.view",), READ),
    "casework:area_timeline": Page(("casework.view",), READ, area),
    "casework:request_detail": Page(("casework.view",), READ, support_request),
    "casework:request_move": Page(("casework.change",), WRITE, support_request),
    "casework:request_assign": Page(("casework.triage",), WRITE, support_request),
    "casework:request_link": Page(("casework.change",), WRITE, support_request),
    "casework:interaction_new": Page(("casework.log",), FORM),
    "casework:interaction_correct": Page(
        ("casework.log",), FORM, lambda s, u: {"pk": s.interaction_of(u).pk}
    ),
    "casework:interaction_remove": Page(
        ("casework.log",), WRITE, lambda s, u: {"pk": s.interaction_of(u).pk}
    ),
    "casework:my_actions": Page(("casework.log",), READ),
    "casework:action_new": Page(("casework.log",), FORM),
    "casework:action_done": Page(("casework.log",), WRITE, lambda s, u: {"pk": s.action_of(u).pk}),
    "casework:action_change": Page(("casework.log",), FORM, lambda s, u: {"pk": s.action_of(u).pk}),
    # Residents' data requests (casework/data_request_views.py); a POST with
    # nothing chosen gives the search page again, with its message.
    "casework:resident_data": Page(("residents.manage_data",), READ),
    "casework:resident_export": Page(("residents.manage_data",), WRITE),
    "casework:resident_erase": Page(("residents.manage_data",), WRITE),
    "casework:request_correct": Page(("residents.manage_data",), FORM, support_request),
    # casework/referral_urls.py
    "referrals:list": Page(("casework.view",), READ),
    "referrals:new": Page(("referrals.make",), FORM),
    "referrals:detail": Page(("casework.view",), READ, referral),
    "referrals:step": Page(("referrals.make",), WRITE, referral),
    "referrals:partner_list": Page(("casework.view",), READ),
    "referrals:partner_add": Page(("partners.manage",), FORM),
    "referrals:partner_edit": Page(("partners.manage",), FORM, lambda s, u: {"pk": s.partner.pk}),
    # events/urls.py: organising also asks may_organise_event (Hendon's
    # adviser may, for Hendon).
    "events:list": Page(("events.view",), READ),
    "events:new": Page(("events.organise",), FORM),
    "events:detail": Page(("events.view",), READ, event),
    "events:edit": Page(("events.organise",), FORM, event),
    "events:publish": Page(("events.organise",), WRITE, event),
    "events:cancel": Page(("events.organise",), FORM, event),
    "events:copy": Page(("events.organise",), WRITE, event),
    "events:registration_take_offer": Page(
        ("events.organise",),
        WRITE,
        lambda s, u: {
            "slug": s.event.slug,
            "pk": s.event.registrations.create(
                name="Pat",
                phone="0191 498 0000",
                status="offered",
                offered_at=timezone.now(),
                offer_expires_at=timezone.now() + datetime.timedelta(days=1),
                consented_at=timezone.now(),
                privacy_notice_version="1",
            ).pk,
        },
    ),
    "events:registration_cancel": Page(
        ("events.organise",),
        WRITE,
        lambda s, u: {
            "slug": s.event.slug,
            "pk": s.event.registrations.create(
                name="Pat",
                email="pat@example.org",
                status="confirmed",
                consented_at=timezone.now(),
                privacy_notice_version="1",
            ).pk,
        },
    ),
    # From "Residents' data": a person's registration, in the manager's scope.
    "events:registration_correct": Page(
        ("residents.manage_data",), FORM, lambda s, u: {"pk": s.registration.pk}
    ),
    # events/checkin_urls.py: checking in also asks may_check_in (the
    # organiser, or those who may organise it: Hendon's adviser may). A tick
    # or a walk-in before the day is refused in words, not by status.
    "events:checkin": Page(("events.check_in",), READ, event),
    "events:walk_in": Page(("events.check_in",), FORM, event),
    "events:checkin_tick": Page(
        ("events.check_in",),
        WRITE,
        lambda s, u: {**event(s, u), "pk": s.registration.pk},
    ),
    # Someone from Hendon checked in at an event; its adviser (and managers)
    # make a follow-up action from it.
    "events:attendance_action": Page(
        ("events.view_registrations", "casework.log"),
        FORM,
        lambda s, u: {"pk": s.attendance.pk},
    ),
    # events/network_urls.py: recording also asks may_record_connection
    # (Hendon's adviser may, for Hendon); a POST with nothing in it gives
    # the form again, or goes back to the network with a message.
    "events:network": Page(("connections.view",), READ),
    # Every pair the network page draws, a click away from it.
    "events:network_pairs": Page(("connections.view",), READ),
    # evaluation/records_urls.py: the records behind a report's figures.
    "figures:records": Page(("reports.view",), READ, lambda s, u: {"kind": "interactions"}),
    "events:connection_new": Page(("connections.record",), FORM),
    "events:connection_introduce": Page(("connections.record",), WRITE),
    "events:connection_followed_up": Page(
        ("connections.record",), WRITE, lambda s, u: {"pk": s.connection.pk}
    ),
    # evaluation/report_urls.py: fetched through Report.objects.visible_to.
    "reports:list": Page(("reports.view",), READ),
    "reports:start": Page(("reports.view", "reports.start"), FORM),
    "reports:detail": Page(("reports.view",), READ, report),
    "reports:status": Page(("reports.view",), READ, report),
    "reports:retry": Page(("reports.view", "reports.start"), WRITE, report),
    "reports:read": Page(("reports.view",), READ, report),
    "reports:download": Page(
        ("reports.view",), READ, lambda s, u: {"pk": s.report.pk, "kind": "pdf"}
    ),
}


def signed_in(user) -> Client:
    """A client whose session is what a full sign-in leaves: the password and,
    for the roles that need it, the authenticator app (UserFactory gives
    managers and administrators one, which is what the two-factor
    middleware checks)."""
    client = Client()
    client.force_login(user)
    session = client.session
    now = time.time()
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": now, "email": user.email},
        {"method": "mfa", "at": now, "type": "totp"},
    ]
    session.save()
    return client


def _sign_in_and_set_up_paths() -> tuple[str, ...]:
    return (reverse("account_login"), reverse("mfa_activate_totp"), reverse("mfa_authenticate"))


def _cases():
    for name in PAGES:
        for method in METHODS:
            for role in ROLES:
                yield pytest.param(role, method, name, id=f"{role}-{method}-{name}")


@pytest.mark.parametrize(("role", "method", "url_name"), list(_cases()))
def test_each_role_gets_what_the_permission_table_says(request, role, method, url_name):
    page = PAGES[url_name]
    user = request.getfixturevalue(role)
    url = reverse(url_name, kwargs=page.kwargs(Scene(request), user))

    response = signed_in(user).generic(method, url)

    # Whatever the answer, no browser or proxy keeps a copy of a staff page.
    assert "no-store" in response.get("Cache-Control", ""), f"{method} {url} may be stored"
    status = response.status_code
    if method not in page.methods:
        assert status == 405, f"{method} {url}: {status}, not 405"
    elif all(has_perm(user, perm) for perm in page.perms):
        assert status in (200, 302), f"{role} may {method} {url} ({page.perms}) but got {status}"
        if status == 302:
            assert not response.url.startswith(_sign_in_and_set_up_paths()), (
                f"{role} was sent to {response.url}"
            )
    else:
        assert status == 403, f"{role} lacks {page.perms} yet {method} {url} gave {status}"


def test_every_staff_page_is_in_the_matrix():
    staff = [
        (route, name)
        for route, name in (
            ("".join(str(part) for part in parts), name) for parts, name in url_patterns()
        )
        if route.startswith(STAFF_PREFIXES)
    ]
    unnamed = [route for route, name in staff if not name]
    assert not unnamed, f"Staff pages without a URL name cannot be checked: {unnamed}"
    names = {name for _, name in staff}
    assert not names - PAGES.keys(), f"Add these pages to PAGES: {sorted(names - PAGES.keys())}"
    assert not PAGES.keys() - names, f"No longer pages: {sorted(PAGES.keys() - names)}"


def test_the_matrix_names_only_known_permissions():
    for name, page in PAGES.items():
        assert page.perms, name
        assert set(page.perms) <= PERMISSIONS.keys(), name
        assert page.methods <= set(METHODS), name


@pytest.mark.parametrize("role", ROLES)
def test_the_menu_offers_only_pages_the_matrix_opens(request, role):
    user = request.getfixturevalue(role)
    for destination in destinations_for(user):
        page = PAGES.get(destination.url_name)
        if page is not None:
            assert all(has_perm(user, perm) for perm in page.perms), destination.url_name
