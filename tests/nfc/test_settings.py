import json

import pytest
from django.db import connection

from tests.support import clean_env, production_env, run_python

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "name": str(s.DATABASES["default"]["NAME"]),
    "host": s.DATABASES["default"].get("HOST", ""),
    "eager": s.CELERY_TASK_ALWAYS_EAGER,
    "broker": s.CELERY_BROKER_URL,
    "broker_transport": getattr(s, "CELERY_BROKER_TRANSPORT", None),
    "cache": s.CACHES["default"]["BACKEND"],
    "cache_location": s.CACHES["default"].get("LOCATION", ""),
    "email": s.EMAIL_BACKEND,
    "debug": s.DEBUG,
    "cache_options": s.CACHES["default"].get("OPTIONS", {}),
    "shared_cache": s.CACHES["shared"]["BACKEND"],
    "shared_cache_location": s.CACHES["shared"].get("LOCATION", ""),
    "shared_cache_options": s.CACHES["shared"].get("OPTIONS", {}),
    "broker_options": s.CELERY_BROKER_TRANSPORT_OPTIONS,
    "result_store_timeouts": [s.CELERY_REDIS_SOCKET_CONNECT_TIMEOUT, s.CELERY_REDIS_SOCKET_TIMEOUT],
}))
"""


def show_settings(**env):
    result = run_python(
        "-c", SHOW_SETTINGS, env=clean_env(DJANGO_SETTINGS_MODULE="nfc.settings", **env)
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_suite_runs_on_postgresql(db):
    assert connection.vendor == "postgresql"


def test_with_no_variables_the_portal_uses_sqlite_and_runs_tasks_in_process():
    shown = show_settings()
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["name"].endswith("var/nfc.sqlite3")
    assert shown["eager"] is True
    assert shown["broker"] == ""
    assert shown["cache"].endswith("LocMemCache")
    assert shown["email"] == "django.core.mail.backends.console.EmailBackend"
    assert shown["debug"] is True


def test_database_url_switches_to_postgresql():
    shown = show_settings(DATABASE_URL="postgres://nfc:secret@db.internal:5432/nfc")
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["name"] == "nfc"
    assert shown["host"] == "db.internal"


def test_redis_url_sets_the_broker_and_the_cache_and_stops_in_process_tasks():
    shown = show_settings(REDIS_URL="redis://cache.internal:6379/0")
    assert shown["broker"] == "redis://cache.internal:6379/0"
    assert shown["cache"].endswith("RedisOrLocalCache")
    assert shown["shared_cache"].endswith("FailFastRedisCache")
    assert (
        shown["cache_location"] == shown["shared_cache_location"] == "redis://cache.internal:6379/0"
    )
    assert shown["eager"] is False


def test_a_redis_broker_is_reached_through_the_transport_that_keeps_its_client():
    shown = show_settings(REDIS_URL="redis://cache.internal:6379/0")
    assert shown["broker_transport"] == "nfc.broker:Transport"
    # Redis over TLS stays on kombu's own transport, as it was.
    assert show_settings(REDIS_URL="rediss://cache.internal:6380/0")["broker_transport"] is None


def test_every_redis_client_gives_up_within_a_second_on_a_redis_that_never_answers():
    shown = show_settings(REDIS_URL="redis://cache.internal:6379/0")
    for options in (
        shown["cache_options"],
        shown["shared_cache_options"],
        shown["broker_options"],
    ):
        assert options["socket_connect_timeout"] <= 1
        assert options["socket_timeout"] <= 1
    assert max(shown["result_store_timeouts"]) <= 1


def test_production_mode_refuses_to_start_and_names_every_missing_variable():
    result = run_python("manage.py", "check", env=clean_env(DJANGO_ENV="production"))
    assert result.returncode != 0
    for name in (
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "NFC_BASE_URL",
        "NFC_PRIVACY_CONTACT_EMAIL",
    ):
        assert name in result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_mode_refuses_to_start_without_one_variable(missing):
    env = production_env()
    del env[missing]
    result = run_python("manage.py", "check", env=env)
    assert result.returncode != 0
    assert f"production needs these environment variables: {missing}" in result.stderr


def test_production_mode_refuses_debug_pages():
    result = run_python("manage.py", "check", env=production_env(DEBUG="true"))
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_mode_refuses_a_plain_http_base_address():
    result = run_python(
        "manage.py", "check", env=production_env(NFC_BASE_URL="http://portal.example.org")
    )
    assert result.returncode != 0
    assert "https://" in result.stderr


@pytest.mark.slow  # runs migrate and seed_demo (twice) as separate processes
def test_migrations_and_demo_data_run_on_the_local_sqlite_default(tmp_path):
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    migrate = run_python("manage.py", "migrate", "--no-input", env=env, timeout=120)
    assert migrate.returncode == 0, migrate.stderr
    for _ in range(2):
        seed = run_python("manage.py", "seed_demo", env=env, timeout=120)
        assert seed.returncode == 0, seed.stderr
    assert "adviser@example.org" in seed.stdout
    # The dashboard's figures, medians included, work on SQLite too.
    code = (
        "import django; django.setup()\n"
        "from evaluation.dashboard import dashboard\n"
        "from advisers.models import User\n"
        "figures = dashboard(user=User.objects.get(email='manager@example.org'))\n"
        "print(len(figures.deliveries), figures.response_times['rows'][0]['count_now'],"
        " figures.response_times['rows'][0]['now'] is not None)"
    )
    shown = run_python("-c", code, env={**env, "DJANGO_SETTINGS_MODULE": "nfc.settings"})
    assert shown.returncode == 0, shown.stderr
    areas, contacted, has_median = shown.stdout.split()
    assert areas == "100"
    assert int(contacted) > 0
    assert has_median == "True"


def test_production_mode_passes_the_deployment_checklist_without_a_warning():
    result = run_python(
        "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_mode_logs_json_lines():
    code = "import django, logging; django.setup(); logging.getLogger('nfc').warning('hello')"
    result = run_python("-c", code, env=production_env(DJANGO_SETTINGS_MODULE="nfc.settings"))
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "-"
