"""The public help form: what it saves, what it refuses, and spam."""

import datetime
import re
import secrets
import time
from pathlib import Path

import pytest
from django.test import Client

from casework.forms import HelpRequestForm
from casework.models import SpamCount, SupportRequest, Topic
from casework.services import support_request_submit
from tests.factories import AreaFactory
from tests.support import redis_caches

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"^NFC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def a_while_ago(seconds: int = 60) -> str:
    """A form token as if the page had been shown ``seconds`` ago."""
    return HelpRequestForm.started_token(shown_at=time.time() - seconds)


def answers(**changes) -> dict:
    data = {
        "postcode": "",
        "area": "unknown",
        "topic": Topic.PLAN,
        "description": "We want to start a community garden on the old bowling green.",
        "for_group": "yes",
        "group_name": "Friends of Hendon Park",
        "name": "Pat Resident",
        "email": "pat@example.org",
        "phone": "",
        "contact_by": "email",
        "consent_contact": "on",
        "consent_privacy": "on",
        "nfc_trap": "",
        "started": a_while_ago(),
    }
    data.update(changes)
    return data


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/help/", answers(**changes))

    return send


@pytest.mark.parametrize("who", [None, "adviser", "manager"])
def test_anyone_can_open_the_form(request, who):
    client = Client()
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get("/help/")
    assert response.status_code == 200
    assert "Ask us for help" in response.text


def test_the_form_and_its_files_weigh_under_100_kb(client):
    from django.contrib.staticfiles import finders

    page = client.get("/help/").content
    assets = sum(
        Path(finders.find(path)).stat().st_size
        for path in ("css/nfc.css", "js/nfc.js", "img/favicon.svg")
    )
    assert len(page) + assets < 100_000


def test_a_request_is_saved_with_its_consent_and_the_person_sees_their_reference(
    client, post, mailoutbox
):
    area = AreaFactory(name="Hendon")
    response = post(area=str(area.pk))
    assert response.status_code == 302
    saved = SupportRequest.objects.get()
    assert REFERENCE.match(saved.reference)
    assert (saved.area, saved.name, saved.group_name, saved.status) == (
        area,
        "Pat Resident",
        "Friends of Hendon Park",
        "new",
    )
    assert saved.consented_at is not None
    assert saved.privacy_notice_version
    page = client.get(response.url)
    assert saved.reference in page.text
    assert "it is waiting for a new adviser" in page.text
    assert [m.to for m in mailoutbox] == [["pat@example.org"]]
    assert saved.reference in mailoutbox[0].body
    saved.refresh_from_db()
    assert saved.acknowledgement_sent_at is not None


def test_refreshing_the_thank_you_page_sends_nothing_twice(client, post):
    response = post()
    client.get(response.url)
    client.get(response.url)
    assert SupportRequest.objects.count() == 1


def test_someone_outside_our_areas_still_sends_and_is_told_who_else_can_help(client, post, manager):
    from casework.models import Signposting

    Signposting.objects.create(text="Try the Sunderland CVS on 0191 000 0000.", updated_by=manager)
    response = post(area="unknown")
    page = client.get(response.url).text
    assert "Who else can help" in page
    assert "Sunderland CVS" in page
    assert SupportRequest.objects.get().area is None


def test_a_phone_only_request_gets_no_e_mail(post, mailoutbox):
    post(email="", phone="07700 900123", contact_by="phone")
    assert SupportRequest.objects.get().phone == "07700 900123"
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"topic": ""}, "topic", "Choose what you want help with."),
        ({"description": ""}, "description", "Tell us what is happening and what would help."),
        ({"description": "x" * 2001}, "description", "2000 letters or fewer: it has 2001"),
        ({"name": ""}, "name", "Tell us your name"),
        ({"email": "", "phone": ""}, "email", "Give an e-mail address or a phone number"),
        ({"email": "", "phone": "0191 000 0000"}, "email", "You asked us to e-mail you"),
        ({"contact_by": "phone"}, "phone", "You asked us to phone you"),
        ({"email": "pat@"}, "email", "Enter your e-mail address as it is written"),
        ({"postcode": "not a postcode"}, "postcode", "Enter a full postcode"),
        ({"group_name": ""}, "group_name", "Tell us the group"),
        ({"consent_contact": ""}, "consent_contact", "so that we can reply"),
        ({"consent_privacy": ""}, "consent_privacy", "read the privacy notice"),
        ({"name": "x" * 101}, "name", "100 letters or fewer: it has 101"),
        ({"for_group": ""}, "for_group", "Say whether you are asking for a group"),
        ({"contact_by": ""}, "contact_by", "Choose whether we should e-mail you or phone you."),
    ],
)
def test_each_bad_answer_gets_a_clear_message_nothing_is_saved_and_nothing_is_lost(
    post, changes, field, message
):
    response = post(**changes)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors[field])
    assert f'href="#id_{field}' in response.text
    assert not SupportRequest.objects.exists()
    if "description" not in changes:
        assert "old bowling green" in response.text


