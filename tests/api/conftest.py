import datetime

import pytest
from django.utils import timezone

from advisers.models import ApiToken
from advisers.roles import Role
from advisers.tokens import TOKEN_START, token_hash
from areas.models import Region
from tests.factories import UserFactory


@pytest.fixture
def regional_lead(db):
    """A manager who leads the North East, where Hendon (the scene's area) is."""
    return UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST, full_name="Rhea Lead")


@pytest.fixture
def deactivated(db):
    """An adviser whose account has been closed, holding a token made before."""
    return UserFactory(role=Role.ADVISER, full_name="Dee Departed")


def make_token(user, *, scope=ApiToken.Scope.WRITE, name="script") -> str:
    """A token for ``user``, straight into the table (the account page's
    own rules are tested in tests/advisers/test_api_tokens.py): the token
    itself, for the Authorization header."""
    raw = f"{TOKEN_START}test-{user.pk}-{scope}-{ApiToken.objects.count()}"
    ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=raw[:12],
        key_hash=token_hash(raw),
        expires_at=timezone.now() + datetime.timedelta(days=30),
    )
    return raw


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient


def client_with_token(raw: str | None):
    """An API client that sends ``raw`` as its bearer token (none for None)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if raw is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api_as(request):
    """``api_as("adviser")``: an API client with a read-and-write token of
    that persona (a fixture name); ``api_as("manager", read_only=True)``."""

    def make(persona: str, *, read_only: bool = False):
        user = request.getfixturevalue(persona)
        scope = ApiToken.Scope.READ if read_only else ApiToken.Scope.WRITE
        return client_with_token(make_token(user, scope=scope))

    return make
