"""Statements compiled once a process (nfc.statements) answer as the
querysets they were built from, whatever values they run with; a stand-in
that never reached the database's parameters is refused, not run."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from advisers.roles import Role
from areas.models import Region
from casework.models import Action
from events import attendance_panels
from events.models import Event
from nfc.statements import STAND_IN_DAY, STAND_IN_ID, Statement, stand_in_ids
from tests.events.test_feedback import came, ended_days_ago
from tests.factories import AreaFactory, RegistrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _actions(*, owner, due_before, areas):
    return (
        Action.objects.filter(owner=owner, due_on__lt=due_before, area_id__in=areas)
        .order_by("pk")
        .values_list("pk", "description", "due_on", "created_at", "area__name")
    )


ACTIONS = Statement(
    _actions,
    stand_ins=lambda areas: {
        "owner": STAND_IN_ID,
        "due_before": STAND_IN_DAY,
        "areas": stand_in_ids(areas),
    },
)


def test_a_statement_answers_as_its_queryset_for_each_set_of_values(adviser, outsider):
    today = timezone.localdate()
    areas = [AreaFactory() for _ in range(3)]
    for n, area in enumerate(areas):
        for owner in (adviser, outsider):
            Action.objects.create(
                area=area,
                owner=owner,
                description=f"Ring {n}",
                due_on=today + datetime.timedelta(days=n - 1),
            )
    for owner in (adviser, outsider):
        for due_before in (today, today + datetime.timedelta(days=5)):
            for chosen in ([areas[0].pk], [area.pk for area in areas]):
                values = {"owner": owner.pk, "due_before": due_before, "areas": chosen}
                rows = ACTIONS.rows(len(chosen), **values)
                assert rows == list(_actions(**values))
                assert all(isinstance(row[3], datetime.datetime) for row in rows)


def test_a_stand_in_missing_from_the_parameters_is_refused():
    lost = Statement(
        lambda *, owner: Action.objects.filter(owner=1).values_list("pk"),
        stand_ins=lambda shape: {"owner": STAND_IN_ID},
    )
    with pytest.raises(RuntimeError, match="stand-in"):
        lost.rows(None, owner=5)


@pytest.mark.parametrize(("owner", "areas"), [(None, [1]), (1, [1, None])])
def test_none_is_refused_since_the_orm_would_have_asked_is_null(adviser, owner, areas):
    ACTIONS.rows(1, owner=adviser.pk, due_before=timezone.localdate(), areas=[1])
    with pytest.raises(ValueError, match="None"):
        ACTIONS.rows(len(areas), owner=owner, due_before=timezone.localdate(), areas=areas)


def test_an_optional_stand_in_may_go_unused():
    unused = Statement(
        lambda *, owner: Action.objects.filter(owner=1).values_list("pk"),
        stand_ins=lambda shape: {"owner": STAND_IN_ID},
        optional=frozenset({"owner"}),
    )
    assert unused.rows(None, owner=5) == []


@pytest.mark.parametrize("region", [None, "", Region.NORTH_EAST, Region.LONDON])
def test_the_home_pages_people_are_the_querysets(adviser, region):
    # The panel is an adviser's; the statement answers for any role.
    person = adviser if region is None else UserFactory(role=Role.MANAGER, region=region)
    areas = [AreaFactory() for _ in range(3)]
    here, elsewhere = ended_days_ago(3), ended_days_ago(5, region=Region.LONDON)
    national = ended_days_ago(10, region="", kind=Event.Kind.NATIONAL)
    for area in areas:
        for event in (here, elsewhere, national, ended_days_ago(80)):
            came(event, area=area)
        RegistrationFactory(event=here, area=area)  # did not come
    came(here, area=AreaFactory())
    today = timezone.localdate()
    found = []
    for since_days in (60, 4):
        since = today - datetime.timedelta(days=since_days)
        for chosen in (areas[:1], areas):
            values = {
                "role": person.role,
                "region": person.region,
                "area_ids": [area.pk for area in chosen],
                "since": timezone.make_aware(datetime.datetime.combine(since, datetime.time())),
                "until": timezone.make_aware(
                    datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time())
                ),
            }
            shape = (person.role, bool(person.region), len(chosen))
            rows = attendance_panels._ATTENDEES.rows(shape, **values)
            expected = list(attendance_panels._attendees(**values))
            assert rows == expected
            found += rows
    assert found, "the data has people to find"


def test_each_connection_is_asked_for_the_converters_once(adviser, monkeypatch):
    """The converters are bound to a connection's own operations, so they
    are kept on it: asked on its first run, not on each."""
    statement = Statement(
        _actions,
        stand_ins=lambda areas: {
            "owner": STAND_IN_ID,
            "due_before": STAND_IN_DAY,
            "areas": stand_in_ids(areas),
        },
    )
    area = AreaFactory()
    Action.objects.create(area=area, owner=adviser, description="Ring", due_on=timezone.localdate())
    values = {"owner": adviser.pk, "due_before": timezone.localdate() + datetime.timedelta(1)}
    asked = []
    ask = connection.ops.get_db_converters
    monkeypatch.setattr(
        connection.ops, "get_db_converters", lambda expression: asked.append(1) or ask(expression)
    )
    first = statement.rows(1, areas=[area.pk], **values)
    asked_first = len(asked)
    again = statement.rows(1, areas=[area.pk], **values)
    assert asked_first == 5
    assert len(asked) == asked_first
    monkeypatch.undo()
    assert first == again == list(_actions(areas=[area.pk], **values))
    assert isinstance(again[0][3], datetime.datetime)
