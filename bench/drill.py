"""`make drill`: fault drills on real processes, each bounded in time.

    python -m bench.drill [--drill redis|worker|postgres|load] [--outage-seconds 60]
                          [--seconds 120] [--pg-bindir DIR]

Starts a throwaway PostgreSQL and Redis, and the portal under gunicorn with
the production settings (bench/settings.py), each on a free loopback port,
as `make bench` does: two pools, as the deployment runs them (one for
staff, one for everyone else), behind nginx with the deployment's own
configuration (nfc/deploy/nginx.conf.template); Celery workers as each drill
needs them. Everything it started is stopped at the end, also on Ctrl-C or
failure. Then, one at a time:

- redis: 100 residents send the help form, 50 with Redis stopped and 50
  with Redis hung (a socket that accepts and never answers); each must get
  its reference within 2 s and be saved. Then Redis comes back with a
  worker: every acknowledgement must be e-mailed exactly once.
- worker: a worker's process is killed (SIGKILL) in the middle of a long
  job, then a whole worker is; the job must run again and finish once. A
  job that always fails must end failed and recorded, not loop.
- postgres: PostgreSQL stops for --outage-seconds under load: people get
  the plain 503 page, /healthz says the database is down, nothing is half
  written, and the web workers and the Celery worker carry on without a
  restart once it is back.
- load, through nginx: the help form at 50 concurrent clients for
  --seconds (p95 under 800 ms, under 0.5% errors, a saved row for each
  success); then a flood from one address and 200 concurrent bad sign-ins
  while staff browse (the limits hold, no 5xx, staff p95 worse by under
  25%).

The redis, worker and postgres drills talk to the public pool's gunicorn
directly (what they prove is inside the portal).

Each drill prints a table of its figures and the promises it checked; the
run exits 1 when a promise is broken. Logs and the figures as JSON are kept
in var/drill/.
"""

import argparse
import collections
import concurrent.futures
import contextlib
import datetime
import email
import http.client
import http.cookies
import json
import math
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.processes import (
    CeleryWorker,
    Gunicorn,
    Nginx,
    PostgreSQL,
    Redis,
    ServiceError,
    stop_all,
)

BASE_DIR = Path(__file__).resolve().parent.parent
SCRATCH = BASE_DIR / "var" / "drill"
DRILLS = ("redis", "worker", "postgres", "load")
# Each pool's workers (nfc/gunicorn_conf.py's WEB_CONCURRENCY).
GUNICORN_WORKERS = 2
# The public pool weighs a quarter of the staff pool when the CPU is short,
# as docker-compose.yml's cpu_shares (256 against 1024) make it: Linux
# weighs a scheduling group at nice 6 as 1024 / 1.25^6, about 270 (the
# pool's session is its group: bench.processes.Gunicorn).
PUBLIC_POOL_NICE = 6
REFERENCE = re.compile(rb"NFC-[0-9A-Z]{4}-[0-9A-Z]{4}")
STARTED_TOKEN = re.compile(rb'name="started" value="([^"]+)"')
# Django's own page for an error it could not handle, were DEBUG ever on.
TRACEBACK = re.compile(rb"Traceback|OperationalError|psycopg", re.I)


def say(text: str = "") -> None:
    print(text, flush=True)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


# --- Reports -------------------------------------------------------------


@dataclass
class Report:
    """A drill's figures (printed as a table) and the promises it checked."""

    name: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    seconds: float = 0.0

    def figure(self, label: str, value) -> None:
        self.figures.append((label, str(value)))

    def check(self, promise: str, kept: bool, figure) -> bool:
        self.checks.append((promise, bool(kept), str(figure)))
        return bool(kept)

    @property
    def kept(self) -> bool:
        return bool(self.checks) and all(kept for _, kept, _ in self.checks)

    def table(self) -> str:
        width = max([len(label) for label, _ in self.figures] + [10])
        lines = [f"== Drill: {self.name} ({self.seconds:.0f} s) =="]
        lines += [f"  {label:<{width}}  {value}" for label, value in self.figures]
        lines.append("  Promises:")
        for promise, kept, figure in self.checks:
            lines.append(f"    [{'kept' if kept else 'BROKEN'}] {promise}: {figure}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds),
            "figures": dict(self.figures),
            "checks": [
                {"promise": promise, "kept": kept, "figure": figure}
                for promise, kept, figure in self.checks
            ],
        }


# --- A browser, as far as the drills need one --------------------------------


@dataclass
class Answer:
    status: int  # 0: no answer (refused, reset, or timed out)
    body: bytes
    seconds: float
    location: str = ""
    error: str = ""


class Browser:
    """One person's visits: cookies kept, each request on a connection of
    its own (gunicorn's sync workers close each one), through the headers
    the TLS-terminating proxy in front of the portal adds.

    ``address`` is the client address that proxy reports (X-Forwarded-For):
    the drills speak for many residents from one machine.
    """

    def __init__(self, port: int, *, address: str = "127.0.0.1", timeout: float = 30):
        self.port = port
        self.address = address
        self.timeout = timeout
        # A CSRF secret of our own, as the cookie Django would have set:
        # posts need no page fetched first to carry one.
        self.csrf = secrets.token_hex(16)
        self.cookies: dict[str, str] = {"csrftoken": self.csrf}

    def request(self, method: str, path: str, fields: dict | None = None) -> Answer:
        host = f"127.0.0.1:{self.port}"
        headers = {
            "Host": host,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        body = None
        if fields is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **fields})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{host}"
            headers["Referer"] = f"https://{host}{path}"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            return Answer(0, b"", time.monotonic() - started, error=type(error).__name__)
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        return Answer(
            response.status,
            content,
            time.monotonic() - started,
            location=response.getheader("Location", ""),
        )


@dataclass
class HelpSent:
    """One resident's go at the help form."""

    email: str
    form: Answer
    post: Answer | None = None
    sent_page: Answer | None = None
    reference: str = ""

    @property
    def seconds(self) -> float:
        """From pressing Send to seeing the reference (or giving up)."""
        return sum(a.seconds for a in (self.post, self.sent_page) if a is not None)

    @property
    def answered(self) -> bool:
        return bool(self.reference)


