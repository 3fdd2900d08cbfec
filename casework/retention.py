"""Keeping residents' details no longer than the privacy notice promises."""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework import audit
from casework.models import ResidentMessage, StatusChange, SupportRequest

REMOVED = "(removed at the end of the retention period)"


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
    ResidentMessage.objects.filter(support_request_id__in=ids).delete()
    return SupportRequest.objects.filter(pk__in=ids).update(
        name=REMOVED,
        email="",
        phone="",
        postcode="",
        place="",
        description=REMOVED,
        follow_token_hash="",
        follow_revoked_at=now,
        details_removed_at=now,
    )
