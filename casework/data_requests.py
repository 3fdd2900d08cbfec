"""Residents' requests about their data: the rights the privacy notice
promises (to see what we hold, to correct it, to delete it), answered by a
manager. Residents have no account: a manager finds a resident's requests
by the e-mail address, phone number or reference they give, then exports
them, corrects their details or erases them. Each of these is kept as a
DataRequest, with its audit entry, and keeps no personal data itself.

Erasure removes what the retention period removes (casework.retention,
the one place that does), and the words staff wrote on those requests.
"""

import datetime
import io
import logging
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.template.loader import render_to_string
from django.utils import timezone

from casework import audit, retention
from casework.models import (
    REFERENCE_ALPHABET,
    Action,
    DataRequest,
    Interaction,
    Referral,
    ResidentMessage,
    StatusChange,
    SupportRequest,
)
from casework.services import support_request_move
from nfc.csv import csv_text
from nfc.mail import absolute_url

logger = logging.getLogger(__name__)

ERASED = "(removed at the resident's request)"
ERASED_NOTE = "Closed: the resident asked us to erase their details"
# What a correction may change: the resident's name and how to reach them.
CORRECTABLE = ("name", "email", "phone", "contact_by", "postcode")
# Words staff wrote on a request, and where: erased with the resident's
# details, since they are about the resident (casework.personal_data).
STAFF_WORDS = retention.WORDS_ON_A_REQUEST

# --- Finding a resident's requests -----------------------------------------

# How a phone number is written down to its digits, the same way in Python
# and in the database: "+44 (0)191 123-4567" and "0191 1234567" are one number.
_PHONE_REWRITES = (
    ("(0)", ""),
    ("+44", "0"),
    (" ", ""),
    ("-", ""),
    ("(", ""),
    (")", ""),
    (".", ""),
    ("/", ""),
)
PHONE_MIN_DIGITS = 6


def normalise_phone(text: str) -> str:
    """A phone number as its digits, UK style ("+44 191..." -> "0191...")."""
    for old, new in _PHONE_REWRITES:
        text = text.replace(old, new)
    return text.strip()


def _phone_digits(field: str) -> F | Replace:
    expression: F | Replace = F(field)
    for old, new in _PHONE_REWRITES:
        expression = Replace(expression, Value(old), Value(new))
    return expression


def normalise_reference(text: str) -> str | None:
    """A reference as printed ("nfc 7kq4 2m9d" -> "NFC-7KQ4-2M9D"), or None
    if it cannot be one. O, I and L, which references never use, are read
    as the 0 and 1 they were mistaken for."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) == 11 and compact.startswith("NFC"):
        compact = compact[3:]
    compact = compact.translate(str.maketrans("OIL", "011"))
    if len(compact) != 8 or any(ch not in REFERENCE_ALPHABET for ch in compact):
        return None
    return f"NFC-{compact[:4]}-{compact[4:]}"


def resident_requests_find(
    *, user, email: str = "", phone: str = "", reference: str = ""
) -> QuerySet[SupportRequest]:
    """The requests ``user`` may see that carry this e-mail address (in any
    case), this phone number (however it was written) or this reference,
    oldest first. Matches are exact: a resident's data is never guessed at."""
    wanted = Q()
    if email:
        wanted |= Q(email__iexact=email.strip())
    if reference:
        wanted |= Q(reference=reference)
    requests = SupportRequest.objects.visible_to(user)
    if phone:
        requests = requests.annotate(phone_digits=_phone_digits("phone"))
        wanted |= Q(phone_digits=normalise_phone(phone))
    if not wanted:
        return requests.none()
    return requests.filter(wanted).select_related("area").order_by("created_at", "pk")


# --- Subject-access export --------------------------------------------------


@dataclass
class ResidentRecords:
    """Everything one resident asked us to show them. Event registrations
    join here, with a section of their own, when events take them (issue 12)."""

    support_requests: list[SupportRequest]


@dataclass(frozen=True)
class Section:
    """One CSV file of the export: its name, what it holds (in the letter
    that comes with it), its columns and its rows."""

    filename: str
    holds: str
    header: tuple[str, ...]
    rows: Callable[[ResidentRecords], Iterable[Sequence]]


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _request_rows(records: ResidentRecords):
    for item in records.support_requests:
        yield (
            item.reference,
            _when(item.created_at),
            item.get_topic_display(),
            item.description,
            "Yes" if item.for_group else "No",
            item.group_name,
            item.name,
            item.email,
            item.phone,
            item.get_contact_by_display(),
            item.postcode,
            item.area.name if item.area else "",
            item.place,
            item.get_status_display(),
            _when(item.consented_at),
            item.privacy_notice_version,
            _when(item.withdrawn_at),
            _when(item.details_removed_at),
        )


def _progress_rows(records: ResidentRecords):
    for item in records.support_requests:
        for step in sorted(item.status_changes.all(), key=lambda s: (s.changed_at, s.pk)):
            yield (
                item.reference,
                _when(step.changed_at),
                step.get_from_status_display(),
                step.get_to_status_display(),
                step.changed_by or "",
                step.note,
            )


