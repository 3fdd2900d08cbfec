"""The place a resident typed is shown to staff, on the request's page, with
characters that turn text around taken out, as their name and words are."""

import pytest

from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_the_place_typed_is_shown_without_direction_overrides(hendon, manager):
    support_request = SupportRequestFactory(
        area=None, postcode="", place="\u202eNowhereville\u2069 and on"
    )
    page = client_for(manager).get(f"/staff/casework/requests/{support_request.reference}/").text
    assert "they wrote “Nowhereville and on”" in page
    assert "\u202e" not in page
    assert "\u2069" not in page


def test_the_resident_sees_the_place_they_typed_without_them_too(client, db):
    from tests.casework.test_help_form import answers

    sent = client.post(
        "/help/", answers(area="", postcode="", place="\u202eNowhereville\u2069 and on")
    )
    page = client.get(sent.url).text
    assert "from “Nowhereville and on”" in page
    assert "\u202e" not in page
