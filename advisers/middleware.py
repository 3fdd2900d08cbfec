from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect

from advisers.permissions import two_factor_required

# Paths a person must still reach to set up two-factor authentication (or
# give up and sign out); everything else waits until it is done.
_SET_UP_PATHS = ("/accounts/", "/" + settings.STATIC_URL.lstrip("/"))


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
            and not request.path.startswith(_SET_UP_PATHS)
            and two_factor_required(user)
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            messages.warning(
                request,
                "Your role needs two-factor authentication. Set it up with an "
                "authenticator app to continue.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