def _message_rows(records: ResidentRecords):
    for item in records.support_requests:
        for message in sorted(item.resident_messages.all(), key=lambda m: (m.created_at, m.pk)):
            yield (item.reference, _when(message.created_at), message.text)


def _staff_note_rows(records: ResidentRecords):
    for item in records.support_requests:
        notes: list[tuple[datetime.date, str, object, str]] = []
        for interaction in item.interactions.all():
            words = interaction.notes
            if interaction.next_steps:
                words = f"{words}\nNext steps: {interaction.next_steps}".strip()
            notes.append(
                (
                    interaction.date,
                    interaction.get_kind_display(),
                    interaction.logged_by,
                    words,
                )
            )
        for action in item.actions.all():
            done = f", done {action.done_at:%Y-%m-%d}" if action.done_at else ""
            notes.append(
                (
                    timezone.localdate(action.created_at),
                    f"Follow-up action, due {action.due_on:%Y-%m-%d}{done}",
                    action.created_by or "",
                    action.description,
                )
            )
        for referral in item.referrals.all():
            words = referral.help_asked
            if referral.outcome:
                words = f"{words}\nOutcome: {referral.outcome}"
            notes.append(
                (
                    referral.requested_on,
                    f"Referral to {referral.partner} ({referral.get_status_display().lower()})",
                    referral.created_by or "",
                    words,
                )
            )
        for day, what, by, words in sorted(notes, key=lambda note: note[0]):
            yield (item.reference, f"{day:%Y-%m-%d}", what, by, words)


SECTIONS = [
    Section(
        "your-requests.csv",
        "each request you sent us: when, what about, what you wrote, your name and how to "
        "reach you, and when you agreed to our privacy notice",
        (
            "Reference",
            "Received",
            "About",
            "In your words",
            "For a group",
            "The group's name",
            "Your name",
            "E-mail",
            "Phone",
            "Get in touch by",
            "Postcode",
            "Neighbourhood",
            "Place you typed",
            "Where it is now",
            "Agreed to the privacy notice",
            "Privacy notice version",
            "Withdrawn",
            "Details removed",
        ),
        _request_rows,
    ),
    Section(
        "progress.csv",
        "each step your requests went through, who moved them, and any note written then",
        ("Reference", "When", "From", "To", "By", "Note"),
        _progress_rows,
    ),
    Section(
        "your-messages.csv",
        "the messages you sent us through your private link",
        ("Reference", "Sent", "Message"),
        _message_rows,
    ),
    Section(
        "staff-notes.csv",
        "what our staff wrote about your requests: notes of calls and meetings, follow-up "
        "actions, and what we asked partner organisations to help with",
        ("Reference", "Date", "What", "By", "What was written"),
        _staff_note_rows,
    ),
]


def _with_everything(support_requests: Iterable[SupportRequest]) -> list[SupportRequest]:
    """The requests again, with all that the export shows, in a fixed
    number of queries however many there are."""
    return list(
        SupportRequest.objects.filter(pk__in=[item.pk for item in support_requests])
        .select_related("area")
        .prefetch_related(
            Prefetch("status_changes", StatusChange.objects.select_related("changed_by")),
            "resident_messages",
            Prefetch("interactions", Interaction.objects.select_related("logged_by")),
            Prefetch("actions", Action.objects.select_related("created_by")),
            Prefetch("referrals", Referral.objects.select_related("partner", "created_by")),
        )
        .order_by("created_at", "pk")
    )


@transaction.atomic
def subject_access_export(*, support_requests: Sequence[SupportRequest], by) -> bytes:
    """A ZIP file of everything we hold about the resident whose requests
    these are: a letter in plain words (read-me-first.txt) and one CSV file
    per kind of record (SECTIONS). Each request's export is recorded: who,
    when, and which request, never what it held."""
    if not support_requests:
        raise ValidationError("Choose at least one request.")
    records = ResidentRecords(support_requests=_with_everything(support_requests))
    made_on = timezone.localdate()
    letter = render_to_string(
        "casework/subject_access_letter.txt",
        {
            "made_on": made_on,
            "references": [item.reference for item in records.support_requests],
            "sections": SECTIONS,
            "privacy_url": absolute_url("casework_public:privacy"),
            "contact_email": settings.NFC_PRIVACY_CONTACT_EMAIL,
            "contact_address": settings.NFC_PRIVACY_CONTACT_ADDRESS,
        },
    )
    file = io.BytesIO()
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("read-me-first.txt", letter)
        for section in SECTIONS:
            archive.writestr(section.filename, csv_text(section.header, section.rows(records)))
    for item in records.support_requests:
        _register(item, DataRequest.Kind.EXPORT, by)
    return file.getvalue()


def _register(support_request: SupportRequest, kind: str, by) -> DataRequest:
    data_request = DataRequest.objects.create(
        support_request=support_request, kind=kind, handled_by=by
    )
    audit.record(obj=data_request, by=by)
    return data_request


# --- Correction -----------------------------------------------------------


