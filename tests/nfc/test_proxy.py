"""The deployment's nginx (nfc/deploy/nginx.conf.template), run for real in
front of two stand-in pools that say who they are and what they were sent:
which pool answers, the headers the portal trusts, the per-address limits
and nginx's own pages. Skipped where nginx is not installed (`make test`
installs it; `make drill` measures the same configuration under load)."""

import http.client
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from django.conf import settings

from bench.processes import Nginx
from tests.support import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) or not shutil.which("openssl"),
    reason="nginx or openssl is not installed (tests/tools/test-prerequisites installs them)",
)


class StandInPool(http.server.ThreadingHTTPServer):
    """Answers every request with its own name and what it was sent."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(("127.0.0.1", 0), self.Handler)

    class Handler(http.server.BaseHTTPRequestHandler):
        def answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = json.dumps(
                {
                    "pool": self.server.name,
                    "path": self.path,
                    "body_length": length,
                    "headers": {name.lower(): value for name, value in self.headers.items()},
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args):
            pass


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    pools = {name: StandInPool(name) for name in ("staff", "public")}
    for pool in pools.values():
        threading.Thread(target=pool.serve_forever, daemon=True).start()
    nginx = Nginx(
        scratch=tmp_path_factory.mktemp("proxy"),
        staff_port=pools["staff"].server_address[1],
        public_port=pools["public"].server_address[1],
    )
    nginx.start()
    try:
        yield nginx
    finally:
        nginx.stop()
        for pool in pools.values():
            pool.shutdown()
            pool.server_close()


def send(proxy, method, path, *, address, cookie="", body=b"", forwarded_for=None):
    """One request through nginx from ``address`` (the drills' nginx believes
    X-Forwarded-For from loopback, as from a load balancer in front)."""
    headers = {"Host": "127.0.0.1", "X-Forwarded-For": forwarded_for or address}
    if cookie:
        headers["Cookie"] = cookie
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def seen(body: bytes) -> dict:
    return json.loads(body)


def test_a_request_with_the_session_cookie_goes_to_the_staff_pool(proxy):
    cookie = f"{settings.SESSION_COOKIE_NAME}=abc123; csrftoken=x"
    assert seen(send(proxy, "GET", "/staff/", address="203.0.113.1", cookie=cookie)[1])["pool"] == (
        "staff"
    )
    for path in ("/", "/help/", "/events/", "/accounts/login/", "/static/css/nfc.css"):
        _, body = send(proxy, "GET", path, address="203.0.113.1", cookie="csrftoken=x")
        assert seen(body)["pool"] == "public", path


def test_the_portal_is_told_the_client_address_and_https_and_nothing_the_client_forged(proxy):
    response, body = send(proxy, "GET", "/", address="", forwarded_for="198.51.100.7, 203.0.113.9")
    headers = seen(body)["headers"]
    # One address only: the portal trusts one proxy and reads the last one.
    assert headers["x-forwarded-for"] == "203.0.113.9"
    assert headers["x-forwarded-proto"] == "https"
    assert headers["host"] == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])


def test_sign_in_posts_are_limited_per_address_with_the_portals_own_page(proxy):
    statuses = []
    for _ in range(10):
        response, body = send(proxy, "POST", "/accounts/login/", address="192.0.2.10", body=b"a=1")
        statuses.append(response.status)
    assert statuses[:6] == [200] * 6  # one, and a burst of five
    assert set(statuses[6:]) == {429}
    assert b"<h1>Too many tries</h1>" in body
    assert response.getheader("Retry-After") == "60"
    assert response.getheader("Cache-Control") == "no-store"
    # The page itself, and another address, are not held back.
    assert send(proxy, "GET", "/accounts/login/", address="192.0.2.10")[0].status == 200
    assert send(proxy, "POST", "/accounts/login/", address="192.0.2.11", body=b"a=1")[0].status == (
        200
    )


def test_anonymous_posts_are_limited_per_address_but_not_staff_posts(proxy):
    statuses = [
        send(proxy, "POST", "/help/", address="192.0.2.20", body=b"a=1")[0].status
        for _ in range(14)
    ]
    assert statuses[:11] == [200] * 11  # one, and a burst of ten
    assert set(statuses[11:]) == {429}
    cookie = f"{settings.SESSION_COOKIE_NAME}=abc123"
    staff = [
        send(proxy, "POST", "/staff/casework/", address="192.0.2.21", cookie=cookie, body=b"a=1")
        for _ in range(14)
    ]
    assert {response.status for response, _ in staff} == {200}


def test_a_forged_session_cookie_buys_little_of_the_staff_pool(proxy):
    cookie = f"{settings.SESSION_COOKIE_NAME}=made-up"
    statuses = [
        send(proxy, "GET", "/staff/", address="192.0.2.30", cookie=cookie)[0].status
        for _ in range(80)
    ]
    assert statuses.count(429) > 0
    assert statuses[:41] == [200] * 41  # a person's burst goes through


def test_posts_are_refused_only_above_what_the_portal_takes_itself(proxy):
    public_most = settings.NFC_PUBLIC_POST_MAX_BYTES
    response, body = send(proxy, "POST", "/help/", address="192.0.2.40", body=b"a" * public_most)
    assert response.status == 200
    assert seen(body)["body_length"] == public_most
    response, body = send(proxy, "POST", "/help/", address="192.0.2.41", body=b"a" * 70_000)
    assert response.status == 413
    assert b"<h1>What you sent is too long</h1>" in body
    staff_most = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    cookie = f"{settings.SESSION_COOKIE_NAME}=abc123"
    response, body = send(
        proxy,
        "POST",
        "/staff/casework/",
        address="192.0.2.42",
        cookie=cookie,
        body=b"a" * staff_most,
    )
    assert response.status == 200
    assert seen(body)["body_length"] == staff_most


@pytest.mark.parametrize("status", [429, 413])
def test_nginxs_pages_say_what_the_portals_own_pages_say(status):
    def words(html: str) -> list[str]:
        return [
            " ".join(re.sub(r"<[^>]+>|\{%[^%]*%\}", "", text).split())
            for text in re.findall(r"<(?:h1|p)>(.*?)</(?:h1|p)>", html, re.S)
        ]

    ours = (PROJECT_ROOT / "templates" / f"{status}.html").read_text()
    nginxs = (PROJECT_ROOT / "nfc" / "deploy" / "pages" / f"{status}.html").read_text()
    assert words(nginxs) == words(ours)
