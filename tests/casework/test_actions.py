"""Follow-up actions after they are set: who may close or change them once
an area changes hands, and rewording, handing on and rescheduling."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from advisers import services as staff_services
from casework import services
from casework.models import Action, AuditEntry
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def action_in(area, owner, *, due_in_days=7, description="Ring the chair about the plan"):
    return Action.objects.create(
        area=area,
        owner=owner,
        description=description,
        due_on=TODAY() + datetime.timedelta(days=due_in_days),
    )


def change(client, action, **data):
    values = {
        "description": action.description,
        "owner": action.owner_id,
        "due_on": action.due_on.isoformat(),
    }
    values.update(data)
    return client.post(f"/staff/casework/actions/{action.pk}/change/", values)


def test_the_adviser_who_holds_an_area_now_closes_an_action_left_with_someone_else(
    hendon, adviser, community_worker
):
    left_behind = action_in(hendon, community_worker)
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/")
    assert f"/staff/casework/actions/{left_behind.pk}/done/" in page.content.decode()

    response = client_for(adviser).post(f"/staff/casework/actions/{left_behind.pk}/done/")

    assert response.status_code == 302
    left_behind.refresh_from_db()
    assert left_behind.done_at is not None


def test_after_a_handover_the_new_adviser_may_close_what_the_old_one_left(hendon, adviser):
    successor = UserFactory(role="adviser", full_name="Sol Successor")
    staff_services.area_assign_adviser(area=hendon, adviser=successor, by=None)
    # Set up for the old adviser after the handover (by a manager, say).
    action = action_in(hendon, adviser)

    response = client_for(successor).post(f"/staff/casework/actions/{action.pk}/done/")

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None


def test_a_community_worker_may_not_close_or_change_the_advisers_action(
    hendon, adviser, community_worker
):
    action = action_in(hendon, adviser)
    client = client_for(community_worker)

    assert client.post(f"/staff/casework/actions/{action.pk}/done/").status_code == 404
    assert client.get(f"/staff/casework/actions/{action.pk}/change/").status_code == 404
    assert change(client, action, description="Mine now").status_code == 404
    action.refresh_from_db()
    assert (action.description, action.done_at) == ("Ring the chair about the plan", None)


def test_the_owner_reschedules_an_action_and_the_change_is_in_the_history(hendon, adviser):
    action = action_in(hendon, adviser)
    later = TODAY() + datetime.timedelta(days=21)

    response = change(
        client_for(adviser), action, due_on=later.isoformat(), next="/staff/casework/actions/"
    )

    assert response.url == "/staff/casework/actions/"
    action.refresh_from_db()
    assert action.due_on == later
    entry = AuditEntry.objects.get(
        content_type__model="action", object_id=action.pk, action="changed"
    )
    assert entry.changed_by == adviser
    assert entry.changes == {"due_on": [str(TODAY() + datetime.timedelta(days=7)), str(later)]}


def test_the_change_page_shows_the_action_as_it_stands(hendon, adviser):
    action = action_in(hendon, adviser, description="Book the hall")
    page = client_for(adviser).get(f"/staff/casework/actions/{action.pk}/change/")
    html = page.content.decode()
    assert 'value="Book the hall"' in html
    assert f'value="{action.due_on:%Y-%m-%d}"' in html


def test_an_overdue_action_may_be_reworded_without_a_new_date(hendon, adviser):
    action = action_in(hendon, adviser, due_in_days=-3)
    change(client_for(adviser), action, description="Book the hall for May")
    action.refresh_from_db()
    assert action.description == "Book the hall for May"


def test_a_new_date_in_the_past_is_refused_and_nothing_is_saved(hendon, adviser):
    action = action_in(hendon, adviser)
    yesterday = TODAY() - datetime.timedelta(days=1)

    response = change(
        client_for(adviser), action, due_on=yesterday.isoformat(), description="Typed anew"
    )

    assert response.status_code == 200
    assert "The date cannot be in the past." in response.content.decode()
    # What the person typed is still in the form.
    assert 'value="Typed anew"' in response.content.decode()
    action.refresh_from_db()
    assert (action.description, action.due_on) == (
        "Ring the chair about the plan",
        TODAY() + datetime.timedelta(days=7),
    )


def test_an_action_is_handed_only_to_someone_who_works_on_the_area(hendon, adviser):
    action = action_in(hendon, adviser)
    stranger = UserFactory(role="adviser", full_name="Otto Outsider")

    response = change(client_for(adviser), action, owner=stranger.pk)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    action.refresh_from_db()
    assert action.owner == adviser


def test_an_action_is_handed_to_the_community_worker(hendon, adviser, community_worker):
    action = action_in(hendon, adviser)
    change(client_for(adviser), action, owner=community_worker.pk)
    action.refresh_from_db()
    assert action.owner == community_worker


def test_an_action_marked_done_meanwhile_is_not_changed_and_the_person_is_told(
    hendon, adviser, manager
):
    action = action_in(hendon, adviser)
    client_for(manager).post(f"/staff/casework/actions/{action.pk}/done/")

    client = client_for(adviser)
    response = change(client, action, description="Again")

    assert response.url == "/staff/casework/actions/"
    page = client.get(response.url).text
    assert "was marked done by Mina Manager: nothing was changed." in page
    action.refresh_from_db()
    assert action.description == "Ring the chair about the plan"


def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten_unseen(
    hendon, adviser, manager
):
    action = action_in(hendon, adviser)
    seen = action.fingerprint
    change(client_for(manager), action, description="Ring the chair on Monday")

    response = change(client_for(adviser), action, description="Email the chair", seen=seen)

    assert response.status_code == 200
    assert "Someone changed this action while you had it open" in response.text
    assert "Ring the chair on Monday" in response.text
    assert 'value="Email the chair"' in response.text
    action.refresh_from_db()
    assert action.description == "Ring the chair on Monday"
    # Saving again, having seen it, keeps their words.
    again = change(
        client_for(adviser),
        action,
        description="Email the chair",
        seen=response.context["form"].data["seen"],
    )
    assert again.status_code == 302
    action.refresh_from_db()
    assert action.description == "Email the chair"


def test_the_timeline_names_who_set_an_action_and_who_marked_it_done(
    hendon, adviser, community_worker
):
    action = services.action_add(
        area=hendon,
        owner=community_worker,
        by=adviser,
        description="Book the hall",
        due_on=TODAY() + datetime.timedelta(days=3),
    )
    services.action_done(action=action, by=adviser)
    page = client_for(adviser).get(f"/staff/casework/areas/{hendon.ward_code}/timeline/").text
    text = " ".join(page.split())
    assert "Book the hall (for Callum Worker, by" in text
    assert '<strong>Action done</strong>: Book the hall <span class="muted">(Asha Adviser)' in text


def test_an_empty_description_is_refused(hendon, adviser):
    action = action_in(hendon, adviser)
    response = change(client_for(adviser), action, description="")
    assert "This field is required." in response.content.decode()
    action.refresh_from_db()
    assert action.description == "Ring the chair about the plan"


def test_an_action_for_a_request_is_offered_and_saved_only_on_the_requests_area(hendon, manager):
    support_request = SupportRequestFactory(area=hendon)
    elsewhere = AreaFactory(name="Elsewhere")
    url = f"/staff/casework/actions/new/?request={support_request.reference}"
    client = client_for(manager)
    assert "Elsewhere" not in client.get(url).text
    response = client.post(
        url,
        {
            "area": elsewhere.pk,
            "description": "Ring the chair",
            "owner": manager.pk,
            "due_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert not Action.objects.exists()


def test_the_service_refuses_an_action_on_another_area_than_its_request(hendon, manager):
    support_request = SupportRequestFactory(area=hendon)
    with pytest.raises(ValidationError, match="is about another area, Hendon"):
        services.action_add(
            area=AreaFactory(),
            support_request=support_request,
            owner=manager,
            by=manager,
            description="Ring the chair",
            due_on=TODAY(),
        )
    assert not Action.objects.exists()


def test_no_writer_saves_an_action_on_another_area_than_its_request(hendon, manager):
    support_request = SupportRequestFactory(area=hendon)
    action = Action(
        area=AreaFactory(),
        support_request=support_request,
        owner=manager,
        description="Ring the chair",
        due_on=TODAY(),
    )
    with pytest.raises(ValidationError, match="about another area"):
        action.full_clean()


def test_the_area_page_asks_once_who_may_change_its_actions(
    hendon, adviser, community_worker, django_assert_max_num_queries
):
    client = client_for(adviser)
    url = f"/staff/areas/{hendon.ward_code}/"
    action_in(hendon, community_worker)
    # 30, and 7 for the network's panel (events.network_views).
    with django_assert_max_num_queries(37) as first:
        client.get(url)
    for _ in range(10):
        action_in(hendon, community_worker)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url)
    assert page.text.count("Mark done<span") == 11
