"""Feedback the day after: asked only of the people checked in, once each,
by a private link that works without a sign-in until it expires or is
revoked; one answer each; the results on the event's staff page."""

import datetime
import re
import time
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone

from events import feedback
from events.models import Feedback, Registration
from events.tasks import event_feedback_task
from nfc.private_links import digest
from tests.factories import EventFactory, RegistrationFactory
from tests.test_permission_matrix import signed_in

pytestmark = pytest.mark.django_db

UK = zoneinfo.ZoneInfo("Europe/London")
LINK = re.compile(r"http\S+/events/feedback/(?P<secret>[A-Za-z0-9_-]{43})/")


def ended_days_ago(days: int, **kwargs):
    """An event that ended ``days`` days ago."""
    ends = timezone.now() - datetime.timedelta(days=days)
    starts = ends - datetime.timedelta(hours=6)
    return EventFactory(
        published=True,
        starts_at=starts,
        ends_at=ends,
        registration_closes_at=starts - datetime.timedelta(days=1),
        **kwargs,
    )


def came(event, **kwargs) -> Registration:
    return RegistrationFactory(event=event, checked_in_at=event.starts_at, **kwargs)


def with_link(registration: Registration, secret: str = "s" * 43, days: int = 3) -> str:
    Registration.objects.filter(pk=registration.pk).update(
        feedback_token_hash=digest(secret),
        feedback_expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    return f"/events/feedback/{secret}/"


def test_only_the_people_checked_in_are_asked_and_each_once(mailoutbox):
    event = ended_days_ago(2)
    pat = came(event, email="pat@example.org")
    RegistrationFactory(event=event, email="absent@example.org")
    came(event, email="", phone="07700 900123")
    came(event, email="gone@example.org", status=Registration.Status.CANCELLED)
    came(ended_days_ago(2, cancelled_at=timezone.now()), email="cancelled@example.org")

    assert event_feedback_task() == 1
    assert event_feedback_task() == 0

    assert [m.to for m in mailoutbox] == [["pat@example.org"]]
    assert event.title in mailoutbox[0].subject
    pat.refresh_from_db()
    assert pat.feedback_sent_at is not None
    assert LINK.search(mailoutbox[0].body)


def test_the_day_after_starts_at_nine_and_events_long_past_are_not_asked_about():
    ends = datetime.datetime(2026, 11, 3, 16, 0, tzinfo=UK)
    event = EventFactory(
        published=True,
        starts_at=ends - datetime.timedelta(hours=6),
        ends_at=ends,
        registration_closes_at=ends - datetime.timedelta(days=2),
    )
    pat = came(event)

    def due_at(day, hour):
        return feedback.feedback_requests_due(
            now=datetime.datetime(2026, 11, day, hour, 0, tzinfo=UK)
        )

    assert due_at(3, 23) == []  # the same evening
    assert due_at(4, 8) == []  # the next day, before nine
    assert due_at(4, 9) == [pat.pk]
    assert due_at(11, 9) == [pat.pk]  # a tick recorded late, within the week
    assert due_at(13, 9) == []  # long past


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_request_goes_through_redis_to_a_real_worker_with_a_link_that_opens_the_form(
    celery_worker, mailoutbox
):
    # Two days ago, not one: a day-old event's people are asked from nine
    # this morning, so before nine the job would rightly ask nobody.
    event = ended_days_ago(2)
    came(event, email="pat@example.org", name="Pat Robinson")
    RegistrationFactory(event=event, email="absent@example.org")

    assert event_feedback_task.delay().get(timeout=30) == 1
    for _ in range(50):
        if mailoutbox:
            break
        time.sleep(0.1)

    assert [m.to for m in mailoutbox] == [["pat@example.org"]]
    secret = LINK.search(mailoutbox[0].body)["secret"]
    page = Client().get(f"/events/feedback/{secret}/")
    assert page.status_code == 200
    assert "What did you think of" in page.text
    assert "Pat Robinson" in page.text


def test_an_answer_is_saved_once_and_a_second_post_shows_it_and_saves_nothing():
    pat = came(ended_days_ago(1))
    url = with_link(pat)
    client = Client()

    first = client.post(url, {"rating": "4", "useful": "Meeting Hartlepool", "next_steps": "Visit"})
    again = client.post(url, {"rating": "1", "useful": "Changed my mind", "next_steps": ""})

    assert first.status_code == 302
    assert "We have your answers" in client.get(url).text
    assert again.status_code == 200
    assert "nothing new was saved" in again.text
    assert "Meeting Hartlepool" in again.text
    saved = Feedback.objects.get()
    assert (saved.registration, saved.rating, saved.useful) == (pat, 4, "Meeting Hartlepool")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a number from 1 to 5."),
        ({"rating": "7"}, "Choose a number from 1 to 5."),
        ({"rating": "four"}, "Choose a number from 1 to 5."),
        ({"rating": "3", "useful": "x" * 2001}, "Keep this to 2000 letters"),
    ],
)
def test_bad_input_gives_a_clear_message_and_saves_nothing(data, message):
    url = with_link(came(ended_days_ago(1)))

    response = Client().post(url, {"next_steps": "Start a youth club", **data})

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert "Start a youth club" in response.text  # nothing lost
    assert not Feedback.objects.exists()


