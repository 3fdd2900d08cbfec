"""The compose file's services: their commands start, outside Docker, on the
test run's own PostgreSQL and Redis (no Docker engine runs on our machines)."""

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml

from tests.support import PROJECT_ROOT, current_database_url, free_port, production_env

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def stack_env(redis_url):
    return production_env(
        DATABASE_URL=current_database_url(),
        REDIS_URL=redis_url,
        EMAIL_URL="consolemail://",
        ALLOWED_HOSTS="localhost",
        HOSTNAME=socket.gethostname(),
        WEB_CONCURRENCY="1",
        HOST="127.0.0.1",
        # In the image, python, gunicorn and celery are the environment's own.
        PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
    )


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str]):
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until(check, *, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def test_the_stack_has_its_services_each_with_a_health_check():
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(SERVICES)
    for name in ("postgres", "redis", "web", "worker", "reports-worker", "beat"):
        assert "healthcheck" in SERVICES[name], name


def test_only_the_host_itself_can_reach_the_web_service():
    assert SERVICES["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_the_migrate_service_runs(stack_env):
    result = subprocess.run(
        SERVICES["migrate"]["command"],
        cwd=PROJECT_ROOT,
        env=stack_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_web_service_serves_and_passes_its_health_check(stack_env):
    port = free_port()
    env = {**stack_env, "PORT": str(port)}

    def healthy():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    with running(SERVICES["web"]["command"], env) as web:
        assert wait_until(healthy), web.stdout.read() if web.poll() is not None else "no answer"
        check = SERVICES["web"]["healthcheck"]["test"][1:]
        check = [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in check]
        assert subprocess.run(check, env=env, timeout=20).returncode == 0


def test_the_web_service_reports_503_when_the_broker_is_down(stack_env):
    port = free_port()
    env = {**stack_env, "PORT": str(port), "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}

    def answer():
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError):
            return None
        return 200

    with running(SERVICES["web"]["command"], env):
        assert wait_until(lambda: answer() is not None)
        assert answer() == 503


@pytest.mark.parametrize("service", ["worker", "reports-worker"])
def test_a_worker_service_starts_and_passes_its_health_check(stack_env, service):
    check = SERVICES[service]["healthcheck"]["test"][1].replace("$$", "$")

    def healthy():
        return (
            subprocess.run(
                ["sh", "-c", check], env=stack_env, capture_output=True, timeout=30
            ).returncode
            == 0
        )

    with running(SERVICES[service]["command"], stack_env) as worker:
        assert wait_until(healthy, seconds=60), (
            worker.stdout.read() if worker.poll() is not None else ""
        )


def test_the_web_service_serves_pages_and_collected_static_files_behind_a_proxy(
    stack_env, tmp_path
):
    port = free_port()
    env = {
        **stack_env,
        "PORT": str(port),
        "STATIC_ROOT": str(tmp_path / "static"),
        "NFC_TRUSTED_PROXY_COUNT": "1",
    }
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert collect.returncode == 0, collect.stderr
    proxy_headers = {
        "Host": "localhost",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
    }

    def get(path):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=proxy_headers)
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode()

    def up():
        try:
            return get("/healthz")[0] == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    with running(SERVICES["web"]["command"], env):
        assert wait_until(up)
        status, html = get("/")
        assert status == 200
        stylesheet = re.search(r'href="(/static/css/nfc\.[0-9a-f]+\.css)"', html).group(1)
        assert get(stylesheet)[0] == 200


def test_the_beat_service_starts_its_schedule_and_passes_its_health_check(stack_env, tmp_path):
    command = [part.replace("/tmp/", f"{tmp_path}/") for part in SERVICES["beat"]["command"]]
    with running(command, stack_env) as beat:
        lines = []

        def started():
            line = beat.stdout.readline()
            lines.append(line)
            return "beat: Starting" in line

        assert wait_until(started, seconds=30), "".join(lines)
        assert beat.poll() is None
        check = (
            SERVICES["beat"]["healthcheck"]["test"][1]
            .replace("$$", "$")
            .replace("/tmp/", f"{tmp_path}/")
        )
        assert subprocess.run(["sh", "-c", check], timeout=10).returncode == 0
