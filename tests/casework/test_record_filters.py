"""The request and referral lists narrowed by dates and by areas (a
region, a cohort, one area, the programme): the filters the evaluation
reports' figures link with, so a total can be checked by a click."""

import datetime
import re

import pytest

from advisers.models import Role
from areas.models import Region
from areas.services import area_join_programme
from casework.models import Partner, Referral, SupportRequest, Topic
from tests.factories import AreaFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def listed(response, noun: str) -> int:
    assert response.status_code == 200
    return int(re.search(rf"<p>(\d+) {noun}", response.content.decode()).group(1))


def received(area, day: datetime.date, topic=Topic.PEOPLE, **fields) -> SupportRequest:
    at = datetime.datetime(day.year, day.month, day.day, 9, tzinfo=datetime.UTC)
    request = SupportRequest.objects.create(
        area=area,
        topic=topic,
        description="Help",
        name="Pat Resident",
        contact_by="phone",
        phone="0191 000 0000",
        consented_at=at,
        privacy_notice_version="2026-11",
    )
    SupportRequest.objects.filter(pk=request.pk).update(created_at=at, **fields)
    return request


@pytest.fixture
def areas(db):
    hendon = AreaFactory(name="Hendon", ward_code="E05001158")
    byker = AreaFactory(name="Byker", region=Region.NORTH_WEST, programme=False)
    area_join_programme(area=byker, cohort=2, joined_on=datetime.date(2026, 4, 1))
    outside = AreaFactory(name="Outside", programme=False)
    return hendon, byker, outside


@pytest.fixture
def manager(db):
    return client_for(UserFactory(role=Role.MANAGER))


def test_the_request_list_narrows_by_dates_received_both_days_included(areas, manager):
    hendon, *_ = areas
    for day in (30, 31):
        received(hendon, datetime.date(2026, 7, day))
    received(hendon, datetime.date(2026, 8, 1))
    url = "/staff/casework/requests/?status=all"
    assert listed(manager.get(f"{url}&since=2026-07-31&until=2026-08-01"), "request") == 2
    assert listed(manager.get(f"{url}&until=2026-07-30"), "request") == 1


def test_the_request_list_narrows_by_first_contact_or_resolution_and_by_topic(areas, manager):
    hendon, *_ = areas
    contacted = datetime.datetime(2026, 8, 3, 10, tzinfo=datetime.UTC)
    received(hendon, datetime.date(2026, 7, 30), first_contact_at=contacted)
    received(
        hendon,
        datetime.date(2026, 7, 30),
        Topic.COUNCIL,
        first_contact_at=contacted,
        resolved_at=contacted,
        status=SupportRequest.Status.RESOLVED,
    )
    url = "/staff/casework/requests/?status=all&since=2026-08-01&until=2026-08-31"
    assert listed(manager.get(f"{url}&dated=contacted"), "request") == 2
    assert listed(manager.get(f"{url}&dated=resolved"), "request") == 1
    assert listed(manager.get(f"{url}&dated=received"), "request") == 0
    assert listed(manager.get(f"{url}&dated=contacted&topic=council"), "request") == 1


def test_the_request_list_narrows_by_programme_region_cohort_and_area(areas, manager):
    hendon, byker, outside = areas
    for area in areas:
        received(area, datetime.date(2026, 7, 1))
    url = "/staff/casework/requests/?status=all"
    assert listed(manager.get(url), "request") == 3
    assert listed(manager.get(f"{url}&programme=on"), "request") == 2
    assert listed(manager.get(f"{url}&programme=on&region=north_west"), "request") == 1
    assert listed(manager.get(f"{url}&cohort=1"), "request") == 1
    assert listed(manager.get(f"{url}&area=e05001158"), "request") == 1


def test_dates_the_wrong_way_round_are_refused_with_a_clear_message(areas, manager):
    received(areas[0], datetime.date(2026, 7, 1))
    for url in ("/staff/casework/requests/", "/staff/referrals/"):
        response = manager.get(f"{url}?status=all&since=2026-08-01&until=2026-07-01")
        assert response.status_code == 200
        assert "The date to must be on or after the date from." in response.text
        assert "There is a problem" in response.text
    response = manager.get("/staff/casework/requests/?since=not-a-date")
    assert "Enter a valid date." in response.text


def test_the_referral_list_narrows_by_the_day_asked_for_and_by_areas(areas, manager):
    hendon, byker, _ = areas
    partner = Partner.objects.create(name="Planning Aid North", expertise=["planning"])
    for area, day in ((hendon, 1), (hendon, 31), (byker, 15)):
        Referral.objects.create(
            area=area, partner=partner, help_asked="Plan", requested_on=datetime.date(2026, 7, day)
        )
    url = "/staff/referrals/?status=all"
    assert listed(manager.get(f"{url}&since=2026-07-01&until=2026-07-30"), "referral") == 2
    assert listed(manager.get(f"{url}&region=north_west"), "referral") == 1
    assert listed(manager.get(f"{url}&cohort=1&since=2026-07-31"), "referral") == 1
    assert listed(manager.get(f"{url}&area=E05001158"), "referral") == 2
    assert listed(manager.get(f"{url}&programme=on&status=requested"), "referral") == 3
