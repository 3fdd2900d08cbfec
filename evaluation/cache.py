"""The dashboard's rendered figures, kept until anything they read changes.

Every write to a table the dashboard reads moves a version number on; a
page is kept under the version it was drawn at, so a change is seen on the
next view. A write moves it on once its transaction commits (at once when
there is none), never before: a page is kept under the version read before
its data, so one drawn from the data before the commit is kept under the
old version, never the new one, and a write rolled back moves nothing. Pages also expire after
NFC_DASHBOARD_CACHE_SECONDS, because some figures move with the clock (a
request passing its response target) with no write at all.

The cache is a help, never a need: if it cannot be reached the page is
drawn afresh and writes go on.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from advisers.models import AdviserAssignment, CommunityWorkerAllocation, TimeRecord, User
from areas.models import Area, AreaType, FundingBid
from casework.models import Action, JobRun, Referral, SupportRequest
from evaluation.models import OutcomeRecord
from events.models import Connection, Event
from nfc.redis_guard import shared_cache

logger = logging.getLogger(__name__)

VERSION_KEY = "dashboard:version"


def _first_version() -> int:
    # If the version is ever evicted, it starts again from the clock, so it
    # never repeats a number that older pages were kept under.
    return time.time_ns()


def _bump() -> None:
    try:
        # Redis moves it on in one round trip (FailFastRedisCache); another
        # cache (development) in two calls.
        move_on = getattr(shared_cache, "move_on", None)
        if move_on is not None:
            move_on(VERSION_KEY, start=_first_version())
            return
        try:
            shared_cache.incr(VERSION_KEY)
        except ValueError:
            shared_cache.add(VERSION_KEY, _first_version(), timeout=None)
    except Exception:
        logger.warning("Could not reach the cache to mark the dashboard out of date.")


def figures_changed(**kwargs) -> None:
    """Signal receiver: something the dashboard reads was written."""
    if kwargs.get("update_fields") == frozenset({"last_login"}):
        return
    # Once, after the commit. A move at once as well (as there was) cost
    # every write a round trip to Redis more (the help form's post, a fifth
    # of its own) and only helped if this process died between the commit
    # and this move: then the kept pages stay as they were for up to
    # NFC_DASHBOARD_CACHE_SECONDS, as after a lost Redis.
    transaction.on_commit(_bump)


def page_key(*, user, region: str, page: str = "index", query: str) -> str | None:
    """Where this person's view of one of the dashboard's pages is kept, or
    None when the cache is off or out of reach."""
    if not settings.NFC_DASHBOARD_CACHE_SECONDS:
        return None
    try:
        version = shared_cache.get_or_set(VERSION_KEY, _first_version, timeout=None)
    except Exception:
        logger.warning("Could not reach the cache: drawing the dashboard afresh.")
        return None
    asked = hashlib.sha256(query.encode()).hexdigest()[:32]
    return f"dashboard:page:{version}:{timezone.localdate()}:{user.pk}:{region}:{page}:{asked}"


def page_get(key: str | None) -> str | None:
    if key is None:
        return None
    try:
        return shared_cache.get(key)
    except Exception:
        logger.warning("Could not reach the cache: drawing the dashboard afresh.")
        return None


def page_set(key: str | None, page: str) -> None:
    if key is None:
        return
    try:
        shared_cache.set(key, page, timeout=settings.NFC_DASHBOARD_CACHE_SECONDS)
    except Exception:
        logger.warning("Could not reach the cache to keep the dashboard.")


def connect() -> None:
    """Listen for writes to every table the dashboard reads."""
    for model in (
        User,
        Area,
        AreaType,
        AdviserAssignment,
        CommunityWorkerAllocation,
        TimeRecord,
        FundingBid,
        SupportRequest,
        Action,
        Referral,
        JobRun,
        # The next events and the connections. Not registrations: the public
        # form saves dozens a minute when a big event opens, which would
        # draw every dashboard afresh each time; places taken and who came
        # may be NFC_DASHBOARD_CACHE_SECONDS behind.
        Event,
        Connection,
        # Missing outcome records are counted and score in the early warning.
        OutcomeRecord,
    ):
        post_save.connect(figures_changed, sender=model, dispatch_uid=f"dashboard-{model.__name__}")
        post_delete.connect(
            figures_changed, sender=model, dispatch_uid=f"dashboard-del-{model.__name__}"
        )
    m2m_changed.connect(figures_changed, sender=Area.types.through, dispatch_uid="dashboard-types")
