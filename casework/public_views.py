"""The public help form: no sign-in, plain words, and nothing lost."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from casework import services
from casework.area_match import area_match
from casework.forms import HelpRequestForm
from casework.models import SupportRequest
from casework.selectors import signposting_text
from nfc.public_forms import HourlyLimit, Verdict, screen

SENT_SESSION_KEY = "nfc_help_sent"
# Left in the session once the reference has been shown.
SHOWN = ""


def _hourly_limit() -> HourlyLimit:
    # Read when used, so that a changed setting takes effect at once.
    return HourlyLimit("help-form", per_hour=settings.NFC_HELP_REQUESTS_PER_HOUR)


@login_not_required
@require_http_methods(["GET", "POST"])
def help_request(request):
    if request.method == "GET":
        return render(request, "casework/help_form.html", {"form": HelpRequestForm()})

    # (A post too big for the form never gets here: nfc.middleware's
    # RequestSizeLimitMiddleware answers it with the 413 page.)
    # A form sent again (a double click, a retry after a timeout, the
    # browser resending): its token was used, so it is answered with the
    # request it made, and makes no second one. Before the hourly limit,
    # which it must not count against or be stopped by.
    token_hash = HelpRequestForm.token_hash(request.POST)
    already = SupportRequest.objects.filter(form_token_hash=token_hash).first()
    if already is not None:
        request.session[SENT_SESSION_KEY] = already.reference
        return redirect("casework_public:help_sent")

    limit = _hourly_limit()
    screening = screen(request, HelpRequestForm, limit=limit, count=services.spam_count)
    if screening.verdict == Verdict.BOT:
        return render(request, "casework/help_sent.html", {"reference": None})
    if screening.verdict != Verdict.SEND:
        status = 429 if screening.verdict == Verdict.TOO_MANY else 200
        return render(request, "casework/help_form.html", {"form": screening.form}, status=status)
    form = screening.form
    support_request = services.support_request_submit(
        form_token_hash=token_hash, **form.request_details()
    )
    request.session[SENT_SESSION_KEY] = support_request.reference
    return redirect("casework_public:help_sent")


@login_not_required
@require_safe
def help_sent(request):
    """The reference, once the request is saved (read back from the session,
    so that refreshing the page never sends the form twice).

    Shown once: a shared computer's next user, going back to the page, sees
    only that a request was sent, not its reference or the sender's e-mail.
    """
    reference = request.session.get(SENT_SESSION_KEY)
    if reference is None:
        return redirect("casework_public:help_request")
    if reference == SHOWN:
        return render(request, "casework/help_sent.html", {"reference": None, "shown": True})
    request.session[SENT_SESSION_KEY] = SHOWN
    support_request = (
        SupportRequest.objects.select_related("area").filter(reference=reference).first()
    )
    if support_request is None:
        return redirect("casework_public:help_request")
    match = area_match(support_request)
    return render(
        request,
        "casework/help_sent.html",
        {
            "reference": reference,
            "request": support_request,
            "match": match,
            "signposting": None if match.supported else signposting_text(),
        },
    )


@login_not_required
@require_safe
def privacy(request):
    return render(
        request,
        "casework/privacy.html",
        {
            "version": settings.NFC_PRIVACY_NOTICE_VERSION,
            "contact_email": settings.NFC_PRIVACY_CONTACT_EMAIL,
            "contact_address": settings.NFC_PRIVACY_CONTACT_ADDRESS,
            "event_retention_days": settings.NFC_EVENT_RETENTION_DAYS,
        },
    )
