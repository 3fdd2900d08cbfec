"""Tasks that exist only for the tests of Celery's behaviour (not app code).

A worker started by a test loads them with ``--include tests.celery_tasks``.
"""

import time

import redis
from celery import shared_task


def _redis(task) -> redis.Redis:
    return redis.Redis.from_url(task.app.conf.broker_url)


@shared_task(bind=True)
def attempt_counted_task(self, key: str, first_attempt_sleeps: float) -> int:
    """Counts its attempts in Redis; the first one dawdles, to be killed."""
    attempts = _redis(self).incr(key)
    if attempts == 1:
        time.sleep(first_attempt_sleeps)
    return attempts


@shared_task(bind=True)
def fails_once_task(self, key: str) -> int:
    """Raises a transient error on its first attempt only."""
    attempts = _redis(self).incr(key)
    if attempts == 1:
        raise ConnectionError("the service blinked")
    return attempts