def help_fields(token: str, *, email_address: str) -> dict:
    return {
        "started": token,
        "nfc_trap": "",
        "postcode": "",
        "place": "",
        "area": "unknown",
        "topic": "plan",
        "description": "We want to do something about the empty shops on our parade.",
        "for_group": "no",
        "group_name": "",
        "name": "Drill Resident",
        "email": email_address,
        "phone": "",
        "contact_by": "email",
        "consent_contact": "on",
        "consent_privacy": "on",
    }


def help_send(port: int, *, email_address: str, address: str = "127.0.0.1") -> HelpSent:
    """Get the form, fill it in, send it and read the reference."""
    browser = Browser(port, address=address)
    form = browser.request("GET", "/help/")
    sent = HelpSent(email=email_address, form=form)
    token = STARTED_TOKEN.search(form.body)
    if form.status != 200 or token is None:
        return sent
    sent.post = browser.request(
        "POST", "/help/", help_fields(token.group(1).decode(), email_address=email_address)
    )
    if sent.post.status != 302 or not sent.post.location.endswith("/help/sent/"):
        return sent
    sent.sent_page = browser.request("GET", "/help/sent/")
    found = REFERENCE.search(sent.sent_page.body)
    if sent.sent_page.status == 200 and found:
        sent.reference = found.group(0).decode()
    return sent


def help_send_many(port: int, emails: list[str], *, threads: int) -> list[HelpSent]:
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        return list(
            pool.map(
                lambda pair: help_send(port, email_address=pair[1], address=resident(pair[0])),
                enumerate(emails),
            )
        )


def resident(n: int) -> str:
    """A client address of its own for resident ``n`` (documentation range
    198.18.0.0/15, kept for benchmarks): many residents, each under the
    hourly limit."""
    return f"198.18.{(n // 250) % 250}.{n % 250 + 1}"


# --- The services -------------------------------------------------------------


class HungRedis:
    """A server on Redis's port that accepts connections and never answers:
    Redis hung, or the network half gone."""

    def __init__(self, port: int):
        self.port = port
        self.server = socket.socket()
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> None:
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.server.listen(128)
        self.server.settimeout(0.2)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.held.append(connection)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)
        for connection in self.held:
            connection.close()
        self.server.close()


class Stack:
    """PostgreSQL, Redis, the two gunicorn pools and nginx in front of them,
    started once for all the drills, and the Celery workers each drill asks
    for. ``gunicorn`` is the public pool."""

    def __init__(self, *, pg_bindir: Path, services: list, public_nice: int = PUBLIC_POOL_NICE):
        self.pg_bindir = pg_bindir
        self.services = services
        self.public_nice = public_nice
        self.mail = SCRATCH / "mail"

    def start(self) -> None:
        say("Starting PostgreSQL and Redis...")
        self.postgres = PostgreSQL(bindir=self.pg_bindir, scratch=SCRATCH)
        self.services.append(self.postgres)
        self.postgres.start()
        self.redis = Redis(scratch=SCRATCH)
        self.services.append(self.redis)
        self.redis.start()
        self.mail.mkdir(parents=True, exist_ok=True)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="bench.drill_settings",
            DATABASE_URL=self.postgres.url,
            REDIS_URL=self.redis.url,
            STATIC_ROOT=str(SCRATCH / "static"),
            # Each e-mail sent is written to a file here, to be counted.
            # (django-environ drops the first slash of the path.)
            EMAIL_URL=f"filemail:///{self.mail}",
            # The drills fill the form in faster than a person could.
            NFC_HELP_FORM_MIN_SECONDS="0",
        )
        import django

        django.setup()
        import logging

        from django.core.management import call_command

        logging.getLogger("nfc.access").setLevel(logging.WARNING)
        say("Migrating and collecting static files...")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.db_close()
        say(
            f"Serving with two gunicorn pools ({GUNICORN_WORKERS} workers each, production "
            "settings) behind nginx..."
        )
        self.gunicorn = Gunicorn(
            scratch=SCRATCH,
            env=dict(os.environ),
            workers=GUNICORN_WORKERS,
            name="gunicorn-public",
            nice=self.public_nice,
        )
        self.staff_gunicorn = Gunicorn(
            scratch=SCRATCH, env=dict(os.environ), workers=GUNICORN_WORKERS, name="gunicorn-staff"
        )
        for pool in (self.gunicorn, self.staff_gunicorn):
            self.services.append(pool)
            pool.start()
        self.nginx = Nginx(
            scratch=SCRATCH, staff_port=self.staff_gunicorn.port, public_port=self.gunicorn.port
        )
        self.services.append(self.nginx)
        self.nginx.start()

    @property
    def port(self) -> int:
        """The public pool's gunicorn, without nginx."""
        return self.gunicorn.port

    @property
    def proxy_port(self) -> int:
        """nginx, in front of both pools."""
        return self.nginx.port

    def worker(self, name: str, *, env: dict | None = None, **options) -> CeleryWorker:
        worker = CeleryWorker(
            scratch=SCRATCH, env={**os.environ, **(env or {})}, name=name, **options
        )
        self.services.append(worker)
        worker.start()
        return worker

    @staticmethod
    def db_close() -> None:
        from django.db import connections

        connections.close_all()


