"""The compose file's services: their commands start, outside Docker, on the
test run's own PostgreSQL and Redis (no Docker engine runs on our machines)."""

import contextlib
import gzip
import http.server
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest
import yaml
from django.conf import settings

from bench.processes import render_nginx_template
from tests.support import (
    PROJECT_ROOT,
    clean_env,
    current_database_url,
    free_port,
    production_env,
    run_python,
)

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


# A server still starting accepts connections before its worker answers
# them: on a busy machine a read times out (TimeoutError) rather than the
# connection being refused; either means "not yet".
def wait_until(check, *, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


# The staff pool is "web", so that `docker compose up --scale web=3` scales
# the pool staff wait on (issue 15).
POOLS = ("web", "web-public")
SCALABLE = (*POOLS, "worker", "reports-worker")
TEMPLATE = (PROJECT_ROOT / "nfc/deploy/nginx.conf.template").read_text()


def test_the_stack_has_its_services_each_with_a_health_check():
    assert {"postgres", "redis", "proxy", *SCALABLE, "beat"} <= set(SERVICES)
    # Every service that keeps running; migrate runs once and exits.
    for name in set(SERVICES) - {"migrate"}:
        assert "healthcheck" in SERVICES[name], name


@pytest.mark.parametrize("name", SCALABLE)
def test_the_pools_and_the_workers_can_be_scaled(name):
    service = SERVICES[name]
    # Compose refuses to scale a service with a fixed container name, and
    # a second replica could not bind a published host port.
    assert "container_name" not in service
    assert "ports" not in service
    assert "hostname" not in service
    # Only named volumes, which every replica shares.
    for volume in service.get("volumes", []):
        assert volume.split(":")[0] in COMPOSE["volumes"], volume


def test_exactly_one_beat_runs_the_schedule_and_it_cannot_be_scaled():
    beats = [
        name
        for name, service in SERVICES.items()
        if "beat" in service.get("command", []) or "--beat" in service.get("command", [])
    ]
    assert beats == ["beat"]
    assert not any("-B" in SERVICES[name].get("command", []) for name in SERVICES)
    # Compose refuses `--scale beat=2` for a service with a container name.
    assert SERVICES["beat"]["container_name"]
    assert SERVICES["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in SERVICES["beat"]


def test_the_proxy_follows_each_pools_replicas():
    environment = SERVICES["proxy"]["environment"]
    for name, variable in (("web", "NFC_STAFF_UPSTREAM"), ("web-public", "NFC_PUBLIC_UPSTREAM")):
        # Looked up again as Docker's DNS answer expires, not once at start.
        assert environment[variable] == f"{name}:8000 resolve"
    # `resolve` keeps the addresses in shared memory: each upstream needs a zone.
    for upstream in re.findall(r"upstream nfc_\w+ \{(.*?)\}", TEMPLATE, re.S):
        assert re.search(r"^\s*zone \w+ \d+k;", upstream, re.M), upstream
        assert "least_conn;" in upstream
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in SERVICES["proxy"]["volumes"]}
    dns = (PROJECT_ROOT / mounts["/etc/nginx/conf.d/docker-dns.conf"]).read_text()
    # Docker's embedded DNS server, asked again every 10 seconds.
    assert re.search(r"^resolver 127\.0\.0\.11 valid=10s", dns, re.M)
    # Open-source nginx takes `resolve` in an upstream from 1.27.3.
    image = SERVICES["proxy"]["image"]
    major, minor = (int(part) for part in re.match(r"nginx:(\d+)\.(\d+)", image).groups())
    assert (major, minor) >= (1, 27)


def test_the_proxy_compresses_text_answers():
    assert "gzip on;" in TEMPLATE
    types = re.search(r"gzip_types ([^;]+);", TEMPLATE).group(1).split()
    # text/html is always among them.
    assert {"text/css", "application/javascript", "application/json"} <= set(types)
    assert 256 <= int(re.search(r"gzip_min_length (\d+);", TEMPLATE).group(1)) <= 2048
    assert 1 <= int(re.search(r"gzip_comp_level (\d);", TEMPLATE).group(1)) <= 6
    assert "gzip_vary on;" in TEMPLATE
    # The BREACH risk is weighed where compression is switched on, and the
    # page that reflects typed text beside residents' details is sent
    # uncompressed, matched before the staff area's pattern.
    assert "BREACH" in TEMPLATE.split("gzip on;")[0]
    search = re.search(r"location \^~ /staff/casework/search/ \{([^}]+)\}", TEMPLATE)
    assert search
    assert "gzip off;" in search.group(1)
    assert "proxy_pass http://$nfc_pool;" in search.group(1)


def test_only_the_proxy_can_be_reached_from_outside():
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"proxy"}
    assert SERVICES["proxy"]["ports"] == ["80:80", "443:443"]


