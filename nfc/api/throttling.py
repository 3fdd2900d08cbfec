from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from nfc.clients import client_address


class _SettingsRate(SimpleRateThrottle):
    """The rate is read from settings on each call (DRF reads its own once,
    at import), so a deployment and a test can each set it."""

    setting = ""

    def get_rate(self):
        return getattr(settings, self.setting)

    def allow_request(self, request, view):
        # Noted, so a refusal after the throttles ran is not counted twice
        # (nfc.api.errors counts those refused before they ran).
        request.nfc_throttled = True
        return super().allow_request(request, view)


class TokenThrottle(_SettingsRate):
    """Calls per API token, or per person for the browser's session
    (NFC_API_RATE_PER_TOKEN). Over it: 429, with Retry-After."""

    scope = "token"
    setting = "NFC_API_RATE_PER_TOKEN"

    def get_cache_key(self, request, view):
        if not request.user.is_authenticated:
            return None
        if request.auth is not None and hasattr(request.auth, "key_hash"):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"person-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousThrottle(_SettingsRate):
    """Calls without a sign-in, per client address as the sign-in limits
    read it (behind NFC_TRUSTED_PROXY_COUNT proxies): NFC_API_RATE_ANONYMOUS."""

    scope = "anonymous"
    setting = "NFC_API_RATE_ANONYMOUS"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
