from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from advisers.permissions import two_factor_required

# The pages a person must still reach to set up two-factor authentication,
# or to give up and sign out; every other page waits until it is done.
SET_UP_PAGES = frozenset(
    {"mfa_activate_totp", "account_reauthenticate", "mfa_reauthenticate", "account_logout"}
)


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
            and _url_name(request) not in SET_UP_PAGES
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                "Your role needs two-factor authentication. Set it up with an "
                "authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None
