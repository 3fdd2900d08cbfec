"""Every field on an area page has an id of its own and the label that
names it: the stage form and the time form both have a note, and a label
shared by two fields names one of them twice and the other not at all."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.support import client_for

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter[str] = Counter()
        self.label_targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids[attributes["id"]] += 1
        if tag == "label" and attributes.get("for"):
            self.label_targets.append(attributes["for"])


@pytest.mark.parametrize("role", ["adviser", "manager"])
def test_each_id_on_the_area_page_is_used_once_and_each_label_names_one_field(
    request, role, hendon
):
    # Hendon is the adviser's own area.
    person = request.getfixturevalue(role)
    page = client_for(person).get(reverse("areas:detail", args=[hendon.ward_code]))
    assert page.status_code == 200
    found = _Ids()
    found.feed(page.content.decode())
    assert [name for name, count in found.ids.items() if count > 1] == []
    assert all(found.ids[target] == 1 for target in found.label_targets)
    if role == "adviser":
        # Both forms are on the page, each with its own note.
        assert {"move_note", "id_note"} <= set(found.ids)
