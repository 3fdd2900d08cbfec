"""The resident's private link: it opens their request, and nothing else;
their message reaches the adviser; they can withdraw, and the link dies."""

import datetime
import hashlib
import logging

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework import follow_links, services
from casework.models import ResidentMessage, StatusChange, SupportRequest
from casework.tasks import resident_message_tell_task
from tests.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

PRIVATE_TEXT = "Private worry: my neighbour's health"


def path_of(link: str) -> str:
    return link.removeprefix(settings.NFC_BASE_URL)


def secret_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture
def assigned(hendon):
    return SupportRequestFactory(area=hendon, description=PRIVATE_TEXT, phone="07700 900123")


@pytest.fixture
def link(assigned) -> str:
    return follow_links.follow_link_issue(support_request=assigned)


@pytest.fixture
def url(link) -> str:
    return path_of(link)


# --- The link ---------------------------------------------------------------


def test_the_link_is_a_full_address_that_opens_the_residents_page(assigned, link):
    assert link.startswith(settings.NFC_BASE_URL + "/help/follow/")
    response = Client().get(path_of(link))
    assert response.status_code == 200
    assert assigned.reference in response.text
    assert "We have your request. Someone will read it soon." in response.text
    assert "We got your request" in response.text


def test_the_page_promises_only_who_will_really_read_a_message(assigned, url, adviser):
    assigned.assigned_to = None
    assigned.save()
    assert "Someone in our team will read it." in Client().get(url).text
    assigned.assigned_to = adviser
    assigned.save()
    page = Client().get(url).text
    assert "The person looking after your request will read it." in page
    assert "Your adviser will read it" not in page


def test_only_a_hash_of_the_secret_is_kept(assigned, link):
    secret = secret_of(link)
    assert len(secret) == 43
    assigned.refresh_from_db()
    assert assigned.follow_token_hash == hashlib.sha256(secret.encode()).hexdigest()
    row = SupportRequest.objects.filter(pk=assigned.pk).values().get()
    assert not any(secret in str(value) for value in row.values())


def test_the_link_lasts_the_configured_number_of_days(assigned, settings):
    settings.NFC_FOLLOW_LINK_DAYS = 7
    follow_links.follow_link_issue(support_request=assigned)
    assigned.refresh_from_db()
    expected = timezone.now() + datetime.timedelta(days=7)
    assert abs(assigned.follow_expires_at - expected) < datetime.timedelta(minutes=1)


def test_a_new_link_replaces_the_old_one(assigned, link):
    new_link = follow_links.follow_link_issue(support_request=assigned)
    assert new_link != link
    assert Client().get(path_of(link)).status_code == 404
    assert Client().get(path_of(new_link)).status_code == 200


def _expire(support_request, link):
    SupportRequest.objects.filter(pk=support_request.pk).update(
        follow_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return path_of(link)


def _revoke(support_request, link):
    follow_links.follow_link_revoke(support_request=support_request)
    return path_of(link)


def _wrong(support_request, link):
    secret = secret_of(link)
    return path_of(link).replace(secret, ("A" if secret[0] != "A" else "B") + secret[1:])


def _misshapen(support_request, link):
    return "/help/follow/not-a-secret/"


def _empty_hash(support_request, link):
    # A request that never had a link must not open with any secret.
    return "/help/follow/" + "x" * 43 + "/"


@pytest.mark.parametrize("spoil", [_expire, _revoke, _wrong, _misshapen, _empty_hash])
def test_a_wrong_expired_or_revoked_link_gets_the_same_plain_not_found_page(assigned, link, spoil):
    response = Client().get(spoil(assigned, link))
    assert response.status_code == 404
    assert "This link does not work any more" in response.text
    assert "ask us again" in response.text
    assert assigned.reference not in response.text
    # Byte for byte the page any wrong secret gets: no hint which it was.
    assert response.content == Client().get("/help/follow/" + "Z" * 43 + "/").content


def test_the_pages_send_no_referrer_and_are_never_cached(assigned, url):
    client = Client()
    responses = [
        client.get(url),
        client.get("/help/follow/" + "Z" * 43 + "/"),
        client.post(url, {"action": "message", "text": "Hello"}),
        client.post(url, {"action": "message", "text": ""}),
        client.post(url, {"action": "withdraw"}),
        client.put(url),
        client.post(url, {"action": "withdraw-confirmed"}),
    ]
    assert [r.status_code for r in responses] == [200, 404, 302, 200, 200, 405, 200]
    for response in responses:
        assert response["Referrer-Policy"] == "same-origin"
        assert "no-store" in response["Cache-Control"]
        assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_a_post_without_the_forms_csrf_token_is_refused_and_its_secret_not_logged(url, caplog):
    client = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.DEBUG):
        response = client.post(url, {"action": "message", "text": "Hi"})
    assert response.status_code == 403
    assert not ResidentMessage.objects.exists()
    assert url.rstrip("/").rsplit("/", 1)[-1] not in caplog.text


