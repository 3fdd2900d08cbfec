"""Attendance per area and per event, who came from an adviser's areas on
their home page, and the follow-up action made from it."""

import datetime
import random
from pathlib import Path

import pytest
from django.db import connection
from django.template import Context, Template, engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.safestring import mark_safe

from advisers import services as staff_services
from advisers.roles import Role
from areas.models import Region
from casework.models import Action
from events import attendance_panels, selectors
from events.attendance_demo import demo_attendance_seed
from events.models import Feedback, Registration
from nfc.periods import Period
from tests.events.test_feedback import came, ended_days_ago
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.test_permission_matrix import signed_in

pytestmark = pytest.mark.django_db


def test_attendance_by_area_counts_people_and_events_in_the_period_asked():
    hendon, seaham = AreaFactory(name="Hendon"), AreaFactory(name="Seaham")
    last_week, last_year = ended_days_ago(7), ended_days_ago(400)
    came(last_week, area=hendon)
    came(last_week, area=hendon)
    came(last_week, area=seaham)
    came(ended_days_ago(8), area=hendon)
    RegistrationFactory(event=last_week, area=seaham)  # did not come
    came(last_year, area=seaham)
    today = timezone.localdate()
    month = Period(today - datetime.timedelta(days=30), today + datetime.timedelta(days=1))

    rows = selectors.attendance_by_area(registrations=Registration.objects.all(), period=month)

    assert [(r["area__name"], r["people"], r["events"]) for r in rows] == [
        ("Hendon", 3, 2),
        ("Seaham", 1, 1),
    ]


def test_attendance_by_event_counts_those_expected_those_who_came_and_walk_ins():
    event = ended_days_ago(1)
    came(event)
    RegistrationFactory(event=event)
    came(event, walk_in=True)
    RegistrationFactory(event=event, status=Registration.Status.CANCELLED)

    counted = selectors.attendance_by_event(events=type(event).objects.filter(pk=event.pk)).get()

    assert (counted.expected, counted.came, counted.walk_ins) == (2, 2, 1)


def test_the_adviser_sees_who_came_from_their_areas_and_no_one_else(adviser, hendon):
    event = ended_days_ago(3)
    came(event, area=hendon, name="Pat Robinson")
    RegistrationFactory(event=event, area=hendon, name="Absent Annie")
    came(event, area=AreaFactory(), name="Other Otto")
    came(ended_days_ago(90), area=hendon, name="Long Ago Lee")

    page = signed_in(adviser).get("/staff/").text

    assert "Who came to events from your areas" in page
    assert "Pat Robinson" in page
    assert "Make a follow-up action" in page
    for name in ("Absent Annie", "Other Otto", "Long Ago Lee"):
        assert name not in page


@pytest.mark.parametrize("role", ["community_worker", "evaluator", "manager"])
def test_the_panel_is_only_for_advisers_with_areas(request, hendon, role):
    came(ended_days_ago(3), area=hendon, name="Pat Robinson")

    page = signed_in(request.getfixturevalue(role)).get("/staff/").text

    assert "Who came to events from your areas" not in page
    assert "Pat Robinson" not in page


def test_the_home_page_asks_the_same_number_of_queries_however_many_came(
    adviser, hendon, django_assert_max_num_queries
):
    client = signed_in(adviser)
    event = ended_days_ago(3)

    # Half asked to be contacted: their e-mail and phone are shown, asking no more.
    for n in range(2):
        came(event, area=hendon, follow_up_consented_at=timezone.now() if n % 2 else None)
    with django_assert_max_num_queries(40) as few:
        client.get("/staff/")
    for n in range(40):
        came(event, area=hendon, follow_up_consented_at=timezone.now() if n % 2 else None)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/staff/")


def test_the_home_page_reads_only_what_it_shows_of_who_came(adviser, hendon):
    came(ended_days_ago(3), area=hendon, name="Pat Robinson", access_needs="A ramp")
    with CaptureQueriesContext(connection) as seen:
        page = signed_in(adviser).get("/staff/").text
    assert "Pat Robinson" in page
    read = " ".join(q["sql"] for q in seen.captured_queries if "events_registration" in q["sql"])
    assert "access_needs" not in read
    assert "dietary_needs" not in read


