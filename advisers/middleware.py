from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, load_backend
from django.contrib.auth import middleware as auth_middleware
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from advisers.models import User
from advisers.permissions import two_factor_required

# The pages a person must still reach to set up two-factor authentication,
# or to give up and sign out; every other page waits until it is done.
SET_UP_PAGES = frozenset(
    {"mfa_activate_totp", "account_reauthenticate", "mfa_reauthenticate", "account_logout"}
)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, taking the person signed in from the row read with the
    session (advisers.sessions) rather than reading them again."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _cached_user(request))


def _cached_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = _signed_in(request)
    return request._cached_user


def _signed_in(request):
    """What django.contrib.auth.get_user answers, without its second read
    when it is sure to find what the session's read found: the person the
    session's data names, by a backend still in use, able to sign in, and
    with the session's proof of their password (HASH_SESSION_KEY) current.
    Anything else (a row read without its person, another person, a proof
    made with an older SECRET_KEY or an older password) goes to Django's own
    get_user, which reads them afresh and signs out or renews as it does."""
    session = request.session
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return auth.get_user(request)
    row = getattr(session, "signed_in_row", None)
    proof = session.get(HASH_SESSION_KEY)
    if (
        row is not None
        and row.pk == user_id
        and backend_path in settings.AUTHENTICATION_BACKENDS
        and load_backend(backend_path).user_can_authenticate(row)
        and proof
        and constant_time_compare(proof, row.get_session_auth_hash())
    ):
        return row
    return auth.get_user(request)


class RequireTwoFactorMiddleware:
    """Sends a person whose role needs two-factor authentication to set it up.

    django-allauth offers two-factor authentication but has no setting that
    forces it, so the rule is enforced here, on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and two_factor_required(user)
            and not _has_totp(request, user)
            and _url_name(request) not in SET_UP_PAGES
        ):
            messages.warning(
                request,
                "Your role needs two-factor authentication. Set it up with an "
                "authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_totp(request, user) -> bool:
    # Read with the session when it is this person's (advisers.sessions).
    session = request.session
    row = getattr(session, "signed_in_row", None)
    if row is not None and row.pk == user.pk:
        return session.signed_in_has_totp
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None
