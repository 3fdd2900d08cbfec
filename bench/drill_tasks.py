"""Two jobs the drills' Celery worker loads (`celery worker -I
bench.drill_tasks`), never the portal's: a long job, to kill a worker in
the middle of, and a job that always fails. They run on the portal's own
Celery app and settings (acknowledged late, rejected back to the queue when
their worker is lost, retried on transient failures), which is what the
drill proves. Each writes a line to a file the drill reads, so the drill
counts attempts without a table of its own.
"""

import os
import time
from pathlib import Path

from celery import shared_task

from casework import scheduled


def _note(journal: str, line: str) -> None:
    with Path(journal).open("a") as out:
        out.write(f"{line}\n")


@shared_task(bind=True)
def drill_long_task(self, journal: str, seconds: float) -> str:
    """Writes "start <pid>", works for ``seconds``, writes "finish <pid>"."""
    _note(journal, f"start {os.getpid()} {self.request.id}")
    time.sleep(seconds)
    _note(journal, f"finish {os.getpid()} {self.request.id}")
    return "done"


@shared_task
def drill_failing_task(journal: str) -> int:
    """Fails every time, as a bug would, through the scheduled jobs' own
    recorder (a JobRun marked failed)."""
    _note(journal, f"attempt {os.getpid()}")
    return scheduled.job_run("drill-failing", lambda: 1 // 0)