def test_the_proxy_passes_to_both_pools_which_serve_the_same_portal():
    environment = SERVICES["proxy"]["environment"]
    assert environment["NFC_STAFF_UPSTREAM"].split()[0] == "web:8000"
    assert environment["NFC_PUBLIC_UPSTREAM"].split()[0] == "web-public:8000"
    assert SERVICES["web"]["command"] == SERVICES["web-public"]["command"]
    assert SERVICES["web"]["command"][:3] == ["gunicorn", "-c", "python:nfc.gunicorn_conf"]
    # gunicorn's own port (nfc/gunicorn_conf.py), which the proxy names.
    assert "PORT" not in SERVICES["web"].get("environment", {})
    assert set(SERVICES["proxy"]["depends_on"]) == set(POOLS)
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


def nginx_version(nginx: str) -> tuple[int, ...]:
    shown = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    return tuple(int(part) for part in re.search(r"nginx/([\d.]+)", shown).group(1).split("."))


@pytest.mark.skipif(
    not (shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")) or not shutil.which("openssl"),
    reason="nginx or openssl is not installed",
)
def test_nginx_accepts_the_proxys_configuration_as_the_stack_fills_it_in(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
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
        # Outside Docker, the certificate is made up.
        "NFC_TLS_CERTIFICATE": str(certificate),
        "NFC_TLS_CERTIFICATE_KEY": str(key),
        "NFC_PROXY_PAGES": str(PROJECT_ROOT / "nfc/deploy"),
    }
    if nginx_version(nginx) < (1, 27, 3):
        # Debian 12's nginx (1.22) knows no `resolve` in an upstream, and
        # would look the pools' names up at once, which resolve nowhere
        # outside Docker; the stack's image is newer and does both.
        values["NFC_STAFF_UPSTREAM"] = "127.0.0.1:8001"
        values["NFC_PUBLIC_UPSTREAM"] = "127.0.0.1:8002"
    assert values["NFC_PROXY_LISTEN"] == "443 ssl"
    # An nginx built from source logs under its prefix until told otherwise.
    (tmp_path / "logs").mkdir()
    (tmp_path / "portal.conf").write_text(render_nginx_template(values))
    # As the image's nginx.conf includes conf.d/*.conf, where the template
    # and the resolver land.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ include {PROJECT_ROOT}/nfc/deploy/docker-dns.conf; "
        f"include {tmp_path}/portal.conf; }}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


class ReplicaDns:
    """A DNS server on loopback that answers each name with the addresses
    it is given, as Docker's does with a service's replicas (A records only,
    each valid 1 s)."""

    def __init__(self, addresses: dict[str, list[str]]):
        self.addresses = addresses
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                query, client = self.socket.recvfrom(512)
            except OSError:
                return
            end, labels = 12, []
            while query[end]:
                labels.append(query[end + 1 : end + 1 + query[end]].decode())
                end += 1 + query[end]
            is_a = struct.unpack(">H", query[end + 1 : end + 3])[0] == 1
            known = ".".join(labels) in self.addresses
            found = self.addresses.get(".".join(labels), []) if is_a else []
            header = query[:2] + struct.pack(
                ">HHHHH", 0x8180 | (0 if known else 3), 1, len(found), 0, 0
            )
            records = b"".join(
                b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 1, 4) + socket.inet_aton(address)
                for address in found
            )
            self.socket.sendto(header + query[12 : end + 5] + records, client)

    def close(self):
        self.socket.close()


