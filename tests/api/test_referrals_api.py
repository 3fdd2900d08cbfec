"""Referrals and partners through the API: made, moved and closed as on the
web, with the partners' capacity and the steps' order kept by the same
service."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from casework import referrals
from casework.models import AuditEntry, Partner, Referral
from tests.api.casework_data import a_request, costs_the_same, queries_of
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

LIST = reverse("casework_api:referral-list")
PARTNERS = reverse("casework_api:partner-list")
TODAY = timezone.localdate()


def move(referral) -> str:
    return reverse("casework_api:referral-move", kwargs={"pk": referral.pk})


def outcome(referral) -> str:
    return reverse("casework_api:referral-outcome", kwargs={"pk": referral.pk})


def partner_page(partner) -> str:
    return reverse("casework_api:partner-detail", kwargs={"pk": partner.pk})


@pytest.fixture
def partner(db):
    return Partner.objects.create(
        name="Planning Aid North", expertise=["planning"], capacity_days=Decimal("5")
    )


def referred(area, partner, by, **fields) -> Referral:
    return referrals.referral_request(
        area=area,
        partner=partner,
        help_asked="Advice on a neighbourhood plan",
        by=by,
        requested_on=TODAY - datetime.timedelta(days=3),
        **fields,
    )


def audited(obj, kind) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk, action=kind
        )
    )


def test_an_adviser_refers_a_request_to_a_partner(api_as, hendon, adviser, partner):
    support_request = a_request(hendon, assigned_to=adviser)

    response = api_as("adviser").post(
        LIST,
        {
            "request": support_request.reference,
            "partner": partner.pk,
            "help_asked": "Help writing the plan",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    referral = Referral.objects.get()
    assert referral.area == hendon
    assert referral.support_request == support_request
    assert response.json()["next_statuses"] == ["accepted", "declined"]
    assert audited(referral, AuditEntry.Action.CREATED)[0].changed_by == adviser


def test_a_partner_not_taking_referrals_is_refused(api_as, hendon, partner):
    partner.is_active = False
    partner.save()

    response = api_as("adviser").post(
        LIST,
        {"area": hendon.ward_code, "partner": partner.pk, "help_asked": "Help"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Planning Aid North is not taking referrals at the moment."]
    }
    assert not Referral.objects.exists()


def test_a_community_worker_may_not_refer(api_as, hendon, partner):
    response = api_as("community_worker").post(
        LIST,
        {"area": hendon.ward_code, "partner": partner.pk, "help_asked": "Help"},
        format="json",
    )

    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_a_partner_with_no_days_left_cannot_accept(api_as, hendon, adviser, partner):
    partner.capacity_days = Decimal("0")
    partner.save()
    referral = referred(hendon, partner, adviser)

    response = api_as("adviser").post(move(referral), {"to_status": "accepted"}, format="json")

    assert response.status_code == 400
    assert "has no days left" in response.json()["non_field_errors"][0]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REQUESTED


def test_days_beyond_the_partners_capacity_are_refused(api_as, hendon, adviser, partner):
    referral = referred(hendon, partner, adviser)
    client = api_as("adviser")
    client.post(move(referral), {"to_status": "accepted"}, format="json")

    response = client.post(
        move(referral), {"to_status": "delivered", "days_used": "6"}, format="json"
    )

    assert response.status_code == 400
    assert "has 5 days left" in response.json()["non_field_errors"][0]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_a_step_out_of_order_is_refused_and_saves_nothing(api_as, hendon, adviser, partner):
    referral = referred(hendon, partner, adviser)

    response = api_as("adviser").post(
        move(referral), {"to_status": "outcome_recorded", "outcome": "Done"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["A referral that is requested cannot become outcome recorded."]
    }
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REQUESTED


def test_days_given_before_delivery_are_refused_on_the_field(api_as, hendon, adviser, partner):
    referral = referred(hendon, partner, adviser)

    response = api_as("adviser").post(
        move(referral), {"to_status": "accepted", "days_used": "1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"days_used": ["Leave this empty unless the work was delivered."]}


def test_the_loop_is_closed_with_an_outcome_and_audited(api_as, hendon, adviser, partner):
    referral = referred(hendon, partner, adviser)
    client = api_as("adviser")
    client.post(move(referral), {"to_status": "accepted"}, format="json")
    client.post(move(referral), {"to_status": "delivered", "days_used": "2"}, format="json")

    response = client.post(
        outcome(referral), {"outcome": "The plan was written", "group_rating": 5}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "outcome_recorded"
    referral.refresh_from_db()
    assert referral.group_rating == 5
    assert len(audited(referral, AuditEntry.Action.CHANGED)) == 3


def test_a_referral_whose_loop_is_closed_is_still_found_by_its_id(api_as, hendon, adviser, partner):
    referral = referred(hendon, partner, adviser)
    referrals.referral_move(referral=referral, to_status="declined", by=adviser)

    response = api_as("adviser").get(
        reverse("casework_api:referral-detail", kwargs={"pk": referral.pk})
    )

    assert response.status_code == 200
    assert response.json()["status"] == "declined"


def test_referrals_outside_ones_scope_are_not_there(api_as, hendon, adviser, manager, partner):
    mine = referred(hendon, partner, adviser)
    elsewhere = referred(AreaFactory(name="Elsewhere"), partner, manager)
    client = api_as("adviser")

    ids = {row["id"] for row in client.get(LIST).json()["results"]}

    assert ids == {mine.pk}
    assert client.get(LIST).json()["count"] == 1
    detail = reverse("casework_api:referral-detail", kwargs={"pk": elsewhere.pk})
    assert client.get(detail).status_code == 404
    assert client.post(move(elsewhere), {"to_status": "accepted"}, format="json").status_code == 404


def test_referrals_filter_by_status_as_the_web(api_as, hendon, adviser, partner):
    open_one = referred(hendon, partner, adviser)
    declined = referred(hendon, partner, adviser)
    referrals.referral_move(referral=declined, to_status="declined", by=adviser)
    client = api_as("manager")

    def ids(**query):
        return {row["id"] for row in client.get(LIST, query).json()["results"]}

    assert ids() == {open_one.pk}
    assert ids(status="all") == {open_one.pk, declined.pk}
    assert ids(status="declined") == {declined.pk}


def test_a_manager_adds_and_changes_a_partner_and_it_is_audited(api_as, manager):
    client = api_as("manager")

    added = client.post(
        PARTNERS,
        {"name": "Legal Friends", "expertise": ["legal"], "capacity_days": "10"},
        format="json",
    )
    partner = Partner.objects.get(name="Legal Friends")
    changed = client.patch(partner_page(partner), {"capacity_days": "12"}, format="json")

    assert added.status_code == 201, added.content
    assert changed.status_code == 200, changed.content
    assert changed.json()["days_left"] == 12
    assert audited(partner, AuditEntry.Action.CREATED)[0].changed_by == manager
    assert audited(partner, AuditEntry.Action.CHANGED)[0].changes["capacity_days"] == [
        "10.0",
        "12.0",
    ]


def test_a_partner_named_as_another_is_refused_on_the_field(api_as, partner):
    response = api_as("manager").post(
        PARTNERS, {"name": partner.name, "expertise": ["legal"]}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert Partner.objects.count() == 1


def test_an_adviser_may_not_change_a_partner(api_as, partner):
    response = api_as("adviser").patch(
        partner_page(partner), {"capacity_days": "50"}, format="json"
    )

    assert response.status_code == 403
    partner.refresh_from_db()
    assert partner.capacity_days == Decimal("5")


def test_what_a_partner_has_used_is_not_set_by_hand(api_as, partner):
    response = api_as("manager").patch(partner_page(partner), {"days_left": "50"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"days_left": ["This field cannot be set here."]}


@pytest.mark.parametrize("url", [LIST, PARTNERS])
def test_the_lists_cost_the_same_queries_at_ten_times_the_data(
    django_assert_num_queries, api_as, hendon, adviser, manager, url
):
    def add(count):
        for _ in range(count):
            partner = Partner.objects.create(
                name=f"Partner {Partner.objects.count()}", expertise=["legal"]
            )
            referred(hendon, partner, adviser, support_request=a_request(hendon))
            referred(AreaFactory(), partner, manager)

    client = api_as("manager")
    add(2)
    once = queries_of(client, url)
    add(18)
    costs_the_same(django_assert_num_queries, client, url, once)