def test_a_bot_filling_the_hidden_field_is_counted_not_stored(post):
    response = post(nfc_trap="http://spam.example")
    assert response.status_code == 200
    assert "Thank you" in response.text
    assert not SupportRequest.objects.exists()
    assert SpamCount.objects.get(reason="honeypot").count == 1


@pytest.mark.parametrize(
    ("started", "reason"),
    [(lambda: a_while_ago(0), "too_fast"), (lambda: "forged:token", "bad_token")],
)
def test_a_too_quick_or_forged_post_is_counted_and_the_person_can_send_again(post, started, reason):
    response = post(started=started())
    assert "press \u201cSend\u201d again" in response.text
    assert "old bowling green" in response.text
    assert not SupportRequest.objects.exists()
    assert SpamCount.objects.get(reason=reason).count == 1


def test_spam_counts_add_up_per_day(post):
    post(nfc_trap="x")
    post(nfc_trap="y")
    assert SpamCount.objects.get(reason="honeypot").count == 2


def test_one_address_is_limited_per_hour_and_nothing_typed_is_lost(post, settings):
    settings.NFC_HELP_REQUESTS_PER_HOUR = 2
    assert post(name="").status_code == 200  # a mistake does not count
    assert post(description="A garden, please.").status_code == 302
    assert post(description="And a bench.").status_code == 302
    refused = post()
    assert refused.status_code == 429
    assert "a lot of requests from your connection" in refused.text
    assert "old bowling green" in refused.text
    assert SupportRequest.objects.count() == 2
    assert SpamCount.objects.get(reason="rate_limit").count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_posts_sent_all_at_once_from_one_address_save_no_more_than_the_limit(settings, redis_url):
    from nfc.redis_guard import shared_cache
    from tests.at_once import at_once

    # The real Redis, as in production (a database of its own, emptied).
    settings.CACHES = redis_caches(redis_url.rsplit("/", 1)[0] + "/5")
    shared_cache.clear()
    settings.NFC_HELP_REQUESTS_PER_HOUR = 8

    def send():
        return Client(raise_request_exception=False).post(
            "/help/",
            answers(description=f"A garden, please ({secrets.token_hex(4)})"),
            REMOTE_ADDR="198.51.100.20",
        )

    assert send().status_code == 302
    assert send().status_code == 302
    # Six left, and ten sent at the same moment.
    answered = at_once(*[send] * 10)
    assert sorted(response.status_code for response in answered) == [302] * 6 + [429] * 4
    assert SupportRequest.objects.count() == 8


def test_addresses_in_one_ipv6_slash_64_share_the_limit(client, settings):
    settings.NFC_HELP_REQUESTS_PER_HOUR = 1

    def send(address):
        return client.post("/help/", answers(), REMOTE_ADDR=address).status_code

    assert send("2001:db8:5:6::1") == 302
    assert send("2001:db8:5:6:aaaa:bbbb:cccc:dddd") == 429
    assert send("2001:db8:5:7::1") == 302  # another /64: another sender


def test_a_form_sent_twice_makes_one_request_and_shows_its_reference_again(
    client, post, settings, mailoutbox
):
    # A double click, a retry after a timeout, or the browser resending:
    # the same form, with the same token. The hourly limit neither counts
    # the second post nor stops it.
    settings.NFC_HELP_REQUESTS_PER_HOUR = 1
    sent = answers()
    first = post(**sent)
    again = post(**sent)
    assert (first.status_code, again.status_code) == (302, 302)
    saved = SupportRequest.objects.get()
    assert saved.reference in client.get(again.url).text
    assert [m.to for m in mailoutbox] == [["pat@example.org"]]
    # Sent from another tab or device, the same token still makes nothing new.
    elsewhere = Client().post("/help/", sent)
    assert elsewhere.status_code == 302
    assert SupportRequest.objects.count() == 1


def test_a_form_sent_again_after_a_change_keeps_the_first_request(client, post):
    sent = answers()
    post(**sent)
    post(**{**sent, "description": "Changed my mind about the garden."})
    assert SupportRequest.objects.get().description.startswith("We want to start")


def test_a_new_page_with_new_words_makes_a_new_request(post):
    post()
    post(description="And a bench by the pond, please.")
    assert SupportRequest.objects.count() == 2


def test_back_and_send_again_makes_no_second_request(client, post, mailoutbox):
    # Back shows the form again with a new token, and the browser fills in
    # what was typed: the same words, sent again.
    first = post()
    again = post(started=a_while_ago())
    saved = SupportRequest.objects.get()
    assert first.url == again.url
    assert saved.reference in client.get(again.url).text
    assert [m.to for m in mailoutbox] == [["pat@example.org"]]
    # An hour later, the same words are a new request.
    SupportRequest.objects.filter(pk=saved.pk).update(
        created_at=saved.created_at - datetime.timedelta(hours=2)
    )
    post(started=a_while_ago())
    assert SupportRequest.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"postcode": "SR2 8AA"},
        {"place": "Hendon"},
        {"topic": Topic.OTHER},
        {"for_group": "no", "group_name": ""},
        {"group_name": "Hendon Park Friends"},
        {"email": "pat.resident@example.org"},
        {"phone": "0191 123 4567"},
        {"contact_by": "phone", "phone": "0191 123 4567"},
        {"name": "Pat Residents"},
    ],
)
def test_back_and_send_again_with_any_detail_changed_makes_a_new_request(post, change):
    # The same words from the same person are compared detail by detail
    # (support_request_sent_before): a change to any one is a new request.
    post()
    post(started=a_while_ago(), **change)
    assert SupportRequest.objects.count() == 2


