"""The adviser's home page parts written in Python (advisers.views): the
same bytes as the template drew."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import get_template
from django.test import RequestFactory
from django.utils import timezone

from advisers import services
from advisers.forms import FreshTimeRecordForm, TimeRecordForm
from advisers.navigation import Destination, destinations_for
from advisers.views import _caseload_lines, _overdue_actions, _reach_cards
from areas.models import Area, Stage
from casework.models import Action
from tests.factories import AreaFactory, UserFactory

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


def _action(area, owner, description, *, days_ago, done=False):
    return Action.objects.create(
        area=area,
        owner=owner,
        description=description,
        due_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        done_at=timezone.now() if done else None,
    )


def test_the_overdue_statement_answers_as_the_queryset(adviser, outsider):
    vange, pier = AreaFactory(name="Vange"), AreaFactory(name="<Pier> & Co")
    _action(vange, adviser, "Ring the school", days_ago=3)
    _action(pier, adviser, "Book the hall", days_ago=3)
    _action(pier, adviser, "Post the flyers", days_ago=10)
    _action(vange, adviser, "Due today", days_ago=0)
    _action(vange, adviser, "Done already", days_ago=5, done=True)
    _action(vange, outsider, "Someone else's", days_ago=5)
    for person in (adviser, outsider, UserFactory(role="adviser")):
        made = _overdue_actions(person)
        expected = list(
            Action.objects.overdue().filter(owner=person).select_related("area").order_by()
        )
        expected.sort(key=lambda action: (action.due_on, action.pk))
        fields = ("pk", "description", "due_on", "done_at", "owner_id", "area_id", "is_overdue")
        assert [
            ([getattr(a, f) for f in fields], a.area.pk, a.area.ward_code, a.area.name, a.owner)
            for a in made
        ] == [
            ([getattr(a, f) for f in fields], a.area.pk, a.area.ward_code, a.area.name, a.owner)
            for a in expected
        ]
    assert [a.description for a in _overdue_actions(adviser)] == [
        "Post the flyers",
        "Ring the school",
        "Book the hall",
    ]


def test_the_home_page_lists_the_overdue_actions(client, adviser):
    area = AreaFactory(name="<Pier> & Co")
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    _action(area, adviser, "Ring <the> school", days_ago=3)
    client.force_login(adviser)
    page = client.get("/staff/").text
    assert "<h2>Overdue actions</h2>" in page
    assert "<strong>Ring &lt;the&gt; school</strong>" in page
    assert "&lt;Pier&gt; &amp; Co</a>" in page
    assert 'class="overdue">overdue</strong>' in page


def _time_forms(areas):
    """The time form as the whole form's template draws a TimeRecordForm,
    and as the home page draws its FreshTimeRecordForm."""
    request = RequestFactory().get("/staff/")
    form = TimeRecordForm(areas=Area.objects.filter(pk__in=[area.pk for area in areas]))
    field = form.fields["area"]
    field.choices = [(area.pk, field.label_from_instance(area)) for area in areas]
    return [
        get_template(name).render(
            {"time_form": time_form, "csrf_token": "a-token", "request": request}
        )
        for name, time_form in [
            ("includes/time_record_form.html", form),
            ("includes/time_record_form_fresh.html", FreshTimeRecordForm(areas=areas)),
        ]
    ]


def test_the_fresh_time_form_is_what_the_template_drew():
    areas = [
        AreaFactory(name="<Pier> & Co", local_authority="O'Tendring"),
        AreaFactory(name="Vange", local_authority='"Basildon"'),
    ]
    template_drew, written = _time_forms(areas)
    assert written == template_drew
    assert "&lt;Pier&gt; &amp; Co (O&#x27;Tendring)" in written
    assert "Vange (&quot;Basildon&quot;)" in written
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in written


def test_the_home_page_draws_the_fresh_time_form(client, adviser):
    area = AreaFactory(name="<Pier> & Co")
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    client.force_login(adviser)
    page = client.get("/staff/").text
    assert '<h2 id="record-time">Record a day</h2>' in page
    assert f'<option value="{area.pk}">&lt;Pier&gt; &amp; Co (' in page
    assert '<input type="radio" name="unit" value="days" required id="id_unit_0" checked>' in page


# home.html's caseload rows, as the template's loop drew them before
# _caseload_lines.
CASELOAD_LOOP = Template(
    """{% load nfc_time %}{% url 'casework:request_list' as request_list %}{% for area in caseload %}
              <tr>
                <th scope="row"><a href="{{ area.url }}">{{ area.name }}</a><br><span class="muted">{{ area.local_authority }}</span></th>
                <td>{{ area.get_stage_display|default:"Not in the programme" }}</td>
                <td>{{ area.last_contact_day }}</td>
                <td>{{ area.hours_this_month|as_days }} of {{ days_promised }}</td>
                <td>{% if area.open_requests %}<a href="{{ request_list }}">{{ area.open_requests }}</a>{% else %}0{% endif %}</td>
              </tr>
            {% endfor %}"""  # noqa: E501
)


def test_the_caseload_rows_are_what_the_template_drew(settings):
    caseload = []
    for n, stage in enumerate(["", *Stage.values]):
        area = Area(
            ward_code=f"E0500{n:04d}",
            name=f"<Pier> & 'Co' {n}",
            local_authority='"Tendring" & <b>',
            stage=stage,
        )
        area.url = f"/staff/areas/{area.ward_code}/?a=1&b=<2>"
        area.last_contact_day = "None recorded" if n % 2 else f"{n + 1} Nov 2026"
        area.hours_this_month = Decimal(n) * Decimal("2.25")
        area.open_requests = n % 3
        caseload.append(area)
    expected = CASELOAD_LOOP.render(
        Context({"caseload": caseload, "days_promised": settings.NFC_ADVISER_DAYS_PER_AREA})
    )
    assert _caseload_lines(caseload) == expected
    assert "<Pier>" not in expected
    assert "Not in the programme" in expected
