"""Interactions through the API: logged as the web's form logs them (with
their time counted), corrected or removed by their author within the days
allowed, in the same scope and audit history."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from advisers.models import TimeRecord
from casework.models import NOTHING_IN_IT, AuditEntry, Interaction
from tests.api.casework_data import a_request, costs_the_same, queries_of
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

LIST = reverse("casework_api:interaction-list")


def detail(interaction) -> str:
    return reverse("casework_api:interaction-detail", kwargs={"pk": interaction.pk})


def logged(area, user, **fields) -> Interaction:
    values = {"date": timezone.localdate(), "kind": "call", "minutes": 20, **fields}
    return Interaction.objects.create(area=area, logged_by=user, **values)


def entries(interaction, action) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Interaction),
            object_id=interaction.pk,
            action=action,
        )
    )


def test_an_adviser_logs_an_interaction_and_its_time_counts(api_as, hendon, adviser):
    response = api_as("adviser").post(
        LIST,
        {
            "area": hendon.ward_code,
            "date": str(timezone.localdate()),
            "kind": "meeting",
            "minutes": 90,
            "residents": 6,
            "new_residents": 2,
            "topics": ["plan"],
            "notes": "Met the group about their plan",
            "count_time": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    interaction = Interaction.objects.get()
    assert response.json()["id"] == interaction.pk
    assert response.json()["time_counted"] is True
    assert interaction.time_record.hours == pytest.approx(1.5)
    assert interaction.logged_by == adviser
    assert entries(interaction, AuditEntry.Action.CREATED)[0].changed_by == adviser


def test_an_interaction_about_a_request_goes_on_its_area(api_as, hendon, adviser):
    support_request = a_request(hendon, assigned_to=adviser)

    response = api_as("adviser").post(
        LIST,
        {
            "request": support_request.reference,
            "date": str(timezone.localdate()),
            "kind": "call",
            "notes": "Rang them back",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["area"] == hendon.ward_code
    assert response.json()["request"] == support_request.reference
    assert response.json()["time_counted"] is False


def test_an_empty_interaction_is_refused_with_the_forms_words(api_as, hendon):
    response = api_as("adviser").post(
        LIST,
        {"area": hendon.ward_code, "date": str(timezone.localdate()), "kind": "call"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [NOTHING_IN_IT]}
    assert not Interaction.objects.exists()


def test_more_new_residents_than_residents_is_refused_on_the_field(api_as, hendon):
    response = api_as("adviser").post(
        LIST,
        {
            "area": hendon.ward_code,
            "date": str(timezone.localdate()),
            "kind": "visit",
            "residents": 2,
            "new_residents": 3,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "new_residents": ["This cannot be more than the residents who took part."]
    }
    assert not Interaction.objects.exists()


def test_a_date_in_the_future_is_refused(api_as, hendon):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = api_as("adviser").post(
        LIST,
        {"area": hendon.ward_code, "date": str(tomorrow), "kind": "call", "minutes": 5},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["date"]


def test_a_manager_may_not_count_time_they_do_not_record(api_as, hendon):
    response = api_as("manager").post(
        LIST,
        {
            "area": hendon.ward_code,
            "date": str(timezone.localdate()),
            "kind": "call",
            "minutes": 30,
            "count_time": True,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"count_time": ["This field cannot be set here."]}
    assert not TimeRecord.objects.exists()
    assert not Interaction.objects.exists()


def test_an_area_outside_ones_scope_cannot_be_logged_in(api_as, hendon):
    elsewhere = AreaFactory(name="Elsewhere")

    response = api_as("adviser").post(
        LIST,
        {
            "area": elsewhere.ward_code,
            "date": str(timezone.localdate()),
            "kind": "call",
            "minutes": 5,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"area": ["No area with this ward code is in your scope."]}
    assert not Interaction.objects.exists()


def test_a_request_outside_ones_scope_is_refused_in_words(api_as, hendon):
    elsewhere = a_request(AreaFactory(name="Elsewhere"))

    response = api_as("adviser").post(
        LIST,
        {"request": elsewhere.reference, "date": str(timezone.localdate()), "kind": "call"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"request": ["No request with this reference is in your scope."]}
    assert not Interaction.objects.exists()


def test_interactions_outside_ones_scope_are_not_there(api_as, hendon, adviser, manager):
    here = logged(hendon, adviser)
    elsewhere = logged(AreaFactory(name="Elsewhere"), manager)
    client = api_as("adviser")

    ids = {row["id"] for row in client.get(LIST).json()["results"]}

    assert ids == {here.pk}
    assert client.get(detail(elsewhere)).status_code == 404


def test_the_author_corrects_an_interaction_and_its_time_follows(api_as, hendon, adviser):
    client = api_as("adviser")
    created = client.post(
        LIST,
        {
            "area": hendon.ward_code,
            "date": str(timezone.localdate()),
            "kind": "call",
            "minutes": 30,
            "count_time": True,
        },
        format="json",
    ).json()
    interaction = Interaction.objects.get(pk=created["id"])

    response = client.patch(detail(interaction), {"minutes": 60}, format="json")

    assert response.status_code == 200, response.content
    interaction.refresh_from_db()
    assert interaction.minutes == 60
    assert interaction.kind == "call"
    assert interaction.time_record.hours == pytest.approx(1)
    assert entries(interaction, AuditEntry.Action.CHANGED)[0].changes["minutes"] == [30, 60]


def test_someone_elses_interaction_is_not_there_to_correct(api_as, hendon, community_worker):
    interaction = logged(hendon, community_worker)

    response = api_as("adviser").patch(detail(interaction), {"minutes": 60}, format="json")

    assert response.status_code == 404
    interaction.refresh_from_db()
    assert interaction.minutes == 20


def test_past_its_days_an_interaction_is_part_of_the_record(api_as, hendon, adviser, settings):
    interaction = logged(hendon, adviser)
    Interaction.objects.filter(pk=interaction.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(days=settings.NFC_INTERACTION_CORRECTION_DAYS + 1)
    )
    client = api_as("adviser")

    corrected = client.patch(detail(interaction), {"minutes": 60}, format="json")
    removed = client.delete(detail(interaction))

    assert corrected.status_code == removed.status_code == 403
    assert "can no longer be corrected" in corrected.json()["detail"]
    interaction.refresh_from_db()
    assert interaction.minutes == 20


def test_the_author_removes_an_interaction_and_the_history_keeps_it(api_as, hendon, adviser):
    interaction = logged(hendon, adviser)

    response = api_as("adviser").delete(detail(interaction))

    assert response.status_code == 204
    assert not Interaction.objects.exists()
    assert entries(interaction, AuditEntry.Action.REMOVED)[0].changed_by == adviser


def test_a_read_only_token_cannot_log(api_as, hendon):
    response = api_as("adviser", read_only=True).post(
        LIST,
        {"area": hendon.ward_code, "date": str(timezone.localdate()), "kind": "call", "minutes": 5},
        format="json",
    )

    assert response.status_code == 403
    assert not Interaction.objects.exists()


def test_interactions_filter_by_area_request_and_kind(api_as, hendon, adviser):
    support_request = a_request(hendon, assigned_to=adviser)
    call = logged(hendon, adviser, support_request=support_request)
    visit = logged(hendon, adviser, kind="visit")
    client = api_as("manager")

    def ids(**query):
        return {row["id"] for row in client.get(LIST, query).json()["results"]}

    assert ids(kind="visit") == {visit.pk}
    assert ids(request=support_request.reference) == {call.pk}
    assert ids(area=hendon.ward_code) == {call.pk, visit.pk}


def test_search_reads_interactions_notes_as_the_web_search(api_as, hendon, adviser):
    found = logged(hendon, adviser, notes="Walked the allotments with the chair")
    logged(hendon, adviser, notes="A call about the youth club")
    logged(AreaFactory(name="Elsewhere"), adviser, notes="Their allotment too")

    response = api_as("adviser").get(LIST, {"search": "allotment"})

    assert {row["id"] for row in response.json()["results"]} == {found.pk}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SEARCHED).count() == 1


def test_the_list_costs_the_same_queries_at_ten_times_the_data(
    django_assert_num_queries, api_as, hendon, adviser, community_worker
):
    def add(count):
        for _ in range(count):
            support_request = a_request(hendon)
            logged(hendon, adviser, support_request=support_request)
            logged(hendon, community_worker)
            logged(AreaFactory(), community_worker)

    client = api_as("manager")
    add(2)
    once = queries_of(client, LIST)
    add(18)
    costs_the_same(django_assert_num_queries, client, LIST, once)