@transaction.atomic
def support_request_correct(*, support_request: SupportRequest, by, **details) -> list[str]:
    """Correct the resident's name and ways to reach them (CORRECTABLE) on
    one request, recorded with the old and new values. A new e-mail address
    stops the private link working: it went to the old one. The names of
    the fields that changed (none: nothing is recorded)."""
    unknown = set(details) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"Not a detail a correction may change: {', '.join(sorted(unknown))}")
    locked = SupportRequest.objects.select_for_update().get(pk=support_request.pk)
    if locked.details_removed_at:
        raise ValidationError(
            "The resident's details have been removed, so there is nothing to correct."
        )
    before = audit.snapshot(locked, list(CORRECTABLE))
    for name, value in details.items():
        setattr(locked, name, value)
    changed = [name for name in CORRECTABLE if audit.snapshot(locked, [name])[name] != before[name]]
    if not changed:
        return []
    if "email" in changed and locked.follow_token_hash:
        locked.follow_token_hash = ""
        locked.follow_revoked_at = timezone.now()
    # Only what may change is checked field by field (an old request is not
    # refused for another field's rule), then the rules across fields.
    locked.clean_fields(exclude={f.name for f in locked._meta.fields} - set(CORRECTABLE))
    locked.validate_constraints()
    locked.save()
    audit.record(obj=locked, by=by, before=before)
    _register(locked, DataRequest.Kind.CORRECTION, by)
    support_request.refresh_from_db()
    return changed


# --- Erasure --------------------------------------------------------------


@dataclass
class ErasurePreview:
    """What erasing these requests would remove, counted, for the page that
    asks the manager to confirm."""

    support_requests: list[SupportRequest]
    already_removed: list[SupportRequest]
    open_requests: int
    messages: int
    staff_words: dict[str, int]


def _erasable(support_requests: Iterable[SupportRequest]) -> list[SupportRequest]:
    return [item for item in support_requests if item.details_removed_at is None]


def _staff_words_of(ids: Sequence[int]) -> dict[type[Model], QuerySet]:
    """Per model, the records on requests ``ids`` with words in them."""
    found = {}
    for model, fields in STAFF_WORDS.items():
        written = Q()
        for name in fields:
            written |= ~Q(**{name: ""})
        found[model] = model._default_manager.filter(support_request_id__in=ids).filter(written)
    return found


def erasure_preview(*, support_requests: Sequence[SupportRequest]) -> ErasurePreview:
    erasable = _erasable(support_requests)
    ids = [item.pk for item in erasable]
    words = _staff_words_of(ids)
    return ErasurePreview(
        support_requests=erasable,
        already_removed=[item for item in support_requests if item.details_removed_at],
        open_requests=sum(1 for item in erasable if item.is_open),
        messages=ResidentMessage.objects.filter(support_request_id__in=ids).count(),
        staff_words={
            "status_notes": words[StatusChange].count(),
            "interactions": words[Interaction].count(),
            "actions": words[Action].count(),
            "referrals": words[Referral].count(),
        },
    )


@transaction.atomic
def support_requests_erase(*, support_requests: Sequence[SupportRequest], by) -> list[str]:
    """Erase the resident's details from their requests, at their asking:
    remove what the retention period removes (casework.retention: their
    details and the words staff wrote on the requests), then close those
    still open (we can no longer reply). What the requests were about, where and when,
    and the counts of time and residents, stay for the programme's figures.
    Each erasure is recorded without what it removed. The references erased."""
    ids = [item.pk for item in support_requests]
    locked = list(
        SupportRequest.objects.select_for_update()
        .filter(pk__in=ids, details_removed_at__isnull=True)
        .order_by("pk")
    )
    if not locked:
        raise ValidationError("These requests' details were removed already.")
    ids = [item.pk for item in locked]
    now = timezone.now()
    retention.support_requests_remove_details(ids=ids, now=now, marker=ERASED)
    # Closed after the removal, so that the note saying why stays.
    for item in locked:
        if item.is_open:
            support_request_move(
                support_request=item,
                to_status=SupportRequest.Status.CLOSED,
                by=by,
                note=ERASED_NOTE,
            )
    for item in locked:
        before = audit.snapshot(item, ["details_removed_at"])
        item.details_removed_at = now
        audit.record(obj=item, by=by, before=before)
        _register(item, DataRequest.Kind.ERASURE, by)
    references = [item.reference for item in locked]
    transaction.on_commit(lambda: erasure_log_write(references, at=now))
    return references


def erasure_log_write(references: Sequence[str], *, at: datetime.datetime) -> None:
    """Add erasures to NFC_ERASURE_LOG, the register kept outside the
    database (see the setting). Its failure is logged, not raised: the
    erasure is done, and the database's own register holds it."""
    try:
        path = Path(settings.NFC_ERASURE_LOG)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.writelines(f"{reference}\t{at.isoformat()}\n" for reference in references)
    except OSError:
        logger.exception("Could not write erasures to NFC_ERASURE_LOG: %s", ", ".join(references))


def erasure_log_read() -> list[str]:
    """The references erased, as NFC_ERASURE_LOG has them."""
    path = Path(settings.NFC_ERASURE_LOG)
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[0] for line in lines if line.strip()]
