"""The API's rate limits: per token (or per signed-in browser), and per
client address without a sign-in; over them, 429 with Retry-After. Each
test starts with empty caches (tests/conftest.py), so counts start at 0."""

import pytest
from rest_framework.test import APIClient

from advisers.models import ApiToken
from tests.api.conftest import client_with_token, make_token

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
# The schema is the API's page open to all: what anonymous calls reach.
SCHEMA = "/api/schema/"


def _over(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_a_token_over_its_rate_is_told_when_to_come_back(settings, adviser):
    settings.NFC_API_RATE_PER_TOKEN = "3/minute"
    client = client_with_token(make_token(adviser))
    for _ in range(3):
        assert client.get(ME).status_code == 200
    _over(client.get(ME))


def test_two_tokens_of_one_person_are_counted_apart(settings, adviser):
    settings.NFC_API_RATE_PER_TOKEN = "2/minute"
    first = client_with_token(make_token(adviser, name="first"))
    second = client_with_token(make_token(adviser, name="second", scope=ApiToken.Scope.READ))
    for _ in range(2):
        assert first.get(ME).status_code == 200
    _over(first.get(ME))
    assert second.get(ME).status_code == 200


def test_other_peoples_tokens_are_counted_apart(settings, adviser, community_worker):
    settings.NFC_API_RATE_PER_TOKEN = "1/minute"
    mine = client_with_token(make_token(adviser))
    theirs = client_with_token(make_token(community_worker))
    assert mine.get(ME).status_code == 200
    _over(mine.get(ME))
    assert theirs.get(ME).status_code == 200


def test_the_browsers_session_is_counted_per_person(settings, adviser):
    settings.NFC_API_RATE_PER_TOKEN = "2/minute"
    client = APIClient()
    client.force_login(adviser)
    for _ in range(2):
        assert client.get(ME).status_code == 200
    _over(client.get(ME))


def test_anonymous_calls_are_counted_per_address(settings, db):
    settings.NFC_API_RATE_ANONYMOUS = "2/minute"
    client = APIClient()
    for _ in range(2):
        assert client.get(SCHEMA, REMOTE_ADDR="203.0.113.5").status_code == 200
    _over(client.get(SCHEMA, REMOTE_ADDR="203.0.113.5"))
    assert client.get(SCHEMA, REMOTE_ADDR="203.0.113.6").status_code == 200


def test_a_token_is_not_held_back_by_the_anonymous_rate(settings, adviser):
    settings.NFC_API_RATE_ANONYMOUS = "1/minute"
    client = client_with_token(make_token(adviser))
    for _ in range(3):
        assert client.get(ME, REMOTE_ADDR="203.0.113.5").status_code == 200


def test_knocking_without_a_token_is_limited_per_address(settings, db):
    settings.NFC_API_RATE_ANONYMOUS = "3/minute"
    client = APIClient()
    for _ in range(3):
        assert client.get(ME).status_code == 401
    _over(client.get(ME))
    # Another address is counted apart.
    assert client.get(ME, REMOTE_ADDR="192.0.2.99").status_code == 401


def test_guessing_tokens_is_limited_per_address(settings, db):
    settings.NFC_API_RATE_ANONYMOUS = "3/minute"
    for guess in range(3):
        assert client_with_token(f"nfc_guess{guess}").get(ME).status_code == 401
    _over(client_with_token("nfc_guess-again").get(ME))


def test_a_tokens_refusals_count_against_it(settings, evaluator):
    settings.NFC_API_RATE_PER_TOKEN = "2/minute"
    client = client_with_token(make_token(evaluator))
    # Evaluators may not read requests: refused, and counted.
    for _ in range(2):
        assert client.get("/api/v1/requests/").status_code == 403
    _over(client.get(ME))


def test_a_refused_change_counts_once(settings, evaluator, hendon):
    settings.NFC_API_RATE_PER_TOKEN = "4/minute"
    client = client_with_token(make_token(evaluator))
    # An evaluator may read an area but not change it: each refusal counts
    # once against the token, as a call that got in would.
    for _ in range(2):
        assert (
            client.post(f"/api/v1/areas/{hendon.ward_code}/stages/", {}, format="json").status_code
            == 403
        )
    assert client.get(ME).status_code == 200
    assert client.get(ME).status_code == 200
    _over(client.get(ME))