def replica(address: str, port: int) -> http.server.ThreadingHTTPServer:
    """A stand-in for one gunicorn replica: a page that says which it is."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = f"<!doctype html><p>{address}</p>{'<p>a long page</p>' * 200}".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("X-Replica", address)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((address, port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.mark.skipif(
    not shutil.which("nginx") or nginx_version(shutil.which("nginx")) < (1, 27, 3),
    reason="needs nginx 1.27.3 or later (upstream servers with resolve), as the stack's image",
)
def test_the_proxy_reaches_replicas_started_and_stopped_after_it_and_compresses(tmp_path):
    # Docker's DNS stood in for by one of our own: "web" first answers with
    # one replica, then two (--scale web=2), then only the second.
    port = free_port()
    replicas = [replica(address, port) for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4")]
    dns = ReplicaDns({"web": ["127.0.0.2"], "web-public": ["127.0.0.4"]})
    listen = free_port()
    environment = SERVICES["proxy"]["environment"]
    (tmp_path / "logs").mkdir()
    # Never used (this server speaks plain HTTP), but the template names one.
    certificate, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
        + ["-nodes", "-days", "1", "-subj", "/CN=test", "-keyout", key, "-out", certificate],
        check=True,
        capture_output=True,
    )
    (tmp_path / "portal.conf").write_text(
        render_nginx_template(
            {
                **environment,
                "NFC_PROXY_LISTEN": f"127.0.0.1:{listen}",
                "NFC_PROXY_HTTP_LISTEN": f"127.0.0.1:{free_port()}",
                "NFC_TLS_CERTIFICATE": str(certificate),
                "NFC_TLS_CERTIFICATE_KEY": str(key),
                "NFC_STAFF_UPSTREAM": environment["NFC_STAFF_UPSTREAM"].replace(
                    ":8000", f":{port}"
                ),
                "NFC_PUBLIC_UPSTREAM": environment["NFC_PUBLIC_UPSTREAM"].replace(
                    ":8000", f":{port}"
                ),
                "NFC_PROXY_PAGES": str(PROJECT_ROOT / "nfc/deploy"),
            }
        )
    )
    # docker-dns.conf's resolver line, pointed at the stand-in.
    resolver = (PROJECT_ROOT / "nfc/deploy/docker-dns.conf").read_text()
    resolver = re.search(r"^resolver .*$", resolver, re.M).group(0)
    resolver = resolver.replace("127.0.0.11", f"127.0.0.1:{dns.port}").replace("10s", "1s")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\n"
        f"{'user root;' if os.geteuid() == 0 else ''}\nevents {{}}\n"
        f"http {{ access_log off; {resolver} include {tmp_path}/portal.conf; }}\n"
    )

    def answered_by(*, staff: bool) -> set[str]:
        seen = set()
        for _ in range(6):
            headers = {"Cookie": "sessionid=signed-in"} if staff else {}
            request = urllib.request.Request(f"http://127.0.0.1:{listen}/", headers=headers)
            # 502 while nginx has no address yet for a pool.
            with (
                contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
                urllib.request.urlopen(request, timeout=5) as response,
            ):
                seen.add(response.headers["X-Replica"])
        return seen

    nginx = [shutil.which("nginx"), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    with running(nginx, os.environ.copy()):
        try:
            assert wait_until(lambda: answered_by(staff=True) == {"127.0.0.2"})
            assert answered_by(staff=False) == {"127.0.0.4"}
            dns.addresses["web"] = ["127.0.0.2", "127.0.0.3"]
            assert wait_until(lambda: answered_by(staff=True) == {"127.0.0.2", "127.0.0.3"})
            dns.addresses["web"] = ["127.0.0.3"]
            assert wait_until(lambda: answered_by(staff=True) == {"127.0.0.3"})

            request = urllib.request.Request(
                f"http://127.0.0.1:{listen}/", headers={"Accept-Encoding": "gzip"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.headers["Content-Encoding"] == "gzip"
                assert response.headers["Vary"] == "Accept-Encoding"
                assert b"a long page" in gzip.decompress(response.read())
        finally:
            dns.close()
            for server in replicas:
                server.shutdown()


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
        except (urllib.error.URLError, ConnectionError, TimeoutError):
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
        except (urllib.error.URLError, ConnectionError, TimeoutError):
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
        except (urllib.error.URLError, ConnectionError, TimeoutError):
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


DECLARES_A_CURSOR = """
import json, django
django.setup()
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as queries:
    list(ContentType.objects.all().iterator())
print(json.dumps(any("DECLARE" in query["sql"] for query in queries.captured_queries)))
"""


@pytest.mark.parametrize(("pooler", "declares"), [("", True), ("pgbouncer", False)])
def test_behind_pgbouncer_no_cursor_outlives_its_transaction(pooler, declares):
    # PgBouncer in transaction mode may run the next transaction on another
    # server connection, where a cursor left open (Django's .iterator(), a
    # form's choices) does not exist: with NFC_DB_POOLER=pgbouncer none is made.
    result = run_python(
        "-c",
        DECLARES_A_CURSOR,
        env=clean_env(
            DJANGO_SETTINGS_MODULE="nfc.settings",
            DATABASE_URL=current_database_url(),
            NFC_DB_POOLER=pooler,
        ),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is declares


def test_an_unknown_pooler_is_refused_at_start():
    result = run_python(
        "-c",
        "import django; django.setup()",
        env=clean_env(DJANGO_SETTINGS_MODULE="nfc.settings", NFC_DB_POOLER="pgpool"),
    )
    assert result.returncode != 0
    assert "NFC_DB_POOLER must be empty (PostgreSQL itself) or 'pgbouncer'" in result.stderr
