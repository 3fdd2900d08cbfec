"""Who may do what: the one place that decides.

Roles are organisation-wide; scope (which areas a person works in) comes
from their assignments and is applied by each model's ``visible_to()``
queryset. HTML views call ``require_perm`` (or use ``@permission_required``);
API views use ``HasRolePermission``; templates read ``has_perm`` through the
navigation. Tests check the whole table as one matrix.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from advisers.models import Role

# Every permission the portal knows, with what it lets a person do.
PERMISSIONS = {
    "portal.use": "Sign in and use the staff pages",
    "accounts.manage": "Invite staff, change roles and close accounts (the admin site)",
}

CAN: dict[str, frozenset[str]] = {
    Role.ADVISER: frozenset({"portal.use"}),
    Role.COMMUNITY_WORKER: frozenset({"portal.use"}),
    Role.MANAGER: frozenset({"portal.use"}),
    Role.EVALUATOR: frozenset({"portal.use"}),
    Role.ADMINISTRATOR: frozenset({"portal.use", "accounts.manage"}),
}

# Apps whose records administrators keep on the Django admin site. The
# admin's model permissions of any other app are refused, so a model holding
# residents' details never appears there by accident.
ADMIN_SITE_APPS = frozenset({"advisers", "mfa"})
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
    is_admin_model_perm = codename.startswith(_ADMIN_ACTIONS)
    if perm not in PERMISSIONS and not is_admin_model_perm:
        raise ValueError(f"Unknown permission {perm!r}: add it to advisers.permissions.")
    if not (user.is_authenticated and user.is_active):
        return False
    granted = CAN.get(user.role, frozenset())
    if is_admin_model_perm:
        return app_label in ADMIN_SITE_APPS and "accounts.manage" in granted
    return perm in granted


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


def two_factor_required(user) -> bool:
    """Whether this person must have two-factor authentication set up."""
    return settings.NFC_MFA_REQUIRED_FOR_ALL or user.role in TWO_FACTOR_ROLES


class HasRolePermission(BasePermission):
    """DRF's side of the same table: a view names its ``required_perm``."""

    def has_permission(self, request, view) -> bool:
        perm = getattr(view, "required_perm", "portal.use")
        return has_perm(request.user, perm)

    def has_object_permission(self, request, view, obj) -> bool:
        perm = getattr(view, "required_perm", "portal.use")
        return has_perm(request.user, perm, obj)
