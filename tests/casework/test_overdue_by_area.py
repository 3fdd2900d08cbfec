"""overdue_by_area: the same counts from a list of the areas' ids (its SQL
compiled once a process) as from a queryset of them."""

import datetime

import pytest

from areas.models import Area
from casework.models import Action, Partner, Referral, SupportRequest, Topic
from casework.selectors import overdue_by_area
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def request_in(area, days_ago, status=SupportRequest.Status.NEW):
    made = SupportRequest.objects.create(
        area=area,
        topic=Topic.PEOPLE,
        description="More neighbours at our meetings",
        name="Pat Resident",
        email="pat@example.org",
        contact_by="email",
        consented_at=NOW,
        privacy_notice_version="2026-11",
    )
    SupportRequest.objects.filter(pk=made.pk).update(
        created_at=NOW - datetime.timedelta(days=days_ago), status=status
    )


@pytest.fixture
def overdue(adviser):
    busy, quiet, other, left_out = (AreaFactory(name=n) for n in ("Busy", "Quiet", "Other", "Out"))
    for area in (busy, other, left_out):
        for days_ago in (30, 20, 1):
            request_in(area, days_ago)
        request_in(area, 40, status=SupportRequest.Status.CLOSED)
        for days_ago in (3, 1, 0, -5):
            Action.objects.create(
                area=area,
                description="Call back",
                owner=adviser,
                due_on=TODAY - datetime.timedelta(days=days_ago),
            )
        partner = Partner.objects.create(name=f"Partner {area.name}", expertise=["planning"])
        for days_ago in (45, 40, 5):
            Referral.objects.create(
                area=area,
                partner=partner,
                help_asked="A site plan",
                status=Referral.Status.DELIVERED,
                delivered_on=TODAY - datetime.timedelta(days=days_ago),
            )
    return [busy, quiet, other]


def test_a_list_of_ids_counts_as_the_queryset_does(overdue, settings):
    asked = Area.objects.filter(pk__in=[area.pk for area in overdue])
    by_queryset = overdue_by_area(areas=asked, now=NOW)
    by_ids = overdue_by_area(areas=[area.pk for area in overdue], now=NOW)
    assert by_ids == by_queryset
    busy, quiet, other = overdue
    assert by_ids["overdue_requests"] == {busy.pk: 2, other.pk: 2}
    assert by_ids["overdue_actions"] == {busy.pk: 2, other.pk: 2}
    assert by_ids["overdue_outcomes"] == {busy.pk: 2, other.pk: 2}
    # The day an outcome is due comes from the settings at each call, not
    # from the statement compiled the first time.
    settings.NFC_OUTCOME_DUE_DAYS = 2
    assert (
        overdue_by_area(areas=[area.pk for area in overdue], now=NOW)["overdue_outcomes"]
        == overdue_by_area(areas=asked, now=NOW)["overdue_outcomes"]
    )
    assert overdue_by_area(areas=[busy.pk], now=NOW)["overdue_outcomes"] == {busy.pk: 3}


def test_no_areas_count_nothing():
    assert overdue_by_area(areas=[], now=NOW) == {
        "overdue_requests": {},
        "overdue_actions": {},
        "overdue_outcomes": {},
    }
