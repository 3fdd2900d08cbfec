"""The compose file's services: their commands start, outside Docker, on the
test run's own PostgreSQL and Redis (no Docker engine runs on our machines)."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import yaml
from django.conf import settings

from bench.processes import render_nginx_template
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


POOLS = ("web-staff", "web-public")


def test_the_stack_has_its_services_each_with_a_health_check():
    assert {"postgres", "redis", "proxy", *POOLS, "worker", "beat"} <= set(SERVICES)
    for name in ("postgres", "redis", "proxy", *POOLS, "worker", "reports-worker", "beat"):
        assert "healthcheck" in SERVICES[name], name


def test_only_the_proxy_can_be_reached_from_outside():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert SERVICES["proxy"]["ports"] == ["80:80", "443:443"]


def test_the_proxy_passes_to_both_pools_which_serve_the_same_portal():
    environment = SERVICES["proxy"]["environment"]
    assert environment["NFC_STAFF_UPSTREAM"] == "web-staff:8000"
    assert environment["NFC_PUBLIC_UPSTREAM"] == "web-public:8000"
    assert SERVICES["web-staff"]["command"] == SERVICES["web-public"]["command"]
    assert SERVICES["web-staff"]["command"][:3] == ["gunicorn", "-c", "python:nfc.gunicorn_conf"]
    # gunicorn's own port (nfc/gunicorn_conf.py), which the proxy names.
    assert "PORT" not in SERVICES["web-staff"].get("environment", {})
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in SERVICES["proxy"]["volumes"]}
    template = mounts["/etc/nginx/templates/default.conf.template"]
    assert (PROJECT_ROOT / template).resolve() == PROJECT_ROOT / "nfc/deploy/nginx.conf.template"
    assert (PROJECT_ROOT / mounts["/etc/nginx/nfc/pages"] / "429.html").exists()


def test_the_proxy_routes_by_the_session_cookie_and_limits_each_address():
    template = (PROJECT_ROOT / "nfc/deploy/nginx.conf.template").read_text()
    assert f"map $cookie_{settings.SESSION_COOKIE_NAME} $nfc_pool" in template
    for zone in ("nfc_public", "nfc_staff", "nfc_public_posts", "nfc_sign_in"):
        assert re.search(rf"limit_req_zone \S+ zone={zone}:", template), zone
        assert f"limit_req zone={zone} " in template, zone
    assert "limit_conn nfc_connections" in template
    assert "limit_req_status 429;" in template
    assert "limit_conn_status 429;" in template
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in template


def test_the_proxys_body_limits_are_at_least_the_portals_own():
    template = (PROJECT_ROOT / "nfc/deploy/nginx.conf.template").read_text()
    sizes = [int(k) * 1024 for k in re.findall(r"client_max_body_size (\d+)k;", template)]
    sizes += [int(m) * 1024 * 1024 for m in re.findall(r"client_max_body_size (\d+)m;", template)]
    public, staff = sorted(sizes)
    # Above the portal's (which answers with its own page), and not far above.
    assert settings.NFC_PUBLIC_POST_MAX_BYTES <= public < settings.NFC_PUBLIC_POST_MAX_BYTES * 1.1
    assert (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= staff < settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 1.1
    )


@pytest.mark.skipif(
    not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")) or not shutil.which("openssl"),
    reason="nginx or openssl is not installed",
)
def test_nginx_accepts_the_proxys_configuration_as_the_stack_fills_it_in(tmp_path):
    environment = SERVICES["proxy"]["environment"]
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", key, "-out", certificate],
        check=True,
        capture_output=True,
    )
    values = {
        **environment,
        # Outside Docker: the pools' names resolve nowhere, and the
        # certificate is made up.
        "NFC_STAFF_UPSTREAM": "127.0.0.1:8001",
        "NFC_PUBLIC_UPSTREAM": "127.0.0.1:8002",
        "NFC_TLS_CERTIFICATE": str(certificate),
        "NFC_TLS_CERTIFICATE_KEY": str(key),
        "NFC_PROXY_PAGES": str(PROJECT_ROOT / "nfc/deploy"),
    }
    assert values["NFC_PROXY_LISTEN"] == "443 ssl"
    (tmp_path / "portal.conf").write_text(render_nginx_template(values))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include {tmp_path}/portal.conf; }}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


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

    with running(SERVICES["web-public"]["command"], env) as web:
        assert wait_until(healthy), web.stdout.read() if web.poll() is not None else "no answer"
        check = SERVICES["web-public"]["healthcheck"]["test"][1:]
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

    with running(SERVICES["web-public"]["command"], env):
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

    with running(SERVICES["web-public"]["command"], env):
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
