"""The audit history: every service that changes case data (a request, an
interaction, a referral or an action; an area's stage, people, funding,
partnership and contacts; time records; partners; staff accounts) records
what it did here, in the same transaction.

The areas and advisers services import this module: it imports only the
models below them (casework.models, areas.models), which import no
services, so no circle of imports results.
"""

import datetime
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models

from areas.models import Area
from casework.models import AuditEntry, SupportRequest, audit_withholds


def _name_of(by) -> str:
    return str(by)[:150] if getattr(by, "pk", None) else ""


@contextmanager
def redacting():
    """Inside it (in a transaction), the database lets personal data be
    blanked in the audit history, as erasure and retention must; nothing
    else of an entry may change, and nothing may be deleted (the trigger
    of casework migration 0019, on PostgreSQL)."""
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL nfc.audit_redaction = 'on'")
    try:
        yield
    finally:
        if on_postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL nfc.audit_redaction = 'off'")


def looked_at(*, obj: models.Model, by, action: str, details: dict | None = None):
    """Note that ``by`` viewed, searched or exported: who saw residents'
    data, not only who changed it. ``details`` (what was searched for,
    which file) is kept as the entry's words."""
    support_request = obj if isinstance(obj, SupportRequest) else None
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        support_request=support_request,
        area_id=_area_id(obj, support_request),
        action=action,
        changes={name: [value, None] for name, value in (details or {}).items()},
        changed_by=by if getattr(by, "pk", None) else None,
        changed_by_name=_name_of(by),
    )


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, models.Manager):
        # A many-to-many field: the names of what it holds.
        return sorted(str(item) for item in value.all())
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # In UTC, as the database gives it back: a time typed in British
        # Summer Time (10:00+01:00) is the same moment as 09:00+00:00, not a change.
        value = value.astimezone(datetime.UTC)
    return str(value)


def _value(obj: models.Model, name: str):
    value = getattr(obj, name)
    field = next((f for f in obj._meta.concrete_fields if f.name == name), None)
    if isinstance(field, models.DecimalField) and value is not None:
        # As the database gives it back ("0.00", not the 0 a default set),
        # so a value saved and read again is not taken for a change.
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-field.decimal_places))
    return _plain(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The values of ``fields`` now, to compare with after a change."""
    return {name: _value(obj, name) for name in fields}


def stored(obj: models.Model, fields: list[str]) -> dict:
    """The values of ``fields`` as saved in the database: what a change
    starts from when a form has already written its values onto ``obj``."""
    return snapshot(type(obj)._base_manager.get(pk=obj.pk), fields)


def _kept(model, name: str, value):
    # For a withheld field (audit_withholds), only whether there was a value.
    field = next((f for f in model._meta.get_fields() if f.name == name), None)
    return bool(value) if audit_withholds(model, field) else value


def _area_id(obj: models.Model, support_request: SupportRequest | None) -> int | None:
    if isinstance(obj, Area):
        return obj.pk
    if getattr(obj, "area_id", None):
        return obj.area_id
    return support_request.area_id if support_request else None


def record(
    *,
    obj: models.Model,
    by,
    before: dict | None = None,
    fields: list[str] | None = None,
    action: str | None = None,
    area: Area | None = None,
):
    """Note that ``by`` created ``obj`` (no ``before``), changed it (the
    fields that differ from ``before``), or is about to remove it
    (``action=AuditEntry.Action.REMOVED``, called before the delete).

    For a creation or a removal, ``fields`` names the values worth keeping
    (what was given, or what is gone). Nothing is noted for a change that
    changed nothing. The entry belongs to ``area`` (by default the record's
    own area, or its request's).
    """
    model = type(obj)
    if action is None:
        action = AuditEntry.Action.CREATED if before is None else AuditEntry.Action.CHANGED
    if action == AuditEntry.Action.CHANGED:
        after = snapshot(obj, fields or list(before or {}))
        changes = {
            name: [_kept(model, name, (before or {}).get(name)), _kept(model, name, value)]
            for name, value in after.items()
            if (before or {}).get(name) != value
        }
        if not changes:
            return None
    else:
        values = snapshot(obj, fields or [])
        changes = {
            name: [None, _kept(model, name, value)]
            if action == AuditEntry.Action.CREATED
            else [_kept(model, name, value), None]
            for name, value in values.items()
            if value not in (None, "", [])
        }
    support_request = (
        obj if isinstance(obj, SupportRequest) else getattr(obj, "support_request", None)
    )
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        support_request=support_request,
        area_id=area.pk if area else _area_id(obj, support_request),
        action=action,
        changes=changes,
        changed_by=by if getattr(by, "pk", None) else None,
        changed_by_name=_name_of(by),
    )


def record_update(*, queryset: models.QuerySet, by, changes: dict) -> int:
    """Note one change, the same for each, to every row of ``queryset``
    that a bulk UPDATE is about to change (``changes``: field → [before,
    after], as stored); in one query, however many rows. How many."""
    model = queryset.model
    content_type = ContentType.objects.get_for_model(model)
    has_area = any(field.name == "area" for field in model._meta.fields)
    entries = [
        AuditEntry(
            content_type=content_type,
            object_id=obj.pk,
            object_repr=str(obj)[:200],
            support_request_id=obj.pk if model is SupportRequest else None,
            area_id=obj.area_id if has_area else None,
            action=AuditEntry.Action.CHANGED,
            changes=changes,
            changed_by=by if getattr(by, "pk", None) else None,
            changed_by_name=_name_of(by),
        )
        for obj in queryset
    ]
    AuditEntry.objects.bulk_create(entries)
    return len(entries)
