"""Personal API tokens: made, checked and revoked here, by the account
pages, the admin site and the API's authentication alike.

A token is ``nfc_`` and 40 random characters. Only its SHA-256 is stored:
the token is random enough that a salted, slow hash would add nothing, and
a plain hash lets it be found with one indexed lookup.
"""

import datetime
import hashlib
import secrets

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from advisers.models import ApiToken, User
from advisers.permissions import has_perm, two_factor_required
from casework import audit

TOKEN_START = "nfc_"
PREFIX_LENGTH = len(TOKEN_START) + 8
# The longest a token may last: a year, so a forgotten one ends by itself.
LONGEST_DAYS = 366
# How often a token's "last used" is written: not on every call.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def token_hash(raw: str) -> str:
    """What is stored of a token: its SHA-256, in hex."""
    return hashlib.sha256(raw.encode()).hexdigest()


def may_make_token(user: User) -> bool:
    """Managers and administrators reach residents' details across the
    programme, or every account: their tokens only once two-factor
    authentication is set up."""
    if not has_perm(user, "portal.use"):
        return False
    return not two_factor_required(user) or is_mfa_enabled(user, [Authenticator.Type.TOTP])


def expiry_check(expires_on: datetime.date) -> None:
    """A token ends after today, and within a year (LONGEST_DAYS)."""
    today = timezone.localdate()
    if expires_on <= today:
        raise ValidationError("Choose a day after today.", code="past")
    if expires_on > today + datetime.timedelta(days=LONGEST_DAYS):
        raise ValidationError("A token can last a year at most.", code="too_far")


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scope: str, expires_on: datetime.date
) -> tuple[ApiToken, str]:
    """Make a token for ``user``: the saved record, and the token itself,
    which is never stored and cannot be shown again."""
    if not may_make_token(user):
        raise ValidationError(
            "Set up two-factor authentication before making an API token.", code="two_factor"
        )
    try:
        expiry_check(expires_on)
    except ValidationError as error:
        raise ValidationError({"expires_on": error}) from error
    raw = TOKEN_START + secrets.token_urlsafe(30)
    ends = datetime.datetime.combine(expires_on, datetime.time.max)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip(),
        scope=scope,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=token_hash(raw),
        expires_at=timezone.make_aware(ends),
    )
    audit.record(obj=token, by=user, fields=["name", "scope", "prefix", "expires_at"])
    return token, raw


def api_token_revoke(*, token: ApiToken, by: User) -> bool:
    """Stop ``token`` at once. False when it had already stopped."""
    with transaction.atomic():
        in_force = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True)
        now = timezone.now()
        audit.record_update(queryset=in_force, by=by, changes={"revoked_at": [None, str(now)]})
        return bool(in_force.update(revoked_at=now, revoked_by=by))


@transaction.atomic
def api_tokens_revoke_unprotected(*, user: User, by: User | None) -> int:
    """Revoke every token of ``user`` when their role needs two-factor
    authentication and they no longer have it (their authenticator app was
    removed): how many were stopped."""
    if may_make_token(user):
        return 0
    in_force = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    now = timezone.now()
    audit.record_update(queryset=in_force, by=by, changes={"revoked_at": [None, str(now)]})
    return in_force.update(revoked_at=now, revoked_by=by)


def api_token_for(raw: str) -> ApiToken | None:
    """The token in force that ``raw`` is, with its owner, or None.

    A token of someone whose role needs two-factor authentication and who
    has none (made before they became a manager, say) opens nothing until
    they set it up: asked in the same query, so every call costs one."""
    if not raw.startswith(TOKEN_START):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.in_force(now)
        .select_related("user")
        .annotate(
            owner_has_totp=Exists(
                Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP)
            )
        )
        .filter(key_hash=token_hash(raw), user__is_active=True)
        .first()
    )
    if token is None or (two_factor_required(token.user) and not token.owner_has_totp):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
