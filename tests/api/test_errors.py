"""Errors have one shape across the API, and the schema says which each
operation can give (nfc/api/schema.py, nfc/api/errors.py, nfc/views.py)."""

import pytest
from rest_framework import exceptions

from nfc.api.errors import exception_handler
from nfc.api.schema import error_responses


def _schema(**operations) -> dict:
    return {"paths": {path: {"get": operation} for path, operation in operations.items()}}


TOKEN = [{"apiToken": []}, {"cookieAuth": []}]


def test_every_operation_documents_the_errors_it_can_give():
    result = error_responses(
        _schema(
            me={"security": TOKEN, "responses": {"200": {}}},
            areas={
                "security": TOKEN,
                "parameters": [
                    {"name": "page", "in": "query"},
                    {"name": "stage", "in": "query"},
                ],
                "responses": {"200": {}},
            },
            area={
                "security": TOKEN,
                "parameters": [{"name": "ward_code", "in": "path"}],
                "requestBody": {},
                "responses": {"200": {}, "400": {"description": "the view's own"}},
            },
        ),
        None,
        None,
        True,
    )

    me, areas, area = (
        result["paths"][name]["get"]["responses"] for name in ("me", "areas", "area")
    )
    assert set(me) == {"200", "401", "403", "429"}
    assert set(areas) == {"200", "400", "401", "403", "404", "429"}
    assert set(area) == {"200", "400", "401", "403", "404", "429"}
    # What a view says itself is kept.
    assert area["400"] == {"description": "the view's own"}
    assert "Retry-After" in me["429"]["headers"]
    assert "WWW-Authenticate" in me["401"]["headers"]
    assert result["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_a_page_alone_is_no_reason_for_a_400_and_no_sign_in_no_401():
    result = error_responses(
        _schema(open={"parameters": [{"name": "cursor", "in": "query"}], "responses": {}}),
        None,
        None,
        True,
    )
    assert set(result["paths"]["open"]["get"]["responses"]) == {"404", "429"}


@pytest.mark.parametrize(
    ("raised", "body"),
    [
        (exceptions.ValidationError("Pick a date."), {"non_field_errors": ["Pick a date."]}),
        (exceptions.ValidationError(["One.", "Two."]), {"non_field_errors": ["One.", "Two."]}),
        (exceptions.ValidationError({"date": ["Pick a date."]}), {"date": ["Pick a date."]}),
    ],
)
def test_a_400_is_always_messages_by_field(raised, body):
    response = exception_handler(raised, {})
    assert response.status_code == 400
    assert response.data == body


@pytest.mark.django_db
def test_an_address_under_the_api_that_nothing_serves_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_a_page_that_is_not_there_is_still_the_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_nul_in_an_api_address_is_refused_in_json(client):
    response = client.get("/api/v1/me/?search=a%00b")
    assert response.status_code == 400
    assert response.json() == {"detail": "The address holds a NUL character."}
    assert client.get("/events/?q=a%00b").status_code == 400


@pytest.mark.django_db
def test_a_post_too_big_for_the_api_is_refused_in_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post("/api/v1/me/", data="x" * 200, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "Send at most 100 bytes."}
