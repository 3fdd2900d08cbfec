"""Celery's Redis transport keeps its redis-py client (nfc/broker.py)."""

from nfc import broker


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
