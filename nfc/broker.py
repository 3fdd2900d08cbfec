"""Celery's Redis transport (kombu's), keeping the redis-py client it makes
for its connection pool.

kombu makes a new redis-py client for every message it publishes, and
redis-py fills a table of about 170 reply handlers for each: a fifth of a
millisecond of CPU on every help form post, as Django's cache did (see
nfc.redis_guard). A client is only its pool, which is safe across
threads, and that table, so one serves every call while the pool lasts.
The messages, their queues and the workers' reading are kombu's own.
"""

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _kept_client = None

    def _create_client(self, asynchronous=False):
        if asynchronous:
            # The workers' waiting connection: kombu keeps that one itself.
            return super()._create_client(asynchronous=True)
        # kombu drops its pool after a lost connection and makes a new one:
        # the client follows it.
        pool = self.pool
        client = self._kept_client
        if client is None or client.connection_pool is not pool:
            client = self._kept_client = super()._create_client()
        return client


class Transport(kombu_redis.Transport):
    Channel = Channel