def test_the_secret_is_never_logged(assigned, link, caplog):
    secret = secret_of(link)
    client = Client()
    # The access log (quiet outside production) and everything else, all on.
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.INFO, logger="nfc.access"):
        client.get(path_of(link))
        client.post(path_of(link), {"action": "message", "text": "x" * 5000})
        client.put(path_of(link))
        follow_links.follow_link_revoke(support_request=assigned)
        client.get(path_of(link))
        client.post(path_of(link), {"action": "message", "text": "Hello"})
    assert "GET /help/follow/[hidden]/ 404" in caplog.text
    assert secret not in caplog.text


def test_the_page_costs_the_same_queries_however_many_messages(assigned, url):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert Client().get(url).status_code == 200
        return len(context)

    ResidentMessage.objects.create(support_request=assigned, text="One")
    one = queries()
    ResidentMessage.objects.bulk_create(
        ResidentMessage(support_request=assigned, text=f"Message {n}") for n in range(30)
    )
    services.support_request_move(support_request=assigned, to_status="acknowledged", by=None)
    services.support_request_move(support_request=assigned, to_status="in_progress", by=None)
    assert queries() == one
    assert one <= 5


def test_the_page_shows_the_history_in_plain_words_without_staff_notes(assigned, url, adviser):
    services.support_request_move(
        support_request=assigned,
        to_status="acknowledged",
        by=adviser,
        note="Internal: sounds stressed",
    )
    text = Client().get(url).text
    assert "We read your request" in text
    assert "We have read your request. We will get in touch with you." in text
    assert "Internal" not in text
    assert adviser.full_name not in text


# --- Messages ---------------------------------------------------------------


