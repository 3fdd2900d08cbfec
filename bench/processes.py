"""The throwaway services a bench run starts and always stops: PostgreSQL,
Redis, gunicorn and nginx, each on a free loopback port.

PostgreSQL refuses to run as root; as root it runs as the `postgres` user
through tests/tools/pg_ctl, the same wrapper `make test` uses, which wants
its data under /tmp. Every wait has a timeout, and every service's output
goes to a log file under the scratch folder, for diagnosis.
"""

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PG_CTL = BASE_DIR / "tests" / "tools" / "pg_ctl"
NGINX_TEMPLATE = BASE_DIR / "nfc" / "deploy" / "nginx.conf.template"


class ServiceError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list, *, log: Path, timeout: float, env: dict | None = None) -> None:
    """Run ``command`` to the end, its output appended to ``log``; raise,
    quoting the log's tail, if it fails or overruns."""
    with log.open("ab") as out:
        out.write(f"$ {' '.join(map(str, command))}\n".encode())
        out.flush()
        try:
            subprocess.run(
                [str(part) for part in command],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                timeout=timeout,
                check=True,
                # Ctrl-C reaches this process only; it stops the services in order.
                start_new_session=True,
            )
        except subprocess.TimeoutExpired as error:
            raise ServiceError(f"{command[0]} took over {timeout:.0f} s\n{tail(log)}") from error
        except subprocess.CalledProcessError as error:
            raise ServiceError(f"{command[0]} failed ({error.returncode})\n{tail(log)}") from error


def tail(log: Path, lines: int = 25) -> str:
    try:
        text = log.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(f"  | {line}" for line in text[-lines:])


def stop_all(services: list, say) -> None:
    """Stop ``services``, the last started first; one that fails to stop
    must not leave the others running."""
    for service in reversed(services):
        try:
            service.stop()
        except Exception as error:
            say(f"Could not stop {type(service).__name__}: {error}")


def stop_process(process: subprocess.Popen | None, *, timeout: float = 30) -> None:
    """SIGTERM the process's group, then SIGKILL it if it lingers."""
    if process is None or process.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class PostgreSQL:
    """A PostgreSQL cluster in a temporary folder, trusting local connections."""

    USER = "nfc"
    DATABASE = "nfc_bench"
    # Defaults apart from these: a server sized for a 2-core, few-GB box.
    # fsync stays on; only the loader's own session skips waiting for
    # commits (synchronous_commit=off), which risks nothing but itself.
    SETTINGS = {
        "shared_buffers": "256MB",
        "maintenance_work_mem": "256MB",
        "max_wal_size": "4GB",
    }

    def __init__(self, *, bindir: Path, scratch: Path):
        self.bindir = Path(bindir)
        self.scratch = scratch
        self.log = scratch / "postgresql-commands.log"
        # As root, tests/tools/pg_ctl hands this folder to `postgres` and
        # insists that it lives under /tmp.
        parent = "/tmp" if os.geteuid() == 0 else None
        self.holder = Path(tempfile.mkdtemp(prefix="nfc-bench-pg-", dir=parent))
        self.datadir = self.holder / "data"
        self.port = free_port()
        self.started = False

    @property
    def url(self) -> str:
        return f"postgres://{self.USER}@127.0.0.1:{self.port}/{self.DATABASE}"

    def _env(self) -> dict:
        return {**os.environ, "NFC_PG_BINDIR": str(self.bindir)}

    def start(self) -> None:
        run(
            [
                PG_CTL,
                "initdb",
                "-s",
                "-D",
                self.datadir,
                "-o",
                f"--username={self.USER} --auth=trust --encoding=UTF8 --locale=C",
            ],
            log=self.log,
            timeout=180,
            env=self._env(),
        )
        self.started = True
        self.resume()
        run(
            [self.bindir / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", self.USER]
            + [self.DATABASE],
            log=self.log,
            timeout=60,
        )

    def resume(self) -> None:
        """Start the server on its cluster (again, after halt())."""
        options = " ".join(f"-c {name}={value}" for name, value in self.SETTINGS.items())
        options += f" -c listen_addresses=127.0.0.1 -p {self.port} -k {self.holder}"
        run(
            [
                PG_CTL,
                "start",
                "-D",
                self.datadir,
                "-w",
                "-t",
                "120",
                "-l",
                self.holder / "postgresql.log",
                "-o",
                options,
            ],
            log=self.log,
            timeout=180,
            env=self._env(),
        )

    def halt(self) -> None:
        """Stop the server, keeping its cluster, as an outage would (the
        drills start it again with resume())."""
        run(
            [PG_CTL, "stop", "-D", self.datadir, "-m", "fast", "-w", "-t", "60"],
            log=self.log,
            timeout=90,
            env=self._env(),
        )

    def server_log(self) -> Path:
        return self.scratch / "postgresql.log"

    def stop(self) -> None:
        try:
            if self.started and self.datadir.exists():
                with contextlib.suppress(ServiceError):
                    run(
                        [PG_CTL, "stop", "-D", self.datadir, "-m", "fast", "-w", "-t", "60"],
                        log=self.log,
                        timeout=90,
                        env=self._env(),
                    )
            with contextlib.suppress(OSError):
                shutil.copyfile(self.holder / "postgresql.log", self.server_log())
        finally:
            shutil.rmtree(self.holder, ignore_errors=True)


class Redis:
    """A Redis that keeps nothing on disk."""

    def __init__(self, *, scratch: Path):
        self.scratch = scratch
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = self.scratch / "redis.log"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--dir", str(self.scratch)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(f"redis-server stopped at once\n{tail(log)}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock,
            ):
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
            time.sleep(0.1)
        raise ServiceError(f"redis-server did not answer within 30 s\n{tail(log)}")

    def stop(self) -> None:
        stop_process(self.process)


