"""The portal's production settings, as `make bench` serves them.

Nothing is weakened: HTTPS redirect, secure cookies, HSTS, the cached
static files and the Redis cache all stay on. The load generator reaches
gunicorn on loopback as the TLS-terminating proxy would, sending
`X-Forwarded-Proto: https`, so the bench trusts one proxy
(NFC_TRUSTED_PROXY_COUNT=1), as a deployment behind one does.

bench/run.py sets DATABASE_URL, REDIS_URL and STATIC_ROOT to the throwaway
services it starts; the other variables production mode requires get
bench-only values here. The one change from nfc.settings is the URL conf,
which adds the bare `ok/` view the framework's floor is measured on.
"""

import os
import sys

# Production's image has psycopg2 only; the dev tools bring psycopg 3 too,
# which Django would prefer (and, without its C extension, is far slower).
# Hiding it makes the bench talk to PostgreSQL as production does.
sys.modules["psycopg"] = None

os.environ["DJANGO_ENV"] = "production"
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-key-on-a-throwaway-database-" + "x" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("EMAIL_URL", "dummymail://")
os.environ.setdefault("NFC_BASE_URL", "https://bench.invalid")
os.environ.setdefault("NFC_PRIVACY_CONTACT_EMAIL", "privacy@bench.invalid")
os.environ.setdefault("NFC_TRUSTED_PROXY_COUNT", "1")

from nfc.settings import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
