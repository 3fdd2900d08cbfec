"""Follow-up actions through the API: added, changed and marked done as on
the web, by those the web lets."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from casework.models import Action, AuditEntry
from tests.api.casework_data import a_request, costs_the_same, queries_of
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

LIST = reverse("casework_api:action-list")
NEXT_WEEK = timezone.localdate() + datetime.timedelta(days=7)


def detail(action) -> str:
    return reverse("casework_api:action-detail", kwargs={"pk": action.pk})


def done(action) -> str:
    return reverse("casework_api:action-done", kwargs={"pk": action.pk})


def an_action(area, owner, **fields) -> Action:
    values = {"description": "Ring the chair", "due_on": NEXT_WEEK, **fields}
    return Action.objects.create(area=area, owner=owner, **values)


def audited(action, kind) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Action),
            object_id=action.pk,
            action=kind,
        )
    )


def test_an_adviser_adds_an_action_for_their_community_worker(
    api_as, hendon, adviser, community_worker
):
    response = api_as("adviser").post(
        LIST,
        {
            "area": hendon.ward_code,
            "description": "Book the hall",
            "owner": community_worker.pk,
            "due_on": str(NEXT_WEEK),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    action = Action.objects.get()
    assert action.owner == community_worker
    assert action.created_by == adviser
    assert response.json()["owner"] == community_worker.pk
    assert response.json()["owner_name"] == community_worker.full_name
    assert audited(action, AuditEntry.Action.CREATED)[0].changed_by == adviser


def test_an_action_for_someone_who_does_not_work_there_is_refused(api_as, hendon, outsider):
    response = api_as("adviser").post(
        LIST,
        {
            "area": hendon.ward_code,
            "description": "Book the hall",
            "owner": outsider.pk,
            "due_on": str(NEXT_WEEK),
        },
        format="json",
    )

    assert response.status_code == 400
    assert "owner" in response.json()
    assert not Action.objects.exists()


def test_an_action_due_in_the_past_is_refused(api_as, hendon):
    response = api_as("adviser").post(
        LIST,
        {"area": hendon.ward_code, "description": "Too late", "due_on": "2020-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["due_on"]


def test_the_owner_changes_an_action_and_it_is_audited(api_as, hendon, adviser):
    action = an_action(hendon, adviser)

    response = api_as("adviser").patch(
        detail(action),
        {"description": "Ring the treasurer", "seen": action.fingerprint},
        format="json",
    )

    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert action.description == "Ring the treasurer"
    assert audited(action, AuditEntry.Action.CHANGED)[0].changes["description"] == [
        "Ring the chair",
        "Ring the treasurer",
    ]


def test_a_change_made_meanwhile_is_not_overwritten(api_as, hendon, adviser):
    action = an_action(hendon, adviser)
    seen = action.fingerprint
    Action.objects.filter(pk=action.pk).update(description="Ring the secretary")

    response = api_as("adviser").patch(
        detail(action), {"description": "Ring the treasurer", "seen": seen}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "seen": [
            "Someone changed this action since you read it: nothing was saved. "
            "Read it again, and send its new fingerprint as seen."
        ]
    }
    action.refresh_from_db()
    assert action.description == "Ring the secretary"


def test_a_change_without_the_fingerprint_read_is_refused(api_as, hendon, adviser):
    action = an_action(hendon, adviser)

    response = api_as("adviser").patch(
        detail(action), {"description": "Ring the treasurer"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["seen"]
    action.refresh_from_db()
    assert action.description == "Ring the chair"


def test_another_persons_action_is_not_there_for_a_community_worker(api_as, hendon, adviser):
    action = an_action(hendon, adviser)
    client = api_as("community_worker")

    assert client.patch(detail(action), {"description": "Mine"}, format="json").status_code == 404
    assert client.post(done(action)).status_code == 404
    action.refresh_from_db()
    assert action.done_at is None


def test_the_owner_marks_an_action_done_once(api_as, hendon, adviser):
    action = an_action(hendon, adviser)
    client = api_as("adviser")

    first = client.post(done(action))
    again = client.post(done(action))

    assert first.status_code == again.status_code == 200
    assert first.json()["done_at"] is not None
    assert len(audited(action, AuditEntry.Action.CHANGED)) == 1


def test_a_done_action_cannot_be_changed(api_as, hendon, adviser):
    action = an_action(hendon, adviser, done_at=timezone.now(), done_by=adviser)

    response = api_as("adviser").patch(
        detail(action), {"description": "Again", "seen": action.fingerprint}, format="json"
    )

    assert response.status_code == 400
    assert "can no longer be changed" in response.json()["non_field_errors"][0]


def test_actions_outside_ones_scope_are_not_there(api_as, hendon, adviser, manager):
    mine = an_action(hendon, adviser)
    elsewhere = an_action(AreaFactory(name="Elsewhere"), manager)
    client = api_as("adviser")

    assert {row["id"] for row in client.get(LIST).json()["results"]} == {mine.pk}
    assert client.get(detail(elsewhere)).status_code == 404


def test_a_read_only_token_cannot_mark_an_action_done(api_as, hendon, adviser):
    action = an_action(hendon, adviser)

    assert api_as("adviser", read_only=True).post(done(action)).status_code == 403
    action.refresh_from_db()
    assert action.done_at is None


def test_the_list_costs_the_same_queries_at_ten_times_the_data(
    django_assert_num_queries, api_as, hendon, adviser, community_worker
):
    def add(count):
        for _ in range(count):
            an_action(hendon, adviser, support_request=a_request(hendon))
            an_action(hendon, community_worker, done_at=timezone.now())
            an_action(AreaFactory(), community_worker)

    client = api_as("manager")
    add(2)
    once = queries_of(client, LIST)
    add(18)
    costs_the_same(django_assert_num_queries, client, LIST, once)