def test_back_and_send_again_from_another_area_makes_a_new_request(post):
    hendon, amble = AreaFactory(name="Hendon"), AreaFactory(name="Amble")
    post(area=str(hendon.pk))
    post(started=a_while_ago(), area=str(amble.pk))
    post(started=a_while_ago(), area=str(hendon.pk))
    assert [r.area for r in SupportRequest.objects.order_by("pk")] == [hendon, amble]


def test_someone_elses_used_token_shows_nothing_of_their_request(post):
    sent = answers()
    post(**sent)
    reference = SupportRequest.objects.get().reference
    stranger = Client().post("/help/", {**sent, "name": "Sam Stranger", "email": "sam@example.org"})
    assert stranger.status_code == 200
    assert "This form was sent already" in stranger.text
    assert reference not in stranger.text
    assert "pat@example.org" not in stranger.text
    assert "nfc_help_sent" not in stranger.cookies
    assert SupportRequest.objects.count() == 1


def test_a_malformed_content_length_is_not_an_error(client):
    response = client.post("/help/", answers(), HTTP_CONTENT_LENGTH="lots")
    assert response.status_code in (200, 302)


def test_when_the_rate_limit_store_is_down_requests_are_still_accepted(post, settings):
    from tests.support import free_port

    settings.CACHES = redis_caches(f"redis://127.0.0.1:{free_port()}/0")
    settings.NFC_HELP_REQUESTS_PER_HOUR = 0
    assert post().status_code == 302
    assert SupportRequest.objects.count() == 1


def test_an_oversized_post_is_refused(client):
    response = client.post("/help/", answers(description="x" * 70_000))
    assert response.status_code == 413
    assert not SupportRequest.objects.exists()


def test_a_reference_is_unique_and_unguessable():
    references = {
        support_request_submit(
            area=None, postcode="", **{k: v for k, v in _details().items()}
        ).reference
        for _ in range(50)
    }
    assert len(references) == 50
    assert all(REFERENCE.match(r) for r in references)


def _details():
    return {
        "topic": Topic.OTHER,
        "description": "Help",
        "for_group": False,
        "group_name": "",
        "name": "Pat",
        "email": "",
        "phone": "0191",
        "contact_by": "phone",
    }


def test_the_privacy_notice_is_public(client):
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert "How long we keep it" in response.text


def test_the_thank_you_page_is_only_shown_after_sending(client):
    assert client.get("/help/sent/").url == "/help/"


def test_a_manager_changes_the_signposting_words_and_the_old_ones_are_kept(client, manager):
    from casework.models import Signposting
    from casework.selectors import signposting_text

    client.force_login(manager)
    client.post("/staff/casework/signposting/", {"text": "Call your council's community team."})
    client.post("/staff/casework/signposting/", {"text": "Call Citizens Advice."})
    assert signposting_text() == "Call Citizens Advice."
    assert Signposting.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "message"), [("", "This field is required."), ("x" * 3001, "at most 3000")]
)
def test_bad_signposting_words_are_refused(client, manager, text, message):
    from casework.models import Signposting

    client.force_login(manager)
    response = client.post("/staff/casework/signposting/", {"text": text})
    assert message in response.text
    assert not Signposting.objects.exists()


def test_typing_a_neighbourhood_that_matches_once_finds_it(post):
    hendon = AreaFactory(name="Hendon", local_authority="Sunderland")
    assert post(area="", place="hendon").status_code == 302
    assert SupportRequest.objects.get().area == hendon


def test_a_name_matching_several_places_asks_which_and_keeps_everything(post):
    AreaFactory(name="Hendon", local_authority="Sunderland")
    millfield = AreaFactory(name="Millfield", local_authority="Sunderland")
    response = post(area="", place="Sunderland")
    assert response.status_code == 200
    assert "2 neighbourhoods match" in response.text
    assert not SupportRequest.objects.exists()
    choices = dict(response.context["form"].fields["area"].choices)
    assert set(choices) == {
        "",
        "unknown",
        str(millfield.pk),
        str(AreaFactory._meta.model.objects.get(name="Hendon").pk),
    }
    assert "old bowling green" in response.text
    assert post(area=str(millfield.pk), place="Sunderland").status_code == 302
    assert SupportRequest.objects.get().area == millfield


def test_a_name_we_do_not_know_is_kept_for_triage(post):
    assert post(area="", place="Nowhere Green").status_code == 302
    saved = SupportRequest.objects.get()
    assert (saved.area, saved.place) == (None, "Nowhere Green")


def test_a_box_left_unticked_is_summed_up_in_its_own_words(post):
    page = post(consent_privacy="").text
    summary = page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert ">Tick this box to say you have read the privacy notice.</a>" in summary
    assert "privacy notice.:" not in summary
