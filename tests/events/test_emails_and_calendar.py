"""The e-mails to people registered, sent by a real worker through Redis,
each once; and the calendar file, read back by a real iCalendar parser."""

import datetime
import re
import time
import zoneinfo

import icalendar
import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from casework.models import JobRun
from events import notifications, waitlist
from events.calendar import event_calendar
from events.models import Event, Registration
from events.tasks import event_emails_task, event_retention_task, registration_email_task
from tests.events.test_registration import answers
from tests.factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")


def parsed(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def test_the_calendar_file_is_valid_with_a_uid_a_stamp_and_uk_time():
    # In British Summer Time: 10:00 in London is 09:00 UTC.
    starts = datetime.datetime(2027, 6, 10, 9, 0, tzinfo=datetime.UTC)
    event = EventFactory(
        published=True,
        title="Meet, learn; share, with \\ care",
        summary="A long line " * 20,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
        registration_closes_at=starts - datetime.timedelta(days=1),
    )

    text = Client().get(f"/events/{event.slug}/calendar.ics").content.decode()

    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = parsed(text)
    (timezone_part,) = calendar.walk("VTIMEZONE")
    assert timezone_part["TZID"] == "Europe/London"
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["UID"]
    assert vevent["DTSTAMP"].dt.tzinfo is not None
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent["DTSTART"].dt.replace(tzinfo=LONDON) == starts
    assert vevent["DTSTART"].dt.hour == 10
    assert str(vevent["SUMMARY"]) == "Meet, learn; share, with \\ care"
    assert str(vevent["DESCRIPTION"]).startswith("A long line A long line")
    assert str(vevent["LOCATION"]).startswith("Hendon Community Centre")


def test_a_training_series_is_one_calendar_entry_a_session_and_in_winter_is_in_gmt():
    event = EventFactory(published=True, kind=Event.Kind.TRAINING)
    first = datetime.datetime(2027, 1, 12, 18, 0, tzinfo=datetime.UTC)
    for week in range(3):
        event.sessions.create(
            title=f"Week {week + 1}",
            starts_at=first + datetime.timedelta(weeks=week),
            ends_at=first + datetime.timedelta(weeks=week, hours=2),
        )

    vevents = parsed(event_calendar(event)).walk("VEVENT")

    assert len({v["UID"] for v in vevents}) == 3
    assert vevents[0]["DTSTART"].dt.hour == 18  # GMT: UK time is UTC


def test_an_online_events_link_is_in_the_calendar_only_for_people_registered():
    event = EventFactory(
        published=True, online=True, venue_name="", joining_link="https://meet.example/x"
    )

    assert "meet.example" not in Client().get(f"/events/{event.slug}/calendar.ics").text
    assert "meet.example" in event_calendar(event, joining_link=True)


def wait_for(condition, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there"
        time.sleep(0.1)


def test_the_confirmation_goes_through_redis_to_a_real_worker_with_a_valid_calendar(
    celery_worker, mailoutbox
):
    event = EventFactory(published=True)

    response = Client().post(f"/events/{event.slug}/", answers())

    assert response.status_code == 302
    registration = Registration.objects.get()
    wait_for(lambda: Registration.objects.get().confirmation_sent_at is not None)
    (message,) = mailoutbox
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert mimetype.startswith("text/calendar")
    (vevent,) = parsed(content).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == event.title
    assert vevent["DTSTART"].dt.replace(tzinfo=LONDON) == event.starts_at
    assert registration.email in message.to


class MailServerBlinks(Exception):
    pass


def test_each_e_mail_goes_once_though_its_job_is_delivered_twice_or_fails_halfway(
    celery_worker, mailoutbox, monkeypatch
):
    event = EventFactory(published=True)
    registration = RegistrationFactory(event=event)
    calls = {"n": 0}
    real_send = notifications.email_send

    def blinks_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            # As a worker killed halfway: the claim's transaction rolls back.
            raise ConnectionError("the mail server went away")
        real_send(**kwargs)

    monkeypatch.setattr(notifications, "email_send", blinks_once)

    # The same job twice (a redelivery), the first attempt failing halfway.
    first = registration_email_task.delay("confirmation", registration.pk)
    second = registration_email_task.delay("confirmation", registration.pk)
    results = [first.get(timeout=30), second.get(timeout=30)]

    assert sorted(results) == [False, True]
    assert len(mailoutbox) == 1
    assert calls["n"] == 2
    # And the sweep finds nothing more to send.
    assert event_emails_task.delay().get(timeout=30) == 0
    assert len(mailoutbox) == 1


def test_the_scheduled_job_passes_on_lapsed_offers_and_sends_reminders_two_days_before(
    mailoutbox, django_capture_on_commit_callbacks
):
    soon = EventFactory(
        published=True,
        capacity=1,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=1, hours=3),
        registration_closes_at=timezone.now() + datetime.timedelta(hours=12),
    )
    later = EventFactory(published=True)
    reminded = RegistrationFactory(event=soon, email="soon@example.org")
    RegistrationFactory(event=later, email="later@example.org")
    lapsing = RegistrationFactory(
        event=later,
        status=Registration.Status.OFFERED,
        offered_at=timezone.now() - datetime.timedelta(hours=49),
        offer_expires_at=timezone.now() - datetime.timedelta(hours=1),
        offer_sent_at=timezone.now() - datetime.timedelta(hours=49),
    )
    next_in_line = RegistrationFactory(
        event=later,
        email="next@example.org",
        status=Registration.Status.WAITLISTED,
        waitlisted_at=timezone.now() - datetime.timedelta(days=3),
        waitlist_sent_at=timezone.now(),
    )
    Registration.objects.update(confirmation_sent_at=timezone.now())
    # later is full once the lapsed offer is gone only if it had one more place.
    Event.objects.filter(pk=later.pk).update(capacity=2)

    event_emails_task()

    lapsing.refresh_from_db()
    next_in_line.refresh_from_db()
    assert lapsing.status == Registration.Status.CANCELLED
    assert next_in_line.status == Registration.Status.OFFERED
    assert sorted(m.to[0] for m in mailoutbox) == ["next@example.org", "soon@example.org"]
    assert any(m.subject.startswith("Reminder:") for m in mailoutbox)
    assert Registration.objects.get(pk=reminded.pk).reminder_sent_at is not None
    assert JobRun.objects.filter(name="event-emails", failed=False).exists()
    event_emails_task()
    assert len(mailoutbox) == 2


def test_retention_removes_registrations_details_a_set_time_after_the_event(settings):
    settings.NFC_EVENT_RETENTION_DAYS = 30
    old = EventFactory(published=True)
    Event.objects.filter(pk=old.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=40),
        ends_at=timezone.now() - datetime.timedelta(days=40) + datetime.timedelta(hours=3),
        registration_closes_at=timezone.now() - datetime.timedelta(days=41),
    )
    gone = RegistrationFactory(
        event=old,
        access_needs="Wheelchair user",
        phone="0191 498 0000",
        follow_up_consented_at=timezone.now() - datetime.timedelta(days=40),
    )
    kept = RegistrationFactory(
        event=EventFactory(published=True), follow_up_consented_at=timezone.now()
    )

    assert event_retention_task() == 1

    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.name, gone.email, gone.phone, gone.access_needs) == ("", "", "", "")
    # With the ways to reach them goes their wish to be reached.
    assert gone.follow_up_consented_at is None
    assert gone.details_removed_at is not None
    assert gone.status == Registration.Status.CONFIRMED
    assert kept.name
    assert kept.follow_up_consented_at is not None
    assert waitlist.registrations_remove_old_details() == 0


