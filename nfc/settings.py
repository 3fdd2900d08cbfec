"""Settings for the NfC portal, read from the environment.

With no variables set, the portal runs as a local demo: SQLite under var/,
Celery tasks in-process, e-mail printed to the console, debug on. Production
differs only by environment values (see .env.example and the README).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}."
    )
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    # Fail at start-up, naming every missing variable at once, rather than
    # serve with a guessable key, an open Host header or a throwaway database.
    _required = [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "NFC_BASE_URL",
        # The privacy notice promises residents a way to reach us.
        "NFC_PRIVACY_CONTACT_EMAIL",
    ]
    _missing = [name for name in _required if not env.str(name, default="")]
    if _missing:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs these environment variables: "
            + ", ".join(_missing)
            + ". See .env.example."
        )

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The address people use to reach the portal; e-mails sent by background
# tasks (which have no request to read it from) build their links on it.
NFC_BASE_URL = env.str("NFC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not NFC_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("NFC_BASE_URL must be the portal's https:// address in production.")
# In development with NFC_BASE_URL unset, links in e-mails follow the address
# the portal was last reached at (runserver on another port, say): tasks run
# in the same process there, so they see it.
NFC_BASE_URL_FROM_REQUEST = not PRODUCTION and not env.str("NFC_BASE_URL", default="")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "nfc",
    "advisers",
    "areas",
    "casework",
    "events",
    "evaluation",
]

MIDDLEWARE = [
    "nfc.middleware.RequestIdMiddleware",
    "nfc.health.HealthCheckMiddleware",
    "nfc.middleware.BaseUrlFromRequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the address or the body: a NUL in the address
    # is refused (400), a post too big for its page too (413).
    "nfc.middleware.RejectNulMiddleware",
    "nfc.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "advisers.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every page that may show personal data.
    "nfc.middleware.NoStoreMiddleware",
    # Default deny: every page needs a sign-in unless its view is marked
    # login_not_required (the public pages, the sign-in pages, the API,
    # which answers with its own status codes).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "nfc.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "advisers.middleware.RequireTwoFactorMiddleware",
]

ROOT_URLCONF = "nfc.urls"
WSGI_APPLICATION = "nfc.wsgi.application"
ASGI_APPLICATION = "nfc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "advisers.context_processors.navigation",
            ],
        },
    },
]
# Forms drawn with Django's own templates, written out in Python where
# drawing them through the template engine cost most of a page's time
# (nfc/form_rendering.py; a project template of the same name still wins).
FORM_RENDERER = "nfc.form_rendering.FormRenderer"

# --- Data ---------------------------------------------------------------

if not env.str("DATABASE_URL", default=""):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'nfc.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# What stands between the portal and PostgreSQL (README.md, "Running on more
# than one machine"). Behind PgBouncer in transaction mode each transaction
# may run on another of its server connections, so a cursor left open
# between transactions is lost there: a queryset's .iterator() (Django
# reads every form's list of choices with one) then fetches its rows in one
# go instead of through a server-side cursor.
NFC_DB_POOLER = env.str("NFC_DB_POOLER", default="")
if NFC_DB_POOLER not in {"", "pgbouncer"}:
    raise ImproperlyConfigured(
        f"NFC_DB_POOLER must be empty (PostgreSQL itself) or 'pgbouncer', not {NFC_DB_POOLER!r}."
    )
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = NFC_DB_POOLER == "pgbouncer"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite lets one writer at a time. A transaction that reads first and
    # writes later (most services: check the caseload's places, then take
    # one) would otherwise fail at once with "database is locked" when
    # another took the write lock in between; begun IMMEDIATE, it waits its
    # turn (up to the timeout) and then reads what the other wrote, so the
    # second of two people taking an adviser's last place is refused in
    # words, as on PostgreSQL with its row locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis is a help, never a need (see nfc/redis_guard.py): a call to it that
# has no answer within this many seconds fails, and the page goes on without
# it. A healthy Redis on the same network answers in about a millisecond.
NFC_REDIS_TIMEOUT_SECONDS = env.float("NFC_REDIS_TIMEOUT_SECONDS", default=0.5)
# Once a call has failed, this process takes Redis for away this long: calls
# meanwhile fail at once, as when Redis refuses connections, rather than each
# waiting out its timeout.
NFC_REDIS_AWAY_SECONDS = env.float("NFC_REDIS_AWAY_SECONDS", default=15)
_REDIS_TIMEOUTS = {
    "socket_connect_timeout": NFC_REDIS_TIMEOUT_SECONDS,
    "socket_timeout": NFC_REDIS_TIMEOUT_SECONDS,
}
# Two caches on the one Redis (nfc/redis_guard.py says why): the default,
# which allauth uses, keeps going in each process's memory while Redis is
# away; "shared" fails, and its callers do without.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "nfc.redis_guard.RedisOrLocalCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _REDIS_TIMEOUTS,
        },
        "shared": {
            "BACKEND": "nfc.redis_guard.FailFastRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": _REDIS_TIMEOUTS,
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared",
        },
    }

# --- Accounts, roles and sessions ---------------------------------------

AUTH_USER_MODEL = "advisers.User"
AUTHENTICATION_BACKENDS = ["allauth.account.auth_backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "advisers:home"

ACCOUNT_ADAPTER = "advisers.adapters.StaffOnlyAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_PREVENT_ENUMERATION = True
# A password reset for an unknown address sends nothing: only staff have
# accounts, and the form must not become a way to e-mail strangers.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Network for Communities] "
# Five wrong passwords for one address within five minutes lock that address
# out for the rest of the window; ten from one client address a minute, too.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# How many reverse proxies stand in front of the portal. Only that many
# entries from the right of X-Forwarded-For are believed, so a client cannot
# forge its address to dodge the rate limits. 0: use the socket's address,
# and believe no X-Forwarded-* or X-Request-ID header at all.
NFC_TRUSTED_PROXY_COUNT = env.int("NFC_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = NFC_TRUSTED_PROXY_COUNT

MFA_ADAPTER = "advisers.adapters.StaffMFAAdapter"
# Authenticator secrets are encrypted in the database with this key. Set it
# on its own in production: if it is left to follow SECRET_KEY, changing
# SECRET_KEY makes everyone set up two-factor authentication again.
NFC_MFA_ENCRYPTION_KEY = env.str("NFC_MFA_ENCRYPTION_KEY", default="") or SECRET_KEY
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Network for Communities"
# Managers and administrators must always use two-factor authentication;
# this asks it of every role.
NFC_MFA_REQUIRED_FOR_ALL = env.bool("NFC_MFA_REQUIRED_FOR_ALL", default=False)

NFC_SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("NFC_SESSION_IDLE_MINUTES", default=60))
NFC_SESSION_MAX_AGE = timedelta(hours=env.int("NFC_SESSION_MAX_HOURS", default=12))
# Sessions know whose they are, so a person's can all be deleted when their
# account closes, their role changes or their password changes.
SESSION_ENGINE = "advisers.sessions"
SESSION_COOKIE_AGE = int(NFC_SESSION_MAX_AGE.total_seconds())
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- The NfC's model ----------------------------------------------------

# Time is recorded in hours; support is promised in days of this length.
NFC_HOURS_PER_DAY = env.float("NFC_HOURS_PER_DAY", default=7.5)
# Days a month each area is promised: from its adviser and its community worker.
NFC_ADVISER_DAYS_PER_AREA = 2
NFC_COMMUNITY_WORKER_DAYS_PER_AREA = 2

# The dashboard judges delivery by the share of the promised days given: at
# least ON_TRACK is on track, below FAR_BEHIND is far behind, between is
# behind. This month is judged against the days due so far.
NFC_DELIVERY_ON_TRACK_SHARE = env.float("NFC_DELIVERY_ON_TRACK_SHARE", default=0.9)
NFC_DELIVERY_FAR_BEHIND_SHARE = env.float("NFC_DELIVERY_FAR_BEHIND_SHARE", default=0.5)
# The early-warning score of an area: each support day missed over the last
# three months, each request past its response target and each overdue
# follow-up action and each referral whose outcome is overdue counts this much.
# How long a drawn dashboard is kept at most; any change to what it shows
# draws it afresh sooner. 0 turns the keeping off.
NFC_DASHBOARD_CACHE_SECONDS = env.int("NFC_DASHBOARD_CACHE_SECONDS", default=300)
NFC_RISK_WEIGHTS = {
    "days_missed": env.float("NFC_RISK_WEIGHT_DAYS_MISSED", default=1.0),
    "overdue_requests": env.float("NFC_RISK_WEIGHT_OVERDUE_REQUESTS", default=2.0),
    "overdue_actions": env.float("NFC_RISK_WEIGHT_OVERDUE_ACTIONS", default=1.0),
    "overdue_outcomes": env.float("NFC_RISK_WEIGHT_OVERDUE_OUTCOMES", default=1.0),
    # Nobody from the area at any event for 6 months (once it has been in
    # the programme that long).
    "no_events": env.float("NFC_RISK_WEIGHT_NO_EVENTS", default=2.0),
    # Each overdue outcome record: a quarter's (or the baseline) still not
    # made NFC_OUTCOME_RECORD_DUE_DAYS after its quarter ended (after the area
    # joined). Missing records not yet overdue do not count.
    "overdue_outcome_records": env.float("NFC_RISK_WEIGHT_OVERDUE_OUTCOME_RECORDS", default=1.0),
}
# A referral's outcome should be recorded within this many days of its delivery.
NFC_OUTCOME_DUE_DAYS = env.int("NFC_OUTCOME_DUE_DAYS", default=30)
# Counts of people below this are withheld from evaluation reports and
# their open data ("fewer than 5"), so nobody can be picked out of a figure.
NFC_REPORT_SUPPRESS_BELOW = env.int("NFC_REPORT_SUPPRESS_BELOW", default=5)
# An area's quarterly outcome record is overdue this many days after its
# quarter ends (its baseline, this many days after it joined).
NFC_OUTCOME_RECORD_DUE_DAYS = env.int("NFC_OUTCOME_RECORD_DUE_DAYS", default=30)

# The public help form: the fewest seconds a person takes to fill it in (a
# bot is faster), and how many requests one address may send an hour.
NFC_HELP_FORM_MIN_SECONDS = env.int("NFC_HELP_FORM_MIN_SECONDS", default=3)
NFC_HELP_REQUESTS_PER_HOUR = env.int("NFC_HELP_REQUESTS_PER_HOUR", default=10)
# The largest post a page outside the staff area takes (the help form, the
# follow page, the sign-in pages); a bigger one gets the 413 page unread.
# The help form's own limits come to about 40 KB at most, URL-encoded.
NFC_PUBLIC_POST_MAX_BYTES = 64_000
# The largest post a staff page takes (Django's default is 2.5 MB); no staff
# form takes files, and the longest notes are a few thousand letters.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
# Acknowledgements one e-mail address gets in a day, however many requests
# give it: anyone can type anyone's address into the help form.
NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY = env.int(
    "NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY", default=3
)
# A new request should have its first contact within this many working days.
NFC_FIRST_CONTACT_WORKING_DAYS = env.int("NFC_FIRST_CONTACT_WORKING_DAYS", default=5)
# Days after a request closes that its resident's details are kept (the
# privacy notice says 2 years); then they are removed by a daily job.
NFC_RETENTION_DAYS = env.int("NFC_RETENTION_DAYS", default=730)
# Each erasure a resident asks for is also written here, a line each (the
# request's reference and when), outside the database: if the database is
# lost, `manage.py restore` erases them again from a backup made before.
# Keep it on storage apart from the database's, kept as long as the backups.
NFC_ERASURE_LOG = env.path("NFC_ERASURE_LOG", default=VAR_DIR / "erasures.log")
# How long a resident's private link (in their acknowledgement) keeps working.
NFC_FOLLOW_LINK_DAYS = env.int("NFC_FOLLOW_LINK_DAYS", default=90)
# The year of the ONS postcode directory edition imported, for its credits
# on "About the data" (the shipped Sunderland sample is the 2021 edition).
NFC_POSTCODE_EDITION_YEAR = env.str("NFC_POSTCODE_EDITION_YEAR", default="2021")
# How long the person who logged an interaction may correct or remove it.
NFC_INTERACTION_CORRECTION_DAYS = env.int("NFC_INTERACTION_CORRECTION_DAYS", default=7)
# Shown with the consent, and kept with each request: bump it when the
# privacy notice (templates/casework/privacy.html) changes.
# .3: deleting your details cancels a place at an event still to come.
# .4: the adviser for your neighbourhood may contact you after an event,
# if you tick the box asking for it.
NFC_PRIVACY_NOTICE_VERSION = "2026-11-30.4"
# Where residents ask to see, correct or delete their details: the privacy
# notice and the data we send them name it. The demo's address is a
# placeholder, so production must give a real one (see _required above).
NFC_PRIVACY_CONTACT_EMAIL = env.str("NFC_PRIVACY_CONTACT_EMAIL", default="privacy@example.org")
# The organisation's postal address, for residents without e-mail; one line,
# parts separated by commas. Left out of the notice when empty.
NFC_PRIVACY_CONTACT_ADDRESS = env.str("NFC_PRIVACY_CONTACT_ADDRESS", default="")

# How long a person offered a place from an event's waitlist has to take it
# before it passes to the next in line.
NFC_EVENT_OFFER_HOURS = env.int("NFC_EVENT_OFFER_HOURS", default=48)
# Days after an event ends that its registrations' names, contact details and
# needs are kept (for feedback and follow-up); then a daily job removes them.
# The area each person came from stays, for attendance by area.
NFC_EVENT_RETENTION_DAYS = env.int("NFC_EVENT_RETENTION_DAYS", default=365)

# --- Security headers ----------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # The two-factor set-up page shows its QR code as a data: image.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The health check is asked over plain HTTP from inside the stack.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if NFC_TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    MFA_TRUST_COOKIE_SECURE = True

# --- Static files --------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Evaluation reports' files (PDF, workbook, open-data CSV) are served only
# by the portal's views after a permission check: never in MEDIA or STATIC,
# never at a public address. A local folder by default, which every web
# server and worker must share; an S3-compatible bucket (private, its files
# read through the portal) when NFC_REPORTS_S3_BUCKET is set.
NFC_REPORTS_DIR = env.path("NFC_REPORTS_DIR", default=VAR_DIR / "reports")
NFC_REPORTS_S3_BUCKET = env.str("NFC_REPORTS_S3_BUCKET", default="")
if NFC_REPORTS_S3_BUCKET:
    STORAGES["reports"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": NFC_REPORTS_S3_BUCKET,
            "endpoint_url": env.str("NFC_REPORTS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("NFC_REPORTS_S3_REGION", default="") or None,
            "access_key": env.str("NFC_REPORTS_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("NFC_REPORTS_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("NFC_REPORTS_S3_PREFIX", default=""),
            "default_acl": "private",
            "file_overwrite": True,
        },
    }
else:
    STORAGES["reports"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": NFC_REPORTS_DIR},
    }

# --- E-mail --------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Network for Communities <portal@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery --------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
if REDIS_URL.startswith("redis://"):
    # kombu's Redis transport, keeping its redis-py client (nfc/broker.py).
    # Redis over TLS (rediss://) stays on kombu's own: its set-up for TLS
    # is not tried here.
    CELERY_BROKER_TRANSPORT = "nfc.broker:Transport"
CELERY_RESULT_BACKEND = REDIS_URL or None
# The local default has no broker: tasks run in-process, as soon as the
# transaction that enqueued them commits.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"evaluation.tasks.*": {"queue": "reports"}}
# A job is acknowledged only once it has finished, and goes back on the queue
# if its worker dies mid-way, so a crash or a deploy never loses one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
CELERY_TASK_TIME_LIMIT = 6 * 60
# Report jobs may run for up to an hour (their own limits); Redis must not
# hand an unacknowledged job to a second worker before then.
NFC_LONGEST_TASK_SECONDS = 60 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": NFC_LONGEST_TASK_SECONDS * 2,
    **_REDIS_TIMEOUTS,
}
CELERY_RESULT_EXPIRES = timedelta(days=1)
# When Redis is away, refusing connections or hung, give up enqueuing within
# a second rather than keep a person's page waiting: what was not sent is
# picked up by a sweep. One retry, for a pooled connection Redis had closed.
_FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.25, "interval_max": 0.25}
CELERY_BROKER_CONNECTION_TIMEOUT = NFC_REDIS_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = _FAIL_FAST
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": _FAIL_FAST}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = NFC_REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_TIMEOUT = NFC_REDIS_TIMEOUT_SECONDS
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/London"
# Workers log through LOGGING below (JSON in production), like the web.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "advisers.tasks.sessions_clear_expired_task",
        "schedule": timedelta(hours=6),
    },
    # Retention runs when its last run is a day old (casework.scheduled), so
    # a beat restarted every day (a redeployment) never skips it.
    "run-scheduled-jobs-that-are-due": {
        "task": "casework.tasks.jobs_catch_up_task",
        "schedule": timedelta(minutes=10),
    },
    # Webhook deliveries whose job never reached the broker, or whose retry
    # was lost with its worker, are sent again (nfc.tasks).
    "webhook-deliveries-sweep": {
        "task": "nfc.tasks.webhooks_sweep_task",
        "schedule": timedelta(minutes=10),
    },
    "send-waiting-acknowledgements": {
        "task": "casework.tasks.acknowledgements_sweep_task",
        "schedule": timedelta(minutes=5),
    },
    # Lapse event offers not taken in time (passing each place on), send the
    # reminders two days before, and send event e-mails a job never sent.
    "event-emails": {
        "task": "events.tasks.event_emails_task",
        "schedule": timedelta(minutes=5),
    },
    # Hourly, though a day's delay would do: a beat restarted every day (a
    # redeployment) still runs it.
    "event-retention": {
        "task": "events.tasks.event_retention_task",
        "schedule": timedelta(hours=1),
    },
    # The scheduled evaluation reports (last month's programme report, last
    # quarter's per region), asked for hourly: each period's is asked once,
    # so a beat down on the 1st still asks for it when it comes back. On the
    # default queue, not behind a long report on the reports queue.
    "evaluation-reports-scheduled": {
        "task": "evaluation.tasks.reports_scheduled_task",
        "schedule": timedelta(hours=1),
        "options": {"queue": "default"},
    },
    # Reports left waiting whose job never reached the broker, or whose
    # worker vanished, are sent again.
    "evaluation-reports-sweep": {
        "task": "evaluation.tasks.reports_sweep_task",
        "schedule": timedelta(minutes=10),
        "options": {"queue": "default"},
    },
}

# --- API -----------------------------------------------------------------

REST_FRAMEWORK = {
    # A personal token first, so that a call with neither is told 401 and how
    # to authenticate; then the browser's session, with its CSRF check.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "advisers.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["advisers.permissions.HasRolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "nfc.api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "nfc.api.filters.Search",
        "nfc.api.filters.AllowlistOrdering",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "nfc.api.throttling.TokenThrottle",
        "nfc.api.throttling.AnonymousThrottle",
    ],
    "EXCEPTION_HANDLER": "nfc.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
# Calls per token (or per signed-in browser) and per address without a
# sign-in; over it, 429 with Retry-After. "600/minute", "10000/hour"...
NFC_API_RATE_PER_TOKEN = env.str("NFC_API_RATE_PER_TOKEN", default="600/minute")
NFC_API_RATE_ANONYMOUS = env.str("NFC_API_RATE_ANONYMOUS", default="60/minute")
# Webhooks (nfc/webhooks.py): how long a receiver has to answer, and whether
# one may be on a private or local address (refused in production unless
# set: see nfc.validators.webhook_addresses).
NFC_WEBHOOK_TIMEOUT_SECONDS = env.float("NFC_WEBHOOK_TIMEOUT_SECONDS", default=5)
NFC_WEBHOOK_PRIVATE_ADDRESSES = env.bool("NFC_WEBHOOK_PRIVATE_ADDRESSES", default=not PRODUCTION)
# How long the delivery log keeps a delivery: long enough to look into a
# receiver's trouble, not for ever.
NFC_WEBHOOK_LOG_DAYS = env.int("NFC_WEBHOOK_LOG_DAYS", default=90)

SPECTACULAR_SETTINGS = {
    "TITLE": "Network for Communities portal API",
    "DESCRIPTION": (
        "The portal's data for the NfC's own analysts, partners and funders' systems. "
        "Authenticate with a personal API token (your account page, 'API tokens'): "
        "`Authorization: Bearer nfc_…`. Each person reads and changes exactly what they "
        "may on the web."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Separate request and response shapes, so read-only fields are not asked for.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's own files, served by the portal: no CDN, under the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's error answers (400, 401, 403, 404, 429), written in once.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "nfc.api.schema.error_responses",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Choices that share a field name ("kind", "stage", "status", "to_status")
    # get a name each (and the events' topics one name, however many fields
    # use them).
    "ENUM_NAME_OVERRIDES": {
        "LocalContactKindEnum": "areas.models.LocalContact.Kind",
        "TimeRecordKindEnum": "advisers.models.TimeRecord.Kind",
        "InteractionKindEnum": "casework.models.Interaction.Kind",
        "RequestStatusEnum": "casework.models.SupportRequest.Status",
        "ReferralStatusEnum": "casework.models.Referral.Status",
        "EventKindEnum": "events.models.Event.Kind",
        "OutcomeRecordKindEnum": "evaluation.models.OutcomeRecord.Kind",
        "ReportKindEnum": "evaluation.models.Report.Kind",
        "ReportStageEnum": "evaluation.models.Report.Stage",
        # An area's stage keeps its plain name beside the report's stage.
        "StageEnum": "areas.models.Stage",
        "TopicEnum": "events.models.TOPIC_CHOICES",
        "RequestTopicEnum": "casework.models.Topic",
        "InteractionTopicEnum": "casework.models.InteractionTopic",
    },
}

# --- Locale --------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Logging -------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "nfc.logging.RequestIdFilter"},
        "forbidden_without_traceback": {"()": "nfc.logging.ForbiddenWithoutTraceback"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django adds a console handler of its own; one line per event is enough.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["forbidden_without_traceback"]},
        # One line per request; runserver prints its own in development.
        "nfc.access": {"level": "INFO" if PRODUCTION else "WARNING"},
        "celery": {"level": LOG_LEVEL},
        # A report's PDF: WeasyPrint notes each step, and each rule of the
        # screen stylesheet it has no use for on paper; only its errors matter.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