def wait_for(condition: Callable[[], bool], *, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def mail_recipients(folder: Path) -> collections.Counter:
    """How many e-mails each address was sent (Django's file backend writes
    each message followed by a line of 79 hyphens)."""
    counts: collections.Counter = collections.Counter()
    for path in folder.glob("*.log"):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                counts[email.message_from_bytes(chunk)["To"]] += 1
    return counts


def saved_rows(emails: list[str]) -> dict[str, int]:
    """How many requests were saved for each of ``emails``."""
    from django.db.models import Count

    from casework.models import SupportRequest

    Stack.db_close()
    return dict(
        SupportRequest.objects.filter(email__in=emails)
        .values_list("email")
        .annotate(n=Count("pk"))
        .values_list("email", "n")
    )


def seconds_summary(values: list[float]) -> str:
    if not values:
        return "none"
    return (
        f"p50 {percentile(values, 50) * 1000:.0f} ms, p95 {percentile(values, 95) * 1000:.0f} ms, "
        f"slowest {max(values) * 1000:.0f} ms"
    )


# --- Drill: Redis stopped, then hung ------------------------------------------


def drill_redis(stack: Stack, args) -> Report:
    from django.conf import settings
    from django.utils import timezone

    from casework.models import JobRun, SupportRequest
    from casework.tasks import SWEEP_GRACE
    from nfc.celery import app

    report = Report("redis")
    posts = args.redis_posts
    half = posts // 2
    stopped_emails = [f"redis-stopped-{n}@drill.example.org" for n in range(half)]
    hung_emails = [f"redis-hung-{n}@drill.example.org" for n in range(posts - half)]

    say(f"Redis stopped: {half} residents send the help form...")
    stack.redis.stop()
    stopped = help_send_many(stack.port, stopped_emails, threads=4)
    # Each web worker now takes Redis for away, and would not ask the hung
    # server at all: wait until it asks again.
    time.sleep(settings.NFC_REDIS_AWAY_SECONDS + 1)
    say(f"Redis hung (accepts, never answers): {posts - half} more...")
    hung_redis = HungRedis(stack.redis.port)
    hung_redis.start()
    try:
        # In two rounds, NFC_REDIS_AWAY_SECONDS apart: each web worker asks the hung
        # server again after it gave up on it, and must give up again.
        middle = len(hung_emails) // 2
        hung = help_send_many(stack.port, hung_emails[:middle], threads=4)
        time.sleep(settings.NFC_REDIS_AWAY_SECONDS + 1)
        hung += help_send_many(stack.port, hung_emails[middle:], threads=4)
    finally:
        hung_redis.stop()
    report.figure("connections the hung Redis accepted", len(hung_redis.held))
    sent = stopped + hung
    emails = stopped_emails + hung_emails

    for label, group in (("Redis stopped", stopped), ("Redis hung", hung)):
        report.figure(
            f"{label}: sent, answered with a reference",
            f"{len(group)}, {sum(s.answered for s in group)}",
        )
        report.figure(f"{label}: Send to reference", seconds_summary([s.seconds for s in group]))
    in_time = [s for s in sent if s.answered and s.seconds <= 2]
    report.check(
        "every post answered with a reference within 2 s",
        len(in_time) == posts,
        f"{len(in_time)} of {posts}; slowest {max(s.seconds for s in sent):.2f} s",
    )
    rows = saved_rows(emails)
    report.check(
        "one row saved for each post",
        len(rows) == posts and set(rows.values()) == {1},
        f"{sum(rows.values())} rows for {posts} posts",
    )

    say("Redis back, and a Celery worker; the catch-up job runs the sweep...")
    stack.redis.start()
    worker = stack.worker("redis", concurrency=2)
    # The sweep leaves a request younger than its grace period to the job
    # enqueued when it was saved; none could be, with Redis away. The drill
    # dates the requests back past the grace period rather than wait it out.
    stack.db_close()
    SupportRequest.objects.filter(email__in=emails).update(
        created_at=timezone.now() - SWEEP_GRACE - datetime.timedelta(minutes=1)
    )
    started = time.monotonic()
    app.send_task("casework.tasks.jobs_catch_up_task")

    def sweep_done() -> bool:
        stack.db_close()
        return JobRun.objects.filter(name="acknowledgements", finished_at__isnull=False).exists()

    wait_for(sweep_done, seconds=120)
    swept_in = time.monotonic() - started
    # The sweep again, twice at once, as beat and a catch-up might: nothing
    # may go twice.
    before = JobRun.objects.filter(name="acknowledgements").count()
    for _ in range(2):
        app.send_task("casework.tasks.acknowledgements_sweep_task")
    wait_for(
        lambda: (
            stack.db_close()
            or JobRun.objects.filter(name="acknowledgements", finished_at__isnull=False).count()
            >= before + 2
        ),
        seconds=60,
    )
    worker.stop()
    stack.db_close()
    runs = list(
        JobRun.objects.filter(name="acknowledgements")
        .order_by("started_at")
        .values_list("count", "failed")
    )
    mailed = mail_recipients(stack.mail)
    ours = {address: mailed.get(address, 0) for address in emails}
    once = sum(n == 1 for n in ours.values())
    twice = sum(n > 1 for n in ours.values())
    stamped = SupportRequest.objects.filter(
        email__in=emails, acknowledgement_sent_at__isnull=False
    ).count()
    lost = posts - min(len(in_time), len(rows), once)
    report.figure("sweep runs (sent, failed)", runs)
    report.figure("first sweep finished after", f"{swept_in:.1f} s")
    report.figure("sent, saved, e-mailed, lost", f"{posts}, {len(rows)}, {once}, {lost}")
    report.check(
        "every acknowledgement e-mailed exactly once",
        once == posts and not twice and stamped == posts,
        f"{once} once, {twice} more than once, {posts - once - twice} never; {stamped} marked sent",
    )
    report.check("nothing lost", lost == 0, lost)
    return report


# --- Drill: a worker killed in the middle of a job ------------------------------


def journal_lines(path: Path, word: str) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text().splitlines() if line.startswith(word + " ")]


