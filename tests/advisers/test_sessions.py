"""The session and its person read together (advisers.sessions): one read
of the database before a signed-in page's view, and every rule of
django.contrib.auth.get_user still holding."""

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from advisers.models import Role, StaffSession, User
from advisers.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _signed_out(response) -> bool:
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


# The bench's bare view: every middleware runs, and nothing else reads.
@pytest.mark.urls("bench.urls")
@pytest.mark.parametrize("persona", ["adviser", "manager"])
def test_a_signed_in_request_reads_the_database_once_before_its_view(
    client, persona, request, django_assert_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    # The first request notes when the session began (a write); the next
    # within the minute writes nothing.
    client.get("/ok/")
    # The session, its person and, for a manager, their authenticator app.
    with django_assert_num_queries(1):
        assert client.get("/ok/").status_code == 200


def test_the_person_read_with_the_session_is_the_one_signed_in(client, adviser):
    client.force_login(adviser)
    response = client.get("/staff/")
    assert response.status_code == 200
    assert response.wsgi_request.user == adviser


def test_a_session_row_naming_someone_else_answers_for_the_person_its_data_names(
    client, adviser, community_worker
):
    client.force_login(adviser)
    StaffSession.objects.filter(session_key=client.session.session_key).update(
        user=community_worker
    )
    response = client.get("/staff/")
    assert response.status_code == 200
    assert response.wsgi_request.user == adviser


def test_an_account_closed_behind_the_portals_back_is_signed_out(client, adviser):
    client.force_login(adviser)
    assert client.get("/staff/").status_code == 200
    # Not through the admin (which ends the sessions too): the row alone.
    User.objects.filter(pk=adviser.pk).update(is_active=False)
    assert _signed_out(client.get("/staff/"))


def test_a_password_changed_behind_the_portals_back_signs_the_session_out(client, adviser):
    client.force_login(adviser)
    assert client.get("/staff/").status_code == 200
    adviser.set_password("another-long-password-42")
    adviser.save()
    assert _signed_out(client.get("/staff/"))
    assert SESSION_KEY not in client.session


def test_a_session_proved_under_the_last_secret_key_is_renewed_not_ended(client, adviser, settings):
    client.force_login(adviser)
    old_key = client.session.session_key
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    response = client.get("/staff/")
    assert response.status_code == 200
    assert response.wsgi_request.user == adviser
    assert client.session.session_key != old_key


def test_an_authenticator_app_removed_behind_the_portals_back_is_asked_for_again(client, manager):
    client.force_login(manager)
    assert client.get("/staff/").status_code == 200
    Authenticator.objects.filter(user=manager).delete()
    assert client.get("/staff/").url == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize("has_totp", [True, False])
def test_the_person_read_with_the_session_is_as_the_orm_reads_them(client, has_totp):
    person = UserFactory(role=Role.MANAGER, totp=has_totp, region="north_east")
    client.force_login(person)
    session = SessionStore(client.session.session_key)
    assert session[SESSION_KEY] == str(person.pk)
    read = session.signed_in_row
    expected = User.objects.get(pk=person.pk)
    assert expected.last_login is not None
    for field in User._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(expected, field.attname), field.name
    assert read._state.adding is False
    assert session.signed_in_has_totp is has_totp


def test_a_session_of_nobody_signed_in_names_nobody(client):
    session = SessionStore()
    session["seen"] = True
    session.save()
    again = SessionStore(session.session_key)
    assert again["seen"] is True
    assert again.signed_in_row is None


def test_an_expired_or_unknown_session_is_empty_and_loses_its_key(client, adviser):
    client.force_login(adviser)
    key = client.session.session_key
    StaffSession.objects.filter(session_key=key).update(expire_date=timezone.now())
    session = SessionStore(key)
    assert session.load() == {}
    assert session.session_key is None
    assert session.signed_in_row is None