def test_a_message_is_saved_and_the_adviser_told_without_its_words(
    assigned, url, adviser, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = Client().post(
            url, {"action": "message", "text": "We now meet on Tuesdays at the library"}
        )
    assert response.status_code == 302
    assert response.url == url
    message = ResidentMessage.objects.get()
    assert message.support_request == assigned
    assert message.text == "We now meet on Tuesdays at the library"
    # The job is given an id, never the secret or the message.
    assert [callback.args for callback in callbacks] == [(message.pk,)]
    [email] = mailoutbox
    assert email.to == [adviser.email]
    assert assigned.reference in email.subject
    assert assigned.reference in email.body
    assert f"/staff/casework/requests/{assigned.reference}/" in email.body
    for private in ("Tuesdays", "Pat Resident", "pat@example.org", "07700", PRIVATE_TEXT):
        assert private not in email.body + email.subject
    assert secret_of(url) not in email.body


def test_a_message_sent_twice_is_one_message_and_one_e_mail(
    assigned, url, mailoutbox, django_capture_on_commit_callbacks
):
    mailoutbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(url, {"action": "message", "text": "See you on Tuesday"})
        assert response.status_code == 302
    assert ResidentMessage.objects.count() == 1
    assert len(mailoutbox) == 1


def test_the_resident_sees_their_message_after_sending_it(url):
    client = Client()
    response = client.post(
        url, {"action": "message", "text": "<b>Hello</b>\nsecond line"}, follow=True
    )
    assert "Thank you. We have your message." in response.text
    assert "&lt;b&gt;Hello&lt;/b&gt;<br>second line" in response.text


def test_a_message_on_a_request_in_triage_is_kept_for_whoever_takes_it(
    mailoutbox, django_capture_on_commit_callbacks
):
    support_request = SupportRequestFactory()
    assert support_request.assigned_to is None
    url = path_of(follow_links.follow_link_issue(support_request=support_request))
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(url, {"action": "message", "text": "Any news?"})
    assert response.status_code == 302
    assert ResidentMessage.objects.get().text == "Any news?"
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Write your message."),
        ("   \n ", "Write your message."),
        ("x" * (services.MESSAGE_MAX_LENGTH + 1), "Your message is too long."),
    ],
)
def test_a_bad_message_is_refused_clearly_and_nothing_is_saved(
    url, text, error, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(url, {"action": "message", "text": text})
    assert response.status_code == 200
    assert "<title>Error: " in response.text
    assert "There is a problem" in response.text
    assert error in response.text
    assert not ResidentMessage.objects.exists()
    assert mailoutbox == []


def test_a_closed_request_takes_no_more_messages(assigned, url):
    SupportRequest.objects.filter(pk=assigned.pk).update(status="closed")
    page = Client().get(url)
    assert page.status_code == 200
    assert "This request is closed." in page.text
    assert "Send message" not in page.text
    assert "Withdraw my request" not in page.text
    response = Client().post(url, {"action": "message", "text": "Hello?"})
    assert response.status_code == 200
    assert "cannot take new messages" in response.text
    assert not ResidentMessage.objects.exists()


def test_a_resolved_request_can_still_hear_from_its_resident_but_not_be_withdrawn(assigned, url):
    SupportRequest.objects.filter(pk=assigned.pk).update(status="resolved")
    page = Client().get(url).text
    assert "Send message" in page
    assert "Withdraw my request" not in page
    assert Client().post(url, {"action": "message", "text": "Not sorted"}).status_code == 302
    Client().post(url, {"action": "withdraw-confirmed"})
    assigned.refresh_from_db()
    assert assigned.status == "resolved"


def test_the_task_tells_nobody_when_there_is_nobody_to_tell(mailoutbox):
    support_request = SupportRequestFactory()
    message = ResidentMessage.objects.create(support_request=support_request, text="Hi")
    assert resident_message_tell_task(message.pk) is False
    assert resident_message_tell_task(message.pk + 1000) is False
    assert mailoutbox == []


# --- Withdrawing ------------------------------------------------------------


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(assigned, url):
    response = Client().post(url, {"action": "withdraw"})
    assert response.status_code == 200
    assert "Do you want to withdraw your request?" in response.text
    assert "Yes, withdraw my request" in response.text
    assigned.refresh_from_db()
    assert assigned.status == "new"
    assert assigned.follow_revoked_at is None
    assert not StatusChange.objects.exists()


def test_withdrawing_closes_the_request_on_the_record_and_kills_the_link(assigned, url):
    response = Client().post(url, {"action": "withdraw-confirmed"})
    assert response.status_code == 200
    assert "You have withdrawn your request" in response.text
    assigned.refresh_from_db()
    assert assigned.status == "closed"
    assert assigned.follow_revoked_at is not None
    change = StatusChange.objects.get()
    assert (change.from_status, change.to_status, change.changed_by, change.note) == (
        "new",
        "closed",
        None,
        "Withdrawn by the resident",
    )
    assert Client().get(url).status_code == 404
    assert Client().post(url, {"action": "message", "text": "Wait"}).status_code == 404
    assert not ResidentMessage.objects.exists()


def test_a_revoked_link_cannot_add_a_message_even_if_found_a_moment_before(assigned):
    follow_links.follow_link_issue(support_request=assigned)
    found = SupportRequest.objects.get(pk=assigned.pk)
    follow_links.follow_link_revoke(support_request=assigned)
    with pytest.raises(ValidationError):
        services.resident_message_add(support_request=found, text="Too late")
    with pytest.raises(ValidationError):
        services.support_request_withdraw(support_request=found)
    assert not ResidentMessage.objects.exists()
    found.refresh_from_db()
    assert found.status == "new"
