"""A Redis that accepts connections and never answers costs a page one short
timeout at most: after that, calls fail at once and take their fallback, as
when Redis refuses connections."""

import pytest
import redis

from evaluation import cache as dashboard_cache
from nfc import redis_guard
from nfc.redis_guard import shared_cache
from tests.support import hung_server, redis_caches


@pytest.fixture
def cache_on_a_hung_redis(settings):
    with hung_server() as port:
        settings.CACHES = redis_caches(
            f"redis://127.0.0.1:{port}/0", socket_connect_timeout=0.2, socket_timeout=0.2
        )
        yield


def test_after_one_call_finds_redis_not_answering_the_next_fail_at_once(
    cache_on_a_hung_redis, db, django_capture_on_commit_callbacks
):
    with pytest.raises(redis.TimeoutError):
        shared_cache.get("anything")
    assert redis_guard.is_away()
    with pytest.raises(redis_guard.RedisAway):
        shared_cache.incr("anything")
    # The dashboard is drawn afresh, and a write goes on: the version's
    # move, after the commit, is let go.
    assert dashboard_cache.page_key(user=None, region="", query="") is None
    with django_capture_on_commit_callbacks(execute=True) as moves:
        dashboard_cache.figures_changed()
    assert len(moves) == 1


def test_redis_is_asked_again_once_the_while_is_over(cache_on_a_hung_redis, settings):
    settings.NFC_REDIS_AWAY_SECONDS = 0
    for _ in range(2):
        with pytest.raises(redis.TimeoutError):
            shared_cache.get("anything")


def test_the_default_cache_keeps_going_in_memory_while_redis_is_away(cache_on_a_hung_redis):
    from django.core.cache import cache

    assert cache.add("tries", 1)
    assert redis_guard.is_away()
    assert cache.incr("tries") == 2
    assert cache.get_or_set("tries", 0) == 2
    assert not cache.add("tries", 1)
    cache.delete("tries")
    assert cache.get("tries") is None


@pytest.mark.parametrize("alias", ["default", "shared"])
def test_a_redis_that_answers_is_asked_as_usual(settings, redis_url, alias):
    from django.core.cache import caches

    settings.CACHES = redis_caches(redis_url)
    cache = caches[alias]
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    assert cache.get_or_set("count", 1) == 1
    assert cache.incr("count") == 2
    assert not redis_guard.is_away()
    # Both are the one Redis.
    assert caches["shared" if alias == "default" else "default"].get("greeting") == "hello"
    cache.delete_many(["greeting", "count"])


@pytest.mark.parametrize("alias", ["default", "shared"])
def test_each_call_reuses_the_one_redis_client(settings, redis_url, alias, monkeypatch):
    """redis-py fills a table of reply handlers for every client made:
    Django made one a call (three on every help form post)."""
    from django.core.cache import caches

    settings.CACHES = redis_caches(redis_url)
    cache = caches[alias]
    made = []
    monkeypatch.setattr(redis.Redis, "__init__", _counting(redis.Redis.__init__, made))
    cache.set("greeting", "hello")
    assert cache.get("greeting") == "hello"
    cache.delete("greeting")
    shared_cache.move_on("version", start=1)
    shared_cache.delete("version")
    assert len(made) <= 2, "one client for each cache, kept for every call"


def _counting(function, calls: list):
    def counted(*args, **kwargs):
        calls.append(args)
        return function(*args, **kwargs)

    return counted
