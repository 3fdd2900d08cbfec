"""Signing in, two-factor authentication, session limits and closed accounts."""

import re
from datetime import timedelta

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone

from advisers.models import Role, StaffSession
from nfc.middleware import LAST_SEEN_AT, SIGNED_IN_AT
from tests.factories import PASSWORD, UserFactory
from tests.support import totp_code

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts"
WRONG = "The email address and/or password you specified are not correct."


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"login": email, "password": password}, **extra)


def sign_in_with_two_factor(client, user):
    """The real sign-in: password, then the authenticator app's code."""
    sign_in(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(user.totp_secret)})
    assert "_auth_user_id" in client.session


def test_staff_sign_in_with_their_e_mail_address_and_land_on_their_home(client, adviser):
    response = sign_in(client, "ASHA@example.org ")
    assert response.status_code == 302
    assert response.url == "/staff/"
    home = client.get("/staff/")
    assert "You are signed in as <strong>Adviser</strong>" in home.text


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, adviser):
    wrong_password = sign_in(client, adviser.email, "not-the-password")
    unknown = sign_in(client, "nobody@example.org", "not-the-password")
    assert WRONG in wrong_password.text
    assert WRONG in unknown.text
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_lock_the_address_out_even_for_the_right_one(client, adviser):
    for _ in range(5):
        assert WRONG in sign_in(client, adviser.email, "not-the-password").text
    response = sign_in(client, adviser.email)
    assert TOO_MANY in response.text
    assert "_auth_user_id" not in client.session


def test_an_unknown_address_is_throttled_like_a_real_one(client):
    for _ in range(5):
        sign_in(client, "nobody@example.org", "guess")
    assert TOO_MANY in sign_in(client, "nobody@example.org", "guess").text


