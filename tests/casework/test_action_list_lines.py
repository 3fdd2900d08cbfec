"""The follow-up actions list's rows, written in Python
(casework.templatetags.action_list), are the same to the byte as the
template's loop that wrote them before, whoever looks and whatever was typed."""

import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from django.template import Context, Template, engines
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from advisers import permissions
from advisers.permissions import may_change_action
from casework.models import Action
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

# The list as the template drew it before its rows were written in Python.
TEMPLATE_LOOP = (Path(__file__).parent / "action_list_loop.html").read_text()


def _as_the_loop_drew_it(context: dict) -> str:
    """The old loop's output, with each row's addresses as its tag made them."""
    rows = list(context["actions"])
    back_here = "?next=" + quote(context["request"].get_full_path(), safe="/")
    for action in rows:
        action.area_url = reverse("areas:detail", args=[action.area.ward_code])
        may_change = may_change_action(context["user"], action)
        action.change_url = (
            reverse("casework:action_change", args=[action.pk]) + back_here if may_change else ""
        )
        action.done_url = reverse("casework:action_done", args=[action.pk]) if may_change else ""
    engine = engines["django"].engine
    return Template(TEMPLATE_LOOP, engine=engine).render(Context({**context, "rows": rows}))


def _as_written_now(context: dict) -> str:
    engine = engines["django"].engine
    template = engine.get_template("casework/_action_list.html")
    return template.render(Context(context))


@pytest.fixture
def actions():
    owner = UserFactory(role="adviser", full_name='Ann <b>"Bold"</b> & \u202eSons')
    area = AreaFactory(name='St <Mary\'s> & "Co"', ward_code="E05009999")
    other_area = AreaFactory(name="Hendon", ward_code="E05001158")
    today = timezone.localdate()
    made = [
        Action.objects.create(
            area=area,
            owner=owner,
            description="<script>alert('x')</script> & \"quotes\"",
            due_on=today - datetime.timedelta(days=40),
        ),
        Action.objects.create(
            area=other_area, owner=owner, description="Book the hall", due_on=today
        ),
        Action.objects.create(
            area=area,
            owner=UserFactory(role="adviser", full_name="", email="x+y@example.org"),
            description="Ring the chair",
            due_on=today + datetime.timedelta(days=3),
        ),
    ]
    return owner, made


@pytest.mark.parametrize("show_area", [True, False])
@pytest.mark.parametrize("token", ["abc<def>", "NOTPROVIDED", None])
@pytest.mark.parametrize("viewer", ["owner", "stranger", "manager"])
@pytest.mark.parametrize("path", ["/staff/", "/staff/areas/E05009999/?a=1&b=<2>"])
def test_the_rows_are_the_loops_to_the_byte(actions, show_area, token, viewer, path):
    owner, made = actions
    user = {
        "owner": lambda: owner,
        "stranger": lambda: UserFactory(role="adviser"),
        "manager": lambda: UserFactory(role="manager"),
    }[viewer]()
    context = {
        "actions": Action.objects.filter(pk__in=[a.pk for a in made])
        .select_related("area", "owner")
        .order_by("due_on", "pk"),
        "show_area": show_area,
        "user": user,
        "request": RequestFactory().get(path),
    }
    if token is not None:
        context["csrf_token"] = token
    expected = _as_the_loop_drew_it(context)
    assert _as_written_now(context) == expected
    assert "<script>" not in expected


def test_an_empty_list_says_so(db):
    context = {"actions": [], "user": UserFactory(), "request": RequestFactory().get("/staff/")}
    assert _as_written_now(context) == _as_the_loop_drew_it(context)
    assert "No open actions." in _as_written_now(context)


def test_the_permission_is_asked_once_for_each_owner_and_area(actions, monkeypatch):
    owner, made = actions
    area = made[0].area
    for n in range(5):
        Action.objects.create(
            area=area, owner=owner, description=f"More {n}", due_on=timezone.localdate()
        )
    asked = []

    def counted(user, action):
        asked.append((action.owner_id, action.area_id))
        return permissions.may_change_action(user, action)

    monkeypatch.setattr("casework.templatetags.action_list.may_change_action", counted)
    context = {
        "actions": Action.objects.select_related("area", "owner").order_by("due_on", "pk"),
        "user": UserFactory(role="manager"),
        "request": RequestFactory().get("/staff/"),
    }
    drawn = _as_written_now(context)
    # Eight actions: six of one owner in one area, one of theirs elsewhere,
    # one of another owner.
    assert len(asked) == len(set(asked)) == 3
    assert drawn.count("Mark done") == 8