def drill_worker(stack: Stack, args) -> Report:
    from casework.models import JobRun
    from nfc.celery import app

    report = Report("worker")
    seconds = args.job_seconds
    include = ("bench.drill_tasks",)

    # 1. The pool process running the job is killed: the worker sees it die.
    journal = SCRATCH / "worker-journal-1.txt"
    worker = stack.worker("killed-child", include=include)
    result = app.send_task("bench.drill_tasks.drill_long_task", args=[str(journal), seconds])
    if not wait_for(lambda: journal_lines(journal, "start"), seconds=60):
        raise ServiceError("the long job never started")
    time.sleep(seconds / 2)
    victim = int(journal_lines(journal, "start")[0].split()[1])
    say(f"SIGKILL to the worker's process running the job (pid {victim}), half-way...")
    killed_at = time.monotonic()
    os.kill(victim, signal.SIGKILL)
    wait_for(lambda: journal_lines(journal, "finish"), seconds=seconds * 3 + 60)
    finished_in = time.monotonic() - killed_at
    starts, finishes = journal_lines(journal, "start"), journal_lines(journal, "finish")
    state = result.state
    report.figure("job's process killed: starts, finishes", f"{len(starts)}, {len(finishes)}")
    report.figure("  finished after the kill in", f"{finished_in:.1f} s; its state {state}")
    report.check(
        "a job whose process was killed runs again and finishes once",
        len(starts) == 2 and len(finishes) == 1 and state == "SUCCESS",
        f"started {len(starts)} times, finished {len(finishes)}, state {state}",
    )
    worker.stop()

    # 2. The whole worker is killed (the machine lost, the container
    # killed): nobody is left to put the job back, and Redis hands it out
    # again only after its visibility timeout (two hours in production;
    # args.visibility_seconds here, the same mechanism).
    journal = SCRATCH / "worker-journal-2.txt"
    env = {"NFC_DRILL_VISIBILITY_SECONDS": str(args.visibility_seconds)}
    worker = stack.worker("killed-whole", include=include, env=env)
    result = app.send_task("bench.drill_tasks.drill_long_task", args=[str(journal), seconds])
    if not wait_for(lambda: journal_lines(journal, "start"), seconds=60):
        raise ServiceError("the long job never started")
    time.sleep(seconds / 2)
    say("SIGKILL to the whole worker, half-way through the job; a new worker starts...")
    killed_at = time.monotonic()
    worker.kill()
    worker = stack.worker("after-kill", include=include, env=env)
    wait_for(
        lambda: journal_lines(journal, "finish"), seconds=args.visibility_seconds + seconds * 3 + 90
    )
    finished_in = time.monotonic() - killed_at
    starts, finishes = journal_lines(journal, "start"), journal_lines(journal, "finish")
    state = result.state
    report.figure("whole worker killed: starts, finishes", f"{len(starts)}, {len(finishes)}")
    report.figure(
        "  finished after the kill in",
        f"{finished_in:.1f} s (visibility timeout {args.visibility_seconds} s); state {state}",
    )
    report.check(
        "a job whose whole worker was killed runs again and finishes once",
        len(starts) == 2 and len(finishes) == 1 and state == "SUCCESS",
        f"started {len(starts)} times, finished {len(finishes)}, state {state}",
    )

    # 3. A job that fails every time.
    journal = SCRATCH / "worker-journal-3.txt"
    result = app.send_task("bench.drill_tasks.drill_failing_task", args=[str(journal)])
    wait_for(lambda: result.state == "FAILURE", seconds=60)
    # Long enough for a retry, had there been one.
    time.sleep(args.failing_watch_seconds)
    attempts = journal_lines(journal, "attempt")
    stack.db_close()
    runs = list(JobRun.objects.filter(name="drill-failing").values_list("failed", flat=True))
    report.figure(
        "failing job: attempts, state, its runs' failed flags",
        f"{len(attempts)}, {result.state}, {runs}",
    )
    report.check(
        "a job that always fails ends failed and recorded, not in a loop",
        len(attempts) == 1 and result.state == "FAILURE" and runs == [True],
        f"{len(attempts)} attempt(s) in {args.failing_watch_seconds} s, state {result.state}, "
        f"JobRun failed={runs}",
    )
    worker.stop()
    return report


# --- Drill: PostgreSQL stopped under load ----------------------------------------


@dataclass
class Visit:
    at: float  # when it was sent (time.monotonic())
    what: str
    answer: Answer
    email: str = ""


