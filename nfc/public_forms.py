"""The defence every public form shares: residents have no account, so a
form anyone may send keeps bots out without a CAPTCHA.

- A hidden field people never fill in (the honeypot): a post with it filled
  is a bot's, and is answered as if all were well, so the bot learns nothing.
- A signed token of when the page was shown: a post sooner than
  NFC_HELP_FORM_MIN_SECONDS after it, or with a forged or day-old token, is
  asked to send again, with everything typed kept. Each page's token is its
  own (it carries a random part), so a form can use it once: what it saves
  keeps ``token_hash()``, and a second post with the same token (a double
  click, a retry, a post sent again) is answered with what the first made.
- A limit of posts per client address in any hour, counted in the cache
  before the post is saved. If the cache is down the post is let through: a
  genuine request lost to an outage is worse than a little spam.

A form mixes in ``PublicFormDefence`` (and its template includes
``includes/public_form_defence.html``); its view passes each post through
``screen()`` (which counts it against the form's ``HourlyLimit``) and saves
when the verdict is ``Verdict.SEND``, then sends the visitor on to its
"sent" page with a ``SentReceipt``.
"""

import enum
import hashlib
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core import signing
from django.db import models

from nfc.clients import client_address
from nfc.redis_guard import NOT_ANSWERING, RedisAway, shared_cache

logger = logging.getLogger(__name__)

_TOKEN_MAX_AGE = 24 * 60 * 60


class SpamReason(models.TextChoices):
    HONEYPOT = "honeypot", "Hidden field filled in"
    TOO_FAST = "too_fast", "Sent too soon after the page loaded"
    BAD_TOKEN = "bad_token", "Form token missing or forged"
    RATE_LIMIT = "rate_limit", "Too many from one address"


