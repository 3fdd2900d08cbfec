"""The feedback page, opened by the private link e-mailed the day after the
event: no sign-in; one answer each (a second shows the first, and saves
nothing)."""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from events.checkin_forms import FeedbackForm
from events.feedback import FEEDBACK_LINK, feedback_give
from events.models import Feedback, Registration
from nfc.private_links import private_page


@login_not_required
@private_page
@require_http_methods(["GET", "POST"])
def feedback(request, secret):
    registration = FEEDBACK_LINK.find(
        Registration.objects.select_related("event", "area"), secret=secret
    )
    if registration is None:
        return render(request, "events/feedback_gone.html", status=404)
    event = registration.event
    given = Feedback.objects.filter(registration=registration).first()
    if given is not None:
        return render(
            request,
            "events/feedback_given.html",
            {"event": event, "feedback": given, "again": request.method == "POST"},
        )
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        feedback_give(registration=registration, **form.cleaned_data)
        # Back to the same address: a refresh sends nothing again.
        return redirect("events_public:feedback", secret=secret)
    return render(
        request,
        "events/feedback_form.html",
        {"event": event, "registration": registration, "form": form},
    )
