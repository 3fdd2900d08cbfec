"""The audit history of casework: every service that changes a request, an
interaction or a referral records what it did here, in the same transaction."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from casework.models import AuditEntry, SupportRequest


def _plain(value):
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str | list | dict):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """The values of ``fields`` now, to compare with after a change."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(*, obj: models.Model, by, before: dict | None = None, fields: list[str] | None = None):
    """Note that ``by`` created ``obj`` (no ``before``) or changed it (the
    fields that differ from ``before``). Nothing is noted for no change."""
    if before is None:
        action, changes = AuditEntry.Action.CREATED, {}
    else:
        after = snapshot(obj, fields or list(before))
        changes = {
            name: [before[name], after[name]] for name in after if before.get(name) != after[name]
        }
        if not changes:
            return None
        action = AuditEntry.Action.CHANGED
    support_request = (
        obj if isinstance(obj, SupportRequest) else getattr(obj, "support_request", None)
    )
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        support_request=support_request,
        action=action,
        changes=changes,
        changed_by=by if getattr(by, "pk", None) else None,
    )
