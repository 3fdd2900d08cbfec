"""Default deny: every page of the portal turns an anonymous visitor away,
unless it is on the PUBLIC list below.

The test walks every URL pattern (through every include), fills its path
with values that open real records (an area, a request, a referral...), and
asks for it with GET, signed out. Turned away means: sent to the sign-in page
(at once, or in a few hops, as the admin's pages go through its login),
refused (401 or 403, as the API does), not found (404), or the method is not
answered (405).
Anything else, a 200 above all, is a page open to the world: put it on
PUBLIC, with the reason, or protect it.
"""

import datetime
import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from advisers import services
from advisers.models import TimeRecord
from areas.models import FundingBid, LocalContact
from casework.follow_links import follow_link_issue
from casework.models import Action, Partner, Referral, SupportRequest, Topic
from nfc.private_links import digest
from tests.factories import AreaFactory, EventFactory, RegistrationFactory
from tests.support import url_patterns

pytestmark = pytest.mark.django_db

# The pages anyone may open, by URL name (or route, for a pattern without a
# name), and why.
PUBLIC = {
    # The public site (nfc/urls.py, areas/public_urls.py, casework/public_urls.py).
    "home": "the front page",
    "favicon.ico": "browsers ask for it; it redirects to the icon in static",
    "areas_public:area_list": "the neighbourhoods",
    "areas_public:area_detail": "a neighbourhood's public facts",
    "areas_public:about_the_data": "where the figures come from",
    "casework_public:help_request": "residents ask for help",
    "casework_public:help_sent": "the reference, after asking",
    "casework_public:privacy": "the privacy notice",
    "casework_public:follow": "a resident's private link: the secret is the key",
    # events/public_urls.py
    "events_public:event_list": "the upcoming events",
    "events_public:event_detail": "an event's details and its registration form",
    "events_public:event_calendar": "an event's calendar file",
    "events_public:registered": "what became of a registration (from the session)",
    "events_public:manage": "a person's private link to their place: the secret is the key",
    "events_public:feedback": "a person's private link to give feedback: the secret is the key",
    # Signing in, and what leads to it (allauth).
    "account_login": "the sign-in page",
    "account_logout": "signed out already: it sends the visitor home",
    "account_signup": "says that sign-up is closed",
    "account_inactive": "says that an account is closed",
    "account_reset_password": "asking for a new password",
    "account_reset_password_done": "the e-mail is on its way",
    "account_reset_password_from_key": "the link in that e-mail",
    "account_reset_password_from_key_done": "the new password is set",
    "account_email_verification_sent": "allauth's notice that a link was sent",
    "account_confirm_email": "the link in a confirmation e-mail",
    "admin:login": "the admin's login, which sends people to the sign-in page",
    # The API's description (nfc/urls.py): what it offers, never any data.
    "api-schema": "the OpenAPI schema, for those who integrate",
    "api-docs": "the API's documentation, read from that schema",
}
# Answered by middleware or WhiteNoise, before any URL pattern.
PUBLIC_PATHS = {
    "/healthz": "the load balancer's health check (nfc.health)",
    "/static/img/favicon.svg": "static files (WhiteNoise)",
}
# The pages residents and staff reach signed out: these must keep answering
# by themselves, never by sending the visitor to sign in.
MUST_STAY_OPEN = {
    "home",
    "areas_public:area_list",
    "areas_public:area_detail",
    "areas_public:about_the_data",
    "casework_public:help_request",
    "casework_public:privacy",
    "casework_public:follow",
    "events_public:event_list",
    "events_public:event_detail",
    "events_public:event_calendar",
    "events_public:manage",
    "events_public:feedback",
    "account_login",
    "account_reset_password",
    "/healthz",
    "/static/img/favicon.svg",
}

ONE_PK = 4242  # every record reached by an <int:pk> is made with this key
WARD_CODE = "E05001158"


