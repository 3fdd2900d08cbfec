"""Who the API takes a call from: a personal token (Authorization: Bearer),
or the browser's session with its CSRF check; anything else is 401, with
WWW-Authenticate saying how to authenticate."""

import datetime

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from advisers import services, tokens
from advisers.models import ApiToken, Role
from tests.api.conftest import client_with_token, make_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def _refused(response) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_opens_the_api_as_its_owner(adviser):
    response = client_with_token(make_token(adviser)).get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == adviser.email


def test_no_token_and_no_session_is_401_saying_how(db):
    _refused(APIClient().get(ME))


@pytest.mark.parametrize(
    "header",
    [
        "Bearer nfc_not-a-token-we-made",
        "Bearer not-even-ours",
        "Bearer",
        "Bearer two words",
        "Bearer nfc_\u00e9t\u00e9",
    ],
)
def test_a_wrong_or_malformed_token_is_401(adviser, header):
    make_token(adviser)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    _refused(client.get(ME))


def test_an_expired_token_is_401(adviser):
    raw = make_token(adviser)
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    _refused(client_with_token(raw).get(ME))


def test_a_revoked_token_is_401_at_once(adviser):
    raw = make_token(adviser)
    client = client_with_token(raw)
    assert client.get(ME).status_code == 200
    tokens.api_token_revoke(token=ApiToken.objects.get(), by=adviser)
    _refused(client.get(ME))


def test_a_token_stops_when_its_owners_account_is_closed(adviser):
    raw = make_token(adviser)
    adviser.is_active = False
    services.staff_account_save(user=adviser, changed=["is_active"])
    _refused(client_with_token(raw).get(ME))


def test_a_token_does_what_its_owners_new_role_may(adviser):
    client = client_with_token(make_token(adviser))
    assert "casework.view" in client.get(ME).json()["permissions"]

    adviser.role = Role.EVALUATOR
    services.staff_account_save(user=adviser, changed=["role"])

    answer = client.get(ME).json()
    assert answer["role"] == "evaluator"
    assert "casework.view" not in answer["permissions"]
    assert "reports.start" in answer["permissions"]


def test_a_token_of_someone_made_a_manager_waits_for_their_two_factor(adviser):
    client = client_with_token(make_token(adviser))
    adviser.role = Role.MANAGER
    services.staff_account_save(user=adviser, changed=["role"])
    _refused(client.get(ME))
    Authenticator.objects.create(user=adviser, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert client.get(ME).json()["role"] == "manager"


def test_a_read_only_token_reads_and_changes_nothing(adviser):
    client = client_with_token(make_token(adviser, scope=ApiToken.Scope.READ))
    assert client.get(ME).status_code == 200
    refused = client.post(ME, {}, format="json")
    assert refused.status_code == 403
    assert "read-only" in refused.json()["detail"]


def test_the_browsers_session_reads(adviser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(adviser)
    assert client.get(ME).json()["email"] == adviser.email


def test_the_browsers_session_changes_nothing_without_its_csrf_token(adviser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(adviser)

    refused = client.post(ME, "{}", content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    # With the token the page gives, the call gets past the check (and /me/
    # answers no POST).
    client.get("/staff/account/api-tokens/")
    csrf = client.cookies["csrftoken"].value
    allowed = client.post(ME, "{}", content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert allowed.status_code == 405


def test_a_token_needs_no_csrf_token(adviser):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(adviser)}")
    assert client.post(ME, {}, format="json").status_code == 405


def test_last_used_is_written_at_most_once_a_minute(adviser, django_assert_num_queries):
    raw = make_token(adviser)
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    assert tokens.api_token_for(raw) == token
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    # Within the minute: read, never written.
    with django_assert_num_queries(1):
        tokens.api_token_for(raw)
    assert ApiToken.objects.get().last_used_at == first

    ApiToken.objects.update(last_used_at=timezone.now() - datetime.timedelta(seconds=61))
    tokens.api_token_for(raw)
    assert ApiToken.objects.get().last_used_at > first


def test_a_call_through_the_api_marks_its_token_used(adviser):
    raw = make_token(adviser)
    client_with_token(raw).get(ME)
    assert ApiToken.objects.get().last_used_at is not None


def test_a_deactivated_persons_other_tokens_stop_too(db):
    person = UserFactory(role=Role.COMMUNITY_WORKER)
    first, second = make_token(person), make_token(person, scope=ApiToken.Scope.READ)
    person.is_active = False
    person.save()
    for raw in (first, second):
        _refused(client_with_token(raw).get(ME))