def drill_postgres(stack: Stack, args) -> Report:
    from casework.models import AuditEntry, SupportRequest

    report = Report("postgres")
    worker = stack.worker("postgres", concurrency=1)
    visits: list[Visit] = []
    health: list[tuple[float, int, dict]] = []
    stopping = threading.Event()
    counter = iter(range(10**9))
    lock = threading.Lock()

    def person(n: int) -> None:
        while not stopping.is_set():
            # A resident of their own each time, each under the hourly limit.
            with lock:
                k = next(counter)
            address = f"pg-{k}@drill.example.org"
            browser = Browser(stack.port, address=resident(k), timeout=35)
            for what, path in (("area list", "/neighbourhoods/"), ("help form", "/help/")):
                answer = browser.request("GET", path)
                visits.append(Visit(time.monotonic() - answer.seconds, what, answer))
            token = STARTED_TOKEN.search(answer.body)
            fields = help_fields(token.group(1).decode() if token else "x", email_address=address)
            answer = browser.request("POST", "/help/", fields)
            visits.append(Visit(time.monotonic() - answer.seconds, "help post", answer, address))

    def healthz() -> None:
        browser = Browser(stack.port, timeout=10)
        while not stopping.is_set():
            answer = browser.request("GET", "/healthz")
            with contextlib.suppress(ValueError):
                health.append((time.monotonic(), answer.status, json.loads(answer.body or b"{}")))
            time.sleep(1)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(args.pg_clients)]
    threads.append(threading.Thread(target=healthz))
    for thread in threads:
        thread.start()
    try:
        time.sleep(10)
        say(f"PostgreSQL stopped for {args.outage_seconds} s under load...")
        stack.postgres.halt()
        down_at = time.monotonic()
        time.sleep(args.outage_seconds)
        up_from = time.monotonic()
        stack.postgres.resume()
        up_at = time.monotonic()
        say("PostgreSQL back; the load goes on for 30 s...")
        time.sleep(30)
    finally:
        stopping.set()
        for thread in threads:
            thread.join(timeout=60)
    ended = time.monotonic()

    during = [v for v in visits if down_at <= v.at and v.at + v.answer.seconds <= up_from]
    after = [v for v in visits if v.at >= up_at]
    statuses = collections.Counter(v.answer.status for v in during)
    unavailable = [v for v in during if v.answer.status == 503]
    plain = [v for v in unavailable if b"503" in v.answer.body or b"unavailable" in v.answer.body]
    leaked = [v for v in visits if TRACEBACK.search(v.answer.body)]
    errors_500 = [v for v in visits if v.answer.status >= 500 and v.answer.status != 503]
    report.figure("requests during the outage, by status", dict(sorted(statuses.items())))
    report.figure(
        "requests after it, by status",
        dict(sorted(collections.Counter(v.answer.status for v in after).items())),
    )
    report.check(
        "during the outage people get the plain 503 page, never a 500",
        during and len(unavailable) == len(during) and len(plain) == len(unavailable),
        f"{len(unavailable)} of {len(during)} answered 503 ({len(plain)} the portal's page)",
    )
    report.check(
        "no answer shows a traceback or a database error",
        not leaked and not errors_500,
        f"{len(leaked)} with a traceback, {len(errors_500)} other 5xx",
    )
    down_health = [(s, b) for t, s, b in health if down_at + 1 <= t <= up_from]
    said_down = [s for s, b in down_health if s == 503 and b.get("database") == "down"]
    report.check(
        "/healthz says the database is down during the outage",
        down_health and len(said_down) == len(down_health),
        f"{len(said_down)} of {len(down_health)} checks",
    )
    first_ok = min(
        (v.at + v.answer.seconds for v in after if v.answer.status in (200, 302)), default=None
    )
    settled = [v for v in after if v.at >= up_at + 5]
    settled_bad = [v for v in settled if v.answer.status not in (200, 302)]
    report.figure(
        "first success after PostgreSQL came back",
        f"{first_ok - up_at:.1f} s" if first_ok else "never",
    )
    report.check(
        "gunicorn's workers answer again without a restart",
        settled and not settled_bad,
        f"{len(settled) - len(settled_bad)} of {len(settled)} ok from 5 s after",
    )
    reboots = stack.gunicorn.log.read_text(errors="replace").count("Booting worker")
    report.figure("gunicorn workers booted (2 at the start)", reboots)

    posts = [v for v in visits if v.what == "help post"]
    answered = {v.email for v in posts if v.answer.status == 302}
    rows = saved_rows([v.email for v in posts])
    stack.db_close()
    saved = list(SupportRequest.objects.filter(email__in=list(rows)).values_list("pk", flat=True))
    audited = set(
        AuditEntry.objects.filter(support_request_id__in=saved).values_list(
            "support_request_id", flat=True
        )
    )
    unanswered_saved = set(rows) - answered
    report.figure(
        "help posts, answered with a reference, rows",
        f"{len(posts)}, {len(answered)}, {sum(rows.values())}",
    )
    report.check(
        "nothing half-written: a row (with its audit entry) for each post answered, none twice",
        answered <= set(rows) and set(rows.values()) <= {1} and set(saved) == audited,
        f"{len(answered & set(rows))} of {len(answered)} answered saved; "
        f"{len(set(saved) - audited)} without an audit entry; "
        f"{len(unanswered_saved)} saved though the answer failed",
    )

    # The worker: acknowledgements for what was saved after the outage.
    after_emails = [v.email for v in posts if v.at >= up_at and v.email in answered]

    def all_mailed() -> bool:
        mailed = mail_recipients(stack.mail)
        return all(mailed.get(address) for address in after_emails)

    wait_for(all_mailed, seconds=60)
    mailed = mail_recipients(stack.mail)
    report.check(
        "the Celery worker sends again without a restart",
        after_emails and all(mailed.get(address) for address in after_emails),
        f"{sum(bool(mailed.get(a)) for a in after_emails)} of {len(after_emails)} "
        "saved after the outage e-mailed",
    )
    report.figure("worker still the same process", worker.process and worker.process.poll() is None)
    report.figure("load ran for", f"{ended - (down_at - 10):.0f} s")
    worker.stop()
    return report


# --- Drill: load -----------------------------------------------------------------


class CpuMeter:
    """Where the machine's CPU time went while a load ran: each gunicorn
    pool, nginx, PostgreSQL, this process and its children (the drill's
    clients), and everything else on the machine (other people's work)."""

    def __init__(self, stack: Stack):
        self.stack = stack

    def _groups(self) -> dict[str, float]:
        import psutil

        def tree(pid: int) -> float:
            # The root's own time and its children's, those still running
            # and those it has reaped (gunicorn's old workers, PostgreSQL's
            # closed connections).
            total = 0.0
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(pid)
                times = root.cpu_times()
                total += times.user + times.system + times.children_user + times.children_system
                for process in root.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        times = process.cpu_times()
                        total += times.user + times.system
            return total

        postmaster = self.stack.postgres.datadir / "postmaster.pid"
        pg_pid = 0
        with contextlib.suppress(OSError, ValueError, IndexError):
            pg_pid = int(postmaster.read_text().split()[0])
        machine = psutil.cpu_times()
        servers = {
            "gunicorn staff": tree(self.stack.staff_gunicorn.process.pid),
            "gunicorn public": tree(self.stack.gunicorn.process.pid),
            "nginx": tree(self.stack.nginx.process.pid),
        }
        return {
            **servers,
            "postgresql": tree(pg_pid) if pg_pid else 0.0,
            # The servers are this process's children too: counted once, above.
            "drill clients (wrk too)": tree(os.getpid()) - sum(servers.values()),
            "machine": machine.user + machine.nice + machine.system,
        }

    def __enter__(self) -> "CpuMeter":
        self.started = time.monotonic()
        self.before = self._groups()
        return self

    def __exit__(self, *exc) -> None:
        after = self._groups()
        self.seconds = time.monotonic() - self.started
        self.used = {name: after[name] - self.before[name] for name in after}

    def summary(self) -> str:
        import psutil

        cores = psutil.cpu_count() or 1
        used = dict(self.used)
        machine = used.pop("machine")
        others = max(0.0, machine - sum(used.values()))
        parts = [f"{name} {value / self.seconds:.2f}" for name, value in used.items()]
        parts.append(f"others on the machine {others / self.seconds:.2f}")
        return f"{machine / self.seconds:.2f} of {cores} cores busy: " + ", ".join(parts)


def load_staff() -> tuple[list[str], str]:
    """Areas and staff to browse as: an adviser's session cookies (one per
    browsing person) and the e-mail the bad sign-ins aim at."""
    import io

    from django.core.management import call_command
    from django.test import Client

    from advisers.models import User
    from advisers.roles import Role
    from bench.load import AREA_DATA, AREA_FILES

    Stack.db_close()
    for name in AREA_FILES:
        call_command("import_areas", str(AREA_DATA / name), stdout=io.StringIO())
    # An adviser: a manager would be sent to set up two-factor first.
    adviser, _ = User.objects.get_or_create(
        email="drill.adviser@drill.example.org",
        defaults={"full_name": "Drill Adviser", "role": Role.ADVISER},
    )
    adviser.set_password(secrets.token_urlsafe(16))
    adviser.save()
    cookies = []
    for _ in range(8):
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        client.force_login(adviser)
        cookies.append(client.cookies["sessionid"].value)
    Stack.db_close()
    return cookies, adviser.email


