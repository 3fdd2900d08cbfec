"""Celery's Redis transport keeps its redis-py client (nfc/broker.py)."""

from nfc import broker
from nfc.celery import app as celery_app


def test_a_redis_broker_is_reached_through_our_transport():
    # The deployed settings choose it for a redis:// broker; the test run
    # sets it as they do (tests/conftest.py).
    assert celery_app.conf.broker_transport == "nfc.broker:Transport"


def test_publishing_keeps_one_client_for_the_pool_and_follows_a_new_pool(celery_on_redis):
    with celery_on_redis.connection_for_write() as connection:
        channel = connection.default_channel
        assert isinstance(channel, broker.Channel)
        client = channel._create_client()
        assert channel._create_client() is client
        assert client.connection_pool is channel.pool
        # kombu drops its pool after a lost connection: the client follows.
        channel._disconnect_pools()
        again = channel._create_client()
        assert again is not client
        assert again.connection_pool is channel.pool
