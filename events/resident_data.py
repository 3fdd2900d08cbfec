"""People's registrations and feedback in residents' data requests. Casework
answers them (casework.data_requests) and may not import events, so events
gives it a ResidentDataSource, added when the app is ready: a manager then
finds, exports and erases a resident's registrations with their requests."""

import datetime
from collections.abc import Collection

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from casework import audit
from casework.data_requests import (
    ResidentDataSource,
    ResidentRecords,
    Section,
    data_request_record,
    phone_digits,
    resident_data_source_add,
)
from casework.models import DataRequest
from events.models import MANAGE_LINK, Event, Feedback, Registration
from events.retention import registrations_remove_details
from events.services import registration_cancel

NAME = "registrations"
KEY_PREFIX = Registration.DATA_KEY_PREFIX


def registrations_in_scope(user):
    """The registrations whose data ``user`` answers for: those of the
    events they see; for a regional lead, only where the person's area or
    the event is in their region (a national event's people from other
    regions are theirs to answer)."""
    registrations = Registration.objects.visible_to(user)
    if user.region:
        registrations = registrations.filter(
            Q(area__region=user.region) | Q(event__region=user.region)
        )
    return registrations


def registrations_find(*, user, email: str = "", phone: str = "") -> list[Registration]:
    """The registrations ``user`` may answer for with this e-mail address
    (in any case) or phone number (its digits), oldest first."""
    wanted = Q()
    registrations = registrations_in_scope(user)
    if email:
        wanted |= Q(email__iexact=email)
    if phone:
        registrations = registrations.annotate(phone_digits=phone_digits("phone"))
        wanted |= Q(phone_digits=phone)
    if not wanted:
        return []
    return list(
        registrations.filter(wanted).select_related("event", "area").order_by("created_at", "pk")
    )


def _with_everything(registrations: list[Registration]) -> list[Registration]:
    return list(
        Registration.objects.filter(pk__in=[item.pk for item in registrations])
        .select_related("event", "area", "feedback")
        .order_by("created_at", "pk")
    )


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _registration_rows(records: ResidentRecords):
    for item in records.of(NAME):
        yield (
            item.data_key,
            item.event.title,
            _when(item.event.starts_at),
            item.event.get_kind_display(),
            item.name,
            item.email,
            item.phone,
            item.area.name if item.area else "Not in a supported area",
            item.access_needs,
            item.dietary_needs,
            item.get_status_display(),
            _when(item.created_at),
            _when(item.consented_at),
            item.privacy_notice_version,
            _when(item.follow_up_consented_at),
            _when(item.checked_in_at),
            "Yes" if item.walk_in else "No",
            _when(item.cancelled_at),
            _when(item.details_removed_at),
        )


def _feedback_rows(records: ResidentRecords):
    for item in records.of(NAME):
        if not hasattr(item, "feedback"):
            continue
        answer: Feedback = item.feedback
        yield (
            item.data_key,
            item.event.title,
            _when(answer.submitted_at),
            answer.rating,
            answer.useful,
            answer.next_steps,
            _when(answer.words_removed_at),
        )


SECTIONS = [
    Section(
        "registrations.csv",
        "each event you registered for (or were added to at the door): the event, your name, "
        "how to reach you, your area, the access and dietary needs you told us, where your "
        "registration is now, and whether you came",
        (
            "Registration",
            "Event",
            "Starts",
            "Kind of event",
            "Your name",
            "E-mail",
            "Phone",
            "Your area",
            "Access needs",
            "Dietary needs",
            "Where it is now",
            "Registered",
            "Agreed to the privacy notice",
            "Privacy notice version",
            "Agreed that the adviser for your area may contact you after the event",
            "Came on the day",
            "Added at the door",
            "Cancelled",
            "Details removed",
        ),
        _registration_rows,
    ),
    Section(
        "feedback.csv",
        "the feedback you gave after an event: your rating and what you wrote",
        (
            "Registration",
            "Event",
            "Given",
            "Rating (1 to 5)",
            "What was useful",
            "What you will do next",
            "Words removed",
        ),
        _feedback_rows,
    ),
]


def _letter(registrations: list[Registration]) -> str:
    return render_to_string(
        "events/subject_access_letter_part.txt",
        {
            "registrations": registrations,
            "retention_days": settings.NFC_EVENT_RETENTION_DAYS,
        },
    )