def test_no_secret_reaches_the_broker_or_the_log(django_capture_on_commit_callbacks, caplog):
    event = EventFactory(published=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Client().post(f"/events/{event.slug}/", answers())
    # The job is given a notice's name and an id, nothing else.
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        callbacks[0]()
    (message,) = mail.outbox
    secret = re.search(r"/events/place/([A-Za-z0-9_-]{43})/", message.body)[1]
    Client().get(f"/events/place/{secret}/")
    assert secret not in caplog.text


def test_the_confirmation_and_waitlist_e_mails_show_back_what_the_person_told_us(mailoutbox):
    event = EventFactory(published=True)
    placed = RegistrationFactory(
        event=event,
        name="Pat Robinson",
        area=None,
        phone="0191 498 0000",
        access_needs="A hearing loop",
        dietary_needs="Halal",
    )
    waiting = RegistrationFactory(
        event=event, status=Registration.Status.WAITLISTED, waitlisted_at=timezone.now()
    )

    notifications.confirmation_send(placed)
    notifications.waitlist_send(waiting)

    placed_body, waiting_body = (message.body for message in mailoutbox)
    assert "Name: Pat Robinson\nNeighbourhood: Not one of our neighbourhoods\n" in placed_body
    assert "Phone: 0191 498 0000\n" in placed_body
    assert "so that you can take part: A hearing loop\nFood you cannot eat: Halal" in placed_body
    assert f"Name: {waiting.name}\n" in waiting_body
    assert "so that you can take part: Nothing\nFood you cannot eat: Nothing" in waiting_body


def test_the_cancellation_sends_a_calendar_that_marks_the_event_cancelled(mailoutbox):
    event = EventFactory(published=True)
    placed = RegistrationFactory(event=event, confirmed_at=timezone.now())
    before = parsed(event_calendar(event)).walk("VEVENT")[0]
    Event.objects.filter(pk=event.pk).update(
        cancelled_at=timezone.now() + datetime.timedelta(seconds=5)
    )
    event.refresh_from_db()
    placed.refresh_from_db()

    notifications.event_cancelled_send(placed)

    (message,) = mailoutbox
    (attachment,) = message.attachments
    (vevent,) = parsed(attachment.content).walk("VEVENT")
    assert (vevent["UID"], str(vevent["STATUS"])) == (before["UID"], "CANCELLED")
    assert vevent["SEQUENCE"] > before["SEQUENCE"]