def test_a_forged_forwarded_for_header_does_not_dodge_the_per_address_limit(client, db):
    # No trusted proxy: the socket's address counts, whatever the header says.
    for n in range(10):
        sign_in(client, f"guess{n}@example.org", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = sign_in(
        client, "guess-last@example.org", "guess", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert TOO_MANY in response.text


def test_behind_one_trusted_proxy_only_the_address_it_saw_counts(client, db, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    # The client forges the left part; the proxy appends the real address.
    for n in range(10):
        sign_in(
            client, f"guess{n}@example.org", "guess", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 192.0.2.50"
        )
    forged = sign_in(
        client, "again@example.org", "guess", HTTP_X_FORWARDED_FOR="10.9.9.9, 192.0.2.50"
    )
    assert TOO_MANY in forged.text
    other_client = sign_in(client, "again@example.org", "guess", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert TOO_MANY not in other_client.text


def test_there_is_no_public_sign_up(client, db):
    response = client.post("/accounts/signup/", {"email": "new@example.org", "password1": PASSWORD})
    assert "Accounts are for staff only" in response.text
    from advisers.models import User

    assert not User.objects.filter(email="new@example.org").exists()


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMINISTRATOR])
def test_managers_and_administrators_must_set_up_two_factor_first(client, role):
    person = UserFactory(role=role, totp=False)
    client.force_login(person)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.url == "/accounts/2fa/totp/activate/"


def test_the_setting_asks_two_factor_of_every_role(client, settings, adviser):
    settings.NFC_MFA_REQUIRED_FOR_ALL = True
    client.force_login(adviser)
    assert client.get("/staff/").url == "/accounts/2fa/totp/activate/"


def test_an_adviser_may_work_without_two_factor(client, adviser):
    client.force_login(adviser)
    assert client.get("/staff/").status_code == 200


def test_a_manager_sets_up_an_authenticator_app_and_gets_in(client):
    manager = UserFactory(role=Role.MANAGER, totp=False)
    sign_in(client, manager.email)
    assert client.get("/staff/").url == "/accounts/2fa/totp/activate/"
    # Straight after signing in, the password is not asked for again.
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200
    secret = setup.context["form"].secret
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()
    assert client.get("/staff/").status_code == 200


def test_setting_up_two_factor_long_after_signing_in_asks_for_the_password_again(client):
    manager = UserFactory(role=Role.MANAGER, totp=False)
    sign_in(client, manager.email)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - 600}
        for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()
    assert client.get("/accounts/2fa/totp/activate/").url.startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200


def test_a_manager_with_two_factor_is_asked_for_a_code_when_signing_in(client, manager):
    response = sign_in(client, manager.email)
    assert response.url == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    right = client.post("/accounts/2fa/authenticate/", {"code": totp_code(manager.totp_secret)})
    assert right.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_manager_cannot_switch_two_factor_off(client, manager):
    sign_in_with_two_factor(client, manager)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/deactivate/")
    assert "so you cannot switch it off" in page.text
    assert "<button" not in page.text.split("<main", 1)[1].split("</main>", 1)[0]
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Authenticator.objects.filter(user=manager, type=Authenticator.Type.TOTP).exists()


def test_the_two_factor_page_offers_switching_off_only_to_those_who_may(client, manager):
    sign_in_with_two_factor(client, manager)
    page = client.get("/accounts/2fa/").text
    assert "Your authenticator app is set up" in page
    assert "so it stays on" in page
    assert "/accounts/2fa/totp/deactivate/" not in page
    adviser = UserFactory(role=Role.ADVISER, totp=True)
    other = Client()
    sign_in_with_two_factor(other, adviser)
    assert "/accounts/2fa/totp/deactivate/" in other.get("/accounts/2fa/").text


def test_an_adviser_may_switch_their_own_two_factor_off(client):
    adviser = UserFactory(role=Role.ADVISER, totp=True)
    sign_in_with_two_factor(client, adviser)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert "Switch off the authenticator app</button>" in (
        client.get("/accounts/2fa/totp/deactivate/").text
    )
    assert client.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert not Authenticator.objects.filter(user=adviser, type=Authenticator.Type.TOTP).exists()


def _age_session(client, *, signed_in_ago: timedelta, last_seen_ago: timedelta) -> None:
    session = client.session
    now = timezone.now()
    session[SIGNED_IN_AT] = (now - signed_in_ago).isoformat()
    session[LAST_SEEN_AT] = (now - last_seen_ago).isoformat()
    session.save()


def test_a_session_idle_too_long_ends(client, adviser, settings):
    client.force_login(adviser)
    idle = settings.NFC_SESSION_IDLE_TIMEOUT + timedelta(minutes=1)
    _age_session(client, signed_in_ago=idle, last_seen_ago=idle)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_busy_session_still_ends_at_the_absolute_maximum(client, adviser, settings):
    client.force_login(adviser)
    _age_session(
        client,
        signed_in_ago=settings.NFC_SESSION_MAX_AGE + timedelta(minutes=1),
        last_seen_ago=timedelta(minutes=1),
    )
    assert client.get("/staff/").url.startswith("/accounts/login/")


def test_an_active_session_within_both_limits_carries_on(client, adviser):
    client.force_login(adviser)
    _age_session(client, signed_in_ago=timedelta(hours=2), last_seen_ago=timedelta(minutes=5))
    assert client.get("/staff/").status_code == 200


def test_closing_an_account_ends_that_persons_sessions(client, admin_client_for, adviser):
    client.force_login(adviser)
    assert client.get("/staff/").status_code == 200
    admin_client_for.post(
        f"/admin/advisers/user/{adviser.pk}/change/",
        {"full_name": adviser.full_name, "email": adviser.email, "role": adviser.role},
    )
    adviser.refresh_from_db()
    assert adviser.is_active is False
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def _admin_saves(admin_client_for, user, **changes):
    fields = {"full_name": user.full_name, "email": user.email, "role": user.role}
    fields["is_active"] = "on"
    fields.update(changes)
    admin_client_for.post(
        f"/admin/advisers/user/{user.pk}/change/", {k: v for k, v in fields.items() if v}
    )


def _signed_out(client) -> bool:
    response = client.get("/staff/")
    return response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_closed_account_reopened_does_not_revive_its_old_session(
    client, admin_client_for, adviser
):
    client.force_login(adviser)
    _admin_saves(admin_client_for, adviser, is_active="")
    _admin_saves(admin_client_for, adviser)
    adviser.refresh_from_db()
    assert adviser.is_active is True
    assert _signed_out(client)
    assert not StaffSession.objects.filter(user=adviser).exists()


def test_a_new_role_signs_the_person_out_everywhere(client, admin_client_for, adviser):
    client.force_login(adviser)
    _admin_saves(admin_client_for, adviser, role=Role.EVALUATOR)
    assert _signed_out(client)


def test_changing_a_name_keeps_the_person_signed_in(client, admin_client_for, adviser):
    client.force_login(adviser)
    _admin_saves(admin_client_for, adviser, full_name="Asha Adviser-Khan")
    assert client.get("/staff/").status_code == 200


def test_a_new_password_ends_the_persons_other_sessions_but_not_this_one(
    client, client_factory, adviser
):
    other_device = client_factory()
    other_device.force_login(adviser)
    client.force_login(adviser)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
        },
    )
    assert response.status_code == 302
    # The row itself goes, not only the cookie's use of it.
    assert StaffSession.objects.filter(user=adviser).count() == 1
    assert client.get("/staff/").status_code == 200
    assert _signed_out(other_device)


