"""Links in e-mails point where the portal is: NFC_BASE_URL when it is set,
and in development without it, the address the portal was reached at (it
once pointed at port 8000 while the portal ran on another)."""

import pytest
from django.test import Client

from nfc import mail
from tests.support import clean_env, run_python


@pytest.fixture
def learning(settings, db):
    settings.NFC_BASE_URL_FROM_REQUEST = True
    settings.ALLOWED_HOSTS = ["portal.localhost"]
    yield
    mail.base_url_seen("")


def test_in_development_links_follow_the_address_the_portal_was_reached_at(learning):
    Client().get("/help/", HTTP_HOST="portal.localhost:8001")
    assert mail.absolute_url("casework_public:help_request") == "http://portal.localhost:8001/help/"


def test_a_host_django_refuses_is_never_learnt(learning, settings):
    Client().get("/help/", HTTP_HOST="evil.example:8001")
    assert mail.absolute_url("casework_public:help_request") == settings.NFC_BASE_URL + "/help/"


def test_with_nfc_base_url_set_links_use_it_whatever_the_request(settings, db):
    settings.NFC_BASE_URL = "https://portal.example.org"
    settings.ALLOWED_HOSTS = ["portal.localhost"]
    Client().get("/help/", HTTP_HOST="portal.localhost:8001")
    assert mail.absolute_url("casework_public:help_request") == "https://portal.example.org/help/"


@pytest.mark.parametrize(
    ("environment", "learns"),
    [({}, True), ({"NFC_BASE_URL": "http://127.0.0.1:9000"}, False)],
)
def test_only_development_without_nfc_base_url_learns_it(environment, learns):
    result = run_python(
        "-c",
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.NFC_BASE_URL_FROM_REQUEST)",
        env=clean_env(DJANGO_SETTINGS_MODULE="nfc.settings", **environment),
    )
    assert result.stdout.strip() == str(learns)
