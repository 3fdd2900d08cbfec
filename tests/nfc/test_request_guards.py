"""What the portal does before a page sees a request: a NUL in the address
is refused, a post too big for its page is refused unread, and no copy is
kept of a page that may show personal data."""

import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls.resolvers import RoutePattern

from casework.models import SupportRequest
from tests.casework.test_help_form import answers
from tests.support import url_patterns
from tests.test_permission_matrix import ROLES, signed_in

pytestmark = pytest.mark.django_db

_CONVERTER = re.compile(r"<[^>]+>")


def _client(request, role) -> Client:
    """Signed out, or signed in as ``role``; a page that fails answers 500
    instead of raising, as it would for a visitor."""
    client = Client() if role is None else signed_in(request.getfixturevalue(role))
    client.raise_request_exception = False
    return client


def _nul_addresses():
    """For every URL pattern: its path with a NUL in each part it names and,
    once, its path with a NUL in the query string."""
    for parts, name in url_patterns():
        if not all(isinstance(part, RoutePattern) for part in parts):
            continue  # the admin's few regular expressions; their routes are below
        route = "".join(str(part) for part in parts)
        converters = _CONVERTER.findall(route)
        for index in range(len(converters)):
            path = route
            for number, converter in enumerate(converters):
                path = path.replace(converter, "%00" if number == index else "x", 1)
            yield name or route, "/" + path
        yield name or route, "/" + _CONVERTER.sub("x", route) + "?q=%00"


def _is_refused_in_words(response) -> bool:
    if response.status_code != 400:
        return False
    if response.request["PATH_INFO"].startswith("/api/"):
        # The API answers in JSON, as it does everything else.
        return response.json() == {"detail": "The address holds a NUL character."}
    return "Sorry, we could not read that" in response.text


@pytest.mark.parametrize(
    ("role", "address"),
    [
        (None, "/neighbourhoods/%00/"),
        (None, "/neighbourhoods/?page=%00"),
        ("adviser", "/staff/casework/search/?q=%00"),
        ("adviser", "/staff/casework/search/?reference=NFC%00"),
        ("adviser", "/staff/casework/requests/NFC-%00/"),
        ("manager", "/staff/areas/%00/"),
        ("community_worker", "/staff/casework/areas/%00/timeline/"),
    ],
)
def test_a_nul_in_the_address_is_refused_in_words(request, hendon, role, address):
    response = _client(request, role).get(address)
    assert _is_refused_in_words(response), (address, response.status_code)


@pytest.mark.parametrize("role", [None, *ROLES])
def test_no_page_fails_on_a_nul_whoever_asks(request, role):
    client = _client(request, role)
    addresses = list(_nul_addresses())
    assert len(addresses) > 100
    for method in ("GET", "POST"):
        failed = [
            (name, address, response.status_code)
            for name, address in addresses
            if not _is_refused_in_words(response := client.generic(method, address))
        ]
        assert not failed, f"{role} {method}: {failed}"


def test_an_address_without_a_nul_is_not_refused(client, hendon):
    response = client.get("/neighbourhoods/?q=%2500")
    assert response.status_code == 200


# --- Posts too big ------------------------------------------------------


def test_a_huge_post_to_the_help_form_gets_the_413_page_unread(settings):
    # With CSRF checked, as in real use: the check reads the post first.
    client = Client(enforce_csrf_checks=True)
    response = client.post("/help/", answers(description="x" * 5_000_000))
    assert response.status_code == 413
    assert "What you sent is too long" in response.text
    assert "we have not saved any of it" in response.text
    assert "no-store" in response["Cache-Control"]
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    "address", ["/help/", "/accounts/login/", "/help/follow/" + "Z" * 43 + "/"]
)
def test_a_public_page_takes_a_small_post_only(settings, address):
    settings.NFC_PUBLIC_POST_MAX_BYTES = 1000
    client = Client(enforce_csrf_checks=True)
    assert client.post(address, {"text": "x" * 2000}).status_code == 413
    # Under the limit the post goes on to the page (and, without its CSRF
    # token, is refused there).
    assert client.post(address, {"text": "x" * 500}).status_code == 403


def test_a_staff_page_takes_a_bigger_post_up_to_its_own_limit(adviser, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    client = signed_in(adviser)
    # Past the public limit: a staff note may be long.
    response = client.post("/staff/casework/actions/new/", {"description": "x" * 80_000})
    assert response.status_code == 200
    response = client.post("/staff/casework/actions/new/", {"description": "x" * 200_000})
    assert response.status_code == 413
    assert "What you sent is too long" in response.text


def test_a_post_django_cannot_read_gets_the_400_page_in_words(client):
    # More fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS), in a small post.
    body = urlencode({f"f{n}": "x" for n in range(1100)})
    response = client.post("/help/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "Sorry, we could not read that" in response.text


# --- No copies of personal data -----------------------------------------


def _not_stored(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_thank_you_page_and_the_form_shown_again_are_not_stored(client):
    shown_again = client.post("/help/", answers(email="not an address"))
    assert shown_again.status_code == 200
    assert _not_stored(shown_again)

    assert client.post("/help/", answers()).status_code == 302
    sent = client.get("/help/sent/")
    assert _not_stored(sent)


def test_the_reference_and_e_mail_are_shown_once_only(client):
    client.post("/help/", answers())
    reference = SupportRequest.objects.get().reference
    first = client.get("/help/sent/")
    assert reference in first.text
    assert "pat@example.org" in first.text

    again = client.get("/help/sent/")
    assert again.status_code == 200
    assert reference not in again.text
    assert "pat@example.org" not in again.text
    assert "we show your reference only once" in again.text


def test_the_reference_rides_in_a_signed_cookie_only_the_sent_page_reads(client):
    sent = client.post("/help/", answers())
    cookie = sent.cookies["nfc_help_sent"]
    assert cookie["httponly"]
    assert (cookie["path"], cookie["samesite"]) == ("/help/", "Lax")
    assert int(cookie["max-age"]) <= 3600
    # A reference typed into the cookie by hand shows nothing.
    other = SupportRequest.objects.get().reference
    forger = Client()
    forger.cookies["nfc_help_sent"] = other
    assert forger.get("/help/sent/").url == "/help/"


@pytest.mark.parametrize(
    "address", ["/accounts/login/", "/accounts/password/reset/", "/admin/", "/api/v1/me/"]
)
def test_sign_in_admin_and_api_answers_are_not_stored(client, address):
    assert _not_stored(client.get(address))


def test_public_pages_signed_out_may_be_kept_and_signed_in_may_not(client, hendon, adviser):
    for address in ("/", "/neighbourhoods/", f"/neighbourhoods/{hendon.ward_code}/"):
        assert not _not_stored(client.get(address)), address
    staff = signed_in(adviser)
    for address in ("/", "/neighbourhoods/", f"/neighbourhoods/{hendon.ward_code}/"):
        assert _not_stored(staff.get(address)), address