class PublicFormDefence(forms.Form):
    """The honeypot and the signed time token, for any public form.

    Each form names its own ``token_salt``, so a token from one form is no
    good on another.
    """

    # Each form names its own, so that a token from one form is no good on
    # another; a form without one cannot be made (see __init_subclass__).
    token_salt: str

    # Left empty by people (it is hidden from them); filled by bots.
    nfc_trap = forms.CharField(required=False, label="Leave this empty", max_length=200)
    started = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if not getattr(cls, "token_salt", ""):
            raise TypeError(f"{cls.__name__} must name its own token_salt.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A page drawn afresh gets a new token. A bound form shows the
        # token it was sent (sent_again() gives it a new one), so signing
        # one for it would be wasted on every post.
        if not self.is_bound:
            self.fields["started"].initial = self.started_token()

    def min_seconds(self) -> int:
        """How soon after the page is shown a person could send it; a form
        that takes longer to fill in may ask for more."""
        return settings.NFC_HELP_FORM_MIN_SECONDS

    @classmethod
    def started_token(cls, *, shown_at: float | None = None) -> str:
        """A signed note of when the form was shown (now, unless
        ``shown_at``), to tell people from bots; the random part makes each
        page's token its own, even two shown in the same second."""
        shown_at = time.time() if shown_at is None else shown_at
        return signing.TimestampSigner(salt=cls.token_salt).sign(
            f"{int(shown_at)}.{secrets.token_urlsafe(12)}"
        )

    @staticmethod
    def token_hash(data) -> str:
        """What a form keeps of the token it was sent with, to know it again
        (one way: the column holds no token that could be sent)."""
        return hashlib.sha256(data.get("started", "").encode()).hexdigest()

    @classmethod
    def sent_again(cls, data) -> "PublicFormDefence":
        """The form bound to what was typed, with a fresh token: for a person
        asked to send again after a too-quick or stale post."""
        data = data.copy()
        data["started"] = cls.started_token()
        return cls(data)

    def spam_reason(self) -> str | None:
        """Why this post looks like a bot's, or None. Checked before anything else."""
        if self.data.get("nfc_trap"):
            return SpamReason.HONEYPOT
        try:
            # Two parts, or a ValueError: a token without its random part
            # (from a page shown before tokens had one) is sent again.
            shown, _ = (
                signing.TimestampSigner(salt=self.token_salt)
                .unsign(self.data.get("started", ""), max_age=_TOKEN_MAX_AGE)
                .split(".")
            )
            shown_at = int(shown)
        except (signing.BadSignature, ValueError):
            return SpamReason.BAD_TOKEN
        if time.time() - shown_at < self.min_seconds():
            return SpamReason.TOO_FAST
        return None


def _client_group(address: str) -> str:
    """Who a post counts against: its IPv4 address, or the /64 an IPv6
    address is in (a home or a server is given a whole /64, so one sender
    has billions of addresses in it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class HourlyLimit:
    """At most ``per_hour`` posts sent, per client address, in any hour.

    Counted in the cache in five-minute buckets, summed for the last hour:
    a rolling hour, so the count does not start again on the clock hour.
    A post is counted before it is saved, with one atomic increment, so
    posts sent all at once cannot each find room left. Only posts that
    are to be saved are counted: a person correcting a mistake, or several
    people behind one address, are not turned away for retrying.
    Fails open: if the cache does not answer, nobody is turned away.
    """

    BUCKET_SECONDS = 5 * 60
    # This bucket and the twelve before it: all of any hour is counted (and
    # up to five minutes more), never less.
    BUCKETS = 13

    def __init__(self, name: str, *, per_hour: int):
        self.name = name
        self.per_hour = per_hour

    def _keys(self, request) -> list[str]:
        """This bucket's key, then the hour's earlier ones."""
        client = _client_group(client_address(request))
        bucket = int(time.time()) // self.BUCKET_SECONDS
        return [f"{self.name}:{client}:{bucket - i}" for i in range(self.BUCKETS)]

    def take(self, request) -> bool:
        """Count this post against its address; False (and not counted) when
        the address has had its ``per_hour`` in the last hour."""
        try:
            current, *earlier = self._keys(request)
            timeout = self.BUCKET_SECONDS * (self.BUCKETS + 1)
            # The increment is the count: two posts at once get different
            # totals, so only as many as there is room for get through.
            # Redis does it all in one round trip (FailFastRedisCache);
            # another cache (tests, development) in three calls.
            count_one_more = getattr(shared_cache, "count_one_more", None)
            if count_one_more is not None:
                total = count_one_more(current, earlier, timeout=timeout)
            else:
                shared_cache.add(current, 0, timeout=timeout)
                total = shared_cache.incr(current) + sum(shared_cache.get_many(earlier).values())
            if total > self.per_hour:
                shared_cache.decr(current)
                return False
        except Exception as error:
            # Redis away is expected (a line will do); anything else, in full.
            logger.warning(
                "%s rate limit skipped: the cache did not answer (%s)",
                self.name,
                error,
                exc_info=not isinstance(error, (*NOT_ANSWERING, RedisAway)),
            )
        return True


class Verdict(enum.Enum):
    SEND = "send"  # save it
    BOT = "bot"  # the honeypot was filled: answer as if sent, so a bot learns nothing
    SEND_AGAIN = "send_again"  # too quick, or a forged or stale token: show the form again
    INVALID = "invalid"  # a person's mistake: show the form with its errors
    TOO_MANY = "too_many"  # the address's hourly limit: show the form again (status 429)


ASK_AGAIN = "Please check your answers, then press \u201cSend\u201d again."
TOO_MANY = (
    "We have had a lot of requests from your connection in the last hour. "
    "Please wait a little, then press \u201cSend\u201d again."
)


@dataclass
class Screening:
    verdict: Verdict
    # Bound to what was typed, with its errors: nothing typed is lost.
    form: PublicFormDefence


def screen(
    request,
    form_class: type[PublicFormDefence],
    *,
    limit: HourlyLimit,
    count: Callable[..., object],
) -> Screening:
    """Judge a post to a public form: a bot's, a person's to send again, a
    mistake, one too many from this address, or one to save. Each turned-
    away post is counted by ``count(reason=...)`` (never stored)."""
    form = form_class(request.POST)
    reason = form.spam_reason()
    if reason == SpamReason.HONEYPOT:
        count(reason=reason)
        return Screening(Verdict.BOT, form)
    if reason is not None:
        count(reason=reason)
        # A person who was quick, or whose page was a day old, sends again;
        # everything they typed is kept.
        form = form_class.sent_again(request.POST)
        form.is_valid()
        form.add_error(None, ASK_AGAIN)
        return Screening(Verdict.SEND_AGAIN, form)
    if not form.is_valid():
        return Screening(Verdict.INVALID, form)
    # Counted only once the answers are right (a mistake corrected is not
    # one more request), and before saving.
    if not limit.take(request):
        count(reason=SpamReason.RATE_LIMIT)
        form.add_error(None, TOO_MANY)
        return Screening(Verdict.TOO_MANY, form)
    return Screening(Verdict.SEND, form)


def body_too_big(request, limit: int) -> bool:
    """Whether the post says it is bigger than ``limit`` bytes."""
    try:
        return int(request.headers.get("Content-Length") or 0) > limit
    except ValueError:
        return False


def same_sender(post, *, name: str, email: str) -> bool:
    """Whether a post whose token was used already names the person who
    used it: a token alone (copied from someone's page) must not show what
    their post made."""
    return (
        post.get("name", "").strip().casefold() == name.casefold()
        and post.get("email", "").strip().casefold() == email.casefold()
    )


class SentReceipt:
    """What a public form's "sent" page shows once (the reference it made),
    carried from the post to that page in a short-lived signed cookie.

    Not in a session: a session would be a database row for every
    signed-out post, which anyone could use to fill the table. The page
    shows the reference once, then only that the form was sent, so the next
    person at a shared computer going back sees neither it nor what it
    names.
    """

    SHOWN = "shown"
    MAX_AGE = 60 * 60

    def __init__(self, name: str, *, path: str):
        self.name = name
        self.path = path

    def _set(self, response, value: str) -> None:
        response.set_signed_cookie(
            self.name,
            value,
            salt=self.name,
            max_age=self.MAX_AGE,
            path=self.path,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )

    def give(self, response, reference: str):
        """On the response that sends the visitor to the "sent" page."""
        self._set(response, reference)
        return response

    def read(self, request) -> str | None:
        """The reference to show, ``SHOWN`` once it has been, or None."""
        return request.get_signed_cookie(
            self.name, default=None, salt=self.name, max_age=self.MAX_AGE
        )

    def mark_shown(self, response):
        self._set(response, self.SHOWN)
        return response