@pytest.fixture
def records(adviser, community_worker):
    """Real records behind every filled address, so that a page left open
    shows itself with a 200 rather than hiding behind a 404."""
    area = AreaFactory(name="Hendon", ward_code=WARD_CODE)
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    services.area_allocate_community_worker(area=area, worker=community_worker, by=None)
    support_request = SupportRequest.objects.create(
        area=area,
        assigned_to=adviser,
        topic=Topic.PEOPLE,
        description="We want more neighbours at our meetings",
        name="Pat Resident",
        email="pat@example.org",
        contact_by="email",
        consented_at=timezone.now(),
        privacy_notice_version="2026-11",
    )
    link = follow_link_issue(support_request=support_request)
    partner = Partner.objects.create(pk=ONE_PK, name="Planning Aid North", expertise=["planning"])
    Referral.objects.create(
        pk=ONE_PK, area=area, partner=partner, help_asked="A plan", created_by=adviser
    )
    LocalContact.objects.create(
        pk=ONE_PK, area=area, name="Cllr Pat Jones", kind=LocalContact.Kind.COUNCILLOR
    )
    FundingBid.objects.create(
        pk=ONE_PK, area=area, stream=FundingBid.Stream.LOTTERY, amount_sought=Decimal("5000")
    )
    TimeRecord.objects.create(
        pk=ONE_PK,
        person=adviser,
        role=adviser.role,
        area=area,
        date=timezone.localdate(),
        hours=Decimal("3"),
    )
    Action.objects.create(
        pk=ONE_PK,
        area=area,
        description="Ring the chair",
        owner=adviser,
        due_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    event = EventFactory(published=True)
    secret = link.rstrip("/").rsplit("/", 1)[-1]
    # The same secret opens a registration's private links too.
    RegistrationFactory(
        event=event,
        manage_token_hash=digest(secret),
        manage_expires_at=event.ends_at,
        feedback_token_hash=digest(secret),
        feedback_expires_at=event.ends_at,
    )
    return {
        "slug": event.slug,
        "ward_code": WARD_CODE,
        "reference": support_request.reference,
        "secret": secret,
        "pk": str(ONE_PK),
        "object_id": str(adviser.pk),
        "content_type_id": "1",
        "region": area.region,
        "table": "delivery",
        "key": "3-abcdef",
        "uidb36": "1",
        "url": "nothing-here/",
    }


# A value for any other converter, by its type.
BY_CONVERTER = {
    "int": "1",
    "slug": "a-slug",
    "str": "something",
    "path": "some/thing",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")


def _fill(part, values) -> str:
    """One pattern's piece of the path, with plausible values in its gaps."""
    text = str(part)
    if isinstance(part, RoutePattern):
        return _ROUTE_PARAMETER.sub(
            lambda m: values.get(m["name"]) or BY_CONVERTER[m["converter"] or "str"], text
        )

    def group(m):
        if m["name"] in values:
            return values[m["name"]]
        # An alternation of words (the admin's app labels): the first one.
        return m["body"].split("|")[0]

    return _REGEX_GROUP.sub(group, text).removeprefix("^").removesuffix("$")


REDIRECTS = (301, 302, 303, 307, 308)


def _turned_away(client, response, hops: int = 5) -> bool:
    """Refused, not found, not answered, or sent (in a few hops: the admin
    goes through its own login) to the sign-in page."""
    if response.status_code in (401, 403, 404, 405):
        return True
    sign_in = reverse(django_settings.LOGIN_URL)
    while response.status_code in REDIRECTS and hops:
        target = urlsplit(response["Location"])
        if target.path == sign_in:
            return True
        if target.netloc:
            return False
        response = client.get(target.path, QueryDict(target.query))
        hops -= 1
    return False


def _answer(response) -> str:
    where = f" to {response['Location']}" if response.has_header("Location") else ""
    return f"{response.status_code}{where}"


def test_every_page_turns_anonymous_visitors_away_unless_it_is_public(records, settings):
    # WhiteNoise serves static files before any sign-in check; tests run no
    # collectstatic, so it serves them from the finders, as in development.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client(raise_request_exception=False)
    visited = {}
    open_to_all = []
    for parts, name in url_patterns():
        path = "/" + "".join(_fill(part, records) for part in parts)
        key = name or str(parts[-1])
        response = client.get(path)
        visited[key] = (path, response)
        if key not in PUBLIC and not _turned_away(client, response):
            open_to_all.append(f"{key} GET {path}: {_answer(response)}")
    for path in PUBLIC_PATHS:
        visited[path] = (path, client.get(path))

    assert not open_to_all, "Open to anyone, yet not on PUBLIC:\n" + "\n".join(open_to_all)

    closed = [
        f"{key} GET {visited[key][0]}: {_answer(visited[key][1])}"
        for key in sorted(MUST_STAY_OPEN)
        if _turned_away(client, visited[key][1]) or visited[key][1].status_code >= 500
    ]
    assert not closed, "Public pages that turn visitors away:\n" + "\n".join(closed)
    assert not PUBLIC.keys() - visited.keys(), "No longer pages: " + ", ".join(
        sorted(PUBLIC.keys() - visited.keys())
    )


# What a signed-out visitor might post to any page: sign-in and reset forms'
# fields, wrong.
ANONYMOUS_POST = {
    "login": "nobody@example.org",
    "email": "nobody@example.org",
    "password": "not-a-password",
    "password1": "not-a-password",
    "password2": "not-a-password",
    "code": "000000",
}


def test_no_page_makes_a_session_for_a_signed_out_visitor(records, settings):
    """A session row per anonymous request would let anyone fill the
    sessions table, and allauth's kept the whole request in it."""
    from advisers.models import StaffSession
    from tests.casework.test_help_form import answers

    settings.WHITENOISE_USE_FINDERS = True
    made = []
    for parts, name in url_patterns():
        path = "/" + "".join(_fill(part, records) for part in parts)
        for method in ("get", "post"):
            client = Client(raise_request_exception=False)
            getattr(client, method)(path, ANONYMOUS_POST if method == "post" else None)
            if StaffSession.objects.exists():
                made.append(f"{method.upper()} {path} ({name})")
                StaffSession.objects.all().delete()
    client = Client()
    sent = client.post("/help/", answers())
    client.get(sent.url)
    if StaffSession.objects.exists():
        made.append("the help form, sent")
    assert not made, "Sessions made for signed-out visitors:\n" + "\n".join(made)
