"""The records behind a report's figures: interactions, time given,
people at events, requests and referrals, with the same filters as the
figures, within what the reader may see, naming no resident."""

import datetime
from decimal import Decimal

import pytest

from advisers.models import Role, TimeRecord
from casework.models import Interaction, Partner, Referral, ResidentMessage, SupportRequest, Topic
from evaluation.records import link_for
from events.models import Event
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

JULY = datetime.date(2026, 7, 14)
SECRET_NOTE = "Mrs Jones told us about her son"
RESIDENT = {
    "name": "Rosa Privatesurname",
    "email": "rosa.private@example.org",
    "phone": "07700 900123",
    "postcode": "SR2 8PX",
    "place": "Lily Street",
    "group_name": "Friends of Rosa's Garden",
    "description": "My neighbour's son is in trouble",
}
RESIDENT_MESSAGE = "Please call me after six"
HELP_ASKED = "Help for Rosa with the allotment lease"
OUTCOME_WORDS = "Rosa's lease was signed"


def interaction(area, by, day=JULY, residents=3):
    return Interaction.objects.create(
        area=area,
        date=day,
        kind=Interaction.Kind.MEETING,
        residents=residents,
        new_residents=1,
        notes=SECRET_NOTE,
        logged_by=by,
    )


def support_request(area, *, day=JULY, topic=Topic.PEOPLE, **changes):
    received = datetime.datetime(day.year, day.month, day.day, 12, tzinfo=datetime.UTC)
    made = SupportRequest.objects.create(
        area=area,
        topic=topic,
        for_group=True,
        contact_by="email",
        consented_at=received,
        privacy_notice_version="2026-11",
        **RESIDENT,
    )
    SupportRequest.objects.filter(pk=made.pk).update(created_at=received, **changes)
    made.refresh_from_db()
    return made


def referral(area, *, day=JULY, status=Referral.Status.REQUESTED, **dates):
    partner, _ = Partner.objects.get_or_create(name="Planning Aid North", expertise=["planning"])
    return Referral.objects.create(
        area=area,
        partner=partner,
        help_asked=HELP_ASKED,
        outcome=OUTCOME_WORDS,
        status=status,
        requested_on=day,
        **dates,
    )


def test_interactions_are_listed_with_their_totals_and_never_their_notes(hendon, adviser):
    interaction(hendon, adviser)
    interaction(hendon, adviser, residents=4)
    interaction(hendon, adviser, day=datetime.date(2026, 8, 1))
    client = client_for(UserFactory(role=Role.EVALUATOR))
    response = client.get("/staff/figures/interactions/?since=2026-07-01&until=2026-07-31")
    assert response.status_code == 200
    assert "2 interactions, with 7 residents taking part (2 new)" in response.text
    assert SECRET_NOTE not in response.text
    assert "Hendon" in response.text


def test_time_is_listed_by_role_in_days(hendon, adviser, community_worker):
    for person, hours in ((adviser, "7.5"), (adviser, "3.75"), (community_worker, "7.5")):
        TimeRecord.objects.create(
            person=person, role=person.role, area=hendon, date=JULY, hours=Decimal(hours)
        )
    client = client_for(UserFactory(role=Role.MANAGER))
    response = client.get("/staff/figures/time/?role=adviser&area=E05001158")
    assert "2 time records: 1.5 days" in response.text
    response = client.get("/staff/figures/time/?role=community_worker")
    assert "1 time record: 1.0 day " in response.text


def test_people_at_events_are_counted_by_event_and_area_never_named(hendon):
    event = EventFactory(published=True)
    for _ in range(3):
        RegistrationFactory(
            event=event, area=hendon, name="Rosa Resident", checked_in_at=event.starts_at
        )
    RegistrationFactory(event=event, area=hendon, name="Not Came")
    client = client_for(UserFactory(role=Role.EVALUATOR))
    response = client.get(f"/staff/figures/attendances/?event_kind={Event.Kind.REGIONAL}")
    assert "3 people came to 1 event" in response.text
    assert "Rosa Resident" not in response.text
    response = client.get(f"/staff/figures/attendances/?event_kind={Event.Kind.NATIONAL}")
    assert "0 people came to 0 events" in response.text


def test_an_adviser_sees_only_their_own_areas_records(hendon, adviser, outsider):
    interaction(hendon, adviser)
    response = client_for(outsider).get("/staff/figures/interactions/")
    assert response.status_code == 200
    assert "0 interactions" in response.text
    response = client_for(adviser).get("/staff/figures/interactions/")
    assert "1 interaction," in response.text


def test_an_unknown_kind_of_record_is_not_found(manager):
    assert client_for(manager).get("/staff/figures/people/").status_code == 404


def test_bad_dates_are_refused_with_a_clear_message_and_nothing_listed(hendon, adviser, manager):
    interaction(hendon, adviser)
    response = client_for(manager).get(
        "/staff/figures/interactions/?since=2026-08-01&until=2026-07-01"
    )
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert "The date to must be on or after the date from." in response.text
    assert "1 interaction" not in response.text


