"""Shared fixtures: the real PostgreSQL and Redis, one persona per role, and
Hendon, the area most tests work in.

`make test` starts PostgreSQL (pytest-postgresql) and Redis (pytest-redis)
as throwaway processes; the suite always runs on PostgreSQL. The settings
are tests/settings.py.

Tests that start a browser, a Celery worker or the deployment's processes
are marked `slow` here as they are collected (a test that starts some other
long-running process, or seeds the whole demo, says `@pytest.mark.slow`
itself); `make test-fast` leaves them out.
"""

import contextlib
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connections

from advisers import services as staff_services
from advisers.models import Role
from nfc import redis_guard
from nfc.celery import app as celery_app
from tests.factories import AreaFactory, UserFactory

TESTS = Path(__file__).resolve().parent

# What makes a test slow: a folder or file of such tests (under tests/), or a
# fixture that starts something real (a worker thread, a live server).
SLOW_FOLDERS = {"browser"}
SLOW_FILES = {"nfc/test_deployment.py"}
SLOW_FIXTURES = {"celery_worker", "celery_report_worker", "live_server"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the slow tests `slow`, before `-m` chooses among them."""
    for item in items:
        where = item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else ""
        if (
            where.split("/")[0] in SLOW_FOLDERS
            or where in SLOW_FILES
            or SLOW_FIXTURES.intersection(item.fixturenames)
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters live in the caches; each test starts with none."""
    cache.clear()
    redis_guard.shared_cache.clear()


@pytest.fixture(autouse=True)
def _content_types_read_afresh():
    """A test on a flushed database (transactional, without serialized
    rollback) gets its content types made again under new ids; the cache of
    the old ones would then point the audit history at rows that are gone."""
    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _erasure_log_of_its_own(settings, tmp_path):
    """Erasures are written to a file outside the database; each test its own."""
    settings.NFC_ERASURE_LOG = tmp_path / "erasures.log"


@pytest.fixture(autouse=True)
def _report_files_of_its_own(settings, tmp_path):
    """Evaluation reports' files go to the test's own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "reports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "reports"},
        },
    }


@pytest.fixture(autouse=True)
def _redis_answering():
    """A test that stopped or hung Redis leaves the process taking it for
    away for a while (nfc/redis_guard.py); the next test asks it afresh."""
    yield
    redis_guard.came_back()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgresql_proc):
    """Point Django at the throwaway PostgreSQL before the test database is made."""
    settings.DATABASES["default"].update(
        ENGINE="django.db.backends.postgresql",
        NAME="nfc",
        HOST=postgresql_proc.host,
        PORT=str(postgresql_proc.port),
        USER=postgresql_proc.user,
        PASSWORD=postgresql_proc.password or "",
        OPTIONS={},
        # Threads (a live server, a Celery worker) must not hold connections
        # past their request or task, or the test database cannot be dropped.
        CONN_MAX_AGE=0,
    )
    # Django may already hold a (never opened) SQLite connection object made
    # from the local default; drop it so the next use builds a PostgreSQL one.
    with contextlib.suppress(AttributeError):
        del connections["default"]


@pytest.fixture(scope="session")
def redis_url(redis_proc) -> str:
    return f"redis://{redis_proc.host}:{redis_proc.port}/0"


@pytest.fixture(scope="session", autouse=True)
def _celery_talks_to_the_test_redis(redis_url):
    """Celery's broker is the throwaway Redis for the whole run.

    Tasks still run in-process by default; Celery builds its connection pool
    on first use (even in-process) and keeps it, so the broker must be the
    right one from the start for the tests that send through Redis.
    """
    celery_app.conf.update(
        broker_url=redis_url,
        # As nfc/settings.py sets it for a redis:// broker.
        broker_transport="nfc.broker:Transport",
        result_backend=redis_url,
        # Tests read results (a deployed portal never does); on a busy
        # machine a read of the results' channel outlasted the portal's
        # 0.5 s and the result a test waited for was lost with the dropped
        # connection. Only the test's wait for results gets longer.
        redis_socket_timeout=10,
    )


@pytest.fixture
def celery_on_redis():
    """Celery as in production: tasks go through the real Redis, not in-process."""
    celery_app.conf.task_always_eager = False
    yield celery_app
    celery_app.conf.task_always_eager = True


@pytest.fixture
def celery_worker(celery_on_redis, django_db_serialized_rollback, transactional_db):
    """A real Celery worker, in a thread, consuming the default queue from Redis."""
    yield from _worker(celery_on_redis, queues=["default"])


@pytest.fixture
def celery_report_worker(celery_on_redis, django_db_serialized_rollback, transactional_db):
    """A real Celery worker, in a thread, consuming the reports queue (the
    evaluation reports' jobs) and the default one, as a deployment's two
    workers do between them."""
    yield from _worker(celery_on_redis, queues=["reports", "default"])


def _worker(celery_on_redis, *, queues: list[str]):
    import celery.contrib.testing.tasks  # noqa: F401  (registers the ping the worker checks)

    # A deployed worker closes its database connection after each task
    # (Celery's Django fix-up); this in-thread one must too, or the test
    # database cannot be dropped at the end of the run.
    def close_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    try:
        with start_worker(
            celery_on_redis, queues=queues, perform_ping_check=True, shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(close_connections)


@pytest.fixture
def adviser(db):
    return UserFactory(role=Role.ADVISER, full_name="Asha Adviser", email="asha@example.org")


@pytest.fixture
def community_worker(db):
    return UserFactory(role=Role.COMMUNITY_WORKER, full_name="Callum Worker")


@pytest.fixture
def manager(db):
    return UserFactory(role=Role.MANAGER, full_name="Mina Manager")


@pytest.fixture
def evaluator(db):
    return UserFactory(role=Role.EVALUATOR, full_name="Evan Evaluator")


@pytest.fixture
def administrator(db):
    return UserFactory(role=Role.ADMINISTRATOR, full_name="Ada Administrator")


@pytest.fixture
def outsider(db):
    """An adviser of other areas: signed in, but outside the scope under test."""
    return UserFactory(role=Role.ADVISER, full_name="Otto Outsider")


@pytest.fixture
def hendon(request, db):
    """Hendon (ward E05001158, Sunderland), in the programme at outreach:
    Asha (the adviser persona) is its named adviser and Callum (the community
    worker persona) works there.

    A test or module that needs another Hendon says so with the `hendon`
    marker: ``@pytest.mark.hendon(programme=Stage.DELIVERING)`` (as
    AreaFactory's ``programme``; False for outside it), ``adviser=False``,
    ``community_worker=False``.
    """
    marker = request.node.get_closest_marker("hendon")
    wanted = {"programme": None, "adviser": True, "community_worker": True}
    if marker:
        unknown = set(marker.kwargs) - set(wanted)
        assert not unknown, f"the hendon marker takes no {', '.join(sorted(unknown))}"
        wanted.update(marker.kwargs)
    area = AreaFactory(name="Hendon", ward_code="E05001158", programme=wanted["programme"])
    if wanted["adviser"]:
        staff_services.area_assign_adviser(
            area=area, adviser=request.getfixturevalue("adviser"), by=None
        )
    if wanted["community_worker"]:
        staff_services.area_allocate_community_worker(
            area=area, worker=request.getfixturevalue("community_worker"), by=None
        )
    return area


@pytest.fixture
def persona(request):
    """Parametrize with a role's fixture name, or "anonymous"."""
    if request.param == "anonymous":
        return None
    return request.getfixturevalue(request.param)


@pytest.fixture
def admin_client_for(client_factory, administrator):
    """A client signed in as the administrator persona (with two-factor done)."""
    admin = client_factory()
    admin.force_login(administrator)
    return admin


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Drop the test database cleanly at the end of the run.

    Playwright's sync API switches greenlets, and Django keeps connections
    per context, so a connection opened beside a browser test can outlive
    every reference to it; PostgreSQL will not drop a database in use.
    """
    yield
    with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
