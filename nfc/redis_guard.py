"""Redis is a help, never a need: when it is away, pages go on without it.

The cache (rate limits, the dashboard) and the queue (e-mails) each have a
fallback for a call that fails: let the post through, draw the page afresh,
leave the e-mail to the sweep. A Redis that refuses connections fails each
call at once. One that accepts connections and never answers (hung, or the
network half gone) would keep each call waiting for its timeout, and one
page makes several calls: the help form asks the rate limit, moves the
dashboard's version on twice and enqueues its e-mails. Waited out one after
another, those timeouts kept a resident's saved request from its reference
past gunicorn's worker timeout.

So every call has short timeouts (NFC_REDIS_TIMEOUT_SECONDS, in the
settings), and once a call has found Redis not answering, this process takes
it for away for NFC_REDIS_AWAY_SECONDS: calls meanwhile fail at once, as if
Redis refused them, and take their usual fallback. The first call after that
asks Redis again. Each process learns for itself: a web worker waits out at
most one timeout before it stops asking.

Two caches, for two kinds of caller:
- ``caches[SHARED]`` is Redis and nothing else, for what must read the same
  in every process or not at all (the dashboard's version, the help form's
  hourly count). Its calls fail while Redis is away, and our callers fall
  back as they choose.
- The default cache is for code we do not own: allauth keeps the sign-in
  limits and the two-factor codes already used there, and does not expect a
  call to fail (with Redis away, every staff sign-in was a 500). While Redis
  is away it keeps them in this process's memory instead: staff can still
  sign in, and guessing is still limited, per process rather than across
  them, until Redis answers again.
"""

import contextlib
import functools
import logging
import time
from collections.abc import Iterator

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.connection import ConnectionProxy
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)

# The cache that is Redis only (see above), and its alias in CACHES.
SHARED = "shared"
shared_cache = ConnectionProxy(caches, SHARED)

# What a Redis that is away raises: refused, reset, or no answer in time.
NOT_ANSWERING = (redis.ConnectionError, redis.TimeoutError)

# time.monotonic() until which Redis is taken for away in this process.
_away_until = 0.0


class RedisAway(ConnectionError):
    """Redis did not answer a moment ago, so it was not asked again yet."""


def is_away() -> bool:
    return time.monotonic() < _away_until


def went_away() -> None:
    """A call found Redis not answering: stop asking it for a while."""
    global _away_until
    _away_until = time.monotonic() + settings.NFC_REDIS_AWAY_SECONDS


def came_back() -> None:
    """Ask Redis again from the next call (a test that hung Redis on purpose
    calls this after, so the next test finds it answering)."""
    global _away_until
    _away_until = 0.0


@contextlib.contextmanager
def asking_redis(not_answering: tuple[type[BaseException], ...] = NOT_ANSWERING) -> Iterator[None]:
    """Around a call to Redis: fails at once with RedisAway while Redis is
    taken for away, and takes it for away when the call finds it not
    answering (any of ``not_answering``; the queue's library raises its own)."""
    if is_away():
        raise RedisAway("Redis did not answer a moment ago; not asking again yet.")
    try:
        yield
    except not_answering:
        went_away()
        raise


class _AskingRedis:
    """Django's Redis cache client, each of its calls made through
    asking_redis()."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name: str):
        method = getattr(self._client, name)

        @functools.wraps(method)
        def call(*args, **kwargs):
            with asking_redis():
                return method(*args, **kwargs)

        return call


class _OneClientPerPool(RedisCacheClient):
    """Django's Redis cache client, keeping the redis-py client it makes for
    each connection pool. Django makes a new one for every call, and
    redis-py fills a table of about 170 reply handlers for each: a quarter
    of a millisecond of CPU, three times on every help form post. A
    client is only its pool (which is safe across threads) and that table,
    so one serves every call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[redis.ConnectionPool, redis.Redis] = {}

    def get_client(self, key=None, *, write=False):
        # Django's own attributes, missing from its type stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class FailFastRedisCache(RedisCache):
    """Django's Redis cache, failing at once while Redis is away (above).
    Its callers already fall back when a call fails."""

    @cached_property
    def _cache(self):
        # As Django's RedisCache makes its client (these attributes are its
        # own, set in its __init__, and missing from its type stubs), but
        # keeping its redis-py clients.
        client = _OneClientPerPool(self._servers, **self._options)  # type: ignore[attr-defined]
        return _AskingRedis(client)

    def count_one_more(self, key: str, earlier: list[str], *, timeout: int) -> int:
        """Add one to the count at ``key`` (made with ``timeout`` if new) and
        return it plus the counts at ``earlier``: as add(), incr() and
        get_many() would, in one round trip to Redis instead of three."""
        key = self.make_and_validate_key(key)
        earlier = [self.make_and_validate_key(name) for name in earlier]
        with asking_redis():
            # Django's client, for its connection pool (as its own calls get it).
            client = self._cache._client.get_client(key, write=True)
            pipe = client.pipeline(transaction=False)
            # Django keeps an int as the number itself, so INCR works on it.
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
            pipe.mget(earlier)
            _, count, counts = pipe.execute()
        return count + sum(int(value) for value in counts if value is not None)

    def move_on(self, key: str, *, start: int) -> int:
        """Add one to the number at ``key``, kept with no expiry, first
        setting it to ``start`` if it is missing; the number it reached.
        One round trip to Redis, where Django's incr() takes two (and an
        add() on a miss, a third)."""
        key = self.make_and_validate_key(key)
        with asking_redis():
            client = self._cache._client.get_client(key, write=True)
            pipe = client.pipeline(transaction=False)
            pipe.set(key, start, nx=True)
            pipe.incr(key)
            _, number = pipe.execute()
        return number


# Every call of Django's cache API that RedisCache answers itself; the rest
# (get_or_set, decr, ...) are made of these.
_CACHE_CALLS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class RedisOrLocalCache(FailFastRedisCache):
    """Redis, or this process's memory while Redis is away (see above)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        # LocMemCache keeps one store per name in a process: every thread's
        # instance of this cache falls back to the same one.
        self._local = LocMemCache(f"nfc-while-redis-is-away:{server}", params)


def _redis_or_local(name: str):
    redis_call = getattr(FailFastRedisCache, name)

    @functools.wraps(redis_call)
    def call(self, *args, **kwargs):
        try:
            return redis_call(self, *args, **kwargs)
        except (*NOT_ANSWERING, RedisAway):
            logger.warning("Redis did not answer: cache %s kept in this process instead.", name)
            return getattr(self._local, name)(*args, **kwargs)

    return call


for _name in _CACHE_CALLS:
    setattr(RedisOrLocalCache, _name, _redis_or_local(_name))
