"""base.html's menu and fixed addresses, written in Python
(advisers.navigation): the same bytes as the template drew."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import get_script_prefix, reverse, set_script_prefix

from advisers.navigation import DESTINATIONS, Destination, address, destinations_for, menu_lines
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# base.html's loop, as it was before menu_lines replaced it.
TEMPLATE_LOOP = Template(
    """
            {% for destination in destinations %}
              <li><a href="{{ destination.url }}"{% if request.path == destination.url %} aria-current="page"{% endif %}>{{ destination.label }}</a></li>
            {% endfor %}
"""  # noqa: E501
)


def _drawn_by_the_template(destinations, path):
    request = RequestFactory().get(path)
    return TEMPLATE_LOOP.render(Context({"destinations": destinations, "request": request}))


@pytest.mark.parametrize("role", ["adviser", "community_worker", "manager", "evaluator"])
@pytest.mark.parametrize("path", ["/staff/", "/staff/casework/requests/", "/elsewhere/"])
def test_the_menu_is_what_the_template_drew(role, path):
    destinations = destinations_for(UserFactory(role=role))
    expected = _drawn_by_the_template(destinations, path)
    assert f"\n            {menu_lines(destinations, path)}\n" == expected


def test_the_menu_escapes_its_labels_and_addresses():
    odd = Destination("<b>Tom & 'Jerry'</b>", "advisers:home", "portal.use", "")
    drawn = menu_lines([odd], "/elsewhere/")
    assert "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in drawn
    assert f"\n            {drawn}\n" == _drawn_by_the_template([odd], "/elsewhere/")


def test_the_page_open_is_marked_current():
    destinations = [d for d in DESTINATIONS if d.url_name in ("advisers:home", "areas:list")]
    drawn = menu_lines(destinations, "/staff/areas/")
    assert drawn.count('aria-current="page"') == 1
    assert '<a href="/staff/areas/" aria-current="page">Areas</a>' in drawn


BASE = Path(settings.BASE_DIR) / "templates" / "base.html"


def test_every_address_in_base_html_is_what_url_gives():
    names = re.findall(r"\{% address '([^']+)' %\}", BASE.read_text())
    assert len(names) >= 9
    assert "{% url " not in BASE.read_text()
    before = get_script_prefix()
    try:
        for prefix in ("/", "/nfc/"):
            set_script_prefix(prefix)
            for name in names:
                assert address(name) == reverse(name), (prefix, name)
    finally:
        set_script_prefix(before)


@pytest.mark.parametrize("signed_in", [True, False])
def test_base_html_draws_the_addresses_it_names(client, adviser, signed_in):
    if signed_in:
        client.force_login(adviser)
        page = client.get("/staff/").text
        assert f'action="{reverse("account_logout")}"' in page
        assert f'class="site-name" href="{reverse("advisers:home")}"' in page
    else:
        page = client.get("/").text
        assert f'<li><a href="{reverse("account_login")}">Staff sign in</a></li>' in page
    assert f'<li><a href="{reverse("casework_public:privacy")}">Privacy</a></li>' in page


def test_an_address_follows_the_url_configuration_a_test_sets(settings):
    assert address("advisers:home") == reverse("advisers:home")
    settings.ROOT_URLCONF = "tests.advisers.moved_urls"
    assert address("advisers:home") == reverse("advisers:home")
    assert address("advisers:home").startswith("/moved/")
