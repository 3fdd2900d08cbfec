"""Who may do what: the one place that decides.

Roles are organisation-wide; scope (which areas a person works in) comes
from their assignments and is applied by each model's ``visible_to()``
queryset, which asks this module what the person's role may reach. HTML
views call ``require_perm`` (or use ``@permission_required``); API views use
``HasRolePermission``; templates read ``has_perm`` through the navigation,
and the rules about one record (who may change an action, correct an interaction, remove a time
record) through the filters in ``advisers.templatetags.nfc_permissions``,
which call the same helpers as the views. Tests check the whole table as
one matrix.

This module imports only ``advisers.roles``: every model may import it.
"""

import datetime
from collections.abc import Iterable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from rest_framework.permissions import SAFE_METHODS, BasePermission

from advisers.roles import Role

# Every permission the portal knows, with what it lets a person do.
PERMISSIONS = {
    "portal.use": "Sign in and use the staff pages",
    "accounts.manage": "Invite staff, change roles and close accounts (the admin site)",
    "areas.view": "See the areas in their scope",
    "areas.view_all": "See every area, not only those they are assigned to",
    "areas.view_contacts": "See the names and contact details of an area's people",
    "areas.view_notes": (
        "Read what staff write about an area: its notes, the notes on its stages and time, "
        "why a stage change was withdrawn, what each funding bid is for"
    ),
    "areas.edit": "Change an area's stage, partnership, contacts and funding",
    "areas.export": "Download area lists as CSV",
    "areas.correct_stages": "Correct the date of a stage change, or withdraw one made in error",
    "caseloads.manage": "Assign advisers and community workers to areas",
    "dashboard.view": "See the dashboard: delivery, requests, actions and funding in their scope",
    "time.record": "Record the time they give their own areas",
    "time.correct": "Record or correct time for anybody",
    "signposting.edit": "Change the words that tell people outside our areas who else can help",
    "casework.view": "See residents' requests for their areas (or all, for managers)",
    "casework.change": "Move a request through its stages",
    "casework.triage": "See every request and choose who answers it",
    "casework.log": "Log interactions and follow-up actions for their areas",
    "audit.view": "See the audit history: who changed what in case data, and when",
    "referrals.make": "Refer their areas to specialist partners and record each step",
    "partners.manage": "Add specialist partners and change their expertise and capacity",
    "residents.manage_data": (
        "Answer residents' requests about their data (the privacy notice's rights): "
        "find their records, export them, correct their details and erase them"
    ),
    "events.view": "See networking events and how many are registered",
    "events.view_registrations": (
        "See who registered for the events they may organise: names, contact details, needs"
    ),
    "events.organise": (
        "Create, change, publish, cancel and copy events (advisers: for their own areas)"
    ),
    "events.check_in": (
        "Check people in at the events they organise or may organise, and add walk-ins"
    ),
    "connections.view": (
        "See the network between areas: connections recorded, links made at events, "
        "and areas with no connection"
    ),
    "connections.record": (
        "Record a connection between two areas, or introduce an area to a peer "
        "(advisers: one of the two areas their own)"
    ),
    "outcomes.view": "See areas' baselines and quarterly outcome records, and their history",
    "outcomes.record": (
        "Record and correct an area's baseline and quarterly outcomes "
        "(advisers: for their own areas)"
    ),
    "reports.view": (
        "Read evaluation reports and download them "
        "(advisers and community workers: their own areas' reports)"
    ),
    "reports.start": "Start an evaluation report (regional leads: for their region)",
}

