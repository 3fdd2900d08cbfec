"""Logging interactions and follow-up actions: quick, scoped, checked."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework import services
from casework.models import Action, Interaction
from tests.factories import AreaFactory, SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def log(client, **changes):
    data = {
        "date": timezone.localdate(),
        "kind": "meeting",
        "residents": "12",
        "new_residents": "3",
        "minutes": "90",
        "topics": ["plan", "funding"],
        "notes": "Steering group",
        "next_steps": "Draft the plan",
    }
    data.update(changes)
    return client.post("/staff/casework/interactions/new/?area=E05001158", data)


def test_the_log_form_arrives_with_the_area_and_date_filled_in(hendon, adviser):
    page = client_for(adviser).get("/staff/casework/interactions/new/?area=E05001158")
    form = page.context["form"]
    assert form.initial["area"] == hendon
    assert form["date"].value() == timezone.localdate()


def test_an_adviser_logs_an_interaction_in_a_handful_of_fields(hendon, adviser):
    response = log(client_for(adviser), area=hendon.pk)
    assert response.url == "/staff/areas/E05001158/"
    interaction = Interaction.objects.get()
    assert (
        interaction.area,
        interaction.logged_by,
        interaction.residents,
        interaction.new_residents,
    ) == (hendon, adviser, 12, 3)
    assert interaction.topic_labels == ["Confidence and a plan for change", "Funding bids"]


def test_an_interaction_logged_from_a_request_is_linked_to_it(hendon, adviser):
    support_request = SupportRequestFactory(area=hendon)
    client = client_for(adviser)
    data = {
        "request": support_request.reference,
        "area": hendon.pk,
        "date": timezone.localdate(),
        "kind": "call",
        "residents": "1",
        "new_residents": "1",
    }
    response = client.post(
        f"/staff/casework/interactions/new/?request={support_request.reference}", data
    )
    assert response.url == f"/staff/casework/requests/{support_request.reference}/"
    assert Interaction.objects.get().support_request == support_request
    assert "Phone call</strong> by Asha Adviser" in client.get(response.url).text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"new_residents": "20"}, "cannot be more than the residents"),
        ({"date": "2999-01-01"}, "cannot be in the future"),
        ({"minutes": "0"}, "greater than or equal to 1"),
        ({"kind": "party"}, "Select a valid choice"),
        ({"topics": ["astrology"]}, "Select a valid choice"),
        ({"notes": "x" * 4001}, "at most 4000 characters"),
        ({"residents": "-1"}, "greater than or equal to 0"),
    ],
)
def test_a_bad_interaction_is_refused_and_nothing_is_saved(hendon, adviser, changes, message):
    response = log(client_for(adviser), area=hendon.pk, **changes)
    assert response.status_code == 200
    assert message in response.text
    assert not Interaction.objects.exists()


def test_nobody_logs_for_an_area_that_is_not_theirs(hendon, outsider):
    response = log(client_for(outsider), area=hendon.pk)
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="not one of your areas"):
        services.interaction_log(area=hendon, by=outsider, date=timezone.localdate(), kind="call")
    assert not Interaction.objects.exists()


@pytest.mark.parametrize("role", ["community_worker", "manager"])
def test_the_community_worker_and_managers_log_interactions_too(request, hendon, role):
    # Who may open the form at all is the permission matrix's.
    user = request.getfixturevalue(role)
    assert log(client_for(user), area=hendon.pk).status_code == 302
    assert Interaction.objects.get().logged_by == user


def test_an_interaction_cannot_be_tied_to_another_areas_request(hendon, adviser):
    elsewhere = SupportRequestFactory(area=AreaFactory())
    with pytest.raises(ValidationError, match="about another area"):
        services.interaction_log(
            area=hendon,
            by=adviser,
            support_request=elsewhere,
            date=timezone.localdate(),
            kind="call",
        )


# --- Actions --------------------------------------------------------------


def add_action(client, **changes):
    data = {
        "area": "",
        "description": "Send the grant guidance",
        "owner": "",
        "due_on": timezone.localdate() + datetime.timedelta(days=7),
    }
    data.update(changes)
    return client.post("/staff/casework/actions/new/?area=E05001158", data)


def test_an_adviser_gives_an_action_to_the_community_worker(hendon, adviser, community_worker):
    response = add_action(client_for(adviser), area=hendon.pk, owner=community_worker.pk)
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.owner, action.created_by, action.area) == (community_worker, adviser, hendon)
    assert (
        "Send the grant guidance"
        in client_for(community_worker).get("/staff/casework/actions/").text
    )


def test_an_action_cannot_go_to_someone_who_does_not_work_there(hendon, adviser, outsider):
    response = add_action(client_for(adviser), area=hendon.pk, owner=outsider.pk)
    assert "Select a valid choice" in response.text
    assert 'value="Send the grant guidance"' in response.text
    assert not Action.objects.exists()
    with pytest.raises(ValidationError, match="does not work on Hendon"):
        services.action_add(
            area=hendon,
            owner=outsider,
            by=adviser,
            description="Call",
            due_on=timezone.localdate(),
        )


def test_the_action_form_offers_the_writer_first_and_only_people_on_the_area(
    hendon, adviser, community_worker, manager, outsider
):
    form = client_for(adviser).get("/staff/casework/actions/new/?area=E05001158").context["form"]
    owners = set(form.fields["owner"].queryset)
    assert owners == {adviser, community_worker, manager}
    assert outsider not in owners
    assert form["owner"].value() == adviser.pk


def test_an_action_due_in_the_past_is_refused_with_what_was_typed_kept(hendon, adviser):
    response = add_action(
        client_for(adviser),
        area=hendon.pk,
        owner=adviser.pk,
        due_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    assert "The date cannot be in the past." in response.text
    assert 'value="Send the grant guidance"' in response.text
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": ""}, "This field is required."),
        ({"due_on": "soon"}, "Enter a valid date."),
        ({"description": "x" * 301}, "at most 300 characters"),
    ],
)
def test_a_bad_action_is_refused(hendon, adviser, changes, message):
    response = add_action(client_for(adviser), area=hendon.pk, owner=adviser.pk, **changes)
    assert message in response.text
    assert not Action.objects.exists()


def test_overdue_actions_stand_out_on_the_owners_home_until_done(hendon, adviser):
    action = services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        description="Call the council",
        due_on=timezone.localdate() - datetime.timedelta(days=2),
    )
    client = client_for(adviser)
    home = client.get("/staff/").text
    assert "Overdue actions" in home
    assert "Call the council" in home
    client.post(f"/staff/casework/actions/{action.pk}/done/")
    action.refresh_from_db()
    assert action.done_at is not None
    assert "Overdue actions" not in client.get("/staff/").text


def test_nobody_marks_someone_elses_action_done(hendon, adviser, community_worker):
    action = services.action_add(
        area=hendon,
        owner=adviser,
        by=adviser,
        description="Call the council",
        due_on=timezone.localdate(),
    )
    assert (
        client_for(community_worker).post(f"/staff/casework/actions/{action.pk}/done/").status_code
        == 404
    )
    action.refresh_from_db()
    assert action.done_at is None


def test_my_actions_query_count_stays_flat(hendon, adviser, django_assert_max_num_queries):
    client = client_for(adviser)

    def load():
        with django_assert_max_num_queries(8):
            assert client.get("/staff/casework/actions/").status_code == 200

    load()
    for n in range(20):
        services.action_add(
            area=hendon,
            owner=adviser,
            by=adviser,
            description=f"Task {n}",
            due_on=timezone.localdate(),
        )
    load()


# --- Timelines --------------------------------------------------------------


def test_a_requests_timeline_puts_everything_newest_first(hendon, adviser):
    support_request = SupportRequestFactory(area=hendon)
    services.interaction_log(
        area=hendon,
        by=adviser,
        support_request=support_request,
        date=timezone.localdate() - datetime.timedelta(days=2),
        kind="call",
        notes="First call",
    )
    services.support_request_move(
        support_request=support_request, to_status="acknowledged", by=adviser, note="Replied"
    )
    page = client_for(adviser).get(f"/staff/casework/requests/{support_request.reference}/").text
    assert page.index("New → Acknowledged: Replied") < page.index("Phone call: First call")


def test_an_outsider_gets_404_for_the_timeline_of_an_area_not_theirs(hendon, outsider):
    # Which roles may open a timeline is the permission matrix's.
    response = client_for(outsider).get("/staff/casework/areas/E05001158/timeline/")
    assert response.status_code == 404


def test_the_area_timeline_query_count_stays_flat(hendon, adviser, django_assert_max_num_queries):
    client = client_for(adviser)

    def load():
        with django_assert_max_num_queries(12):
            assert client.get("/staff/casework/areas/E05001158/timeline/").status_code == 200

    load()
    for n in range(10):
        support_request = SupportRequestFactory(area=hendon)
        services.support_request_move(
            support_request=support_request, to_status="acknowledged", by=adviser
        )
        services.interaction_log(
            area=hendon, by=adviser, date=timezone.localdate(), kind="visit", notes=f"Visit {n}"
        )
        services.action_add(
            area=hendon,
            owner=adviser,
            by=adviser,
            description=f"Task {n}",
            due_on=timezone.localdate(),
        )
    load()
