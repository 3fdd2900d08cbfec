"""The dashboard's "Scheduled jobs" panel is not served stale from the
dashboard's cache: a run that finishes (or fails) after the page was drawn
is shown on the next view, as every other figure's change is."""

import pytest

from casework import scheduled
from tests.support import client_for

pytestmark = pytest.mark.django_db


def jobs_panel(manager) -> str:
    page = client_for(manager).get("/dashboard/").text
    return page.split('id="jobs"', 1)[1].split("</section>", 1)[0]


def test_a_run_that_finishes_after_the_page_was_kept_is_shown(
    manager, django_capture_on_commit_callbacks
):
    assert "never" in jobs_panel(manager)
    # (The page's version moves on once the run's record commits.)
    with django_capture_on_commit_callbacks(execute=True):
        scheduled.job_run("retention", lambda: 4321)
    assert "4321 requests cleared" in jobs_panel(manager)


def test_a_run_that_fails_after_the_page_was_kept_is_shown(
    manager, django_capture_on_commit_callbacks
):
    jobs_panel(manager)

    def broken():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        scheduled.job_run("retention", broken)
    assert "failed" in jobs_panel(manager)