CAN: dict[str, frozenset[str]] = {
    Role.ADVISER: frozenset(
        {
            "portal.use",
            "areas.view",
            "areas.view_contacts",
            "areas.view_notes",
            "areas.edit",
            "time.record",
            "dashboard.view",
            "casework.view",
            "casework.change",
            "casework.log",
            "referrals.make",
            "events.view",
            "events.view_registrations",
            "events.organise",
            "events.check_in",
            "connections.view",
            "connections.record",
            "outcomes.view",
            "outcomes.record",
            "reports.view",
        }
    ),
    Role.COMMUNITY_WORKER: frozenset(
        {
            "portal.use",
            "areas.view",
            "areas.view_contacts",
            "areas.view_notes",
            "time.record",
            "dashboard.view",
            "casework.view",
            "casework.log",
            "events.view",
            "connections.view",
            "outcomes.view",
            "reports.view",
        }
    ),
    Role.MANAGER: frozenset(
        {
            "portal.use",
            "areas.view",
            "areas.view_all",
            "areas.view_contacts",
            "areas.view_notes",
            "areas.edit",
            "areas.export",
            "areas.correct_stages",
            "caseloads.manage",
            "dashboard.view",
            "time.correct",
            "signposting.edit",
            "casework.view",
            "casework.change",
            "casework.triage",
            "casework.log",
            "audit.view",
            "referrals.make",
            "partners.manage",
            # Erasure cannot be undone and an export holds everything about a
            # person: managers only, the people who answer for the programme's
            # records; advisers pass residents' requests to them.
            "residents.manage_data",
            "events.view",
            "events.view_registrations",
            "events.organise",
            "events.check_in",
            "connections.view",
            "connections.record",
            "outcomes.view",
            "outcomes.record",
            "reports.view",
            "reports.start",
        }
    ),
    # Evaluators see facts and figures, never people's contact details nor
    # what staff write (areas.view_notes); nor do administrators.
    # Both see events and their numbers, never who registered.
    Role.EVALUATOR: frozenset(
        {
            "portal.use",
            "areas.view",
            "areas.view_all",
            "areas.export",
            "events.view",
            "connections.view",
            "outcomes.view",
            "reports.view",
            "reports.start",
        }
    ),
    Role.ADMINISTRATOR: frozenset(
        {"portal.use", "accounts.manage", "areas.view", "areas.view_all", "events.view"}
    ),
}

# Permissions that, without "areas.view_all", reach only the areas a person
# is assigned to: checked against the object when one is given.
_SCOPED_TO_AREA = frozenset(
    {
        "areas.view",
        "areas.view_contacts",
        "areas.view_notes",
        "areas.edit",
        "areas.correct_stages",
        "time.record",
        "casework.log",
        "outcomes.view",
        "outcomes.record",
    }
)

# Apps whose records administrators keep on the Django admin site. The
# admin's model permissions of any other app are refused, so a model holding
# residents' details never appears there by accident. (nfc: webhooks.)
ADMIN_SITE_APPS = frozenset({"advisers", "mfa", "areas", "nfc"})
_ADMIN_ACTIONS = ("add_", "change_", "delete_", "view_")

# Roles that reach residents' details across the programme, or every
# account, must prove who they are with a second factor.
TWO_FACTOR_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


def has_perm(user, perm: str, obj=None) -> bool:
    """Whether ``user`` may do ``perm`` (to ``obj``, where scope matters).

    Besides the NfC's own permissions, the Django admin asks for its model
    permissions ("advisers.change_user"): administrators hold those for the
    apps in ADMIN_SITE_APPS. Any other name is a mistake in the code, and
    raises rather than quietly answering.
    """
    app_label, _, codename = perm.partition(".")
    is_admin_model_perm = perm not in PERMISSIONS and codename.startswith(_ADMIN_ACTIONS)
    if perm not in PERMISSIONS and not is_admin_model_perm:
        raise ValueError(f"Unknown permission {perm!r}: add it to advisers.permissions.")
    if not (user.is_authenticated and user.is_active):
        return False
    granted = CAN.get(user.role, frozenset())
    if is_admin_model_perm:
        return app_label in ADMIN_SITE_APPS and "accounts.manage" in granted
    if perm not in granted:
        return False
    if obj is not None and perm in _SCOPED_TO_AREA:
        return _reaches(user, granted, obj)
    return True


