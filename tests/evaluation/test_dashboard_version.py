"""The dashboard's kept pages and the version a write moves on
(evaluation/cache.py): once, when the write commits, never before."""

import pytest
from django.db import transaction

from evaluation import cache as dashboard_cache
from nfc.redis_guard import shared_cache
from tests.factories import SupportRequestFactory
from tests.support import redis_caches

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_redis(settings, redis_url):
    settings.CACHES = redis_caches(redis_url)
    settings.NFC_DASHBOARD_CACHE_SECONDS = 300
    shared_cache.delete(dashboard_cache.VERSION_KEY)
    yield
    shared_cache.delete(dashboard_cache.VERSION_KEY)


def _key(manager) -> str | None:
    return dashboard_cache.page_key(user=manager, region="", query="")


def test_a_page_drawn_before_the_commit_is_never_kept_under_the_new_version(
    on_redis, manager, hendon, django_capture_on_commit_callbacks
):
    before = _key(manager)
    with django_capture_on_commit_callbacks(execute=True):
        SupportRequestFactory(area=hendon)
        # A page drawn now reads the data before the commit: it is kept
        # under the version read before it, which the commit leaves behind.
        assert _key(manager) == before
    assert _key(manager) != before


def test_a_write_rolled_back_moves_nothing(
    on_redis, manager, hendon, django_capture_on_commit_callbacks
):
    before = _key(manager)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        SupportRequestFactory(area=hendon)
        transaction.set_rollback(True)
    assert _key(manager) == before
