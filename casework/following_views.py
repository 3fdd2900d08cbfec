"""The resident's own page for a request, opened by the private link in
their acknowledgement: no account, plain words, and the secret kept out of
other sites, caches and logs."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render

from casework import services
from casework.follow_links import follow_link_find
from casework.models import SupportRequest
from nfc.private_links import private_page

Status = SupportRequest.Status

# Where the request is, in the resident's words.
STATUS_NOW = {
    Status.NEW: "We have your request. Someone will read it soon.",
    Status.ACKNOWLEDGED: "We have read your request. We will get in touch with you.",
    Status.IN_PROGRESS: "We are working on your request.",
    Status.WAITING: "We are waiting to hear back from you or your group.",
    Status.REFERRED: "We have asked another group, who knows about this, to help you.",
    Status.RESOLVED: "We think this is sorted. If it is not, send us a message.",
    Status.CLOSED: "This request is closed.",
}
# One step of its history, in the same words.
STEP = {
    Status.NEW: "Back to the start",
    Status.ACKNOWLEDGED: "We read your request",
    Status.IN_PROGRESS: "We started working on it",
    Status.WAITING: "We waited to hear back from you",
    Status.REFERRED: "We asked another group to help",
    Status.RESOLVED: "We marked it as sorted",
    Status.CLOSED: "We closed it",
}

ACTION_MESSAGE = "message"
ACTION_WITHDRAW = "withdraw"
ACTION_WITHDRAW_CONFIRMED = "withdraw-confirmed"


class ResidentMessageForm(forms.Form):
    text = forms.CharField(
        label="Your message",
        max_length=services.MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            f"Up to {services.MESSAGE_MAX_LENGTH} letters. Never write a password or bank details."
        ),
        error_messages={
            "required": "Write your message.",
            "max_length": (
                "Your message is too long. Make it %(limit_value)d letters or fewer "
                "(it has %(show_value)d)."
            ),
        },
    )


def _history(support_request: SupportRequest) -> list[dict]:
    steps = [
        {"at": change.changed_at, "words": STEP[Status(change.to_status)]}
        for change in support_request.status_changes.only(
            "to_status", "changed_at", "support_request_id"
        )
    ]
    steps.append({"at": support_request.created_at, "words": "We got your request"})
    return steps


def _page(request, support_request: SupportRequest, form: ResidentMessageForm):
    return render(
        request,
        "casework/follow_request.html",
        {
            "support_request": support_request,
            "status_now": STATUS_NOW[Status(support_request.status)],
            "history": _history(support_request),
            "resident_messages": support_request.resident_messages.only(
                "text", "created_at", "support_request_id"
            ),
            "form": form,
            "can_message": support_request.takes_resident_messages,
            "can_withdraw": support_request.can_be_withdrawn,
        },
    )


@login_not_required
@private_page
def follow(request, secret):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    support_request = follow_link_find(secret=secret)
    if support_request is None:
        # Wrong, expired, revoked or withdrawn: the same page, so the
        # answer says nothing about which.
        return render(request, "casework/follow_gone.html", status=404)

    form = ResidentMessageForm()
    action = request.POST.get("action") if request.method == "POST" else None
    if action == ACTION_MESSAGE:
        form = ResidentMessageForm(request.POST)
        if form.is_valid():
            try:
                services.resident_message_add(
                    support_request=support_request, text=form.cleaned_data["text"]
                )
            except ValidationError as error:
                form.add_error("text", error)
            else:
                messages.success(request, "Thank you. We have your message.")
                return redirect("casework_public:follow", secret=secret)
    elif action == ACTION_WITHDRAW and support_request.can_be_withdrawn:
        return render(
            request, "casework/follow_withdraw.html", {"support_request": support_request}
        )
    elif action == ACTION_WITHDRAW_CONFIRMED:
        try:
            services.support_request_withdraw(support_request=support_request)
        except ValidationError:
            # Finished or withdrawn meanwhile: the page shows how it stands.
            support_request = follow_link_find(secret=secret)
            if support_request is None:
                return render(request, "casework/follow_gone.html", status=404)
        else:
            return render(
                request, "casework/follow_withdrawn.html", {"support_request": support_request}
            )
    return _page(request, support_request, form)