def run_for(seconds: float, people: int, visit: Callable[[int, threading.Event], None]) -> None:
    """``people`` threads, each calling visit(n, stop) until ``seconds`` pass."""
    stop = threading.Event()

    def loop(n: int) -> None:
        while not stop.is_set():
            visit(n, stop)

    threads = [threading.Thread(target=loop, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)


STAFF_PAGES = ("/staff/", "/staff/areas/", "/neighbourhoods/")
# allauth's words when an account's failed sign-ins are used up.
SIGN_IN_LIMITED = b"Too many failed login attempts"
# ACCOUNT_RATE_LIMITS: five wrong passwords for one account in five minutes.
SIGN_IN_TRIES = 5


def staff_browse(stack: Stack, cookies: list[str], seconds: float, people: int) -> list[Answer]:
    answers: list[Answer] = []

    def visit(n: int, stop: threading.Event) -> None:
        # Each person at an address of their own (documentation range
        # 203.0.113.0/24), as staff working from home are.
        browser = Browser(stack.proxy_port, address=f"203.0.113.{n + 1}")
        browser.cookies["sessionid"] = cookies[n % len(cookies)]
        for path in STAFF_PAGES:
            answers.append(browser.request("GET", path))

    run_for(seconds, people, visit)
    return answers


def wrk_help_posts(stack: Stack, *, clients: int, seconds: float) -> tuple[dict, int]:
    """The help form's post, sent by wrk from ``clients`` connections for
    ``seconds``, each post a resident of its own with a token of its own;
    wrk's report, and how many rows it saved."""
    from casework.forms import HelpRequestForm
    from casework.models import SupportRequest

    wrk = shutil.which("wrk")
    if not wrk:
        raise ServiceError("wrk is missing: sudo apt-get install wrk")
    csrf = secrets.token_hex(16)
    bodies = SCRATCH / "help-posts.txt"
    # Far more than 2 cores can take, so no token is sent twice.
    with bodies.open("w") as out:
        for k in range(int(seconds * 300) + 1000):
            fields = help_fields(
                HelpRequestForm.started_token(), email_address=f"wrk-{k}@drill.example.org"
            )
            out.write(urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, **fields}) + "\n")
    host = f"127.0.0.1:{stack.proxy_port}"
    command = [wrk, "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "30s"]
    command += ["--latency", "-s", str(BASE_DIR / "bench" / "drill_post.lua")]
    for header in (
        "X-Forwarded-Proto: https",
        "Content-Type: application/x-www-form-urlencoded",
        f"Cookie: csrftoken={csrf}",
        f"Origin: https://{host}",
        f"Referer: https://{host}/help/",
    ):
        command += ["-H", header]
    command += [f"http://{host}/help/", "--", str(bodies), "2"]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 120, stdin=subprocess.DEVNULL
    )
    (SCRATCH / "wrk-help-posts.log").write_text(completed.stdout + completed.stderr)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode or not lines:
        raise ServiceError(f"wrk failed:\n{completed.stdout}{completed.stderr}")
    # Posts wrk had sent when it stopped are still answered (and saved).
    time.sleep(5)
    Stack.db_close()
    rows = SupportRequest.objects.filter(email__startswith="wrk-").count()
    return json.loads(lines[-1]), rows


def attack_process(queue, port: int, staff_email: str, args) -> None:
    """The attack, in a process of its own: 10 clients flood the help form
    from one address while 200, each from an address of its own, send wrong
    passwords for a staff account, all without pause, for --attack-seconds
    and 10 s more. Puts (flood, sign-ins) on ``queue``, the answers' bodies
    left out but for allauth's words when its limit answered."""
    os.nice(args.attack_nice)
    flood: list[HelpSent] = []
    sign_ins: list[Answer] = []
    counter = iter(range(10**9))
    lock = threading.Lock()

    def flooder(n: int, stop: threading.Event) -> None:
        with lock:
            k = next(counter)
        flood.append(
            help_send(port, email_address=f"flood-{k}@drill.example.org", address="192.0.2.66")
        )

    def attacker(n: int, stop: threading.Event) -> None:
        browser = Browser(port, address=resident(100_000 + n), timeout=60)
        answer = browser.request(
            "POST",
            "/accounts/login/",
            {"login": staff_email, "password": secrets.token_urlsafe(12)},
        )
        answer.body = SIGN_IN_LIMITED if SIGN_IN_LIMITED in answer.body else b""
        sign_ins.append(answer)

    attackers = [
        threading.Thread(
            target=run_for, args=(args.attack_seconds + 10, args.flood_clients, flooder)
        ),
        threading.Thread(target=run_for, args=(args.attack_seconds + 10, args.sign_ins, attacker)),
    ]
    for thread in attackers:
        thread.start()
    for thread in attackers:
        thread.join()
    for sent in flood:
        for answer in (sent.form, sent.post, sent.sent_page):
            if answer is not None:
                answer.body = b""
    queue.put((flood, sign_ins))


