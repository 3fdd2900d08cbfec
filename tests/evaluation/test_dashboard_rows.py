"""The dashboard's lines written in Python are the lines its template drew."""

import pytest
from django.template import Context, Template

from casework.selectors import AgeRow

# The template's loop the tag replaced, kept here to hold the tag to it.
LOOP = Template(
    "{% load nfc_text %}"
    "{% for row in rows %}\n"
    "              <tr>\n"
    '                <th scope="row">{{ row.owner__full_name|bidi_safe }}</th>\n'
    "                <td>{% if can_triage %}"
    '<a href="{{ my_actions }}?owner={{ row.owner_id }}&amp;overdue=on'
    '{% if region %}&amp;region={{ region }}{% endif %}">{{ row.overdue }}</a>'
    '{% elif row.owner_id == user.pk %}<a href="{{ my_actions }}?overdue=on">'
    "{{ row.overdue }}</a>{% else %}{{ row.overdue }}{% endif %}</td>\n"
    "              </tr>\n"
    "            {% endfor %}"
)
TAG = Template(
    "{% load nfc_dashboard %}{% overdue_action_rows rows my_actions=my_actions"
    " region=region can_triage=can_triage me=user.pk %}"
)

ROWS = [
    {"owner_id": 7, "owner__full_name": "Asha Adviser", "overdue": 1234},
    {"owner_id": 8, "owner__full_name": "<b>Tom & \"Jo\"</b> 'x'", "overdue": 2},
    {"owner_id": 9, "owner__full_name": "Eve\u202eevil\u202c", "overdue": 1},
]


class Me:
    def __init__(self, pk):
        self.pk = pk


@pytest.mark.parametrize("can_triage", [True, False])
@pytest.mark.parametrize("region", ["", "north_west", "<x&y>"])
@pytest.mark.parametrize("me", [8, None])
def test_overdue_action_rows_are_the_templates_byte_for_byte(can_triage, region, me):
    context = {
        "rows": ROWS,
        "my_actions": "/staff/casework/actions/?a=<1>&b",
        "region": region,
        "can_triage": can_triage,
        "user": Me(me),
    }
    drawn = TAG.render(Context(context))
    assert drawn == LOOP.render(Context(context))
    assert "<b>" not in drawn
    assert "\u202e" not in drawn


def test_no_overdue_actions_draw_nothing():
    context = {"rows": [], "my_actions": "/a/", "region": "", "can_triage": True, "user": Me(1)}
    assert TAG.render(Context(context)) == LOOP.render(Context(context)) == ""


@pytest.mark.parametrize("grouped", [True, False])
def test_overdue_action_rows_group_thousands_as_the_template_does(settings, grouped):
    settings.USE_THOUSAND_SEPARATOR = grouped
    context = {"rows": ROWS, "my_actions": "/a/", "region": "", "can_triage": True, "user": Me(1)}
    drawn = TAG.render(Context(context))
    assert drawn == LOOP.render(Context(context))
    assert ("1,234" in drawn) == grouped


OPEN_LOOP = Template(
    "{% for row in rows %}\n"
    "            <tr>\n"
    '              <th scope="row">{{ row.label }}</th>\n'
    "              {% for age, count in row.cells %}\n"
    "                <td>{% if count %}"
    '<a href="{{ request_list }}?status={{ row.status }}&amp;age={{ age }}'
    '{% if region %}&amp;region={{ region }}{% endif %}">{{ count }}</a>'
    "{% else %}0{% endif %}</td>\n"
    "              {% endfor %}\n"
    "              <td>{% if row.total %}"
    '<a href="{{ request_list }}?status={{ row.status }}'
    '{% if region %}&amp;region={{ region }}{% endif %}">{{ row.total }}</a>'
    "{% else %}0{% endif %}</td>\n"
    "              <td>{% if row.overdue %}"
    '<a href="{{ request_list }}?overdue=on'
    '{% if region %}&amp;region={{ region }}{% endif %}">{{ row.overdue }}</a>'
    '{% elif row.status == "new" %}0{% else %}–{% endif %}</td>\n'
    "            </tr>\n"
    "          {% endfor %}"
)
OPEN_TAG = Template(
    "{% load nfc_dashboard %}{% open_request_rows rows request_list=request_list region=region %}"
)
OPEN_ROWS = [
    AgeRow(status="new", label="New", counts=[3, 0, 1234, 2], overdue=1236),
    AgeRow(status="new", label="New", counts=[0, 0, 0, 0], overdue=0),
    AgeRow(status="waiting", label='<b>Waiting & "so"</b>', counts=[0, 5, 0, 0], overdue=0),
]


@pytest.mark.parametrize("region", ["", "north_west", "<x&y>"])
@pytest.mark.parametrize("grouped", [True, False])
def test_open_request_rows_are_the_templates_byte_for_byte(settings, region, grouped):
    settings.USE_THOUSAND_SEPARATOR = grouped
    context = {"rows": OPEN_ROWS, "request_list": "/r/?a=<1>&b", "region": region}
    drawn = OPEN_TAG.render(Context(context))
    assert drawn == OPEN_LOOP.render(Context(context))
    assert "<b>" not in drawn
