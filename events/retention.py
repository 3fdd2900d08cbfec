"""Removing a person's details from their registrations: after the event,
at the end of the period the privacy notice promises (the scheduled jobs),
and when they ask us to erase them (events.resident_data). One place, so
both remove the same things: their name, ways to reach them, their needs,
the words of their feedback, their private links and when they asked to
be contacted after the event. The facts stay (that they registered, from
which area, that they came, their rating), for attendance by area and the
event's figures."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import QuerySet

from casework.models import AuditEntry
from casework.personal_data import removed_after_event
from casework.retention import audit_values_remove
from events.models import Feedback, Registration

# Where a value removed was in the audit history (a correction's old name).
REMOVED = "(removed)"
# What goes (casework.personal_data says which fields).
REMOVED_AFTER_EVENT = removed_after_event("events.Registration")
FEEDBACK_WORDS = removed_after_event("events.Feedback")


def _blank(model, name: str):
    # A text field is emptied; a date (when they asked to be contacted) has
    # no empty text, so it goes to null.
    return None if model._meta.get_field(name).null else ""


@dataclass(frozen=True)
class Removed:
    registrations: int
    feedback: int


@transaction.atomic
def registrations_remove_details(
    *, registrations: QuerySet[Registration], now: datetime.datetime
) -> Removed:
    """Remove the person's details from ``registrations``, and the words of
    their feedback, and any of these the audit history kept (a correction's
    old and new name); their private links stop working. How many of each
    lost something."""
    feedback = Feedback.objects.filter(
        registration__in=registrations, words_removed_at=None
    ).update(**dict.fromkeys(FEEDBACK_WORDS, ""), words_removed_at=now)
    registrations.exclude(feedback_token_hash="").update(feedback_token_hash="")
    due = registrations.filter(details_removed_at=None)
    audit_values_remove(
        entries=AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Registration),
            object_id__in=due.values("pk"),
        ),
        fields=REMOVED_AFTER_EVENT,
        marker=REMOVED,
    )
    removed = due.update(
        **{name: _blank(Registration, name) for name in REMOVED_AFTER_EVENT},
        manage_token_hash="",
        manage_link_salt="",
        details_removed_at=now,
    )
    return Removed(registrations=removed, feedback=feedback)
