"""The private link arrives in the acknowledgement; message notices go once."""

import re

import pytest
from django.test import Client

from advisers import services as staff_services
from casework import follow_links, services
from casework.models import ResidentMessage, SupportRequest
from casework.tasks import acknowledgements_sweep_task, resident_message_tell_task
from tests.factories import AreaFactory, SupportRequestFactory

pytestmark = pytest.mark.django_db


def test_the_acknowledgement_carries_a_working_private_link_stored_only_as_a_hash(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        support_request = SupportRequestFactory()
    link = re.search(r"http://\S+/help/follow/\S+/", mailoutbox[0].body).group(0)
    secret = link.rstrip("/").rsplit("/", 1)[-1]
    support_request.refresh_from_db()
    assert support_request.follow_token_hash
    assert secret not in support_request.follow_token_hash
    page = Client().get("/" + link.split("/", 3)[3])
    assert page.status_code == 200
    assert support_request.reference in page.text


def test_a_message_notice_is_sent_once_even_if_the_job_comes_twice(
    adviser, mailoutbox, django_capture_on_commit_callbacks
):
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    support_request = SupportRequestFactory(
        area=area, email="", phone="0191 000 0000", contact_by="phone"
    )
    follow_links.follow_link_issue(support_request=support_request)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.resident_message_add(support_request=support_request, text="Any news?")
    to_adviser = [m for m in mailoutbox if m.to == [adviser.email]]
    assert len(to_adviser) == 1
    assert support_request.reference in to_adviser[0].body
    assert "Any news?" not in to_adviser[0].body
    assert resident_message_tell_task(message.pk) is False
    assert len([m for m in mailoutbox if m.to == [adviser.email]]) == 1


def test_the_sweep_tells_about_a_message_whose_notice_was_never_enqueued(adviser, mailoutbox):
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    support_request = SupportRequestFactory(
        area=area, email="", phone="0191 000 0000", contact_by="phone"
    )
    SupportRequest.objects.filter(pk=support_request.pk).update(
        adviser_told_at=support_request.created_at
    )
    message = ResidentMessage.objects.create(support_request=support_request, text="Hello?")
    ResidentMessage.objects.filter(pk=message.pk).update(
        created_at=message.created_at.replace(year=2025)
    )
    assert acknowledgements_sweep_task() == 1
    assert acknowledgements_sweep_task() == 0
    assert [m.to for m in mailoutbox] == [[adviser.email]]


def test_the_assignee_hears_once_when_a_resident_withdraws(
    adviser, mailoutbox, django_capture_on_commit_callbacks
):
    from casework.tasks import withdrawal_tell_task

    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    support_request = SupportRequestFactory(
        area=area, email="", phone="0191 000 0000", contact_by="phone"
    )
    follow_links.follow_link_issue(support_request=support_request)
    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_withdraw(support_request=support_request)
    to_adviser = [m for m in mailoutbox if m.to == [adviser.email]]
    assert len(to_adviser) == 1
    assert "withdrawn" in to_adviser[0].subject
    assert withdrawal_tell_task(support_request.pk) is False
    assert acknowledgements_sweep_task() == 0


def test_messages_show_as_new_until_the_assignee_has_seen_them(adviser, outsider, manager):
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    support_request = SupportRequestFactory(area=area)
    follow_links.follow_link_issue(support_request=support_request)
    services.resident_message_add(support_request=support_request, text="Any news?")
    url = f"/staff/casework/requests/{support_request.reference}/"
    manager_client = Client()
    manager_client.force_login(manager)
    assert "<strong>New</strong>" in manager_client.get(url).text
    adviser_client = Client()
    adviser_client.force_login(adviser)
    assert "<strong>New</strong>" in adviser_client.get(url).text
    assert "<strong>New</strong>" not in adviser_client.get(url).text
    assert ResidentMessage.objects.get().seen_at is not None


def test_staff_can_stop_a_residents_link_or_send_a_new_one(
    adviser, mailoutbox, django_capture_on_commit_callbacks
):
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        support_request = SupportRequestFactory(area=area)
    old_link = re.search(r"http://\S+/help/follow/\S+/", mailoutbox[0].body).group(0)
    client = Client()
    client.force_login(adviser)
    url = f"/staff/casework/requests/{support_request.reference}/link/"
    client.post(url, {"do": "stop"})
    assert Client().get("/" + old_link.split("/", 3)[3]).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"do": "resend"})
    new_link = re.search(r"http://\S+/help/follow/\S+/", mailoutbox[-1].body).group(0)
    assert new_link != old_link
    assert Client().get("/" + new_link.split("/", 3)[3]).status_code == 200


def test_an_outsider_cannot_stop_the_link_of_a_request_not_theirs(adviser, outsider):
    # Which roles may manage the link is the permission matrix's.
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    support_request = SupportRequestFactory(area=area)
    client = Client()
    client.force_login(outsider)
    response = client.post(
        f"/staff/casework/requests/{support_request.reference}/link/", {"do": "stop"}
    )
    assert response.status_code == 404


def test_a_finished_request_offers_only_to_stop_the_link_never_a_new_one(
    adviser, mailoutbox, django_capture_on_commit_callbacks
):
    area = AreaFactory()
    staff_services.area_assign_adviser(area=area, adviser=adviser, by=None)
    with django_capture_on_commit_callbacks(execute=True):
        support_request = SupportRequestFactory(area=area)
    services.support_request_move(support_request=support_request, to_status="closed", by=adviser)
    client = Client()
    client.force_login(adviser)
    page = client.get(f"/staff/casework/requests/{support_request.reference}/").text
    assert "Stop their link working" in page
    assert "Send them a new link" not in page
    sent = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/staff/casework/requests/{support_request.reference}/link/",
            {"do": "resend"},
            follow=True,
        )
    assert "needs no new link" in response.text
    assert len(mailoutbox) == sent