def has_perms(user, perms: Iterable[str], obj) -> dict[str, bool]:
    """``has_perm(user, perm, obj)`` for each of ``perms``, with whether
    ``user`` reaches the area ``obj`` asked once rather than once each: a
    page deciding several things about one area asks "are they named for
    it now?" once."""
    answers = {perm: has_perm(user, perm) for perm in perms}
    scoped = [perm for perm in answers if perm in _SCOPED_TO_AREA and answers[perm]]
    if scoped and not _reaches(user, CAN.get(user.role, frozenset()), obj):
        answers.update(dict.fromkeys(scoped, False))
    return answers


def _reaches(user, granted: frozenset[str], area) -> bool:
    """Whether a permission scoped to areas reaches ``area``: any in the
    person's region (all, without one) for those who see every area, else
    the areas they are named for now."""
    if "areas.view_all" in granted:
        return not user.region or area.region == user.region
    return is_assigned_to(user, area)


def is_assigned_to(user, area, on=None, as_role=None) -> bool:
    """Whether ``user`` is the named adviser or the community worker of
    ``area`` (as their role now, or ``as_role``): now, or on the day ``on``."""
    role = as_role or user.role
    if role == Role.ADVISER:
        assignments = area.adviser_assignments.filter(adviser=user)
    elif role == Role.COMMUNITY_WORKER:
        assignments = area.community_worker_allocations.filter(worker=user)
    else:
        return False
    if on is None:
        return assignments.current().exists()
    return assignments.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=on), started_on__lte=on
    ).exists()


def has_admin_module_perm(user, app_label: str) -> bool:
    """Whether the admin site shows this app to ``user``."""
    return app_label in ADMIN_SITE_APPS and has_perm(user, "accounts.manage")


def permissions_of(user) -> list[str]:
    """The NfC permissions this person holds, by name."""
    return sorted(perm for perm in PERMISSIONS if has_perm(user, perm))


def require_perm(user, perm: str, obj=None) -> None:
    """Raise PermissionDenied (403) unless ``user`` may do ``perm``."""
    if not has_perm(user, perm, obj):
        raise PermissionDenied


def permission_required(perm: str):
    """View decorator: sign-in first (a redirect), then the permission (a 403)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_perm(request.user, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def may_change_action(user, action) -> bool:
    """Whether ``user`` may mark ``action`` done, reschedule or reword it:
    its owner may, wherever it is; so may the adviser who holds its area now
    (an action left with someone else follows the area, not the person);
    those who triage may change anyone's within the areas they see."""
    if action.owner_id == user.pk:
        return True
    if user.role == Role.ADVISER and action.area_id in _areas_held_now(user):
        return True
    return has_perm(user, "casework.triage") and has_perm(user, "areas.view", action.area)


def _areas_held_now(user) -> frozenset[int]:
    """The areas an adviser is named for now: one query, kept on the user
    for the rest of the request (as Django keeps its permissions), so that a
    list of actions asks once, not once an action."""
    if not hasattr(user, "_nfc_areas_held"):
        user._nfc_areas_held = frozenset(
            user.adviser_assignments.filter(ended_on__isnull=True).values_list("area_id", flat=True)
        )
    return user._nfc_areas_held


def may_organise_event(user, event, *, area_ids=None) -> bool:
    """Whether ``user`` may change, publish, cancel or copy ``event`` (or,
    for a new one, create it as given): managers any (a regional lead, their
    region's); an adviser an event only for areas they hold now, the host
    and every invited or visiting area (so a regional event open to all, or
    the national event, is a manager's). ``area_ids``: the invited areas,
    for an event not yet saved with them."""
    if not has_perm(user, "events.organise"):
        return False
    if "areas.view_all" in CAN.get(user.role, frozenset()):
        return not user.region or event.region == user.region
    if event.kind == "national" or (event.invited != "areas" and event.kind != "visit"):
        return False
    if area_ids is None:
        area_ids = event.areas.values_list("pk", flat=True) if event.pk else ()
    involved = set(area_ids)
    if event.host_area_id:
        involved.add(event.host_area_id)
    return bool(involved) and involved <= _areas_held_now(user)


