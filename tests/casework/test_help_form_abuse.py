"""The help form used against others: e-mails to someone else's address,
words of the sender's carried in them, and fields that hide what they are."""

import datetime

import pytest
from django.test import Client

from casework.models import SupportRequest
from tests.casework.test_help_form import a_while_ago, answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Send the form as a new visitor each time (a fresh page a little
    longer ago each time, so no two tokens are alike)."""
    sent = []

    def sending(**changes):
        sent.append(None)
        changes.setdefault("started", a_while_ago(60 + len(sent)))
        # Each a request of its own (the same words again would be one).
        changes.setdefault("description", f"{answers()['description']} ({len(sent)})")
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/help/", answers(**changes))
        return response, client

    return sending


def to(mailoutbox, address: str) -> list:
    return [m for m in mailoutbox if m.to == [address]]


# --- Acknowledgements to any address ----------------------------------------


def test_one_address_gets_only_so_many_acknowledgements_a_day_but_every_request_is_kept(
    send, mailoutbox, settings
):
    settings.NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY = 2
    for address in ("pat@example.org", "Pat@Example.org", "pat+again@example.org"):
        response, client = send(email=address)
        assert response.status_code == 302
        reference = SupportRequest.objects.latest("pk").reference
        assert reference in client.get(response.url).text  # the reference is still shown
    assert SupportRequest.objects.count() == 3
    assert len(to(mailoutbox, "pat@example.org")) + len(to(mailoutbox, "Pat@Example.org")) == 2
    assert to(mailoutbox, "pat+again@example.org") == []
    send(email="sam@example.org")
    assert len(to(mailoutbox, "sam@example.org")) == 1


def test_the_day_is_a_rolling_day(send, mailoutbox, settings):
    settings.NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY = 1
    send()
    SupportRequest.objects.update(
        created_at=SupportRequest.objects.get().created_at - datetime.timedelta(hours=25)
    )
    send()
    assert len(to(mailoutbox, "pat@example.org")) == 2


def test_staff_are_told_why_no_new_link_can_go_to_an_address_past_its_limit(
    send, mailoutbox, settings, manager, django_capture_on_commit_callbacks
):
    settings.NFC_ACKNOWLEDGEMENTS_PER_ADDRESS_PER_DAY = 1
    send()
    send()
    refused = SupportRequest.objects.latest("pk")
    client = Client()
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/staff/casework/requests/{refused.reference}/link/", {"do": "resend"}, follow=True
        )
    assert "Contact the resident another way" in response.text
    assert len(to(mailoutbox, "pat@example.org")) == 1


def test_the_acknowledgement_repeats_none_of_the_senders_words(send, mailoutbox):
    send(
        name="Win a prize at http://bad.example",
        place="Call 0900 000 000 now",
        area="",
        postcode="",
    )
    (acknowledgement,) = to(mailoutbox, "pat@example.org")
    reference = SupportRequest.objects.get().reference
    assert acknowledgement.body.startswith("Hello,\n")
    assert reference in acknowledgement.subject
    assert reference in acknowledgement.body
    for words in ("Win a prize", "bad.example", "0900", "bowling green", "Friends of Hendon"):
        assert words not in acknowledgement.body
        assert words not in acknowledgement.subject


# --- The phone number, and text that turns itself around --------------------

RLO = "\u202e"  # right-to-left override: what follows it reads backwards


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("0191 498 0000", "0191 498 0000"),
        ("07700  900123", "07700 900123"),
        ("(0191) 498-0000", "(0191) 498-0000"),
        ("+44 (0)191 498 0000", "+44 (0)191 498 0000"),
        ("+353 1 234 5678", "+353 1 234 5678"),
    ],
)
def test_a_phone_number_written_as_people_write_them_is_kept(send, typed, saved):
    response, _ = send(phone=typed, contact_by="phone")
    assert response.status_code == 302
    assert SupportRequest.objects.get().phone == saved


@pytest.mark.parametrize(
    "typed",
    [
        "0191 498\nBcc: x@example.org",
        f"{RLO}0000 894 1910",
        "ring me after six",
        "0191 498",
        "191 498 0000",
        "+0 191 498 0000",
        "+44 191 498 0000 0000 0000",
        "=HYPERLINK(0191)",
    ],
)
def test_anything_but_a_phone_number_is_refused_in_plain_words_and_nothing_saved(send, typed):
    response, _ = send(phone=typed, contact_by="phone")
    assert response.status_code == 200
    errors = response.context["form"].errors["phone"]
    assert errors == [
        "Enter a phone number, like 0191 498 0000, or one from another country "
        "starting with +, like +44 191 498 0000."
    ]
    assert "old bowling green" in response.text  # nothing typed is lost
    assert not SupportRequest.objects.exists()


def test_staff_see_names_and_residents_words_without_direction_overrides(
    hendon, adviser, manager, send
):
    adviser.full_name = f"Asha {RLO}resivdA"
    adviser.save()
    send(
        area=str(hendon.pk),
        name=f"Pat {RLO}tnediseR",
        group_name=f"Friends of {RLO}kraP",
        description=f"A garden on the old bowling green {RLO}\u2066gnol\u2069 idle",
    )
    reference = SupportRequest.objects.get().reference
    client = Client()
    client.force_login(manager)
    pages = {
        "request": client.get(f"/staff/casework/requests/{reference}/").text,
        "search": client.get("/staff/casework/search/", {"q": "garden"}).text,
        "audit": client.get("/staff/casework/audit/").text,
    }
    for where, page in pages.items():
        for control in (RLO, "\u2066", "\u2069"):
            assert control not in page, where
    assert "Pat tnediseR" in pages["request"]
    assert "Asha resivdA" in pages["request"]
    assert "old bowling green gnol idle" in pages["search"]


def test_a_staff_name_never_carries_a_direction_override(adviser):
    adviser.full_name = f"Asha {RLO}resivdA"
    assert str(adviser) == "Asha resivdA"
    assert adviser.get_short_name() == "Asha"