@pytest.fixture
def ask_reset(client, django_capture_on_commit_callbacks):
    """Ask for a password reset as the sign-in page does; the e-mail goes
    when the page's work is committed (a job)."""

    def asking(email, on=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (on or client).post("/accounts/password/reset/", {"email": email})

    return asking


def test_a_password_reset_e_mail_is_sent_by_a_job_not_within_the_request(
    client, adviser, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as jobs:
        client.post("/accounts/password/reset/", {"email": "asha@example.org"})
    assert mailoutbox == []
    assert len(jobs) == 1
    jobs[0]()
    assert [m.to for m in mailoutbox] == [["asha@example.org"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_a_password_reset_ends_every_session_of_the_person(
    client, client_factory, adviser, mailoutbox, ask_reset
):
    signed_in = client_factory()
    signed_in.force_login(adviser)
    ask_reset("asha@example.org")
    link = re.search(r"http://\S+", mailoutbox[0].body).group(0)
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    client.post(
        form_url, {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"}
    )
    assert not StaffSession.objects.filter(user=adviser).exists()
    assert _signed_out(signed_in)


def test_a_password_reset_e_mails_a_link_that_sets_a_new_password(
    client, adviser, mailoutbox, ask_reset
):
    response = ask_reset("asha@example.org")
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"http://\S+", mailoutbox[0].body).group(0)
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    client.post(
        form_url, {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"}
    )
    assert sign_in(client, adviser.email, "a-new-long-password-1").url == "/staff/"


def test_a_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client, adviser, mailoutbox, ask_reset
):
    known = ask_reset("asha@example.org")
    unknown = ask_reset("stranger@example.org")
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert [m.to for m in mailoutbox] == [["asha@example.org"]]


def test_a_new_password_that_is_too_short_is_refused_and_the_old_one_still_works(
    client, adviser, mailoutbox, ask_reset
):
    ask_reset("asha@example.org")
    link = re.search(r"http://\S+", mailoutbox[0].body).group(0)
    form_url = client.get(link, follow=True).request["PATH_INFO"]
    response = client.post(form_url, {"password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert "This password is too short" in response.text
    assert sign_in(client, adviser.email).url == "/staff/"


def test_nobody_changes_their_own_sign_in_address(client, adviser):
    client.force_login(adviser)
    assert client.get("/accounts/email/").status_code == 404
    client.post("/accounts/email/", {"action_add": "", "email": "other@example.org"})
    adviser.refresh_from_db()
    assert adviser.email == "asha@example.org"


def test_a_manager_without_two_factor_reaches_no_other_account_page(client):
    manager = UserFactory(role=Role.MANAGER, totp=False)
    client.force_login(manager)
    for url in ("/accounts/password/change/", "/accounts/2fa/", "/api/v1/me/", "/"):
        assert client.get(url).url == "/accounts/2fa/totp/activate/", url


def test_an_administrator_without_two_factor_cannot_reach_the_admin_site(client):
    administrator = UserFactory(role=Role.ADMINISTRATOR, totp=False)
    client.force_login(administrator)
    assert client.get("/admin/").url == "/accounts/2fa/totp/activate/"


def test_a_password_alone_does_not_open_the_admin_site(client, administrator):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": administrator.email, "password": PASSWORD}
    )
    assert response.url.startswith("/accounts/login/")
    sign_in(client, administrator.email)
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").url.startswith("/admin/login/")


def test_authenticator_secrets_are_encrypted_in_the_database(manager):
    stored = Authenticator.objects.get(user=manager, type=Authenticator.Type.TOTP).data["secret"]
    assert stored != manager.totp_secret
    assert manager.totp_secret not in stored


def test_an_administrator_removes_a_lost_authenticator_and_the_manager_sets_up_again(
    client, admin_client_for, manager
):
    authenticator = Authenticator.objects.get(user=manager, type=Authenticator.Type.TOTP)
    admin_client_for.post(f"/admin/mfa/authenticator/{authenticator.pk}/delete/", {"post": "yes"})
    assert not Authenticator.objects.filter(pk=authenticator.pk).exists()
    client.force_login(manager)
    assert client.get("/staff/").url == "/accounts/2fa/totp/activate/"


def test_no_one_can_read_an_authenticator_secret_on_the_admin_site(admin_client_for, manager):
    authenticator = Authenticator.objects.get(user=manager, type=Authenticator.Type.TOTP)
    page = admin_client_for.get(f"/admin/mfa/authenticator/{authenticator.pk}/change/")
    assert page.status_code == 200
    assert authenticator.data["secret"] not in page.text
    assert manager.totp_secret not in page.text
