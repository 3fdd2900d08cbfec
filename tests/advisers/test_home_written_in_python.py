"""The adviser's home page parts written in Python (advisers.views): the
same bytes as the template drew."""

import pytest
from django.template import Context, Template

from advisers.navigation import Destination, destinations_for
from advisers.views import _reach_cards
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# home.html's "What you can reach" loop, as it was before _reach_cards.
CARDS_LOOP = Template(
    """  <ul class="card-list">
    {% for destination in destinations %}
      {% if destination.url_name != "advisers:home" %}
        <li class="card">
          <a href="{{ destination.url }}">{{ destination.label }}</a>
          <p>{{ destination.description }}</p>
        </li>
      {% endif %}
    {% endfor %}
  </ul>"""
)


def _cards(drawn) -> str:
    return f'  <ul class="card-list">\n    {drawn}\n  </ul>'


@pytest.mark.parametrize(
    "role", ["adviser", "community_worker", "manager", "evaluator", "administrator"]
)
def test_the_cards_are_what_the_template_drew(role):
    destinations = destinations_for(UserFactory(role=role))
    expected = CARDS_LOOP.render(Context({"destinations": destinations}))
    assert _cards(_reach_cards(destinations)) == expected


def test_the_cards_escape_their_words():
    odd = Destination("<b>Tom & 'Jerry'</b>", "areas:list", "portal.use", 'Say "<i>hi</i>"')
    drawn = _reach_cards([odd])
    assert "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in drawn
    assert "Say &quot;&lt;i&gt;hi&lt;/i&gt;&quot;" in drawn
    assert _cards(drawn) == CARDS_LOOP.render(Context({"destinations": [odd]}))


def test_the_home_page_draws_the_cards(client, adviser):
    client.force_login(adviser)
    page = client.get("/staff/").text
    assert _cards(_reach_cards(destinations_for(adviser))) in page
