"""An interaction's minutes, topics and next steps are shown where people
look (the area page, the request, the timeline, the handover), an empty
one is refused, and the residents reached add up by month."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from casework import services
from casework.models import Interaction
from casework.selectors import residents_reached_by_month
from nfc.periods import add_months, month_start
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def meeting(hendon, adviser):
    return services.interaction_log(
        area=hendon,
        by=adviser,
        support_request=SupportRequestFactory(area=hendon),
        date=TODAY,
        kind="meeting",
        residents=12,
        new_residents=3,
        minutes=90,
        topics=["plan", "funding"],
        notes="Steering group <b>met</b>",
        next_steps="Draft the plan & share it",
    )


@pytest.mark.parametrize(
    "page",
    [
        lambda m: f"/staff/areas/{m.area.ward_code}/",
        lambda m: f"/staff/areas/{m.area.ward_code}/handover/",
        lambda m: f"/staff/casework/requests/{m.support_request.reference}/",
        lambda m: f"/staff/casework/areas/{m.area.ward_code}/timeline/",
    ],
    ids=["area", "handover", "request", "timeline"],
)
def test_minutes_topics_and_next_steps_are_shown(meeting, adviser, page):
    text = " ".join(client_for(adviser).get(page(meeting)).text.split())
    assert "Confidence and a plan for change" in text
    assert "Funding bids" in text
    assert "Draft the plan &amp; share it" in text
    assert "Steering group &lt;b&gt;met&lt;/b&gt;" in text
    assert "1 h 30 min" in text


def test_an_evaluator_never_sees_the_notes_or_next_steps(meeting, evaluator):
    text = client_for(evaluator).get(f"/staff/areas/{meeting.area.ward_code}/").text
    assert "Steering group" not in text
    assert "Draft the plan" not in text


def test_an_interaction_with_nothing_in_it_is_refused(hendon, adviser):
    response = client_for(adviser).post(
        f"/staff/casework/interactions/new/?area={hendon.ward_code}",
        {"area": hendon.pk, "date": TODAY, "kind": "visit", "residents": "0", "new_residents": "0"},
    )
    assert response.status_code == 200
    assert "Say what happened" in response.text
    assert not Interaction.objects.exists()


def test_residents_reached_add_up_by_month_with_empty_months_shown(hendon, adviser, meeting):
    last_month = add_months(month_start(TODAY), -1)
    services.interaction_log(
        area=hendon, by=adviser, date=last_month, kind="visit", residents=4, new_residents=4
    )
    services.interaction_log(area=hendon, by=adviser, date=last_month, kind="call", minutes=20)
    months = [add_months(month_start(TODAY), -2), last_month, month_start(TODAY)]

    rows = residents_reached_by_month(interactions=hendon.interactions.all(), months=months)

    assert [(r.month, r.interactions, r.residents, r.new_residents) for r in rows] == [
        (month_start(TODAY), 1, 12, 3),
        (last_month, 2, 4, 4),
        (months[0], 0, 0, 0),
    ]
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/casework/").text
    assert "Residents reached, last 12 months" in page


def test_the_area_page_stays_at_a_fixed_number_of_queries(
    hendon, adviser, django_assert_max_num_queries
):
    client = client_for(adviser)
    urls = [f"/staff/areas/{hendon.ward_code}/", f"/staff/areas/{hendon.ward_code}/casework/"]
    for url in urls:
        client.get(url)
    for day in range(20):
        services.interaction_log(
            area=hendon,
            by=adviser,
            date=TODAY - datetime.timedelta(days=day * 15),
            kind="visit",
            residents=day + 1,
            topics=["plan"],
        )
    for url in urls:
        with django_assert_max_num_queries(40):
            client.get(url)


def test_an_areas_residents_by_month_can_be_read_from_its_index_alone():
    """The index on (area, date) carries every column residents_reached_by_month
    reads, so PostgreSQL need not visit a busy area's thousands of rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'interaction_area_date_idx'"
        )
        (definition,) = cursor.fetchone()
    assert "(area_id, date) INCLUDE (residents, new_residents, id)" in definition
