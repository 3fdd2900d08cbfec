"""Two web servers and two Celery workers, each a process of its own, on the
test run's PostgreSQL and Redis, with the production settings: what the
portal runs as on more than one machine, for tests/scaleout/.

The processes are bench.processes' (as `make bench` and `make drill` start
them); a Browser speaks to either server as one person's browser behind the
deployment's proxy does: one address, one set of cookies, whichever server
answers.
"""

import concurrent.futures
import http.client
import http.cookies
import os
import re
import secrets
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.processes import CeleryWorker, Gunicorn, stop_all
from tests.support import current_database_url, production_env

# The portal's name in the proxy's Host header, whichever server answers.
HOST = "portal.example.org"
# The queues both workers take jobs from (docker-compose.yml's two kinds of
# worker between them).
QUEUES = ("default", "reports")


@dataclass
class Answer:
    status: int
    text: str
    location: str


class Browser:
    """One person's browser: its cookies go to whichever server it asks."""

    def __init__(self, *, address: str = "203.0.113.10"):
        self.address = address
        # A CSRF secret of its own, as the cookie Django would have set.
        self.cookies: dict[str, str] = {"csrftoken": secrets.token_hex(16)}

    def get(self, server: Gunicorn, path: str) -> Answer:
        return self._request(server, "GET", path)

    def post(self, server: Gunicorn, path: str, fields: dict) -> Answer:
        return self._request(server, "POST", path, fields)

    def _request(self, server: Gunicorn, method: str, path: str, fields=None) -> Answer:
        headers = {
            "Host": HOST,
            # What the TLS-terminating proxy adds (NFC_TRUSTED_PROXY_COUNT=1).
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        body = None
        if fields is not None:
            fields = {"csrfmiddlewaretoken": self.cookies["csrftoken"], **fields}
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return Answer(response.status, text, response.getheader("Location", ""))


def hidden(page: str, name: str) -> str:
    """The value of a form's hidden field ``name`` on ``page``."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)" name="{name}"', page
    )
    assert found, f"no {name} on the page"
    return found.group(1)


@dataclass
class Cluster:
    web_a: Gunicorn
    web_b: Gunicorn
    worker_a: CeleryWorker
    worker_b: CeleryWorker
    mail: Path
    reports: Path
    redis_url: str

    def emails(self) -> list[str]:
        """Every e-mail either worker (or server) has sent, each as its text."""
        if not self.mail.exists():
            return []
        messages = []
        for path in sorted(self.mail.iterdir()):
            # The file backend writes each message followed by a line of dashes.
            messages += [m for m in path.read_text().split("-" * 79 + "\n") if m.strip()]
        return messages

    def idle(self) -> bool:
        """No job waiting and none being done: every job is acknowledged only
        once done (task_acks_late), and Redis keeps those taken and not yet
        acknowledged in its "unacked" hash until then."""
        broker = redis.Redis.from_url(self.redis_url)
        try:
            return not any(broker.llen(queue) for queue in QUEUES) and not broker.hlen("unacked")
        finally:
            broker.close()


def cluster_started(*, scratch: Path, redis_url: str, **settings: str):
    """Start two gunicorns (one worker each) and two Celery workers
    (different hostnames, one process each), all on the test database and
    Redis; yields a Cluster, and stops them all at the end."""
    mail, reports = scratch / "mail", scratch / "reports"
    env = production_env(
        DJANGO_SETTINGS_MODULE="tests.scaleout.server_settings",
        DATABASE_URL=current_database_url(),
        REDIS_URL=redis_url,
        # The file backend, one file per connection: what both workers sent.
        # (django-environ takes the path after "filemail://", less its first "/".)
        EMAIL_URL=f"filemail:///{mail}",
        ALLOWED_HOSTS=HOST,
        NFC_BASE_URL=f"https://{HOST}",
        NFC_TRUSTED_PROXY_COUNT="1",
        NFC_REPORTS_DIR=str(reports),
        # The tests' webhook receiver listens on loopback.
        NFC_WEBHOOK_PRIVATE_ADDRESSES="true",
        PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
        **settings,
    )
    services = [
        Gunicorn(scratch=scratch, env=env, workers=1, name="web-a"),
        Gunicorn(scratch=scratch, env=env, workers=1, name="web-b"),
        CeleryWorker(scratch=scratch, env=env, name="worker-a"),
        CeleryWorker(scratch=scratch, env=env, name="worker-b"),
    ]
    # Jobs other tests left on the queues are not this module's to run.
    broker = redis.Redis.from_url(redis_url)
    broker.delete(*QUEUES, "unacked", "unacked_index")
    broker.close()
    with concurrent.futures.ThreadPoolExecutor(len(services)) as at_once:
        try:
            # All four at once: each start waits until its process answers.
            list(at_once.map(lambda service: service.start(), services))
            yield Cluster(*services, mail=mail, reports=reports, redis_url=redis_url)
        finally:
            list(at_once.map(lambda service: stop_all([service], print), services))