class Gunicorn:
    """The portal as production runs it (nfc/gunicorn_conf.py), on loopback."""

    def __init__(
        self, *, scratch: Path, env: dict, workers: int = 2, name: str = "gunicorn", nice: int = 0
    ):
        self.scratch = scratch
        self.port = free_port()
        self.log = scratch / f"{name}.log"
        self.nice = nice
        self.env = {
            **env,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            # gunicorn believes X-Forwarded-* from these addresses only.
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                ["nice", "-n", str(self.nice)]
                + [sys.executable, "-m", "gunicorn", "-c", "python:nfc.gunicorn_conf"]
                # Its control socket would live in $HOME, shared by every gunicorn.
                + ["--no-control-socket", "nfc.wsgi"],
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.nice:
            # A new session is a scheduling group of its own where Linux
            # groups sessions (autogroup, on by default): the group weighs
            # the same as any other whatever its processes' niceness, so the
            # group is given the niceness, as Docker's cpu_shares weigh a
            # container's group.
            with contextlib.suppress(OSError):
                Path(f"/proc/{self.process.pid}/autogroup").write_text(str(self.nice))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(f"gunicorn stopped at once\n{tail(self.log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.2)
        raise ServiceError(f"gunicorn's /healthz did not answer 200 within 60 s\n{tail(self.log)}")

    def stop(self) -> None:
        stop_process(self.process)


class CeleryWorker:
    """A Celery worker as production runs it (the portal's app and
    settings), consuming both queues; ``include`` names modules of extra
    tasks to load (a drill's own)."""

    def __init__(
        self,
        *,
        scratch: Path,
        env: dict,
        name: str,
        concurrency: int = 1,
        include: tuple[str, ...] = (),
    ):
        self.scratch = scratch
        self.env = env
        self.name = name
        self.concurrency = concurrency
        self.include = include
        self.log = scratch / f"celery-{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "celery", "-A", "nfc", "worker"]
        command += ["-Q", "default,reports", "-c", str(self.concurrency), "-l", "INFO"]
        command += ["-n", f"{self.name}@drill", "--without-gossip", "--without-mingle"]
        for module in self.include:
            command += ["-I", module]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(f"the Celery worker stopped at once\n{tail(self.log)}")
            if b" ready." in self.log.read_bytes():
                return
            time.sleep(0.2)
        raise ServiceError(f"the Celery worker was not ready within 60 s\n{tail(self.log)}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as a machine losing power
        (or the kernel's out-of-memory killer) would."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        stop_process(self.process)


def render_nginx_template(values: dict[str, str], template: Path = NGINX_TEMPLATE) -> str:
    """The deployment's nginx template with its ${NFC_...} filled in, as the
    official nginx image's envsubst does; every one must be given."""
    text = template.read_text()
    missing = set(re.findall(r"\$\{(NFC_[A-Z_]+)\}", text)) - set(values)
    if missing:
        raise ValueError(f"no value for {', '.join(sorted(missing))}")
    return re.sub(r"\$\{(NFC_[A-Z_]+)\}", lambda found: values[found.group(1)], text)


class Nginx:
    """nginx with the deployment's own configuration (nfc/deploy/), in front
    of the two gunicorn pools, on loopback.

    Two things differ from a deployment, both outside the shared template:
    it speaks plain HTTP (the clients share the machine with the server,
    and TLS handshakes would measure the machine's cryptography rather than
    the portal), and it believes X-Forwarded-For from loopback (nginx's
    realip module), as it would from a load balancer in front: the drills
    speak for many residents from one machine, each from an address of its
    own.
    """

    def __init__(self, *, scratch: Path, staff_port: int, public_port: int):
        self.prefix = scratch / "nginx"
        self.port = free_port()
        self.staff_port = staff_port
        self.public_port = public_port
        self.log = scratch / "nginx.log"
        self.process: subprocess.Popen | None = None

    def write_config(self) -> Path:
        self.prefix.mkdir(parents=True, exist_ok=True)
        certificate, key = self.prefix / "self-signed.pem", self.prefix / "self-signed.key"
        if not certificate.exists():
            # Never used (the drill's server block speaks plain HTTP), but
            # the template names a certificate.
            run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt"]
                + ["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=drill"]
                + ["-keyout", key, "-out", certificate],
                log=self.log,
                timeout=30,
            )
        portal = render_nginx_template(
            {
                "NFC_PROXY_LISTEN": f"127.0.0.1:{self.port}",
                "NFC_PROXY_HTTP_LISTEN": f"127.0.0.1:{free_port()}",
                "NFC_TLS_CERTIFICATE": str(certificate),
                "NFC_TLS_CERTIFICATE_KEY": str(key),
                "NFC_STAFF_UPSTREAM": f"127.0.0.1:{self.staff_port}",
                "NFC_PUBLIC_UPSTREAM": f"127.0.0.1:{self.public_port}",
                "NFC_PROXY_PAGES": str(NGINX_TEMPLATE.parent),
            }
        )
        (self.prefix / "portal.conf").write_text(portal)
        temp = self.prefix / "temp"
        temp.mkdir(exist_ok=True)
        # What the official image's /etc/nginx/nginx.conf says around the
        # template, trimmed to what the drill needs.
        main = f"""
worker_processes auto;
pid {self.prefix}/nginx.pid;
error_log {self.log} warn;
{"user root;" if os.geteuid() == 0 else ""}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 65;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    include {self.prefix}/portal.conf;
}}
"""
        config = self.prefix / "nginx.conf"
        config.write_text(main)
        return config

    def start(self) -> None:
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(nginx).exists():
            raise ServiceError("nginx is missing: sudo apt-get install nginx")
        config = self.write_config()
        command = [nginx, "-p", self.prefix, "-c", config]
        run([*command, "-t"], log=self.log, timeout=30)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(part) for part in [*command, "-g", "daemon off;"]],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(f"nginx stopped at once\n{tail(self.log)}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                if connection.getresponse().status == 200:
                    return
            time.sleep(0.2)
        raise ServiceError(
            f"/healthz through nginx did not answer 200 within 30 s\n{tail(self.log)}"
        )

    def stop(self) -> None:
        stop_process(self.process)