def test_the_adviser_makes_a_follow_up_action_from_an_attendance(adviser, hendon):
    pat = came(
        ended_days_ago(3), area=hendon, name="Pat Robinson", follow_up_consented_at=timezone.now()
    )
    client = signed_in(adviser)
    url = f"/staff/events/attendance/{pat.pk}/action/"

    form = client.get(url)
    due = timezone.localdate() + datetime.timedelta(days=5)
    response = client.post(url, {"description": "Ask Pat to lead the visit", "due_on": due})

    assert "Contact Pat Robinson after" in form.text
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.area, action.owner, action.created_by) == (hendon, adviser, adviser)
    assert (action.description, action.due_on) == ("Ask Pat to lead the visit", due)
    home = client.get(response.url).text
    assert "Added: Ask Pat to lead the visit" in home
    assert "Follow-up: Ask Pat to lead the visit" in home
    assert "Make a follow-up action" not in home
    pat.refresh_from_db()
    assert pat.follow_up_action == action


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"description": "", "due_on": "2099-01-01"}, "Say what needs doing."),
        ({"description": "Ring Pat", "due_on": ""}, "Give a date."),
        ({"description": "Ring Pat", "due_on": "someday"}, "Give a date, like"),
        ({"description": "Ring Pat", "due_on": "2020-01-01"}, "past"),
        ({"description": "x" * 301, "due_on": "2099-01-01"}, "Keep this to 300 letters"),
    ],
)
def test_an_action_with_bad_input_saves_nothing_and_keeps_what_was_typed(
    adviser, hendon, data, message
):
    pat = came(ended_days_ago(3), area=hendon)

    response = signed_in(adviser).post(f"/staff/events/attendance/{pat.pk}/action/", data)

    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert message in response.text
    assert not Action.objects.exists()
    if data["description"] and len(data["description"]) < 300:
        assert data["description"] in response.text


def test_an_attendance_outside_the_advisers_areas_or_not_checked_in_is_not_found(
    adviser, outsider, hendon
):
    event = ended_days_ago(3)
    pat = came(event, area=hendon)
    absent = RegistrationFactory(event=event, area=hendon)

    assert signed_in(outsider).get(f"/staff/events/attendance/{pat.pk}/action/").status_code == 404
    assert (
        signed_in(adviser).get(f"/staff/events/attendance/{absent.pk}/action/").status_code == 404
    )
    assert not Action.objects.exists()


def test_a_regional_lead_cannot_follow_up_someone_from_another_region(manager):
    lead = manager
    lead.region = Region.LONDON
    lead.save()
    area = AreaFactory(region=Region.NORTH_EAST)
    pat = came(ended_days_ago(3, region=Region.NORTH_EAST), area=area)

    response = signed_in(lead).get(f"/staff/events/attendance/{pat.pk}/action/")

    assert response.status_code == 404


def test_the_area_page_shows_how_many_came_to_each_event(manager, hendon, evaluator):
    event = ended_days_ago(10)
    came(event, area=hendon, name="Pat Robinson")
    came(event, area=hendon)
    RegistrationFactory(event=event, area=hendon)

    page = signed_in(evaluator).get(f"/staff/areas/{hendon.ward_code}/events/").text

    assert "2 people from Hendon came to 1 event in the past year." in page
    assert event.title in page
    assert "Pat Robinson" not in page


def test_an_adviser_who_leaves_an_area_no_longer_sees_its_people(adviser, hendon, manager):
    came(ended_days_ago(3), area=hendon, name="Pat Robinson")
    staff_services.area_assign_adviser(
        area=hendon, adviser=UserFactory(role=Role.ADVISER), by=manager
    )

    assert "Pat Robinson" not in signed_in(adviser).get("/staff/").text


def test_the_demo_checks_people_in_at_past_events_once():
    past, future = ended_days_ago(20), EventFactory(published=True)
    for _ in range(10):
        RegistrationFactory(event=past)
    RegistrationFactory(event=future)

    assert demo_attendance_seed(rng=random.Random(1)) == 1
    assert demo_attendance_seed(rng=random.Random(1)) == 0

    assert Registration.objects.filter(event=past, checked_in_at__isnull=False).count() >= 5
    assert not Registration.objects.filter(event=future, checked_in_at__isnull=False).exists()
    assert Feedback.objects.filter(registration__event=past).exists()


def test_who_came_and_its_follow_up_show_names_without_direction_overrides(adviser, hendon):
    pat = came(
        ended_days_ago(3),
        area=hendon,
        name="Pat \u202enosnibor",
        follow_up_consented_at=timezone.now(),
    )
    client = signed_in(adviser)

    home = client.get("/staff/").text
    form = client.get(f"/staff/events/attendance/{pat.pk}/action/").text

    assert "Pat nosnibor" in home
    assert "Contact Pat nosnibor after" in form
    assert "\u202e" not in home + form


def _asked_to_be_contacted(area, **kwargs) -> Registration:
    return came(
        ended_days_ago(3),
        area=area,
        name="Pat Robinson",
        email="pat@example.org",
        phone="07700 900123",
        follow_up_consented_at=timezone.now(),
        **kwargs,
    )


