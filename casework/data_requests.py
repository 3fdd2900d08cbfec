"""Residents' requests about their data: the rights the privacy notice
promises (to see what we hold, to correct it, to delete it), answered by a
manager. Residents have no account: a manager finds a resident's requests
by the e-mail address, phone number or reference they give, then exports
them, corrects their details or erases them. Each of these is kept as a
DataRequest, with its audit entry, and keeps no personal data itself.

Erasure removes what the retention period removes (casework.retention,
the one place that does), and the words staff wrote on those requests.

Apps above casework that keep other records of residents (events: their
registrations and feedback) add them through a ResidentDataSource, since
casework may not import them: the same find, export, erasure and
`manage.py restore` then take in their records too.
"""

import datetime
import io
import logging
import zipfile
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def phone_digits(name: str) -> F | Replace:
    """The field ``name`` written down to its digits in the database, as
    normalise_phone() does in Python: to find a number however written."""
    expression: F | Replace = F(name)
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
        requests = requests.annotate(phone_digits=phone_digits("phone"))
        wanted |= Q(phone_digits=normalise_phone(phone))
    if not wanted:
        return requests.none()
    return requests.filter(wanted).select_related("area").order_by("created_at", "pk")


# --- Subject-access export --------------------------------------------------


@dataclass
class ResidentRecords:
    """A resident's records: their requests, and those of each other
    source (``others``, by the source's name: events' registrations)."""

    support_requests: list[SupportRequest]
    others: dict[str, list] = field(default_factory=dict)

    def of(self, source: str) -> list:
        return self.others.get(source, [])

    def record_keys(self) -> list[str]:
        """Each record's key: a request's reference, another's own key."""
        return [item.reference for item in self.support_requests] + [
            item.data_key for items in self.others.values() for item in items
        ]

    def __bool__(self) -> bool:
        return bool(self.support_requests) or any(self.others.values())


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


# --- Other sources of residents' records ------------------------------------


@dataclass(frozen=True)
class ResidentDataSource:
    """Records about residents that an app above casework keeps (events:
    registrations), answered through this module. Each record has a
    ``data_key`` (starting with ``key_prefix``, never a request's "NFC-"),
    ``details_removed_at`` and ``area``.

    find(user=, email=, phone=): the records ``user`` may see with this
    e-mail address (any case) or phone number (digits, normalise_phone()).
    with_everything(records): them again, with all the export shows, in a
    fixed number of queries. sections: the export's CSV files.
    letter(records): the letter's part about them, in plain words.
    preview(records): what erasing them removes, rendered for the page.
    erase(records=, by=, now=): remove their details, as the app's own
    retention does, from those not removed already, and give those back.
    erase_again(keys=, now=): the same by key, for `manage.py restore`;
    how many.
    found_template: the page's rows for them (given ``items``, ``ticked``).
    """

    name: str
    key_prefix: str
    # What one record is called, in a sentence: "event registration".
    noun: str
    find: Callable[..., list]
    with_everything: Callable[[list], list]
    sections: Sequence[Section]
    letter: Callable[[list], str]
    preview: Callable[[list], str]
    erase: Callable[..., list]
    erase_again: Callable[..., int]
    found_template: str


SOURCES: dict[str, ResidentDataSource] = {}


def resident_data_source_add(source: ResidentDataSource) -> None:
    """Answer residents' data requests from ``source`` too (from an
    AppConfig.ready: once, whatever reloads)."""
    SOURCES[source.name] = source


def resident_records_find(
    *, user, email: str = "", phone: str = "", reference: str = ""
) -> ResidentRecords:
    """The resident's records ``user`` may see: the requests with this
    e-mail address, phone number or reference (resident_requests_find), and
    each source's records with this e-mail address or phone number."""
    found = ResidentRecords(
        support_requests=list(
            resident_requests_find(user=user, email=email, phone=phone, reference=reference)
        )
    )
    if email or phone:
        for source in SOURCES.values():
            found.others[source.name] = source.find(
                user=user, email=email.strip(), phone=normalise_phone(phone)
            )
    return found


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
def subject_access_export(
    *, support_requests: Sequence[SupportRequest] = (), others: dict | None = None, by
) -> bytes:
    """A ZIP file of everything we hold about the resident whose records
    these are (their requests, and ``others``: each source's records, by
    its name): a letter in plain words (read-me-first.txt) and one CSV file
    per kind of record they have (SECTIONS, and each source's). Each
    record's export is recorded: who, when, and which record, never what
    it held."""
    records = ResidentRecords(
        support_requests=_with_everything(support_requests),
        others={
            name: SOURCES[name].with_everything(list(items))
            for name, items in (others or {}).items()
            if items
        },
    )
    if not records:
        raise ValidationError("Choose at least one record.")
    sections = list(SECTIONS) if records.support_requests else []
    for name in records.others:
        sections += SOURCES[name].sections
    letter = render_to_string(
        "casework/subject_access_letter.txt",
        {
            "made_on": timezone.localdate(),
            "references": [item.reference for item in records.support_requests],
            "parts": [SOURCES[name].letter(items) for name, items in records.others.items()],
            "sections": sections,
            "privacy_url": absolute_url("casework_public:privacy"),
            "contact_email": settings.NFC_PRIVACY_CONTACT_EMAIL,
            "contact_address": settings.NFC_PRIVACY_CONTACT_ADDRESS,
        },
    )
    file = io.BytesIO()
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("read-me-first.txt", letter)
        for section in sections:
            archive.writestr(section.filename, csv_text(section.header, section.rows(records)))
    for item in records.support_requests:
        data_request_record(record=item, kind=DataRequest.Kind.EXPORT, by=by)
    for items in records.others.values():
        for item in items:
            data_request_record(record=item, kind=DataRequest.Kind.EXPORT, by=by)
    return file.getvalue()