def drill_load(stack: Stack, args) -> Report:
    report = Report("load")
    report.figure("public pool's niceness (the staff pool's is 0)", stack.public_nice)
    say("Loading areas and an adviser for the staff's pages...")
    cookies, staff_email = load_staff()

    # 0. One resident alone: what each request costs the server, unqueued.
    say(f"One resident alone for {args.profile_seconds} s (service times)...")
    alone_sent: list[HelpSent] = []
    run_for(
        args.profile_seconds,
        1,
        lambda n, stop: alone_sent.append(
            help_send(
                stack.proxy_port,
                email_address=f"alone-{secrets.token_hex(4)}@drill.example.org",
                address=resident(500_000 + len(alone_sent)),
            )
        ),
    )
    report.figure(
        "one resident alone: form, Send, reference page (p50)",
        ", ".join(
            f"{percentile(values, 50) * 1000:.0f} ms"
            for values in (
                [r.form.seconds for r in alone_sent],
                [r.post.seconds for r in alone_sent if r.post],
                [r.sent_page.seconds for r in alone_sent if r.sent_page],
            )
        ),
    )

    # 1. The help form's post at 50 concurrent clients, sent by wrk (a
    # client in C: the drill's own Python clients would take CPU from the
    # server they measure).
    say(f"The help form's post at {args.clients} concurrent clients for {args.seconds} s (wrk)...")
    with CpuMeter(stack) as cpu:
        measured, wrk_rows = wrk_help_posts(stack, clients=args.clients, seconds=args.seconds)
    failed = measured["not_ok"] + measured["socket_errors"] + measured["timeouts"]
    done = measured["requests"]
    ok_posts = done - failed
    report.figure(
        "help form post (wrk): answered, per second",
        f"{done}, {done / (measured['duration_us'] / 1e6):.1f}",
    )
    report.figure(
        "  latency",
        f"p50 {measured['p50_us'] / 1000:.0f} ms, p95 {measured['p95_us'] / 1000:.0f} ms, "
        f"p99 {measured['p99_us'] / 1000:.0f} ms, slowest {measured['max_us'] / 1000:.0f} ms",
    )
    report.figure("  CPU while loaded", cpu.summary())
    report.figure(
        "  gunicorn's CPU per answer (public pool)",
        f"{cpu.used['gunicorn public'] / max(done, 1) * 1000:.1f} ms",
    )
    report.check(
        "help form p95 under 800 ms at 50 clients",
        measured["p95_us"] < 800_000,
        f"{measured['p95_us'] / 1000:.0f} ms",
    )
    share = failed / done if done else 1
    report.check("errors under 0.5%", share < 0.005, f"{failed} of {done} ({share:.2%})")
    report.check(
        "rows saved equal the successful answers (but those wrk had in flight at its end)",
        ok_posts <= wrk_rows <= ok_posts + args.clients,
        f"{wrk_rows} rows, {ok_posts} answered 302, {wrk_rows - ok_posts} in flight at the end",
    )

    # 2. Residents' whole visits: the form page, Send, the reference page.
    say(
        f"Residents' whole visits at {args.clients} concurrent clients "
        f"for {args.journey_seconds} s..."
    )
    results: list[HelpSent] = []
    counter = iter(range(10**9))
    lock = threading.Lock()

    def resident_visit(n: int, stop: threading.Event) -> None:
        with lock:
            k = next(counter)
        results.append(
            help_send(
                stack.proxy_port, email_address=f"load-{k}@drill.example.org", address=resident(k)
            )
        )

    started = time.monotonic()
    with CpuMeter(stack) as cpu:
        run_for(args.journey_seconds, args.clients, resident_visit)
    took = time.monotonic() - started
    report.figure("  CPU (whole visits)", cpu.summary())
    posts = [r.post for r in results if r.post is not None]
    ok = [r for r in results if r.answered]
    failed = len(results) - len(ok)
    rows = saved_rows([r.email for r in results])
    post_p95 = percentile([p.seconds for p in posts], 95)
    report.figure("whole visits: residents served in", f"{len(results)} in {took:.0f} s")
    report.figure("  form page (GET)", seconds_summary([r.form.seconds for r in results]))
    report.figure("  Send (POST)", seconds_summary([p.seconds for p in posts]))
    report.figure("  Send to reference", seconds_summary([r.seconds for r in ok]))
    report.figure("  statuses of the posts", dict(collections.Counter(p.status for p in posts)))
    report.figure("  Send (POST) p95", f"{post_p95 * 1000:.0f} ms (whole visits, no target)")
    error_share = failed / len(results) if results else 1
    report.check(
        "whole visits: errors under 0.5%",
        error_share < 0.005,
        f"{failed} of {len(results)} ({error_share:.2%})",
    )
    answered = {r.email for r in ok}
    report.check(
        "whole visits: a row saved for each success, and only one",
        set(rows) == answered and set(rows.values()) <= {1},
        f"{sum(rows.values())} rows for {len(answered)} successes",
    )

    # 3. Staff browse alone, then under a flood and bad sign-ins.
    say(f"Staff browse alone ({args.staff_people} people, {args.attack_seconds} s)...")
    with CpuMeter(stack) as cpu:
        alone = staff_browse(stack, cookies, args.attack_seconds, args.staff_people)
    report.figure("CPU staff alone", cpu.summary())
    say(
        f"Staff browse while one address floods the form and {args.sign_ins} clients "
        "send bad sign-ins..."
    )
    # The attackers run in a process of their own (forked: the staff's
    # clients must not wait for Python's lock behind 210 attacking threads),
    # at the priority --attack-nice gives them.
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    attack = context.Process(
        target=attack_process,
        args=(queue, stack.proxy_port, staff_email, args),
    )
    Stack.db_close()
    attack.start()
    time.sleep(5)
    with CpuMeter(stack) as cpu:
        attacked = staff_browse(stack, cookies, args.attack_seconds, args.staff_people)
    report.figure("CPU under attack", cpu.summary())
    flood, sign_ins = queue.get(timeout=args.attack_seconds + 180)
    attack.join(timeout=60)

    def p95(answers: list[Answer]) -> float:
        return percentile([a.seconds for a in answers if a.status == 200], 95)

    base, under = p95(alone), p95(attacked)
    report.figure("staff alone", seconds_summary([a.seconds for a in alone]))
    report.figure("staff under attack", seconds_summary([a.seconds for a in attacked]))
    report.figure(
        "staff statuses alone / under attack",
        f"{dict(collections.Counter(a.status for a in alone))} / "
        f"{dict(collections.Counter(a.status for a in attacked))}",
    )
    report.figure(
        "staff pages a second, each person (alone / under attack)",
        f"{len(alone) / args.attack_seconds / args.staff_people:.1f} / "
        f"{len(attacked) / args.attack_seconds / args.staff_people:.1f}",
    )
    flood_saved = saved_rows([r.email for r in flood])
    flood_forms = collections.Counter(r.form.status for r in flood)
    flood_statuses = collections.Counter(r.post.status for r in flood if r.post)
    # Turned away by nginx (429 at the form page or at Send) or by the portal.
    flood_refused = sum(
        1 for r in flood if r.form.status == 429 or (r.post and r.post.status == 429)
    )
    sign_in_statuses = collections.Counter(a.status for a in sign_ins)
    report.figure(
        "flood: visits, form page statuses, Send statuses",
        f"{len(flood)}, {dict(flood_forms)}, {dict(flood_statuses)}",
    )
    report.figure("bad sign-ins: tries, statuses", f"{len(sign_ins)}, {dict(sign_in_statuses)}")
    report.figure(
        "bad sign-ins: answer time", seconds_summary([a.seconds for a in sign_ins if a.status])
    )
    from django.conf import settings

    report.check(
        "the flood is held to the hourly limit",
        sum(flood_saved.values()) <= settings.NFC_HELP_REQUESTS_PER_HOUR
        and flood_refused >= len(flood) - settings.NFC_HELP_REQUESTS_PER_HOUR,
        f"{sum(flood_saved.values())} saved of {len(flood)} "
        f"(limit {settings.NFC_HELP_REQUESTS_PER_HOUR} an hour)",
    )
    signed_in = [a for a in sign_ins if a.status == 302]
    # allauth's limit (its words) or nginx's (429 before any worker).
    limited = [a for a in sign_ins if SIGN_IN_LIMITED in a.body or a.status == 429]
    report.figure(
        "bad sign-ins refused: by nginx, by allauth's limit",
        f"{sign_in_statuses.get(429, 0)}, {sum(SIGN_IN_LIMITED in a.body for a in sign_ins)} "
        f"of {len(sign_ins)}",
    )
    report.check(
        "bad sign-ins are limited (five wrong passwords an address in five minutes)",
        len(sign_ins) - len(limited) <= SIGN_IN_TRIES,
        f"{len(sign_ins) - len(limited)} checked against the password, {len(limited)} limited",
    )
    report.check(
        "no bad sign-in gets in",
        not signed_in,
        f"{len(signed_in)} of {len(sign_ins)} redirected",
    )
    everything = alone + attacked + sign_ins + [r.form for r in flood]
    everything += [a for r in flood for a in (r.post, r.sent_page) if a is not None]
    five_xx = [a for a in everything if a.status >= 500 or a.status == 0]
    report.check(
        "no 5xx and no dropped connection",
        not five_xx,
        f"{len(five_xx)} ({dict(collections.Counter(a.status or a.error for a in five_xx))})",
    )
    turned_away = [a for a in alone + attacked if a.status != 200]
    report.check(
        "every staff page answered (none turned away by nginx's limits)",
        not turned_away,
        f"{len(turned_away)} of {len(alone) + len(attacked)} not 200",
    )
    report.check(
        "staff p95 worse by under 25% under attack",
        base and under < base * 1.25,
        f"{base * 1000:.0f} ms alone, {under * 1000:.0f} ms under attack "
        f"({(under / base - 1) if base else 0:+.0%})",
    )
    return report