def test_the_adviser_sees_how_to_reach_only_those_who_asked_to_be_contacted(adviser, hendon):
    pat = _asked_to_be_contacted(hendon)
    came(pat.event, area=hendon, name="Sam Quiet", email="sam@example.org", phone="07700 900456")
    client = signed_in(adviser)

    home = client.get("/staff/").text
    pats_form = client.get(f"/staff/events/attendance/{pat.pk}/action/").text

    assert "pat@example.org" in home
    assert "07700 900123" in home
    assert "Make an action to contact them" in home
    assert "sam@example.org" not in home
    assert "07700 900456" not in home
    assert "They did not ask to be contacted after the event" in home
    assert "pat@example.org" in pats_form
    assert "07700 900123" in pats_form


def test_someone_who_did_not_ask_is_not_offered_as_someone_to_contact(adviser, hendon):
    sam = came(ended_days_ago(3), area=hendon, name="Sam Quiet", email="sam@example.org")
    client = signed_in(adviser)

    home = client.get("/staff/").text
    form = client.get(f"/staff/events/attendance/{sam.pk}/action/").text

    assert "Make an action to contact them" not in home
    assert "Make a follow-up action" in home
    assert "They did not ask to be contacted after the event" in form
    assert "sam@example.org" not in form
    assert "Contact Sam" not in form
    assert "Follow up with Sam" not in form


@pytest.mark.parametrize("role", ["outsider", "community_worker", "evaluator", "manager"])
def test_nobody_but_the_areas_adviser_sees_how_to_reach_them(request, hendon, role):
    pat = _asked_to_be_contacted(hendon)
    client = signed_in(request.getfixturevalue(role))

    home = client.get("/staff/").text
    form = client.get(f"/staff/events/attendance/{pat.pk}/action/").text

    for seen in (home, form):
        assert "pat@example.org" not in seen
        assert "07700 900123" not in seen


def test_an_adviser_who_leaves_the_area_no_longer_sees_how_to_reach_them(adviser, hendon, manager):
    pat = _asked_to_be_contacted(hendon)
    staff_services.area_assign_adviser(
        area=hendon, adviser=UserFactory(role=Role.ADVISER), by=manager
    )

    form = signed_in(adviser).get(f"/staff/events/attendance/{pat.pk}/action/").text

    assert "pat@example.org" not in form


def test_the_registrations_scope_is_a_condition_on_the_event_not_a_subquery(adviser, manager):
    """A subquery of every event, with the areas' ids, cost the home page's
    planner 4-7 ms and once led it to read every registration of the
    period's events."""
    national = came(ended_days_ago(3, kind="national", region=""))
    here = came(ended_days_ago(3, region=Region.NORTH_EAST))
    there = came(ended_days_ago(3, region=Region.LONDON))
    lead = UserFactory(role=Role.MANAGER, region=Region.NORTH_EAST)

    assert "SELECT" not in str(Registration.objects.visible_to(adviser).query).split("FROM", 1)[1]
    assert set(Registration.objects.visible_to(lead)) == {national, here}
    assert set(Registration.objects.visible_to(manager)) == {national, here, there}


def test_who_came_shows_what_people_typed_as_text_not_markup(adviser, hendon):
    # The panel's lines are written in Python: every typed value escaped.
    event = ended_days_ago(3, title="<b>Fun</b> day")
    came(
        event,
        area=hendon,
        name="Pat <script>x</script>",
        email='pat"@example.org',
        phone="<i>0770</i>",
        follow_up_consented_at=timezone.now(),
    )

    page = signed_in(adviser).get("/staff/").text

    assert "&lt;b&gt;Fun&lt;/b&gt; day" in page
    assert "Pat &lt;script&gt;x&lt;/script&gt;" in page
    assert 'href="mailto:pat&quot;@example.org"' in page
    assert "&lt;i&gt;0770&lt;/i&gt;" in page
    assert "<script>x" not in page


# The home page's panel as its template drew it, before it was written in
# Python (its rows were already written by _attendance_lines).
HOME_PANEL = (Path(__file__).parent / "home_attendance_panel.html").read_text()


@pytest.mark.parametrize("came_in_all", [0, 3, attendance_panels.HOME_LIMIT + 1])
def test_the_home_panel_is_what_its_template_drew(monkeypatch, came_in_all):
    def lines(user, people):
        return mark_safe(f"<li>{len(people)} people & <b>more</b></li>")

    monkeypatch.setattr(attendance_panels, "_attendance_lines", lines)
    people = list(range(came_in_all))
    shown = min(came_in_all, attendance_panels.HOME_LIMIT)
    expected = Template(HOME_PANEL, engine=engines["django"].engine).render(
        Context(
            {
                "people": lines(None, people[:shown]),
                "shown": shown,
                "more": came_in_all > shown,
                "days": attendance_panels.RECENT_DAYS,
            }
        )
    )
    assert attendance_panels._attendance_panel(None, people) == expected
