"""The public help form: no sign-in, plain words, and nothing lost."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from casework import services
from casework.forms import HelpRequestForm, started_token
from casework.models import SpamCount, SupportRequest
from casework.selectors import signposting_text
from nfc.clients import client_address

logger = logging.getLogger(__name__)

SENT_SESSION_KEY = "nfc_help_sent"


def _hour_key(request) -> str:
    return f"help-form:{client_address(request)}:{timezone.now():%Y%m%d%H}"


def _over_the_hourly_limit(request) -> bool:
    """Whether this address has sent its hourly allowance of requests.

    Only requests that were sent count: a person correcting a mistake, or
    several people behind one address, are not turned away for retrying.
    If the cache (Redis) is down, the post is let through: a genuine request
    lost to an outage is worse than a little spam let in.
    """
    try:
        return (cache.get(_hour_key(request)) or 0) >= settings.NFC_HELP_REQUESTS_PER_HOUR
    except Exception:
        logger.warning("Help form rate limit skipped: the cache did not answer", exc_info=True)
        return False


def _count_sent(request) -> None:
    try:
        key = _hour_key(request)
        cache.add(key, 0, timeout=60 * 60)
        cache.incr(key)
    except Exception:
        logger.warning("Help form rate limit not counted: the cache did not answer", exc_info=True)


def _content_length(request) -> int:
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return 0


@require_http_methods(["GET", "POST"])
def help_request(request):
    if request.method == "GET":
        return render(request, "casework/help_form.html", {"form": HelpRequestForm()})

    if _content_length(request) > settings.NFC_HELP_FORM_MAX_BYTES:
        return render(request, "casework/help_refused.html", {"too_big": True}, status=413)

    form = HelpRequestForm(request.POST)
    spam = form.spam_reason()
    if spam == SpamCount.Reason.HONEYPOT:
        # Answer as if all were well: a bot learns nothing.
        services.spam_count(reason=spam)
        return render(request, "casework/help_sent.html", {"reference": None})
    if spam is not None:
        services.spam_count(reason=spam)
        # A person who was quick, or whose page was a day old, sends again;
        # everything they typed is kept.
        data = request.POST.copy()
        data["started"] = started_token()
        form = HelpRequestForm(data)
        form.is_valid()
        form.add_error(None, "Please check your answers, then press \u201cSend\u201d again.")
        return render(request, "casework/help_form.html", {"form": form})

    if form.is_valid():
        if _over_the_hourly_limit(request):
            services.spam_count(reason=SpamCount.Reason.RATE_LIMIT)
            # Nothing typed is lost: the form comes back, filled in.
            form.add_error(
                None,
                "We have had a lot of requests from your connection in the last hour. "
                "Please wait a little, then press \u201cSend\u201d again.",
            )
            return render(request, "casework/help_form.html", {"form": form}, status=429)
        support_request = services.support_request_submit(**form.request_details())
        _count_sent(request)
        request.session[SENT_SESSION_KEY] = support_request.reference
        return redirect("casework_public:help_sent")
    return render(request, "casework/help_form.html", {"form": form})


@require_safe
def help_sent(request):
    """The reference, once the request is saved (read back from the session,
    so that refreshing the page never sends the form twice)."""
    reference = request.session.get(SENT_SESSION_KEY)
    if reference is None:
        return redirect("casework_public:help_request")
    support_request = (
        SupportRequest.objects.select_related("area").filter(reference=reference).first()
    )
    if support_request is None:
        return redirect("casework_public:help_request")
    in_programme = bool(support_request.area and support_request.area.in_programme)
    return render(
        request,
        "casework/help_sent.html",
        {
            "reference": reference,
            "support_request": support_request,
            "in_programme": in_programme,
            "signposting": None if in_programme else signposting_text(),
        },
    )


@require_safe
def privacy(request):
    return render(
        request, "casework/privacy.html", {"version": settings.NFC_PRIVACY_NOTICE_VERSION}
    )
