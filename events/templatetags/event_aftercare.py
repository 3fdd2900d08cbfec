"""The event's staff page, on the day and after: a way to check people in,
who came (by area), and what they thought of it. A tag of its own, so the
event's page needs one line for it."""

import datetime

from django import template
from django.utils import timezone

from advisers.permissions import may_check_in, may_see_registrations
from events import checkin, selectors
from events.models import Event, Feedback, Registration
from nfc.periods import Period

register = template.Library()


@register.inclusion_tag("events/_aftercare.html", takes_context=True)
def event_aftercare(context, event: Event) -> dict:
    user = context["request"].user
    day = timezone.localdate(event.starts_at)
    feedback = Feedback.objects.filter(registration__event=event)
    show_words = may_see_registrations(user, event)
    return {
        "event": event,
        "can_check_in": may_check_in(user, event),
        "check_in_open": checkin.check_in_open(event),
        "counts": checkin.checkin_counts(event),
        "by_area": selectors.attendance_by_area(
            registrations=Registration.objects.filter(event=event),
            period=Period(day, day + datetime.timedelta(days=1)),
        ),
        "summary": selectors.feedback_summary(feedback=feedback),
        "words": (
            list(feedback.exclude(useful="", next_steps="").order_by("-rating", "pk"))
            if show_words
            else None
        ),
    }