@pytest.mark.parametrize("how", ["tampered", "revoked", "expired", "malformed"])
def test_a_link_tampered_revoked_or_expired_is_refused(how):
    pat = came(ended_days_ago(1))
    secret = "s" * 43
    url = with_link(pat, secret)
    if how == "tampered":
        url = url.replace("sss/", "ssT/")
    elif how == "revoked":
        feedback.FEEDBACK_LINK.revoke(pat)
    elif how == "expired":
        Registration.objects.filter(pk=pat.pk).update(
            feedback_expires_at=timezone.now() - datetime.timedelta(seconds=1)
        )
    else:
        url = "/events/feedback/short/"

    get = Client().get(url)
    post = Client().post(url, {"rating": "5"})

    assert get.status_code == post.status_code == 404
    assert "This link does not work" in get.text
    assert not Feedback.objects.exists()


def test_the_page_is_kept_out_of_caches_and_search_engines():
    response = Client().get(with_link(came(ended_days_ago(1))))

    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "same-origin"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_event_page_shows_the_results_and_only_organisers_read_the_words(manager, evaluator):
    event = ended_days_ago(1, organiser=manager)
    for rating, words in [(5, "Met the Hartlepool group"), (4, ""), (2, "Too short")]:
        Feedback.objects.create(registration=came(event), rating=rating, useful=words)
    came(event)  # came, and did not answer

    organiser_page = signed_in(manager).get(f"/staff/events/{event.slug}/").text
    evaluator_page = signed_in(evaluator).get(f"/staff/events/{event.slug}/").text

    assert "<strong>3.7</strong> out of 5 on average, from 3 answers" in organiser_page
    assert "4 checked in; 4 registered." in organiser_page
    assert "Met the Hartlepool group" in organiser_page
    assert "Too short" in organiser_page
    assert "<strong>3.7</strong> out of 5 on average" in evaluator_page
    assert "Met the Hartlepool group" not in evaluator_page


def test_the_event_page_asks_the_same_number_of_queries_however_many_answered(
    manager, django_assert_max_num_queries
):
    event = ended_days_ago(1, organiser=manager)
    client = signed_in(manager)

    def answers(n):
        for _ in range(n):
            Feedback.objects.create(registration=came(event), rating=3, useful="Good")

    answers(2)
    with django_assert_max_num_queries(40) as few:
        client.get(f"/staff/events/{event.slug}/")
    answers(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/staff/events/{event.slug}/")


def test_retention_removes_the_words_and_links_and_keeps_the_ratings(settings):
    settings.NFC_EVENT_RETENTION_DAYS = 30
    old = came(ended_days_ago(31))
    with_link(old)
    Feedback.objects.create(registration=old, rating=4, useful="My health", next_steps="Rest")
    recent = came(ended_days_ago(1))
    Feedback.objects.create(registration=recent, rating=5, useful="Kept")

    assert feedback.feedback_remove_old_words() == 1

    gone = Feedback.objects.get(registration=old)
    assert (gone.rating, gone.useful, gone.next_steps) == (4, "", "")
    assert gone.words_removed_at is not None
    assert Registration.objects.get(pk=old.pk).feedback_token_hash == ""
    assert Feedback.objects.get(registration=recent).useful == "Kept"


def test_a_check_in_taken_back_before_the_job_means_no_request(manager, mailoutbox):
    event = ended_days_ago(2, organiser=manager)
    pat = came(event)

    signed_in(manager).post(f"/staff/events/{event.slug}/check-in/{pat.pk}/", {"attended": "no"})

    assert Registration.objects.get(pk=pat.pk).checked_in_at is None
    assert event_feedback_task() == 0
    assert mailoutbox == []


def test_what_people_wrote_keeps_its_lines_on_the_event_page(manager):
    event = ended_days_ago(1, organiser=manager)
    Feedback.objects.create(
        registration=came(event),
        rating=4,
        useful="The talks",
        next_steps="Ring the council\nthen the MP",
    )

    page = signed_in(manager).get(f"/staff/events/{event.slug}/").text

    assert "Ring the council<br>then the MP" in page
