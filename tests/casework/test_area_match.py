"""What a resident is told about where their request landed, on the page
after the form and in the acknowledgement e-mail: the area their postcode
matched and its adviser, an area waiting for an adviser, an area we do not
work in, a postcode outside our areas (with its council), and a postcode we
do not know, each in its own words. The page quotes what the person typed
(their postcode, their place); the e-mail, which goes to whatever address
was typed, quotes nothing of theirs."""

import pytest
from django.utils import timezone

from areas.models import Postcode, Stage
from areas.services import area_change_stage
from casework.models import SupportRequest
from tests.casework.test_help_form import answers
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(client, django_capture_on_commit_callbacks, mailoutbox):
    """Send the form; give back the sent page's text and the e-mail's."""

    def sending(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/help/", answers(**changes))
        page = client.get("/help/sent/").text
        (acknowledgement,) = [m for m in mailoutbox if m.to == ["pat@example.org"]]
        return " ".join(page.split()), " ".join(acknowledgement.body.split())

    return sending


def in_both(said, words, *, on_the_page=""):
    """``words`` in the e-mail, and on the page (or ``on_the_page`` there,
    when the page quotes what the person typed)."""
    page, email = said
    assert (on_the_page or words) in page
    assert words.replace("&#x27;", "'") in email.replace("&#x27;", "'")


@pytest.fixture
def directory(db):
    Postcode.objects.create(postcode="SR2 8AA", ward_code="E05001158", local_authority="")
    Postcode.objects.create(postcode="NE1 1AA", ward_code="E05011111", local_authority="Newcastle")


def test_a_postcode_in_an_area_with_an_adviser_names_the_area_and_the_adviser(
    hendon, directory, send
):
    said = send(postcode="SR2 8AA")
    in_both(
        said,
        "Your postcode is in Hendon, in Sunderland.",
        on_the_page="Your postcode, SR2 8AA, is in Hendon, in Sunderland.",
    )
    in_both(said, "Asha Adviser, the adviser for Hendon, will e-mail you within a week.")
    assert "Who else can help" not in said[0]


def test_phone_is_promised_when_the_resident_asked_for_a_call(hendon, directory, send):
    said = send(postcode="SR2 8AA", phone="0191 000 0000", contact_by="phone")
    assert "the adviser for Hendon, will phone you within a week." in said[0]


@pytest.mark.hendon(adviser=False)
def test_an_area_waiting_for_an_adviser_does_not_promise_one(hendon, directory, send):
    said = send(postcode="SR2 8AA")
    in_both(said, "one of the neighbourhoods we support, and it is waiting for a new adviser.")
    assert "the adviser for" not in said[0]
    assert "the adviser for" not in said[1]


@pytest.mark.hendon(programme=False, adviser=False, community_worker=False)
def test_an_area_we_do_not_work_in_is_named_and_signposted(hendon, directory, send):
    said = send(postcode="SR2 8AA")
    in_both(said, "We do not work in Hendon at the moment.")
    assert "Who else can help" in said[0]
    assert "Who else can help" in said[1]


def test_an_area_that_has_left_is_not_promised_an_adviser(hendon, directory, send, manager):
    area_change_stage(area=hendon, stage=Stage.LEFT, on=timezone.localdate(), by=manager)
    said = send(postcode="SR2 8AA")
    in_both(said, "We do not work in Hendon at the moment.")


def test_a_postcode_outside_our_areas_names_its_council(directory, send):
    said = send(postcode="NE1 1AA")
    in_both(
        said,
        "Your postcode is in Newcastle, outside the neighbourhoods we work in.",
        on_the_page="Your postcode, NE1 1AA, is in Newcastle, outside the neighbourhoods",
    )


def test_a_postcode_we_do_not_know_is_told_apart_from_one_outside(directory, send):
    said = send(postcode="ZZ1 1ZZ")
    page, email = said
    assert "We could not find your postcode, ZZ1 1ZZ, in our list" in page
    assert "We could not find your postcode in our list" in email
    assert "ZZ1" not in email
    assert "outside the neighbourhoods" not in said[0]


def test_an_area_chosen_from_the_list_is_named_as_the_residents_choice(hendon, send):
    said = send(area=str(hendon.pk))
    in_both(said, "You told us you live in Hendon, in Sunderland.")


def test_a_place_we_could_not_match_is_quoted_back_on_the_page_only(send):
    AreaFactory(name="Elsewhere")
    said = send(place="Nowhere <Special>", area="")
    page, email = said
    assert "We could not tell where you live from “Nowhere &lt;Special&gt;”" in page
    assert "We could not tell where you live, so someone" in email
    assert "Nowhere" not in email
    assert SupportRequest.objects.get().area is None
