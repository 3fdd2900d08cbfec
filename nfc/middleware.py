import logging
import re
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from nfc.logging import request_id_var
from nfc.mail import base_url_seen
from nfc.public_forms import body_too_big

access_log = logging.getLogger("nfc.access")

# An id from the proxy is kept only if it is short and plain, so that a
# client cannot write arbitrary text into our logs through the header.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class BaseUrlFromRequestMiddleware:
    """In development with NFC_BASE_URL unset, notes the address the portal
    is reached at, for the links in e-mails. The host has passed Django's
    ALLOWED_HOSTS check by the time it is read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.NFC_BASE_URL_FROM_REQUEST:
            base_url_seen(request.build_absolute_uri("/"))
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives each request an id, for its log lines and its X-Request-ID header,
    and writes one access-log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only a proxy of ours may name the request; a client's header is ignored.
        incoming = (
            request.headers.get("X-Request-ID", "") if settings.NFC_TRUSTED_PROXY_COUNT else ""
        )
        request.id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        # Left set until the request finishes (nfc.apps resets it then), so
        # that Django's own lines logged after the middleware, such as
        # "Not Found", carry the id too.
        request_id_var.set(request.id)
        started = time.monotonic()
        response = self.get_response(request)
        response["X-Request-ID"] = request.id
        access_log.info(
            "%s %s %s",
            request.method,
            _route_of(request),
            response.status_code,
            extra={
                "method": request.method,
                "route": _route_of(request),
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _route_of(request) -> str:
    # The URL pattern, not the path: paths can carry private tokens (a
    # password-reset key, a resident's private link) that must not be logged.
    match = getattr(request, "resolver_match", None)
    return "/" + match.route if match else "(no route)"


SIGNED_IN_AT = "nfc_signed_in_at"
LAST_SEEN_AT = "nfc_last_seen_at"
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class SessionLifetimeMiddleware:
    """Signs a person out after a spell idle, and after an absolute maximum.

    Django's session cookie age alone would do one or the other; staff
    sessions need both, so a stolen session cannot be kept alive forever.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now()
            signed_in_at = _read_time(request.session.get(SIGNED_IN_AT))
            last_seen_at = _read_time(request.session.get(LAST_SEEN_AT))
            if signed_in_at is None:
                request.session[SIGNED_IN_AT] = now.isoformat()
            elif now - signed_in_at > settings.NFC_SESSION_MAX_AGE or (
                last_seen_at and now - last_seen_at > settings.NFC_SESSION_IDLE_TIMEOUT
            ):
                logout(request)
                messages.info(
                    request, "You were signed out to keep the portal safe. Please sign in again."
                )
                return redirect_to_login(request.get_full_path())
            # Noting the time at most once a minute spares a session write
            # on every request; the idle limit is counted in minutes anyway.
            if last_seen_at is None or now - last_seen_at > LAST_SEEN_RESOLUTION:
                request.session[LAST_SEEN_AT] = now.isoformat()
        return self.get_response(request)


def _read_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# Where only signed-in staff go (the admin and the API included).
STAFF_PATHS = ("/staff/", "/dashboard/", "/api/", "/admin/")
# Pages a person without an account may open that show a resident's own
# details: the reference and e-mail just sent, the private follow page.
PERSONAL_PUBLIC_PAGES = frozenset({"casework_public:help_sent", "casework_public:follow"})


def _refusal(request, *, status: int, page: str, detail: str):
    """The page for a person; under /api/, the JSON every API answer has."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, page, status=status)


class RejectNulMiddleware:
    """Answers 400 for a NUL character in the address or its query string.

    No page of ours has a use for one, and PostgreSQL refuses a text holding
    one with an error, which would otherwise be a 500 on every page that
    looks up what the address names.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return _refusal(
                request, status=400, page="400.html", detail="The address holds a NUL character."
            )
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses a post bigger than its path allows, with the 413 page, before
    anything reads it.

    Without it the first reader (the CSRF check) parses up to Django's own
    limit and then fails with a bare 400. The public pages (the help form,
    the follow page, the sign-in pages) take a small post; staff pages take
    up to DATA_UPLOAD_MAX_MEMORY_SIZE. The declared length is the whole
    story: Django reads no more of a body than its Content-Length says, and
    none of one sent without it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = (
            settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            if request.path.startswith(STAFF_PATHS)
            else settings.NFC_PUBLIC_POST_MAX_BYTES
        )
        if body_too_big(request, limit):
            response = _refusal(
                request, status=413, page="413.html", detail=f"Send at most {limit:,} bytes."
            )
            # Shown once, for this post; the address may hold a private link.
            add_never_cache_headers(response)
            return response
        return self.get_response(request)


class NoStoreMiddleware:
    """Tells browsers and proxies to keep no copy of a page that may show
    personal data: every staff page (the CSV exports and the API included),
    every page seen signed in, every answer to a post (a form shown again
    holds what was typed), and the public pages in PERSONAL_PUBLIC_PAGES.

    The one place this is decided; pages anyone may see signed out stay
    cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _may_show_personal_data(request):
            add_never_cache_headers(response)
        return response


def _may_show_personal_data(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        request.path.startswith((*STAFF_PATHS, "/accounts/"))
        or request.method not in ("GET", "HEAD")
        or request.user.is_authenticated
        or (match is not None and match.view_name in PERSONAL_PUBLIC_PAGES)
    )
