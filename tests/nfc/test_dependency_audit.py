"""`make audit` fails on a known vulnerability in the pinned dependencies
unless it is accepted with a reason. The advisories come from a server on
loopback that answers as OSV does."""

import contextlib
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = ROOT / "tests" / "tools" / "audit-dependencies"
ADVISORY = "GHSA-test-0000-0000"


@contextlib.contextmanager
def advisories(vulnerable: str):
    """An OSV-like service that knows one advisory, against ``vulnerable``."""

    class Answer(BaseHTTPRequestHandler):
        def do_POST(self):
            query = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            found = {}
            if query["package"]["name"] == vulnerable:
                found = {
                    "vulns": [
                        {
                            "id": ADVISORY,
                            "summary": "A made-up hole",
                            "affected": [
                                {
                                    "package": {"name": vulnerable, "ecosystem": "PyPI"},
                                    "ranges": [
                                        {"type": "ECOSYSTEM", "events": [{"fixed": "99.0"}]}
                                    ],
                                }
                            ],
                        }
                    ]
                }
            body = json.dumps(found).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1/query"
    finally:
        server.shutdown()
        server.server_close()


def audit(tmp_path, osv_url, accepted="", **env):
    lock = tmp_path / "requirements.lock"
    lock.write_text("django==5.2.19\nredis==8.1.0\n")
    accepted_file = tmp_path / "accepted.txt"
    accepted_file.write_text(accepted)
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        env={
            "PATH": "/usr/bin:/bin",
            "NFC_AUDIT_OSV_URL": osv_url,
            "NFC_AUDIT_LOCK": str(lock),
            "NFC_AUDIT_ACCEPTED": str(accepted_file),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_known_vulnerability_fails_the_audit(tmp_path):
    with advisories(vulnerable="redis") as osv_url:
        result = audit(tmp_path, osv_url)
    assert result.returncode == 1
    assert ADVISORY in result.stdout


def test_no_vulnerability_passes(tmp_path):
    with advisories(vulnerable="nothing-we-use") as osv_url:
        result = audit(tmp_path, osv_url)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_accepted_vulnerability_passes(tmp_path):
    with advisories(vulnerable="redis") as osv_url:
        result = audit(tmp_path, osv_url, accepted=f"{ADVISORY} only in a part we do not use\n")
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_acceptance_without_a_reason_fails(tmp_path):
    with advisories(vulnerable="redis") as osv_url:
        result = audit(tmp_path, osv_url, accepted=f"# note\n{ADVISORY}\n")
    assert result.returncode == 1
    assert f"say why {ADVISORY} is accepted" in result.stderr


@pytest.mark.parametrize(("required", "code"), [("", 0), ("1", 1)])
def test_with_no_advisories_to_ask_it_says_nothing_was_audited(tmp_path, required, code):
    result = audit(
        tmp_path, f"http://127.0.0.1:{free_port()}/v1/query", NFC_AUDIT_REQUIRED=required
    )
    assert result.returncode == code
    assert "did not answer" in result.stderr


def test_the_projects_accepted_list_gives_a_reason_for_each(tmp_path):
    with advisories(vulnerable="nothing-we-use") as osv_url:
        result = audit(
            tmp_path, osv_url, accepted=(ROOT / "vulnerabilities-accepted.txt").read_text()
        )
    assert result.returncode == 0, result.stderr