# --- Running them --------------------------------------------------------------

RUNNERS = {
    "redis": drill_redis,
    "worker": drill_worker,
    "postgres": drill_postgres,
    "load": drill_load,
}


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--drill",
        choices=DRILLS,
        action="append",
        help="run this drill only (may be given more than once; default: all, in order)",
    )
    parser.add_argument("--pg-bindir", default=os.environ.get("NFC_PG_BINDIR", ""))
    parser.add_argument("--redis-posts", type=int, default=100)
    parser.add_argument(
        "--job-seconds", type=float, default=20, help="how long the worker drill's job works"
    )
    parser.add_argument(
        "--visibility-seconds",
        type=int,
        default=30,
        help="Redis's visibility timeout in the whole-worker kill (production: 7200)",
    )
    parser.add_argument("--failing-watch-seconds", type=float, default=15)
    parser.add_argument("--outage-seconds", type=float, default=60)
    parser.add_argument("--pg-clients", type=int, default=4)
    parser.add_argument(
        "--seconds", type=float, default=120, help="how long the help form is loaded"
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--journey-seconds",
        type=float,
        default=30,
        help="how long residents' whole visits (form page, Send, reference) are loaded",
    )
    parser.add_argument("--attack-seconds", type=float, default=30)
    parser.add_argument("--staff-people", type=int, default=4)
    parser.add_argument("--sign-ins", type=int, default=200)
    parser.add_argument("--flood-clients", type=int, default=10)
    parser.add_argument(
        "--public-nice",
        type=int,
        default=PUBLIC_POOL_NICE,
        help="the public pool's niceness (default: as docker-compose.yml's cpu_shares weigh it)",
    )
    parser.add_argument(
        "--attack-nice",
        type=int,
        default=0,
        help="the attacking clients' niceness (0: the same priority as the servers)",
    )
    parser.add_argument(
        "--profile-seconds", type=float, default=10, help="one client alone, for service times"
    )
    args = parser.parse_args(argv)
    args.drill = args.drill or list(DRILLS)
    if not args.pg_bindir:
        parser.error("name PostgreSQL's bin folder: --pg-bindir or NFC_PG_BINDIR")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    SCRATCH.mkdir(parents=True, exist_ok=True)
    for old in SCRATCH.iterdir():
        if old.is_file():
            old.unlink()
        elif old.name == "mail":
            for path in old.iterdir():
                path.unlink()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    services: list = []
    reports: list[Report] = []
    try:
        stack = Stack(
            pg_bindir=Path(args.pg_bindir), services=services, public_nice=args.public_nice
        )
        stack.start()
        for name in args.drill:
            say(f"\nDrill: {name}")
            drill_started = time.monotonic()
            report = RUNNERS[name](stack, args)
            report.seconds = time.monotonic() - drill_started
            reports.append(report)
            say(report.table())
    except KeyboardInterrupt:
        say("\nInterrupted: stopping the services.")
        return 130
    except ServiceError as error:
        say(f"\nA service failed: {error}\nLogs: {SCRATCH}")
        return 1
    finally:
        stop_all(services, say)
    (SCRATCH / "results.json").write_text(
        json.dumps({report.name: report.as_dict() for report in reports}, indent=2) + "\n"
    )
    say("")
    for report in reports:
        say(f"{report.name:<10} {'kept' if report.kept else 'BROKEN':<7} {report.seconds:.0f} s")
    say(f"The drills took {(time.monotonic() - started) / 60:.1f} minutes; logs in {SCRATCH}/")
    return 0 if all(report.kept for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
