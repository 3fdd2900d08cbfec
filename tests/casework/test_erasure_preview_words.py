"""The page before an erasure says what goes in plain words when there is
little to remove: no "no messages they sent" or "the notes of no
interactions"."""

import pytest

from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_a_request_with_nothing_but_its_own_details_is_described_plainly(hendon, manager):
    support_request = SupportRequestFactory(area=hendon, email="sam@example.org")
    page = (
        client_for(manager)
        .post(
            "/staff/casework/residents/erase/",
            {"email": "sam@example.org", "chosen": [support_request.reference]},
        )
        .text
    )
    assert "Erase the resident" in page
    assert "their private link: it stops working" in page
    assert "no message" not in page
    assert "no interaction" not in page
    assert "what staff wrote about it" not in page
