"""Private links: a page a person without an account opens with a secret.

A link carries 32 random bytes; only their SHA-256 is kept, so a copy of
the database (or of a backup) opens nothing. The secret exists only in the
message that carries it and in the person's address bar: it is never
stored, logged (nfc.logging masks any path segment of its shape, on any
page) or passed to a task.

A model that offers a link keeps three fields named after it, e.g. for
``PrivateLink("follow")``: ``follow_token_hash`` (indexed),
``follow_expires_at`` and ``follow_revoked_at``.
"""

import datetime
import hashlib
import re
import secrets
from functools import wraps
from typing import TypeVar

from django.db import models
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

# secrets.token_urlsafe(32): 32 random bytes, 43 URL-safe characters.
_SECRET_BYTES = 32
SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

M = TypeVar("M", bound=models.Model)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class PrivateLink:
    """The private link kept in the fields ``<name>_token_hash``,
    ``<name>_expires_at`` and ``<name>_revoked_at`` of a model."""

    def __init__(self, name: str):
        self.hash_field = f"{name}_token_hash"
        self.expires_field = f"{name}_expires_at"
        self.revoked_field = f"{name}_revoked_at"

    def issue(self, obj: models.Model, *, days: int) -> str:
        """Give ``obj`` a new link, lasting ``days``, and return its secret.

        Any earlier link stops working (its hash is replaced). Call it where
        the link is sent, inside the transaction that sends it, so that a
        failed send rolls the new link back too.
        """
        secret = secrets.token_urlsafe(_SECRET_BYTES)
        setattr(obj, self.hash_field, digest(secret))
        setattr(obj, self.expires_field, timezone.now() + datetime.timedelta(days=days))
        setattr(obj, self.revoked_field, None)
        obj.save(update_fields=[self.hash_field, self.expires_field, self.revoked_field])
        return secret

    def working(self, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
        """The records of ``queryset`` whose link still works."""
        return queryset.filter(
            **{self.revoked_field: None, f"{self.expires_field}__gt": timezone.now()}
        )

    def find(self, queryset: models.QuerySet[M], *, secret: str) -> M | None:
        """The record a presented secret opens, or None when the secret is
        wrong, expired or revoked (the caller must not say which).

        Looked up by the secret's hash: the database compares hashes, so how
        long the look-up takes tells an attacker nothing about any secret.
        """
        if not SECRET_SHAPE.fullmatch(secret):
            return None
        return self.working(queryset).filter(**{self.hash_field: digest(secret)}).first()

    def works(self, obj: models.Model) -> bool:
        """Whether ``obj`` holds a link that still opens it."""
        expires_at = getattr(obj, self.expires_field)
        return bool(
            getattr(obj, self.hash_field)
            and getattr(obj, self.revoked_field) is None
            and expires_at
            and expires_at > timezone.now()
        )

    def revoke(self, obj: models.Model) -> None:
        """Stop ``obj``'s link working (kept, with when, for the record)."""
        now = timezone.now()
        type(obj)._default_manager.filter(pk=obj.pk, **{self.revoked_field: None}).update(
            **{self.revoked_field: now}
        )
        setattr(obj, self.revoked_field, getattr(obj, self.revoked_field) or now)


def private_page(view):
    """Headers for a page whose address holds a secret.

    No Referer header takes it to another site; no cache keeps it; no search
    engine lists it.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # The secret may go back to us, never to another site.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex, nofollow"
        add_never_cache_headers(response)
        return response

    return wrapped
