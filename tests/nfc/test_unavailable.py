"""When PostgreSQL cannot be reached, people get the plain 503 page."""

import pytest
from django.db import connection

from tests.support import free_port


@pytest.fixture
def database_away(transactional_db):
    """PostgreSQL not answering: this process's connection points at a port
    nothing listens on (outside a transaction, so it can be closed)."""
    connection.close()
    port = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = str(free_port())
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port


def test_a_page_that_cannot_reach_the_database_answers_with_the_plain_503_page(
    client, database_away
):
    client.raise_request_exception = False
    response = client.get("/neighbourhoods/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Sorry, the service is unavailable" in response.text
    assert "Traceback" not in response.text
    assert "OperationalError" not in response.text


def test_other_failures_still_answer_with_the_500_page(client, settings):
    client.raise_request_exception = False
    settings.ROOT_URLCONF = "tests.nfc.failing_urls"
    response = client.get("/fails/")
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.text
