"""A worker killed halfway through an e-mail: the job goes back on the
queue, the claim rolls back with the killed process's transaction, and the
e-mail is sent once, by the next attempt, to a real (fake) mail server."""

import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import uuid

import psutil
import pytest

from events.models import Registration
from events.tasks import registration_email_task
from tests.factories import EventFactory, RegistrationFactory
from tests.support import PROJECT_ROOT, clean_env, current_database_url


class MailServer(socketserver.ThreadingTCPServer):
    """Enough SMTP for Django's sender. Its first caller is never greeted
    (the send hangs there, to be killed); later callers deliver."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Conversation)
        self.calls = 0
        self.messages: list[str] = []
        self.stop = threading.Event()


class _Conversation(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        server.calls += 1
        if server.calls == 1:
            server.stop.wait(120)
            return
        self.say("220 mail.example ESMTP")
        data: list[str] = []
        while line := self.rfile.readline().decode():
            command = line.strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.say("250 mail.example")
            elif command == "DATA":
                self.say("354 go on")
                while (body := self.rfile.readline().decode()) and body.rstrip("\r\n") != ".":
                    data.append(body)
                server.messages.append("".join(data))
                self.say("250 queued")
            elif command == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 OK")

    def say(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())


@pytest.mark.slow  # starts a worker of its own, as a separate process
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_confirmation_whose_worker_is_killed_halfway_is_sent_once(celery_on_redis, redis_url):
    registration = RegistrationFactory(event=EventFactory(published=True))
    mail_server = MailServer()
    threading.Thread(target=mail_server.serve_forever, daemon=True).start()
    port = mail_server.server_address[1]
    env = clean_env(
        REDIS_URL=redis_url,
        DATABASE_URL=current_database_url(),
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]),
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "nfc",
            "worker",
            "--queues",
            "default",
            "--pool",
            "prefork",
            "--concurrency",
            "1",
            "--hostname",
            f"events-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = registration_email_task.delay("confirmation", registration.pk)
        deadline = time.monotonic() + 60
        while mail_server.calls < 1:
            assert time.monotonic() < deadline, "the worker never reached the mail server"
            time.sleep(0.2)
        # Halfway: the claim is made (in its transaction), the send hangs.
        [child] = psutil.Process(worker.pid).children()
        child.send_signal(signal.SIGKILL)

        assert result.get(timeout=60) is True
        assert len(mail_server.messages) == 1
        assert Registration.objects.get().confirmation_sent_at is not None
        # The same job again (a duplicate delivery) sends nothing.
        assert (
            registration_email_task.delay("confirmation", registration.pk).get(timeout=30) is False
        )
        assert len(mail_server.messages) == 1
    finally:
        mail_server.stop.set()
        worker.terminate()
        worker.wait(timeout=30)
        mail_server.shutdown()
        mail_server.server_close()
