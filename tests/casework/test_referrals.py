"""Referrals to specialist partners: the loop from request to outcome, the
partners' capacity, and who may see and do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from casework import referrals
from casework.models import Partner, Referral
from tests.factories import AreaFactory, SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def planning_aid():
    return Partner.objects.create(
        name="Planning Aid North",
        expertise=["planning", "land_buildings"],
        email="help@planningaid.example",
        capacity_days=Decimal("5"),
    )


@pytest.fixture
def referral(hendon, planning_aid, adviser):
    return referrals.referral_request(
        area=hendon,
        partner=planning_aid,
        help_asked="Advice on a neighbourhood plan",
        by=adviser,
        requested_on=TODAY() - datetime.timedelta(days=10),
    )


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def deliver(referral, by, days, on=None):
    referrals.referral_move(referral=referral, to_status="accepted", by=by, on=on or TODAY())
    return referrals.referral_move(
        referral=referral, to_status="delivered", by=by, on=on or TODAY(), days_used=days
    )


# --- The loop ---------------------------------------------------------------


def test_a_referral_goes_from_request_to_outcome_with_each_date_kept(referral, adviser):
    referrals.referral_move(referral=referral, to_status="accepted", by=adviser, on=days_ago(7))
    referrals.referral_move(
        referral=referral,
        to_status="delivered",
        by=adviser,
        on=days_ago(2),
        days_used=Decimal("1.5"),
        cost=Decimal("300"),
    )
    done = referrals.referral_record_outcome(
        referral=referral, by=adviser, outcome="The plan went to consultation", group_rating=5
    )
    done.refresh_from_db()
    assert done.status == Referral.Status.OUTCOME_RECORDED
    assert (done.requested_on, done.accepted_on, done.delivered_on, done.outcome_recorded_on) == (
        days_ago(10),
        days_ago(7),
        days_ago(2),
        TODAY(),
    )
    assert done.response_days == 3
    assert (done.days_used, done.cost, done.group_rating) == (Decimal("1.5"), Decimal("300"), 5)


@pytest.mark.parametrize(
    ("path", "to_status"),
    [
        ([], "delivered"),
        ([], "outcome_recorded"),
        (["declined"], "accepted"),
        (["accepted"], "requested"),
    ],
)
def test_a_referral_cannot_skip_or_go_back_a_step(referral, adviser, path, to_status):
    for step in path:
        referrals.referral_move(referral=referral, to_status=step, by=adviser)
    with pytest.raises(ValidationError, match="cannot become"):
        referrals.referral_move(
            referral=referral, to_status=to_status, by=adviser, outcome="Something"
        )


def test_a_step_cannot_be_dated_in_the_future_or_before_the_last_one(referral, adviser):
    with pytest.raises(ValidationError, match="cannot be in the future"):
        referrals.referral_move(
            referral=referral, to_status="accepted", by=adviser, on=TODAY() + datetime.timedelta(1)
        )
    with pytest.raises(ValidationError, match="cannot be before the last step"):
        referrals.referral_move(
            referral=referral, to_status="accepted", by=adviser, on=days_ago(11)
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REQUESTED


def test_a_declined_referral_keeps_the_partners_response_time(referral, adviser):
    declined = referrals.referral_move(
        referral=referral, to_status="declined", by=adviser, on=days_ago(4)
    )
    assert (declined.declined_on, declined.response_days) == (days_ago(4), 6)
    assert declined.next_statuses == []


def test_the_outcome_needs_words(referral, adviser):
    deliver(referral, adviser, Decimal("1"))
    with pytest.raises(ValidationError, match="Say what came of it"):
        referrals.referral_record_outcome(referral=referral, by=adviser, outcome="  ")


def test_nobody_refers_to_a_partner_that_is_not_taking_referrals(hendon, planning_aid, adviser):
    planning_aid.is_active = False
    planning_aid.save()
    with pytest.raises(ValidationError, match="not taking referrals"):
        referrals.referral_request(area=hendon, partner=planning_aid, help_asked="x", by=adviser)
    assert not Referral.objects.exists()


def test_nobody_refers_an_area_that_is_not_theirs(hendon, planning_aid, outsider, community_worker):
    for person in (outsider, community_worker):
        with pytest.raises(PermissionDenied, match="not one of your areas"):
            referrals.referral_request(area=hendon, partner=planning_aid, help_asked="x", by=person)
    assert not Referral.objects.exists()


def test_a_referral_cannot_be_tied_to_another_areas_request(hendon, planning_aid, adviser):
    elsewhere = SupportRequestFactory(area=AreaFactory())
    with pytest.raises(ValidationError, match="about another area"):
        referrals.referral_request(
            area=hendon,
            partner=planning_aid,
            help_asked="x",
            by=adviser,
            support_request=elsewhere,
        )


# --- Capacity ---------------------------------------------------------------


def test_days_beyond_the_partners_capacity_are_refused_with_what_is_left(
    hendon, planning_aid, adviser, referral
):
    first = referrals.referral_request(
        area=hendon, partner=planning_aid, help_asked="Lease advice", by=adviser
    )
    deliver(first, adviser, Decimal("3.5"))
    referrals.referral_move(referral=referral, to_status="accepted", by=adviser)
    with pytest.raises(ValidationError, match=r"has 1\.5 days left in \d{4}, so this cannot use 2"):
        referrals.referral_move(
            referral=referral, to_status="delivered", by=adviser, days_used=Decimal("2")
        )
    referral.refresh_from_db()
    assert (referral.status, referral.days_used) == (Referral.Status.ACCEPTED, None)
    assert Partner.objects.with_capacity().get().days_left == Decimal("1.5")


def test_capacity_counts_this_years_deliveries_and_pro_bono_hours(
    settings, hendon, adviser, planning_aid
):
    settings.NFC_HOURS_PER_DAY = 7.5
    planning_aid.capacity_hours = Decimal("15")  # two more days
    planning_aid.save()
    last_year = datetime.date(TODAY().year - 1, 12, 1)
    old = referrals.referral_request(
        area=hendon, partner=planning_aid, help_asked="Old", by=adviser, requested_on=last_year
    )
    deliver(old, adviser, Decimal("4"), on=last_year)
    pending = referrals.referral_request(
        area=hendon, partner=planning_aid, help_asked="Not yet delivered", by=adviser
    )
    referrals.referral_move(referral=pending, to_status="accepted", by=adviser)
    now = referrals.referral_request(
        area=hendon, partner=planning_aid, help_asked="Now", by=adviser
    )
    deliver(now, adviser, Decimal("1"))
    partner = Partner.objects.with_capacity().get()
    assert (partner.capacity_in_days, partner.days_used_this_year, partner.days_left) == (
        Decimal("7"),
        Decimal("1"),
        Decimal("6"),
    )


def test_a_partner_without_a_recorded_capacity_is_not_limited(hendon, adviser):
    open_ended = Partner.objects.create(name="Legal Friends", expertise=["legal"])
    referral = referrals.referral_request(
        area=hendon, partner=open_ended, help_asked="Constitution", by=adviser
    )
    assert deliver(referral, adviser, Decimal("40")).days_used == Decimal("40")
    assert Partner.objects.with_capacity().get().days_left is None


# --- The pages --------------------------------------------------------------

# Which role may open each page is the permission matrix's
# (tests/test_permission_matrix.py). Here: what the pages show, the steps
# that go through, and scope: an adviser of other areas (the outsider).

SNEAKY_PARTNER = {"name": "Sneaky", "expertise": ["legal"]}
RENAMED_PARTNER = {"name": "Renamed", "expertise": ["legal"], "is_active": "on"}


@pytest.mark.parametrize(
    ("persona", "shown"),
    [("adviser", True), ("community_worker", True), ("manager", True), ("outsider", False)],
    indirect=["persona"],
)
def test_the_referral_list_shows_a_referral_to_its_areas_people_and_managers_only(
    persona, shown, referral
):
    response = client_for(persona).get("/staff/referrals/?status=all")
    assert response.status_code == 200
    assert ("Planning Aid North" in response.text) == shown


@pytest.mark.parametrize(
    ("persona", "offered"),
    [("adviser", True), ("manager", True), ("community_worker", False)],
    indirect=["persona"],
)
def test_a_referral_offers_its_next_step_to_the_adviser_and_managers_only(
    persona, offered, referral
):
    response = client_for(persona).get(f"/staff/referrals/{referral.pk}/")
    assert response.status_code == 200
    assert ("Save the step" in response.text) == offered


@pytest.mark.parametrize("persona", ["adviser", "manager"], indirect=True)
def test_the_adviser_or_a_manager_moves_a_referral(persona, referral):
    response = client_for(persona).post(
        f"/staff/referrals/{referral.pk}/step/", {"to_status": "accepted", "on": TODAY()}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_a_manager_changes_a_partner(manager, planning_aid):
    url = f"/staff/referrals/partners/{planning_aid.pk}/"
    client = client_for(manager)
    assert client.get(url).status_code == 200
    client.post(url, RENAMED_PARTNER)
    planning_aid.refresh_from_db()
    assert planning_aid.name == "Renamed"


def test_an_outsider_gets_404_for_each_page_of_a_referral_not_theirs(outsider, referral):
    client = client_for(outsider)
    assert client.get("/staff/referrals/new/?area=E05001158").status_code == 404
    assert client.get(f"/staff/referrals/{referral.pk}/").status_code == 404
    response = client.post(
        f"/staff/referrals/{referral.pk}/step/", {"to_status": "accepted", "on": TODAY()}
    )
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REQUESTED


def test_an_outsider_sees_the_partners_but_neither_adds_nor_changes_them(outsider, planning_aid):
    client = client_for(outsider)
    assert client.get("/staff/referrals/partners/").status_code == 200
    assert client.get("/staff/referrals/partners/new/").status_code == 403
    client.post("/staff/referrals/partners/new/", SNEAKY_PARTNER)
    url = f"/staff/referrals/partners/{planning_aid.pk}/"
    assert client.get(url).status_code == 403
    client.post(url, RENAMED_PARTNER)
    assert list(Partner.objects.values_list("name", flat=True)) == ["Planning Aid North"]


def test_signed_out_nobody_adds_or_changes_a_partner_or_moves_a_referral(referral, planning_aid):
    # Signed-out GETs are the default-deny test's; these are the POSTs.
    client = client_for(None)
    for url, data in [
        ("/staff/referrals/partners/new/", SNEAKY_PARTNER),
        (f"/staff/referrals/partners/{planning_aid.pk}/", RENAMED_PARTNER),
        (f"/staff/referrals/{referral.pk}/step/", {"to_status": "accepted", "on": TODAY()}),
    ]:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/login/"), url
    assert list(Partner.objects.values_list("name", flat=True)) == ["Planning Aid North"]
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REQUESTED


def test_the_form_opened_from_a_request_is_for_its_area_and_linked_to_it(
    hendon, planning_aid, adviser
):
    support_request = SupportRequestFactory(area=hendon)
    client = client_for(adviser)
    url = f"/staff/referrals/new/?request={support_request.reference}"
    page = client.get(url)
    assert page.context["form"].initial["area"] == hendon
    response = client.post(
        url,
        {
            "request": support_request.reference,
            "area": hendon.pk,
            "partner": planning_aid.pk,
            "help_asked": "Help with the lease",
            "requested_on": TODAY(),
        },
    )
    referral = Referral.objects.get()
    assert response.url == f"/staff/referrals/{referral.pk}/"
    assert (referral.support_request, referral.area, referral.created_by) == (
        support_request,
        hendon,
        adviser,
    )
    assert "Help with the lease" in client.get(response.url).text


def test_the_form_opened_from_an_area_has_it_chosen(hendon, adviser):
    page = client_for(adviser).get("/staff/referrals/new/?area=E05001158")
    assert page.context["form"].initial["area"] == hendon


def test_a_request_outside_ones_scope_cannot_open_the_form(hendon, outsider):
    support_request = SupportRequestFactory(area=hendon)
    response = client_for(outsider).get(
        f"/staff/referrals/new/?request={support_request.reference}"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"help_asked": ""}, "This field is required."),
        ({"help_asked": "x" * 2001}, "at most 2000 characters"),
        ({"partner": ""}, "This field is required."),
        ({"requested_on": "2999-01-01"}, "cannot be in the future"),
        ({"requested_on": "soon"}, "Enter a valid date."),
        ({"area": "999999"}, "Select a valid choice"),
        ({"inactive": True}, "Select a valid choice"),
    ],
)
def test_a_bad_referral_is_refused_and_keeps_what_was_typed(
    hendon, planning_aid, adviser, changes, message
):
    if changes.pop("inactive", False):
        planning_aid.is_active = False
        planning_aid.save()
    data = {
        "area": hendon.pk,
        "partner": planning_aid.pk,
        "help_asked": "Help with the lease, please",
        "requested_on": TODAY(),
        **changes,
    }
    response = client_for(adviser).post("/staff/referrals/new/?area=E05001158", data)
    assert response.status_code == 200
    assert message in response.text
    assert not Referral.objects.exists()
    if "help_asked" not in changes:
        assert "Help with the lease, please" in response.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days_used": "9"}, "has 5 days left in"),
        ({"days_used": "-1"}, "greater than or equal to 0"),
        ({"cost": "lots"}, "Enter a number."),
        ({"to_status": "outcome_recorded"}, "Select a valid choice"),
        ({"on": "2999-01-01"}, "cannot be in the future"),
    ],
)
def test_a_bad_step_is_refused_and_keeps_what_was_typed(referral, adviser, changes, message):
    referrals.referral_move(referral=referral, to_status="accepted", by=adviser)
    data = {"to_status": "delivered", "on": TODAY(), "days_used": "2", "cost": "123.45"}
    data.update(changes)
    response = client_for(adviser).post(f"/staff/referrals/{referral.pk}/step/", data)
    assert response.status_code == 200
    assert message in response.text
    referral.refresh_from_db()
    assert (referral.status, referral.days_used) == (Referral.Status.ACCEPTED, None)
    form = response.context["step_form"]
    assert form["days_used"].value() == data["days_used"]
    assert form["cost"].value() == data["cost"]


def test_the_outcome_and_rating_are_recorded_from_the_referral_page(referral, adviser):
    deliver(referral, adviser, Decimal("1"))
    client = client_for(adviser)
    url = f"/staff/referrals/{referral.pk}/step/"
    refused = client.post(
        url, {"to_status": "outcome_recorded", "on": TODAY(), "group_rating": "9"}
    )
    assert "Select a valid choice" in refused.text
    response = client.post(
        url,
        {
            "to_status": "outcome_recorded",
            "on": TODAY(),
            "outcome": "Plan adopted",
            "group_rating": "4",
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.group_rating) == (
        Referral.Status.OUTCOME_RECORDED,
        "Plan adopted",
        4,
    )
    assert "4 of 5" in client.get(f"/staff/referrals/{referral.pk}/").text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"expertise": []}, "Choose at least one kind of expertise."),
        ({"expertise": ["astrology"]}, "Select a valid choice"),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"capacity_days": "-2"}, "greater than or equal to 0"),
        ({"name": "Planning Aid North"}, "already exists"),
    ],
)
def test_a_bad_partner_is_refused_and_keeps_what_was_typed(manager, planning_aid, changes, message):
    data = {
        "name": "Money Matters",
        "expertise": ["finance"],
        "email": "hello@money.example",
        "capacity_days": "3",
        "capacity_hours": "",
        "is_active": "on",
        "notes": "Free for charities",
        **changes,
    }
    response = client_for(manager).post("/staff/referrals/partners/new/", data)
    assert response.status_code == 200
    assert message in response.text
    assert Partner.objects.count() == 1
    assert "Free for charities" in response.text


def test_a_manager_adds_a_partner_and_sees_its_capacity(manager):
    client = client_for(manager)
    response = client.post(
        "/staff/referrals/partners/new/",
        {
            "name": "Money Matters",
            "expertise": ["finance", "legal"],
            "capacity_days": "3",
            "capacity_hours": "15",
            "is_active": "on",
        },
    )
    assert response.url == "/staff/referrals/partners/"
    partner = Partner.objects.get()
    assert partner.expertise == ["finance", "legal"]
    assert "Finance, Legal" in client.get(response.url).text


def test_the_lists_query_count_stays_flat(
    hendon, planning_aid, adviser, django_assert_max_num_queries
):
    client = client_for(adviser)

    def load():
        with django_assert_max_num_queries(10):
            assert client.get("/staff/referrals/?status=all").status_code == 200
        with django_assert_max_num_queries(8):
            assert client.get("/staff/referrals/partners/").status_code == 200
        with django_assert_max_num_queries(12):
            assert client.get("/staff/referrals/new/?area=E05001158").status_code == 200

    load()
    for n in range(15):
        partner = Partner.objects.create(name=f"Partner {n}", expertise=["legal"], capacity_days=9)
        referral = referrals.referral_request(
            area=hendon,
            partner=partner,
            help_asked=f"Help {n}",
            by=adviser,
            support_request=SupportRequestFactory(area=hendon),
        )
        deliver(referral, adviser, Decimal("1"))
    load()
