"""A search or an export reads in the audit history as what the person did,
not as something done to them ("Searched staff member Mina Manager")."""

import pytest

from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_a_search_and_an_export_read_as_what_the_person_did(manager):
    client_for(manager).get("/staff/casework/search/", {"q": "orchard"})
    client_for(manager).get("/staff/areas/export.csv")
    page = client_for(manager).get("/staff/casework/audit/").text
    assert "<strong>Searched</strong>" in page
    assert "<strong>Exported</strong>" in page
    assert "staff member</strong>" not in page
    assert "Search: orchard" in page
