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
from nfc.public_forms import HourlyLimit, SentReceipt, Verdict, same_sender, screen
from nfc.statements import Statement, stand_in_text

HELP_SENT = SentReceipt("nfc_help_sent", path="/help/")


def _made_with_token(token_hash: str):
    # At most one (the hash is unique): nothing to sort.
    return (
        SupportRequest.objects.filter(form_token_hash=token_hash)
        .order_by()
        .values_list("reference", "name", "email")[:1]
    )


# Compiled once a process: the ORM's building of it cost more CPU than
# PostgreSQL's answer, on every post.
_MADE_WITH_TOKEN = Statement(
    _made_with_token, stand_ins=lambda shape: {"token_hash": stand_in_text("token_hash")}
)


def _hourly_limit() -> HourlyLimit:
    # Read when used, so that a changed setting takes effect at once.
    return HourlyLimit("help-form", per_hour=settings.NFC_HELP_REQUESTS_PER_HOUR)


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def help_request(request):
    if request.method != "POST":
        return render(request, "casework/help_form.html", {"form": HelpRequestForm()})

    # (A post too big for the form never gets here: nfc.middleware's
    # RequestSizeLimitMiddleware answers it with the 413 page.)
    # A form sent again (a double click, a retry after a timeout, the
    # browser resending): its token was used, so it is answered with the
    # request it made, and makes no second one. Before the hourly limit,
    # which it must not count against or be stopped by.
    token_hash = HelpRequestForm.token_hash(request.POST)
    for reference, name, email in _MADE_WITH_TOKEN.rows(None, token_hash=token_hash):
        if same_sender(request.POST, name=name, email=email):
            return HELP_SENT.give(redirect("casework_public:help_sent"), reference)
        # Someone else's used token: it shows them nothing of that request.
        form = HelpRequestForm.sent_again(request.POST)
        form.add_error(None, "This form was sent already. Check your answers and send it again.")
        return render(request, "casework/help_form.html", {"form": form})

    limit = _hourly_limit()
    screening = screen(request, HelpRequestForm, limit=limit, count=services.spam_count)
    if screening.verdict == Verdict.BOT:
        return render(request, "casework/help_sent.html", {"reference": None})
    if screening.verdict != Verdict.SEND:
        status = 429 if screening.verdict == Verdict.TOO_MANY else 200
        return render(request, "casework/help_form.html", {"form": screening.form}, status=status)
    details = screening.form.request_details()
    reference = (
        services.support_request_sent_before(**details)
        or services.support_request_submit(form_token_hash=token_hash, **details).reference
    )
    return HELP_SENT.give(redirect("casework_public:help_sent"), reference)


@login_not_required
@require_safe
def help_sent(request):
    """The reference, once the request is saved (so that refreshing the page
    never sends the form twice), shown once (see SentReceipt)."""
    reference = HELP_SENT.read(request)
    if reference is None:
        return redirect("casework_public:help_request")
    if reference == HELP_SENT.SHOWN:
        return render(request, "casework/help_sent.html", {"reference": None, "shown": True})
    support_request = (
        SupportRequest.objects.select_related("area").filter(reference=reference).first()
    )
    if support_request is None:
        return redirect("casework_public:help_request")
    match = area_match(support_request)
    page = render(
        request,
        "casework/help_sent.html",
        {
            "reference": reference,
            "request": support_request,
            "match": match,
            "signposting": None if match.supported else signposting_text(),
        },
    )
    return HELP_SENT.mark_shown(page)


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
