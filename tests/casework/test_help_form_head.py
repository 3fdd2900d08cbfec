"""A HEAD request (a link checker, an uptime monitor) is answered for the
help form as for every other public page, not refused with 405."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_help_form_answers_a_head_request(client):
    response = client.head("/help/")
    assert response.status_code == 200
    assert response.content == b""