def data_request_record(*, record: Any, kind: str, by) -> DataRequest:
    """Keep in the register that ``by`` did this for the resident, about
    ``record`` (a request, or a source's record), with its audit entry."""
    if isinstance(record, SupportRequest):
        data_request = DataRequest.objects.create(
            support_request=record, subject=record.reference, kind=kind, handled_by=by
        )
        audit.record(obj=data_request, by=by)
    else:
        data_request = DataRequest.objects.create(subject=record.data_key, kind=kind, handled_by=by)
        audit.record(obj=data_request, by=by, area=record.area)
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
    data_request_record(record=locked, kind=DataRequest.Kind.CORRECTION, by=by)
    support_request.refresh_from_db()
    return changed


# --- Erasure --------------------------------------------------------------


@dataclass
class ErasurePreview:
    """What erasing these records would remove, counted, for the page that
    asks the manager to confirm; ``others``: each source's part of the
    page, for its records not yet removed."""

    support_requests: list[SupportRequest]
    already_removed: list
    open_requests: int
    messages: int
    staff_words: dict[str, int]
    others: list[str] = field(default_factory=list)
    erasable_others: dict[str, list] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.support_requests) or any(self.erasable_others.values())


def _erasable(records: Iterable) -> list:
    return [item for item in records if item.details_removed_at is None]


def _staff_words_of(ids: Sequence[int]) -> dict[type[Model], QuerySet]:
    """Per model, the records on requests ``ids`` with words in them."""
    found = {}
    for model, fields in STAFF_WORDS.items():
        written = Q()
        for name in fields:
            written |= ~Q(**{name: ""})
        found[model] = model._default_manager.filter(support_request_id__in=ids).filter(written)
    return found


def erasure_preview(
    *, support_requests: Sequence[SupportRequest] = (), others: dict | None = None
) -> ErasurePreview:
    erasable = _erasable(support_requests)
    ids = [item.pk for item in erasable]
    words = _staff_words_of(ids)
    erasable_others = {name: _erasable(items) for name, items in (others or {}).items()}
    already_removed = [
        item
        for items in [support_requests, *(others or {}).values()]
        for item in items
        if item.details_removed_at
    ]
    return ErasurePreview(
        support_requests=erasable,
        already_removed=already_removed,
        others=[SOURCES[name].preview(items) for name, items in erasable_others.items() if items],
        erasable_others=erasable_others,
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
def support_requests_erase(
    *, support_requests: Sequence[SupportRequest] = (), others: dict | None = None, by
) -> list[str]:
    """Erase the resident's details from their requests, at their asking:
    remove what the retention period removes (casework.retention: their
    details and the words staff wrote on the requests), then close those
    still open (we can no longer reply). What the requests were about, where and when,
    and the counts of time and residents, stay for the programme's figures.
    ``others``, each source's records by its name, are erased by their
    source. Each erasure is recorded without what it removed. The keys of
    the records erased (a request's is its reference)."""
    ids = [item.pk for item in support_requests]
    locked = list(
        SupportRequest.objects.select_for_update()
        .filter(pk__in=ids, details_removed_at__isnull=True)
        .order_by("pk")
    )
    now = timezone.now()
    # Each source erases what it still holds; only those are recorded.
    erased_others = []
    for name, items in (others or {}).items():
        if items:
            erased_others += SOURCES[name].erase(records=list(items), by=by, now=now)
    if not locked and not erased_others:
        raise ValidationError("These records' details were removed already.")
    keys = _support_requests_erase(locked, by=by, now=now)
    for item in erased_others:
        data_request_record(record=item, kind=DataRequest.Kind.ERASURE, by=by)
        keys.append(item.data_key)
    transaction.on_commit(lambda: erasure_log_write(keys, at=now))
    return keys


def _support_requests_erase(locked: list[SupportRequest], *, by, now) -> list[str]:
    if not locked:
        return []
    ids = [item.pk for item in locked]
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
        data_request_record(record=item, kind=DataRequest.Kind.ERASURE, by=by)
    return [item.reference for item in locked]


def erasures_replay(keys: Collection[str]) -> int:
    """Erase again the records ``keys`` (from the register and
    NFC_ERASURE_LOG) whose details a restored backup brought back: for
    `manage.py restore`. How many records."""
    now = timezone.now()
    references = [key for key in keys if key.startswith("NFC-")]
    ids = list(
        SupportRequest.objects.filter(
            reference__in=references, details_removed_at__isnull=True
        ).values_list("pk", flat=True)
    )
    with transaction.atomic():
        if ids:
            audit.record_update(
                queryset=SupportRequest.objects.filter(pk__in=ids),
                by=None,
                changes={"details_removed_at": [None, str(now)]},
            )
            retention.support_requests_remove_details(ids=ids, now=now, marker=ERASED)
        again = len(ids)
        for source in SOURCES.values():
            theirs = [key for key in keys if key.startswith(source.key_prefix)]
            if theirs:
                again += source.erase_again(keys=theirs, now=now)
    return again


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
    """The keys of the records erased (references, for requests), as
    NFC_ERASURE_LOG has them."""
    path = Path(settings.NFC_ERASURE_LOG)
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[0] for line in lines if line.strip()]