def test_the_lists_query_count_stays_flat(hendon, adviser, manager, django_assert_max_num_queries):
    client = client_for(manager)

    def load():
        for kind in ("interactions", "time", "attendances", "requests", "referrals"):
            with django_assert_max_num_queries(10):
                response = client.get(f"/staff/figures/{kind}/?programme=on&status=all")
                assert response.status_code == 200

    load()
    event = EventFactory(published=True)
    for n in range(12):
        area = AreaFactory(name=f"More {n}")
        interaction(area, adviser)
        TimeRecord.objects.create(
            person=adviser, role=adviser.role, area=area, date=JULY, hours=Decimal(2)
        )
        RegistrationFactory(event=event, area=area, checked_in_at=event.starts_at)
        support_request(area)
        referral(area)
    load()


def test_requests_are_listed_by_the_request_lists_filters_naming_no_resident(hendon):
    contacted = datetime.datetime(2026, 7, 16, 9, tzinfo=datetime.UTC)
    first = support_request(
        hendon, first_contact_at=contacted, status=SupportRequest.Status.IN_PROGRESS
    )
    ResidentMessage.objects.create(support_request=first, text=RESIDENT_MESSAGE)
    support_request(hendon, topic=Topic.COUNCIL)
    support_request(hendon, day=datetime.date(2026, 8, 2))
    support_request(hendon, status=SupportRequest.Status.CLOSED)
    client = client_for(UserFactory(role=Role.EVALUATOR))

    response = client.get(
        "/staff/figures/requests/?status=all&topic=people&since=2026-07-01&until=2026-07-31"
        "&area=E05001158"
    )
    assert response.status_code == 200
    assert "<p>2 requests, oldest first." in response.text
    assert first.reference in response.text
    assert "16 Jul 2026" in response.text
    assert "Hendon" in response.text
    for personal in (*RESIDENT.values(), RESIDENT_MESSAGE):
        assert personal not in response.text, personal
    # Blank status: the open ones, as on the request list.
    response = client.get("/staff/figures/requests/?topic=people&programme=on")
    assert "<p>2 requests," in response.text
    response = client.get(
        "/staff/figures/requests/?status=all&dated=contacted&since=2026-07-16&until=2026-07-16"
    )
    assert "<p>1 request," in response.text


def test_referrals_are_listed_by_the_referral_lists_filters_without_the_help_asked(hendon):
    referral(hendon)
    referral(
        hendon,
        status=Referral.Status.OUTCOME_RECORDED,
        accepted_on=datetime.date(2026, 7, 20),
        delivered_on=datetime.date(2026, 8, 3),
        outcome_recorded_on=datetime.date(2026, 8, 30),
    )
    referral(hendon, day=datetime.date(2026, 8, 1))
    client = client_for(UserFactory(role=Role.EVALUATOR))

    response = client.get("/staff/figures/referrals/?status=all&since=2026-07-01&until=2026-07-31")
    assert response.status_code == 200
    assert "<p>2 referrals, newest first." in response.text
    assert "Planning Aid North" in response.text
    assert "30 Aug 2026" in response.text
    assert HELP_ASKED not in response.text
    assert OUTCOME_WORDS not in response.text
    response = client.get("/staff/figures/referrals/?status=outcome_recorded")
    assert "<p>1 referral," in response.text
    # Blank status: the open ones, as on the referral list.
    assert "<p>2 referrals," in client.get("/staff/figures/referrals/").text


@pytest.mark.parametrize("kind", ["requests", "referrals"])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("adviser", 200),
        ("community_worker", 200),
        ("manager", 200),
        ("evaluator", 200),
        ("administrator", 403),
    ],
)
def test_requests_and_referrals_behind_figures_are_for_readers_of_reports(
    request, hendon, kind, role, status
):
    user = request.getfixturevalue(role)
    assert client_for(user).get(f"/staff/figures/{kind}/").status_code == status


def test_an_adviser_sees_only_their_own_areas_requests_and_referrals(hendon, adviser, outsider):
    support_request(hendon)
    referral(hendon)
    for kind, seen in (("requests", "<p>1 request,"), ("referrals", "<p>1 referral,")):
        assert "<p>0 " in client_for(outsider).get(f"/staff/figures/{kind}/").text
        assert seen in client_for(adviser).get(f"/staff/figures/{kind}/").text


def test_those_who_cannot_open_the_casework_lists_are_linked_to_the_figures_here(
    adviser, community_worker, manager, evaluator, administrator
):
    query = "?programme=1&status=all&dated=received&since=2026-07-01&until=2026-09-30"
    for path, stand_in in (
        ("/staff/casework/requests/", "/staff/figures/requests/"),
        ("/staff/referrals/", "/staff/figures/referrals/"),
    ):
        for user in (adviser, community_worker, manager):
            assert link_for(user, path + query) == path + query
        for user in (evaluator, administrator):
            assert link_for(user, path + query) == stand_in + query
    # Lists anyone reading reports may open stay as they are.
    for link in ("/staff/figures/time/?role=adviser", "/staff/areas/?region=london"):
        assert link_for(evaluator, link) == link