def _preview(registrations: list[Registration]) -> str:
    still_to_come = [
        item
        for item in registrations
        if item.status != Registration.Status.CANCELLED and not item.event.is_over
    ]
    words = (
        Feedback.objects.filter(registration__in=registrations, words_removed_at=None)
        .filter(~Q(useful="") | ~Q(next_steps=""))
        .count()
    )
    return render_to_string(
        "events/_resident_erase.html",
        {"registrations": registrations, "still_to_come": still_to_come, "feedback": words},
    )


# What a correction may change: the person's name and how to reach them.
CORRECTABLE = ("name", "email", "phone")


@transaction.atomic
def registration_correct(*, registration: Registration, by, **details) -> list[str]:
    """Correct the person's name and ways to reach them (CORRECTABLE) on one
    registration, recorded with the old and new values. A new e-mail
    address stops their private link working: it went to the old one (the
    next e-mail they get brings a new one). The names of the fields that
    changed (none: nothing is recorded)."""
    unknown = set(details) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"Not a detail a correction may change: {', '.join(sorted(unknown))}")
    locked = (
        Registration.objects.select_for_update(of=("self",))
        .select_related("area")
        .get(pk=registration.pk)
    )
    if locked.details_removed_at:
        raise ValidationError("Their details have been removed, so there is nothing to correct.")
    before = audit.snapshot(locked, list(CORRECTABLE))
    for name, value in details.items():
        setattr(locked, name, value)
    changed = [name for name in CORRECTABLE if audit.snapshot(locked, [name])[name] != before[name]]
    if not changed:
        return []
    locked.clean_fields(exclude={f.name for f in locked._meta.fields} - set(CORRECTABLE))
    locked.validate_constraints()
    locked.save(update_fields=changed)
    if "email" in changed and locked.manage_token_hash:
        MANAGE_LINK.revoke(locked)
    audit.record(obj=locked, by=by, before=before, area=locked.area)
    data_request_record(record=locked, kind=DataRequest.Kind.CORRECTION, by=by)
    registration.refresh_from_db()
    return changed


def registrations_erase(
    *, records: list[Registration], by, now: datetime.datetime
) -> list[Registration]:
    """Erase the person's details from ``records``, at their asking: a
    place at an event still to come is given up first (the next in line is
    offered it: we could no longer tell them anything), then what the
    retention period removes goes (events.retention). Those erased: not
    those whose details were removed already."""
    # The events first, as every change to a registration's place locks
    # them (events.waitlist), so that this waits its turn and never crosses.
    list(
        Event.objects.select_for_update()
        .filter(pk__in={item.event_id for item in records})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    locked = list(
        Registration.objects.select_for_update(of=("self",))
        .filter(pk__in=[item.pk for item in records], details_removed_at=None)
        .select_related("event", "area")
        .order_by("pk")
    )
    for registration in locked:
        if registration.status != Registration.Status.CANCELLED and not registration.event.is_over:
            # As their own cancellation would: they asked us to, and the
            # manager's part is recorded as the erasure.
            registration_cancel(registration=registration)
    erased = Registration.objects.filter(pk__in=[item.pk for item in locked])
    audit.record_update(
        queryset=erased.select_related("event"),
        by=by,
        changes={"details_removed_at": [None, str(now)]},
    )
    registrations_remove_details(registrations=erased, now=now)
    return locked


def registrations_erase_again(*, keys: Collection[str], now: datetime.datetime) -> int:
    """Erase again the registrations ``keys`` a restored backup brought back."""
    ids = [int(key.removeprefix(KEY_PREFIX)) for key in keys if key[len(KEY_PREFIX) :].isdigit()]
    again = Registration.objects.filter(pk__in=ids, details_removed_at=None)
    audit.record_update(
        queryset=again.select_related("event"),
        by=None,
        changes={"details_removed_at": [None, str(now)]},
    )
    return registrations_remove_details(registrations=again, now=now).registrations


resident_data_source_add(
    ResidentDataSource(
        name=NAME,
        key_prefix=KEY_PREFIX,
        noun="event registration",
        find=registrations_find,
        with_everything=_with_everything,
        sections=SECTIONS,
        letter=_letter,
        preview=_preview,
        erase=registrations_erase,
        erase_again=registrations_erase_again,
        found_template="events/_resident_registrations.html",
    )
)