def may_see_registrations(user, event) -> bool:
    """Whether ``user`` may see who registered for ``event``: those who may
    organise it, and its organiser."""
    if not has_perm(user, "events.view_registrations"):
        return False
    return event.organiser_id == user.pk or may_organise_event(user, event)


def may_contact_after_event(user, registration) -> bool:
    """Whether ``user`` may see how to reach someone who came to an event,
    to follow up with them: only when they ticked that the adviser for their
    neighbourhood may contact them, and only that adviser (now). Their other
    consent covers only running the event, so nobody else, not even a
    manager, is shown it for this. Asks once a request (see _areas_held_now)."""
    if registration.follow_up_consented_at is None or registration.details_removed_at:
        return False
    if user.role != Role.ADVISER or not has_perm(user, "casework.log"):
        return False
    return registration.area_id in _areas_held_now(user)


def may_check_in(user, event) -> bool:
    """Whether ``user`` may tick people in at ``event`` and add walk-ins:
    its organiser, and those who may organise it."""
    if not has_perm(user, "events.check_in"):
        return False
    return event.organiser_id == user.pk or may_organise_event(user, event)


def may_record_connection(user, area, other) -> bool:
    """Whether ``user`` may record a connection between ``area`` and
    ``other`` (or introduce one to the other): managers between any two (a
    regional lead, when either is in their region); an adviser when they
    hold either now, since introducing their area to a peer elsewhere is
    their work."""
    if not has_perm(user, "connections.record"):
        return False
    if "areas.view_all" in CAN.get(user.role, frozenset()):
        return not user.region or user.region in (area.region, other.region)
    return bool({area.pk, other.pk} & _areas_held_now(user))


def interaction_correction_ends(interaction) -> datetime.datetime:
    return interaction.created_at + datetime.timedelta(
        days=settings.NFC_INTERACTION_CORRECTION_DAYS
    )


def may_correct_interaction(user, interaction) -> bool:
    """Whether ``user`` may correct or remove ``interaction``: the person who
    logged it, for NFC_INTERACTION_CORRECTION_DAYS; after that it is part of
    the record."""
    return (
        interaction.logged_by_id == user.pk
        and user.is_active
        and timezone.now() < interaction_correction_ends(interaction)
    )


def may_remove_time_record(user, record) -> bool:
    """Whether ``user`` may take back a wrong time record: their own, or
    anyone's in the areas they see for those who correct time."""
    if record.person_id == user.pk:
        return True
    return has_perm(user, "time.correct") and has_perm(user, "areas.view", record.area)


def two_factor_required(user) -> bool:
    """Whether this person must have two-factor authentication set up."""
    return settings.NFC_MFA_REQUIRED_FOR_ALL or user.role in TWO_FACTOR_ROLES


class HasRolePermission(BasePermission):
    """DRF's side of the same table: a view names its ``required_perm``
    (and, where writing needs more than reading, ``required_perm_to_change``).
    A read-only API token reads what its owner may read, and changes nothing."""

    message = "You do not have permission to do this."

    def has_permission(self, request, view) -> bool:
        perm = getattr(view, "required_perm", "portal.use")
        if not has_perm(request.user, perm):
            return False
        if request.method in SAFE_METHODS:
            return True
        if getattr(request.auth, "is_read_only", False):
            self.message = (
                "This API token is read-only: make a read-and-write token to change things."
            )
            return False
        to_change = getattr(view, "required_perm_to_change", None)
        return to_change is None or has_perm(request.user, to_change)

    def has_object_permission(self, request, view, obj) -> bool:
        perm = getattr(view, "required_perm", "portal.use")
        return has_perm(request.user, perm, obj)
