"""Removing residents' details: at the end of the retention period the
privacy notice promises, and (through casework.data_requests) when a
resident asks us to erase them. Both remove the same things, here."""

import datetime
from collections.abc import Collection

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Case, F, Model, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework import audit
from casework.models import (
    Action,
    AuditEntry,
    Interaction,
    Referral,
    ResidentMessage,
    StatusChange,
    SupportRequest,
)
from casework.personal_data import removed_with_request

REMOVED = "(removed at the end of the retention period)"
# The request's fields that hold the resident's details, and the records
# on a request whose words go with it, as the registry of personal data
# says (casework.personal_data). A correction records old and new values in
# the audit history, so those go too.
RESIDENT_DETAILS = tuple(removed_with_request(SupportRequest._meta.label))
EMPTIED = ("email", "phone", "postcode", "place")
WORDS_ON_A_REQUEST: dict[type[Model], tuple[str, ...]] = {
    model: tuple(removed_with_request(model._meta.label))
    for model in (StatusChange, Interaction, Action, Referral)
}


@transaction.atomic
def support_requests_remove_old_details(*, now: datetime.datetime | None = None) -> int:
    """Remove residents' details from requests closed longer ago than the
    privacy notice promises to keep them (NFC_RETENTION_DAYS): their name,
    ways to reach them, postcode, words and messages. What the request was
    about, where and when, stays for evaluation. How many were cleared."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.NFC_RETENTION_DAYS)
    last_step = (
        StatusChange.objects.filter(support_request=OuterRef("pk"))
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
    due = (
        SupportRequest.objects.filter(
            status__in=SupportRequest.CLOSED_STATUSES, details_removed_at__isnull=True
        )
        .annotate(closed_at=Coalesce(Subquery(last_step), F("created_at")))
        .filter(closed_at__lt=cutoff)
    )
    ids = list(due.values_list("pk", flat=True))
    audit.record_update(
        queryset=SupportRequest.objects.filter(pk__in=ids).only("reference", "area_id"),
        by=None,
        changes={"details_removed_at": [None, str(now)]},
    )
    return support_requests_remove_details(ids=ids, now=now, marker=REMOVED)


@transaction.atomic
def support_requests_remove_details(
    *, ids: Collection[int], now: datetime.datetime, marker: str
) -> int:
    """Remove the resident's details from the requests ``ids``: their name,
    ways to reach them, postcode, words and messages, their private link,
    and any of these the audit history kept; ``marker`` says why, where a
    field cannot be empty. How many requests were cleared."""
    searches_forget(ids=ids, marker=marker)
    ResidentMessage.objects.filter(support_request_id__in=ids).delete()
    for model, fields in WORDS_ON_A_REQUEST.items():
        model._default_manager.filter(support_request_id__in=ids).update(
            **{name: marked_if_written(name, marker) for name in fields}
        )
    words = {name for fields in WORDS_ON_A_REQUEST.values() for name in fields}
    audit_values_remove(
        entries=AuditEntry.objects.filter(support_request_id__in=ids),
        fields=[*RESIDENT_DETAILS, *sorted(words)],
        marker=marker,
    )
    # An action's history is headed by its words (its description).
    with audit.redacting():
        AuditEntry.objects.filter(
            support_request_id__in=ids, content_type=ContentType.objects.get_for_model(Action)
        ).update(object_repr=marker)
    details = {
        # Ways to reach or place the resident are emptied; their words (and
        # name) say why they are gone, where there were any.
        name: "" if name in EMPTIED else marked_if_written(name, marker)
        for name in RESIDENT_DETAILS
    }
    return SupportRequest.objects.filter(pk__in=ids).update(
        **details,
        follow_token_hash="",
        follow_revoked_at=now,
        details_removed_at=now,
    )


# What a member of staff may have typed into search to find the resident.
SEARCHED_FOR = ("name", "email", "phone", "group_name")


def searches_forget(*, ids: Collection[int], marker: str) -> int:
    """Blank the words of the searches in the audit history that named the
    resident of the requests ``ids`` (their name, e-mail, phone or group):
    the entry stays, saying who searched and when, but what they typed
    would keep the resident's name after the resident is gone. How many
    entries changed."""
    named = Q()
    for values in SupportRequest.objects.filter(pk__in=ids).values_list(*SEARCHED_FOR):
        for value in values:
            # Shorter than three letters would blank unrelated searches.
            if len(value.strip()) >= 3:
                named |= Q(changes__search__0__icontains=value.strip())
    if not named:
        return 0
    entries = list(AuditEntry.objects.filter(named, action=AuditEntry.Action.SEARCHED))
    for entry in entries:
        entry.changes["search"] = [marker, None]
    with audit.redacting():
        AuditEntry.objects.bulk_update(entries, ["changes"], batch_size=500)
    return len(entries)


def marked_if_written(name: str, marker: str) -> Case:
    """A field that had words gets ``marker`` (some may not be empty); an
    empty one stays empty."""
    return Case(When(**{name: ""}, then=Value("")), default=Value(marker))


def audit_values_remove(
    *, entries: QuerySet[AuditEntry], fields: Collection[str], marker: str
) -> int:
    """Replace the old and new values of ``fields`` in the audit ``entries``
    (those of a resident's requests and what belongs to them, say) with
    ``marker``, keeping who changed what and when. How many changed."""
    changed = []
    for entry in entries.filter(changes__has_any_keys=list(fields)).only("changes"):
        for name in fields:
            if name in entry.changes:
                entry.changes[name] = [value and marker for value in entry.changes[name]]
        changed.append(entry)
    with audit.redacting():
        AuditEntry.objects.bulk_update(changed, ["changes"], batch_size=500)
    return len(changed)
