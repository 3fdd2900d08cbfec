"""Registering for an event on its public page: a place, or the waitlist;
cancelling by the private link, and the place offered to the next in line."""

import datetime
import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from casework.models import AuditEntry
from events import services, waitlist
from events.forms import NOT_SUPPORTED, RegistrationForm
from events.models import MANAGE_LINK, Registration
from tests.factories import AreaFactory, EventFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/events/place/([A-Za-z0-9_-]{43})/")


def answers(**changes) -> dict:
    data = {
        "name": "Pat Resident",
        "area": NOT_SUPPORTED,
        "email": "pat@example.org",
        "phone": "",
        "access_needs": "Step-free access, please",
        "dietary_needs": "Vegetarian",
        "consent_privacy": "on",
        "nfc_trap": "",
        "started": RegistrationForm.started_token(shown_at=time.time() - 60),
    }
    data.update(changes)
    return data


@pytest.fixture
def register(client, django_capture_on_commit_callbacks):
    def send(event, client=client, **changes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/events/{event.slug}/", answers(**changes))

    return send


def secret_in(message) -> str:
    return LINK.search(message.body)[1]


def test_a_resident_registers_and_is_e_mailed_their_place_with_a_calendar_file(register):
    event = EventFactory(published=True, capacity=2)
    area = AreaFactory(name="Hendon")

    response = register(event, area=str(area.pk))

    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.area == area
    assert registration.privacy_notice_version
    assert registration.consented_at is not None
    assert registration.confirmation_sent_at is not None
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "Your place at" in message.subject
    (attachment,) = message.attachments
    assert attachment[0].endswith(".ics")
    assert "BEGIN:VEVENT" in attachment[1]
    assert MANAGE_LINK.find(Registration.objects.all(), secret=secret_in(message)) == registration


def test_the_page_after_says_what_became_of_the_registration(client, register):
    event = EventFactory(published=True, capacity=1)
    register(event, email="first@example.org")
    response = register(event, client=client, email="second@example.org")

    page = client.get(response.url)

    assert "number 1 in the queue" in page.content.decode()


def test_the_page_after_shows_back_what_they_typed(client, register):
    event = EventFactory(published=True)
    area = AreaFactory(name="Hendon")
    response = register(
        event,
        area=str(area.pk),
        phone="0191 498 0000",
        access_needs="A hearing loop\nand large print",
        dietary_needs="Halal <b>only</b>",
    )

    page = client.get(response.url).content.decode()

    assert "<dt>Neighbourhood</dt><dd>Hendon</dd>" in page
    assert "<dt>Phone</dt><dd>0191 498 0000</dd>" in page
    assert "A hearing loop<br>and large print" in page
    assert "Halal &lt;b&gt;only&lt;/b&gt;" in page


def test_the_box_to_be_contacted_after_the_event_starts_unticked(client):
    event = EventFactory(published=True)

    page = client.get(f"/events/{event.slug}/").content.decode()

    box = re.search(r'<input[^>]*name="follow_up_contact"[^>]*>', page)[0]
    assert 'type="checkbox"' in box
    assert "checked" not in box
    assert "adviser for my neighbourhood to contact me after the event" in page


def test_without_the_tick_nobody_is_to_contact_them_and_they_are_told_so(client, register):
    event = EventFactory(published=True)
    area = AreaFactory(name="Hendon")

    response = register(event, area=str(area.pk))

    registration = Registration.objects.get()
    assert registration.follow_up_consented_at is None
    assert registration.status == Registration.Status.CONFIRMED
    assert "Contact after the event: No" in mail.outbox[0].body
    page = client.get(response.url).content.decode()
    assert "<dt>Contact after the event</dt><dd>No</dd>" in page


def test_with_the_tick_their_areas_adviser_may_contact_them_and_they_are_told_so(client, register):
    event = EventFactory(published=True)
    area = AreaFactory(name="Hendon")

    response = register(event, area=str(area.pk), follow_up_contact="on")

    registration = Registration.objects.get()
    assert registration.follow_up_consented_at is not None
    assert registration.consented_at is not None
    said = "Yes, the adviser for Hendon may contact you"
    assert f"Contact after the event: {said}" in mail.outbox[0].body
    page = client.get(response.url).content.decode()
    assert f"<dt>Contact after the event</dt><dd>{said}</dd>" in page


def test_the_tick_means_nothing_outside_our_neighbourhoods(register):
    event = EventFactory(published=True)

    register(event, area=NOT_SUPPORTED, follow_up_contact="on")

    assert Registration.objects.get().follow_up_consented_at is None


def test_bad_answers_keep_the_tick_to_be_contacted(register):
    event = EventFactory(published=True)

    response = register(event, name="", follow_up_contact="on")

    assert response.status_code == 200
    assert Registration.objects.count() == 0
    page = response.content.decode()
    box = re.search(r'<input[^>]*name="follow_up_contact"[^>]*>', page)[0]
    assert "checked" in box


def test_when_full_people_join_the_waitlist_in_order_and_are_told_their_place(register):
    event = EventFactory(published=True, capacity=1)
    register(event, email="a@example.org")
    register(event, email="b@example.org")
    register(event, email="c@example.org")

    statuses = list(Registration.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["confirmed", "waitlisted", "waitlisted"]
    waitlisted = [m for m in mail.outbox if "waitlist" in m.subject]
    assert ["number 1 in the queue" in waitlisted[0].body, "number 2" in waitlisted[1].body] == [
        True,
        True,
    ]
    assert event.places_left == 0
    assert "Full: join the waitlist" in Client().get("/events/").content.decode()


def test_a_cancellation_by_link_offers_the_place_to_the_first_in_line(register, settings):
    settings.NFC_EVENT_OFFER_HOURS = 48
    event = EventFactory(published=True, capacity=1)
    register(event, email="a@example.org")
    register(event, email="b@example.org")
    register(event, email="c@example.org")
    first_secret = secret_in(mail.outbox[0])
    mail.outbox.clear()
    client = Client()

    page = client.get(f"/events/place/{first_secret}/")
    assert page.status_code == 200
    assert Registration.objects.get(email="a@example.org").status == "confirmed", (
        "opening the link changes nothing"
    )
    response = client.post(f"/events/place/{first_secret}/", {"action": "cancel"})

    assert response.status_code == 200
    a, b, c = Registration.objects.order_by("pk")
    assert a.status == "cancelled"
    assert a.cancelled_by == "person"
    assert b.status == "offered"
    assert c.status == "waitlisted"
    expected = timezone.now() + datetime.timedelta(hours=48)
    assert abs((b.offer_expires_at - min(expected, event.starts_at)).total_seconds()) < 60
    # The cancelled person's link stops working.
    assert client.get(f"/events/place/{first_secret}/").status_code == 404


def test_the_person_offered_takes_the_place_with_one_button(
    register, django_capture_on_commit_callbacks
):
    event = EventFactory(published=True, capacity=1)
    register(event, email="a@example.org")
    register(event, email="b@example.org")
    first = Registration.objects.get(email="a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=first)
    offer = next(m for m in mail.outbox if "A place for you" in m.subject)
    secret = secret_in(offer)
    client = Client()
    assert "Take the place" in client.get(f"/events/place/{secret}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/place/{secret}/", {"action": "take"})

    assert response.status_code == 302
    taken = Registration.objects.get(email="b@example.org")
    assert taken.status == "confirmed"
    assert taken.confirmation_sent_at is not None
    assert any("Your place at" in m.subject and m.to == ["b@example.org"] for m in mail.outbox)


def test_an_offer_not_taken_in_time_passes_to_the_next(
    register, django_capture_on_commit_callbacks
):
    event = EventFactory(published=True, capacity=1)
    for who in "abc":
        register(event, email=f"{who}@example.org")
    a, b, c = Registration.objects.order_by("pk")
    services.registration_cancel(registration=a)
    Registration.objects.filter(pk=b.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert waitlist.offers_lapse() == [c.pk]

    b.refresh_from_db()
    c.refresh_from_db()
    assert b.status == "cancelled"
    assert b.cancelled_by == "offer_lapsed"
    assert c.status == "offered"
    with pytest.raises(services.OfferGone):
        services.registration_take_offer(registration=b)


def test_a_lapsed_offer_cannot_be_taken_even_before_the_job_runs(register):
    event = EventFactory(published=True, capacity=1)
    register(event, email="a@example.org")
    register(event, email="b@example.org")
    services.registration_cancel(registration=Registration.objects.get(email="a@example.org"))
    b = Registration.objects.get(email="b@example.org")
    Registration.objects.filter(pk=b.pk).update(
        offer_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    with pytest.raises(services.OfferGone):
        services.registration_take_offer(registration=b)
    assert Registration.objects.get(pk=b.pk).status == "offered"


def test_a_phone_number_alone_will_do(register):
    event = EventFactory(published=True)

    response = register(event, email="", phone="0191 498 0000")

    assert response.status_code == 302
    assert Registration.objects.get().phone == "0191 498 0000"
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "Tell us your name."),
        ({"email": "", "phone": ""}, "email", "Give an e-mail address or a phone number."),
        ({"email": "not an address"}, "email", "like name@example.com"),
        ({"phone": "call me maybe"}, "phone", "Enter a phone number"),
        ({"area": ""}, "area", "Choose your neighbourhood"),
        ({"area": "999999"}, "area", "Choose your neighbourhood from the list."),
        ({"consent_privacy": ""}, "consent_privacy", "Tick this box"),
        ({"access_needs": "x" * 1001}, "access_needs", "Keep this to 1000 letters"),
    ],
)
def test_bad_answers_are_explained_and_nothing_is_saved_or_lost(register, changes, field, message):
    event = EventFactory(published=True)

    response = register(event, **changes)

    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message.replace("'", "&#x27;") in page
    assert Registration.objects.count() == 0
    assert response.context["form"].errors[field]
    if changes.get("name") != "":
        assert 'value="Pat Resident"' in page


def test_a_bot_filling_the_trap_is_answered_as_if_registered_and_nothing_is_saved(register):
    event = EventFactory(published=True)

    response = register(event, nfc_trap="http://spam.example")

    assert response.status_code == 200
    assert Registration.objects.count() == 0


def test_a_form_sent_too_fast_is_asked_again_with_everything_kept(register):
    event = EventFactory(published=True)

    response = register(event, started=RegistrationForm.started_token())

    assert response.status_code == 200
    assert "press" in response.content.decode()
    assert 'value="Pat Resident"' in response.content.decode()
    assert Registration.objects.count() == 0


def test_the_same_form_sent_twice_registers_once(register):
    event = EventFactory(published=True)
    data = answers()
    client = Client()
    client.post(f"/events/{event.slug}/", data)
    client.post(f"/events/{event.slug}/", data)

    assert Registration.objects.count() == 1


def test_the_hourly_limit_per_address_turns_away_more(register, settings):
    settings.NFC_HELP_REQUESTS_PER_HOUR = 1
    event = EventFactory(published=True)
    register(event, email="a@example.org")

    response = register(event, email="b@example.org")

    assert response.status_code == 429
    assert Registration.objects.count() == 1


def test_registration_closes_at_its_deadline(register):
    event = EventFactory(published=True)
    event.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    event.save()

    response = register(event)

    assert "Registration for this event has closed" in response.content.decode()
    assert Registration.objects.count() == 0


def test_unpublished_events_are_not_found(client):
    event = EventFactory()

    assert client.get(f"/events/{event.slug}/").status_code == 404
    assert client.get(f"/events/{event.slug}/calendar.ics").status_code == 404


def test_dietary_needs_are_not_asked_for_an_online_event(client):
    event = EventFactory(
        published=True, online=True, venue_name="", joining_link="https://meet.example/x"
    )

    page = client.get(f"/events/{event.slug}/").content.decode()

    assert "Food you cannot eat" not in page
    assert "meet.example" not in page, "the joining link is for people registered only"


@pytest.mark.parametrize("how", ["tampered", "revoked", "expired", "event_over"])
def test_a_bad_link_is_refused_without_saying_why(register, how):
    event = EventFactory(published=True)
    register(event)
    secret = secret_in(mail.outbox[0])
    registration = Registration.objects.get()
    if how == "tampered":
        secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    elif how == "revoked":
        MANAGE_LINK.revoke(registration)
    elif how == "expired":
        Registration.objects.update(manage_expires_at=timezone.now())
    else:
        # The link lasts until the event ends.
        assert registration.manage_expires_at == event.ends_at
        Registration.objects.update(manage_expires_at=timezone.now() - datetime.timedelta(1))

    client = Client()
    assert client.get(f"/events/place/{secret}/").status_code == 404
    assert client.post(f"/events/place/{secret}/", {"action": "cancel"}).status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_registering_is_in_the_audit_history_without_the_persons_name(register):
    event = EventFactory(published=True)
    register(event)

    entry = AuditEntry.objects.get(
        object_id=Registration.objects.get().pk, content_type__model="registration"
    )
    assert "Pat" not in entry.object_repr
    assert "Pat" not in str(entry.changes)


def test_the_event_page_and_a_registration_ask_the_same_queries_however_many_registered(
    django_assert_max_num_queries,
):
    from tests.factories import RegistrationFactory

    event = EventFactory(published=True, capacity=500)
    event.topics.create(topic="plan")
    event.topics.create(topic="skills")
    area = AreaFactory()

    def people(n):
        for _ in range(n):
            RegistrationFactory(event=event, area=area)
            RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)

    def post(n):
        return Client().post(f"/events/{event.slug}/", answers(email=f"pat{n}@example.org"))

    people(2)
    with django_assert_max_num_queries(10) as page:
        assert Client().get(f"/events/{event.slug}/").status_code == 200
    with django_assert_max_num_queries(25) as registration:
        assert post(1).status_code == 302
    people(40)
    with django_assert_max_num_queries(len(page.captured_queries)):
        assert Client().get(f"/events/{event.slug}/").status_code == 200
    with django_assert_max_num_queries(len(registration.captured_queries)):
        assert post(2).status_code == 302
