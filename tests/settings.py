"""The test suite's settings: the portal's own, made fast where speed costs
nothing real (house style, section 7), and kept away from any deployed
service whatever the environment says.

The database is the throwaway PostgreSQL that tests/conftest.py starts; its
address is known only once the run is under way, so it is set there. Tests
that start the portal's commands as separate processes give those their own
settings (tests/support.py's clean_env leaves DJANGO_SETTINGS_MODULE out).
"""

from nfc.settings import *  # noqa: F403

# Hashing passwords properly is slow on purpose; tests need no such cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Links in e-mails are built on NFC_BASE_URL, as for a deployed portal, not
# on the test client's "testserver".
NFC_BASE_URL_FROM_REQUEST = False

# E-mail is kept in memory, for the tests to read (`mailoutbox`).
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Tasks run in-process; the tests that need the real Redis and a worker ask
# for them (`celery_on_redis`, `celery_worker` in tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True

# Each test starts with empty caches (tests/conftest.py clears them), so
# they must never be a shared Redis.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "shared"},
}

# The API's rate limits are tested on their own (tests/api/test_throttling.py,
# which sets them low); elsewhere a test's many calls must not reach them.
NFC_API_RATE_PER_TOKEN = "100000/minute"
NFC_API_RATE_ANONYMOUS = "100000/minute"
