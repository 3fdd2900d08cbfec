"""Staff sign in whatever Redis does: allauth keeps its sign-in limits and the
two-factor codes already used in the cache, and with Redis stopped or hung
every sign-in was a 500. Now they are kept in the process's memory while
Redis is away, so guessing is still limited."""

import contextlib

import pytest
from django.test import Client

from tests.advisers.test_accounts import TOO_MANY, WRONG, sign_in
from tests.support import free_port, hung_server, redis_caches, totp_code

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def redis_stopped():
    yield f"redis://127.0.0.1:{free_port()}/0"


@contextlib.contextmanager
def redis_hung():
    with hung_server() as port:
        yield f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=[redis_stopped, redis_hung], ids=["stopped", "hung"])
def redis_away(request, settings):
    with request.param() as location:
        settings.CACHES = redis_caches(location, socket_connect_timeout=0.2, socket_timeout=0.2)
        yield


def test_an_adviser_signs_in(redis_away, adviser):
    client = Client()
    response = sign_in(client, adviser.email)
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_wrong_passwords_are_still_limited(redis_away, adviser):
    client = Client()
    for _ in range(5):
        assert WRONG in sign_in(client, adviser.email, "not-the-password").text
    assert TOO_MANY in sign_in(client, adviser.email).text
    assert "_auth_user_id" not in client.session


def test_a_manager_signs_in_with_their_code_and_the_code_cannot_be_used_twice(redis_away, manager):
    client = Client()
    sign_in(client, manager.email)
    code = totp_code(manager.totp_secret)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert client.get("/staff/").status_code == 200

    again = Client()
    sign_in(again, manager.email)
    replayed = again.post("/accounts/2fa/authenticate/", {"code": code})
    assert replayed.status_code == 200
    assert "_auth_user_id" not in again.session


def test_with_redis_answering_the_limits_are_kept_in_redis(settings, redis_url, adviser):
    from django.core.cache import cache

    from nfc import redis_guard

    settings.CACHES = redis_caches(redis_url.rsplit("/", 1)[0] + "/6")
    cache.clear()
    for _ in range(5):
        sign_in(Client(), adviser.email, "not-the-password")
    assert TOO_MANY in sign_in(Client(), adviser.email).text
    assert not redis_guard.is_away()
    cache.clear()
