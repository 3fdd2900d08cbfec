"""GET /healthz: is the portal able to reach its database and its broker?"""

import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("Health check: the database did not answer")
        return False


def check_broker() -> str:
    """'ok', 'down', or 'in-process' when the local default has no broker."""
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2)
        client.ping()
    except redis.RedisError:
        logger.exception("Health check: the broker did not answer")
        return "down"
    return "ok"


class HealthCheckMiddleware:
    """Answers /healthz before host validation and the HTTPS redirect.

    Load balancers and `docker compose` ask by container address over plain
    HTTP; neither should have to know the public host name to get an answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        database = "ok" if check_database() else "down"
        broker = check_broker()
        healthy = database == "ok" and broker != "down"
        return JsonResponse(
            {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker},
            status=200 if healthy else 503,
        )
