"""Residents' details go when the privacy notice says they will."""

import datetime

import pytest
from django.utils import timezone

from casework import follow_links
from casework.models import AuditEntry, ResidentMessage, StatusChange, SupportRequest
from casework.retention import REMOVED, support_requests_remove_old_details
from casework.scheduled import BY_NAME
from casework.tasks import retention_task
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def closed_days_ago(days: int) -> SupportRequest:
    support_request = SupportRequestFactory(description="My neighbour's health worries me")
    follow_links.follow_link_issue(support_request=support_request)
    ResidentMessage.objects.create(support_request=support_request, text="Thank you")
    SupportRequest.objects.filter(pk=support_request.pk).update(status="closed")
    StatusChange.objects.create(
        support_request=support_request, from_status="resolved", to_status="closed"
    )
    StatusChange.objects.filter(support_request=support_request).update(
        changed_at=timezone.now() - datetime.timedelta(days=days)
    )
    return support_request


def test_details_go_after_the_retention_period_and_the_facts_stay(settings):
    settings.NFC_RETENTION_DAYS = 730
    old = closed_days_ago(800)
    recent = closed_days_ago(100)
    assert retention_task() == 1
    old.refresh_from_db()
    assert (old.email, old.phone, old.postcode, old.follow_token_hash) == ("", "", "", "")
    assert "health" not in old.description
    assert "removed" in old.name
    assert old.details_removed_at is not None
    assert (old.topic, old.area_id, old.status) == ("people", None, "closed")
    assert not ResidentMessage.objects.filter(support_request=old).exists()
    recent.refresh_from_db()
    assert recent.email == "pat@example.org"
    assert ResidentMessage.objects.filter(support_request=recent).exists()


def test_an_open_request_keeps_its_details_however_old(settings):
    support_request = SupportRequestFactory()
    SupportRequest.objects.filter(pk=support_request.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=2000)
    )
    assert support_requests_remove_old_details() == 0


def test_running_it_again_changes_nothing(settings):
    closed_days_ago(800)
    assert retention_task() == 1
    assert retention_task() == 0


def test_the_retention_job_is_run_once_a_day_by_the_catch_up(settings):
    assert any(
        entry["task"] == "casework.tasks.jobs_catch_up_task"
        and entry["schedule"] <= datetime.timedelta(minutes=15)
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
    assert BY_NAME["retention"].every == datetime.timedelta(days=1)


def test_after_retention_the_request_page_no_longer_points_to_the_private_link(settings, manager):
    settings.NFC_RETENTION_DAYS = 730
    old = closed_days_ago(800)
    retention_task()
    page = client_for(manager).get(f"/staff/casework/requests/{old.reference}/").text
    assert "They can send one from the private link" not in page
    assert "were removed on" in page
    assert "They have no working link." in page


def test_searches_that_named_the_resident_forget_what_was_typed(manager):
    old = closed_days_ago(800)
    searcher = client_for(manager)
    for typed in (old.name, old.email.upper(), "damp"):
        searcher.get("/staff/casework/search/", {"q": typed})
    assert retention_task() == 1
    typed_now = sorted(
        entry.changes["search"][0]
        for entry in AuditEntry.objects.filter(action=AuditEntry.Action.SEARCHED)
    )
    assert typed_now == [REMOVED, REMOVED, "damp"]
