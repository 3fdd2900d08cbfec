"""Helpers shared by the tests: a signed-in client, an authenticator app's
code, and what tests that start the portal's own commands as separate
processes need."""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def client_for(user) -> Client:
    """A test client signed in as ``user`` straight away (no sign-in pages,
    no two-factor code), or signed out for None."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# A code typed with less time than this left in its window may be checked
# after the window has passed (a browser under load types slowly).
TOTP_MARGIN_SECONDS = 5


def totp_code(secret: str) -> str:
    """The code an authenticator app holding ``secret`` shows now, or, in the
    last few seconds of a 30-second window, the one it shows once the next
    window begins (this waits for it), so the code is still good when the
    portal checks it."""
    period = mfa_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < TOTP_MARGIN_SECONDS:
        time.sleep(left + 0.05)
    counter = int(time.time()) // period
    return format_hotp_value(hotp_value(secret, counter))


# Variables that configure the portal; a child process starts without them
# unless the test sets them, so it sees the settings as a fresh machine would.
PORTAL_VARIABLES = {
    "DJANGO_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "DJANGO_SETTINGS_MODULE",
    "CSRF_TRUSTED_ORIGINS",
    "NFC_BASE_URL",
    "NFC_PRIVACY_CONTACT_EMAIL",
    "NFC_PRIVACY_CONTACT_ADDRESS",
    "NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY",
    # Set for the browser tests only (see tests/browser/conftest.py).
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
    env.update(overrides)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    """Everything production mode asks for, pointed at the test's own services."""
    values = {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "a-long-random-test-secret-key-that-is-not-used-anywhere-else-1234",
        "ALLOWED_HOSTS": "portal.example.org",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nfc",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "EMAIL_URL": "smtp://127.0.0.1:1025",
        "NFC_BASE_URL": "https://portal.example.org",
        "NFC_PRIVACY_CONTACT_EMAIL": "privacy@portal.example.org",
    }
    values.update(overrides)
    return clean_env(**values)


def run_python(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def current_database_url() -> str:
    """The URL of the database this test run is using (the test database)."""
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_caches(location: str, **options) -> dict:
    """CACHES as production has them (nfc/settings.py) on the Redis at
    ``location``, for a test that sets ``settings.CACHES``."""
    return {
        "default": {
            "BACKEND": "nfc.redis_guard.RedisOrLocalCache",
            "LOCATION": location,
            "OPTIONS": options,
        },
        "shared": {
            "BACKEND": "nfc.redis_guard.FailFastRedisCache",
            "LOCATION": location,
            "OPTIONS": options,
        },
    }


@contextlib.contextmanager
def hung_server(port: int = 0) -> Iterator[int]:
    """A server on loopback that accepts connections and never answers, as a
    hung Redis does (or one behind a network gone half away); on ``port``,
    or a free one. Yields its port."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_say_nothing() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection_ in held:
            connection_.close()
        listener.close()


def jobs_enqueued(callbacks) -> list:
    """The on-commit callbacks that enqueue a Celery job (each a partial of
    its task's delay, holding the job's arguments); others, such as the
    dashboard's cache version, are left out."""
    return [callback for callback in callbacks if hasattr(callback, "args")]


def url_patterns(resolver=None, prefix=(), namespace=""):
    """(pattern parts, name or None) of every URL pattern, through includes;
    the parts joined as strings give the route."""
    for pattern in (resolver or get_resolver()).url_patterns:
        parts = (*prefix, pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from url_patterns(pattern, parts, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield parts, name


@contextmanager
def audit_history_writable():
    """For a test that must rewrite history (a migration's backfill, an
    entry dated in the past): lifts the append-only trigger (casework
    migration 0019) inside the test's own transaction, which rolls back."""
    # As a replica, PostgreSQL fires no ordinary triggers (the tests' user is
    # the server's superuser, who may say so).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
