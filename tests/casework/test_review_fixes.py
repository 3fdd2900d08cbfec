"""Requests follow their area's adviser; secrets stay out of every log format;
evaluators see no casework on area pages; triage only to people who work there."""

import io
import logging

import pytest
from django.test import Client
from django.utils import timezone
from pythonjsonlogger.json import JsonFormatter

from advisers import services as staff_services
from casework import follow_links, services
from casework.models import SupportRequest
from nfc.logging import RequestIdFilter
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_open_requests_go_with_the_area_to_its_new_adviser(
    hendon, adviser, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    open_request = SupportRequestFactory(area=hendon)
    closed = SupportRequestFactory(area=hendon)
    SupportRequest.objects.filter(pk=closed.pk).update(status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        staff_services.area_assign_adviser(area=hendon, adviser=outsider, by=None)
    open_request.refresh_from_db()
    closed.refresh_from_db()
    assert open_request.assigned_to == outsider
    assert closed.assigned_to == adviser
    assert open_request not in SupportRequest.objects.visible_to(adviser)
    assert [m.to for m in mailoutbox if m.to == [outsider.email]] == [[outsider.email]]


def test_a_closed_accounts_open_requests_return_to_triage(hendon, adviser):
    support_request = SupportRequestFactory(area=hendon)
    adviser.is_active = False
    staff_services.staff_account_save(user=adviser, changed=["is_active"])
    support_request.refresh_from_db()
    assert support_request.assigned_to is None
    assert support_request in SupportRequest.objects.in_triage()


def test_triage_gives_a_request_only_to_someone_who_works_in_its_area(hendon, manager, outsider):
    support_request = SupportRequestFactory(area=hendon)
    response = client_for(manager).post(
        f"/staff/casework/requests/{support_request.reference}/assign/", {"to": outsider.pk}
    )
    assert "does not work in Hendon" in response.text


def test_evaluators_see_no_casework_on_an_area_page(hendon, adviser, evaluator):
    services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        description="Ring the chair at home",
        due_on=timezone.localdate(),
    )
    services.interaction_log(
        area=hendon, by=adviser, date=timezone.localdate(), kind="visit", notes="Visited"
    )
    page = client_for(evaluator).get("/staff/areas/E05001158/").text
    assert "Ring the chair" not in page
    assert "Follow-up actions" not in page


def test_the_json_log_never_carries_a_follow_link_secret(hendon):
    support_request = SupportRequestFactory(area=hendon)
    link = follow_links.follow_link_issue(support_request=support_request)
    secret = link.rstrip("/").rsplit("/", 1)[-1]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        # A CSRF refusal: Django logs the path and attaches the request.
        Client(enforce_csrf_checks=True).post(
            "/" + link.split("/", 3)[3], {"action": "message", "text": "Hi"}
        )
    finally:
        root.removeHandler(handler)
    output = stream.getvalue()
    assert "Forbidden" in output
    assert secret not in output
