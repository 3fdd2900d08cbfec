"""Residents' requests through the API: the web's list, page, moves and
triage, with the same scope, messages and audit history."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from casework.models import AuditEntry, ResidentMessage, StatusChange, SupportRequest
from tests.api.casework_data import a_request, costs_the_same, queries_of
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

LIST = reverse("casework_api:request-list")


def detail(support_request) -> str:
    return reverse("casework_api:request-detail", kwargs={"reference": support_request.reference})


def move(support_request) -> str:
    return reverse("casework_api:request-move", kwargs={"reference": support_request.reference})


def assign(support_request) -> str:
    return reverse("casework_api:request-assign", kwargs={"reference": support_request.reference})


def references(response) -> set[str]:
    return {row["reference"] for row in response.json()["results"]}


def test_an_adviser_lists_the_open_requests_of_their_areas_only(api_as, hendon, adviser):
    mine = a_request(hendon, assigned_to=adviser)
    closed = a_request(hendon, status=SupportRequest.Status.CLOSED)
    elsewhere = a_request(AreaFactory(name="Elsewhere"))

    response = api_as("adviser").get(LIST)

    assert response.status_code == 200
    assert references(response) == {mine.reference}
    assert closed.reference not in response.content.decode()
    assert elsewhere.reference not in response.content.decode()


def test_the_status_filter_reads_open_all_or_one_as_the_web_does(api_as, hendon):
    new = a_request(hendon)
    closed = a_request(hendon, status=SupportRequest.Status.CLOSED)
    client = api_as("manager")

    assert references(client.get(LIST, {"status": ""})) == {new.reference}
    assert references(client.get(LIST, {"status": "all"})) == {new.reference, closed.reference}
    assert references(client.get(LIST, {"status": "closed"})) == {closed.reference}
    refused = client.get(LIST, {"status": "lost"})
    assert refused.status_code == 400
    assert "status" in refused.json()


def test_the_list_narrows_by_topic_area_and_who_has_it(api_as, hendon, adviser):
    plan = a_request(hendon, topic="plan", assigned_to=adviser)
    people = a_request(hendon, topic="people")
    other = a_request(AreaFactory(name="Ryhope"), topic="plan")
    client = api_as("manager")

    assert references(client.get(LIST, {"topic": "plan"})) == {plan.reference, other.reference}
    assert references(client.get(LIST, {"area": hendon.ward_code})) == {
        plan.reference,
        people.reference,
    }
    assert references(client.get(LIST, {"assigned_to": adviser.pk})) == {plan.reference}
    assert references(client.get(LIST, {"triage": "true", "area": hendon.ward_code})) == {
        people.reference
    }
    until_before_since = client.get(LIST, {"since": "2026-06-02", "until": "2026-06-01"})
    assert until_before_since.status_code == 400
    assert until_before_since.json() == {
        "until": ["The date to must be on or after the date from."]
    }


def test_the_list_never_shows_residents_contact_details(api_as, hendon):
    a_request(hendon, name="Pat Resident", email="pat@example.org")

    body = api_as("manager").get(LIST).content.decode()

    assert "Pat Resident" not in body
    assert "pat@example.org" not in body


def test_a_request_shows_how_to_reach_them_its_steps_and_messages(api_as, hendon, adviser):
    support_request = a_request(hendon, assigned_to=adviser)
    ResidentMessage.objects.create(support_request=support_request, text="Any news?")
    client = api_as("adviser")
    client.post(move(support_request), {"to_status": "acknowledged"}, format="json")

    response = client.get(detail(support_request))

    assert response.status_code == 200
    body = response.json()
    assert body["contact"] == {
        "name": "Pat Resident",
        "email": "pat@example.org",
        "phone": "0191 496 0000",
        "postcode": "SR2 8AA",
        "contact_by": "email",
    }
    assert [(c["from_status"], c["to_status"]) for c in body["status_changes"]] == [
        ("new", "acknowledged")
    ]
    assert body["status_changes"][0]["changed_by"] == adviser.pk
    assert body["status_changes"][0]["changed_by_name"] == adviser.full_name
    # A script reading them is not the adviser reading them: they stay new
    # for the web's page.
    assert [(m["text"], m["seen_at"]) for m in body["messages"]] == [("Any news?", None)]
    assert client.get(detail(support_request)).json()["messages"][0]["seen_at"] is None


def test_opening_a_request_is_kept_in_the_audit_history_as_on_the_web(api_as, hendon, adviser):
    support_request = a_request(hendon)

    api_as("adviser").get(detail(support_request))

    assert AuditEntry.objects.filter(
        support_request=support_request, action=AuditEntry.Action.VIEWED, changed_by=adviser
    ).exists()


@pytest.mark.parametrize("persona", ["evaluator", "administrator"])
def test_those_who_never_see_requests_get_neither_them_nor_contact_details(api_as, hendon, persona):
    support_request = a_request(hendon)
    client = api_as(persona)

    for response in (client.get(LIST), client.get(detail(support_request))):
        assert response.status_code == 403
        assert "pat@example.org" not in response.content.decode()


def test_a_request_outside_ones_scope_is_not_there(api_as, hendon, outsider):
    support_request = a_request(hendon)
    client = api_as("outsider")

    assert client.get(detail(support_request)).status_code == 404
    assert (
        client.post(move(support_request), {"to_status": "closed"}, format="json").status_code
        == 404
    )
    assert references(client.get(LIST, {"status": "all"})) == set()
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.NEW


def test_a_move_the_web_refuses_is_a_400_on_the_field_and_saves_nothing(api_as, hendon, adviser):
    support_request = a_request(hendon, assigned_to=adviser)

    response = api_as("adviser").post(
        move(support_request), {"to_status": "resolved"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"to_status": ["A request that is new cannot become resolved."]}
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.NEW
    assert not StatusChange.objects.exists()


def test_a_closed_request_is_found_by_its_reference_and_a_move_from_it_refused(api_as, hendon):
    # The list's filter (open ones unless ?status= says) narrows lists only:
    # a request fetched by its reference is there whatever its status.
    closed = a_request(hendon, status=SupportRequest.Status.CLOSED)
    client = api_as("adviser")

    assert client.get(detail(closed)).status_code == 200
    response = client.post(move(closed), {"to_status": "in_progress"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"to_status": ["A request that is closed cannot become in progress."]}
    closed.refresh_from_db()
    assert closed.status == SupportRequest.Status.CLOSED


def test_a_move_is_kept_in_the_audit_history(api_as, hendon, adviser):
    support_request = a_request(hendon, assigned_to=adviser)

    response = api_as("adviser").post(
        move(support_request), {"to_status": "in_progress", "note": "Rang them"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "in_progress"
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(SupportRequest),
        object_id=support_request.pk,
        action=AuditEntry.Action.CHANGED,
    )
    assert entry.changed_by == adviser
    assert entry.changes == {"status": ["new", "in_progress"]}


def test_a_community_worker_may_not_move_a_request(api_as, hendon):
    support_request = a_request(hendon)

    response = api_as("community_worker").post(
        move(support_request), {"to_status": "acknowledged"}, format="json"
    )

    assert response.status_code == 403
    support_request.refresh_from_db()
    assert support_request.status == SupportRequest.Status.NEW


def test_a_read_only_token_cannot_move_a_request(api_as, hendon):
    support_request = a_request(hendon)

    response = api_as("manager", read_only=True).post(
        move(support_request), {"to_status": "acknowledged"}, format="json"
    )

    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not StatusChange.objects.exists()


def test_a_field_one_may_not_set_is_refused_not_ignored(api_as, hendon, adviser):
    support_request = a_request(hendon)

    response = api_as("adviser").post(
        move(support_request),
        {"to_status": "acknowledged", "assigned_to": adviser.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"assigned_to": ["This field cannot be set here."]}
    assert not StatusChange.objects.exists()


def test_a_manager_gives_a_request_to_an_adviser_and_it_is_audited(
    api_as, hendon, adviser, manager
):
    support_request = a_request(hendon)

    response = api_as("manager").post(assign(support_request), {"to": adviser.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["assigned_to"] == adviser.pk
    assert response.json()["assigned_to_name"] == adviser.full_name
    assert AuditEntry.objects.filter(
        support_request=support_request, action=AuditEntry.Action.CHANGED, changed_by=manager
    ).exists()


def test_giving_a_request_to_someone_who_does_not_work_there_is_refused(api_as, hendon, outsider):
    support_request = a_request(hendon)

    response = api_as("manager").post(assign(support_request), {"to": outsider.pk}, format="json")

    assert response.status_code == 400
    assert response.json() == {"to": [f"{outsider} does not work in Hendon."]}
    support_request.refresh_from_db()
    assert support_request.assigned_to is None


def test_an_adviser_may_not_triage(api_as, hendon, adviser):
    support_request = a_request(hendon)

    response = api_as("adviser").post(assign(support_request), {"to": adviser.pk}, format="json")

    assert response.status_code == 403


def test_search_finds_what_the_web_search_finds_and_is_audited(api_as, hendon, adviser):
    allotment = a_request(hendon, description="Saving the allotments on Villette Road")
    a_request(hendon, description="A new youth club")
    a_request(AreaFactory(name="Elsewhere"), description="Our allotment needs water")

    response = api_as("adviser").get(LIST, {"search": "allotment"})

    assert references(response) == {allotment.reference}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SEARCHED)
    assert entry.changed_by == adviser
    assert entry.changes["search"] == ["allotment", None]


def test_a_search_of_only_words_to_leave_out_is_refused(api_as, hendon):
    response = api_as("manager").get(LIST, {"search": "-allotment"})

    assert response.status_code == 400
    assert "search" in response.json()


def test_the_list_costs_the_same_queries_at_ten_times_the_data(
    django_assert_num_queries, api_as, hendon, adviser
):
    def add(count):
        for n in range(count):
            area = AreaFactory()
            a_request(hendon, assigned_to=adviser if n % 2 else None)
            a_request(area, assigned_to=adviser)
            ResidentMessage.objects.create(support_request=a_request(area), text="Hello")

    client = api_as("manager")
    add(2)
    once = queries_of(client, LIST + "?status=all")
    add(18)
    costs_the_same(django_assert_num_queries, client, LIST + "?status=all", once)


def test_a_requests_page_costs_the_same_queries_with_ten_times_its_history(
    django_assert_num_queries, api_as, hendon, adviser
):
    support_request = a_request(hendon, assigned_to=adviser)
    client = api_as("manager")

    def add(count):
        for _ in range(count):
            ResidentMessage.objects.create(support_request=support_request, text="Hello")
            StatusChange.objects.create(
                support_request=support_request, from_status="new", to_status="new"
            )

    add(1)
    once = queries_of(client, detail(support_request))
    add(9)
    costs_the_same(django_assert_num_queries, client, detail(support_request), once)


def test_pages_follow_a_cursor_without_repeating_a_request(api_as, hendon):
    made = {a_request(hendon).reference for _ in range(5)}
    client = api_as("manager")

    first = client.get(LIST, {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    seen = [row["reference"] for row in first["results"] + second["results"]]
    assert sorted(seen) == sorted(made)
    assert second["next"] is None


def test_requests_with_nobody_are_listed_in_triage_for_a_regional_lead_of_their_region(
    api_as, hendon
):
    here = a_request(hendon)
    elsewhere = a_request(AreaFactory(name="Brixton", region="london"))

    response = api_as("regional_lead").get(LIST, {"triage": "true"})

    assert references(response) == {here.reference}
    assert api_as("regional_lead").get(detail(elsewhere)).status_code == 404
