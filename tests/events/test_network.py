"""The network between areas: connections recorded by staff, links made at
events, peer suggestions, the areas with no connection, and the page that
draws them."""

import datetime
import itertools
import random
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.html import escape

from advisers.models import Role
from areas.models import AreaType, Region, Stage
from casework.models import AuditEntry, Interaction
from events import network_services
from events.models import Connection, Event, Registration
from events.network import REGION_COLOURS
from events.selectors_network import (
    isolated_areas,
    last_twelve_months,
    links_at_events,
    peer_suggestions,
)
from tests.factories import AreaFactory, EventFactory, RegistrationFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def past_event(days_ago: int = 30, **kwargs):
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    return EventFactory(
        published=True,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=5),
        registration_closes_at=starts - datetime.timedelta(days=1),
        **kwargs,
    )


def event_at(moment: datetime.datetime, **kwargs):
    return EventFactory(
        published=True,
        starts_at=moment,
        ends_at=moment + datetime.timedelta(hours=2),
        registration_closes_at=moment - datetime.timedelta(days=1),
        **kwargs,
    )


def came(event, area, **kwargs):
    """Someone from ``area`` who came to ``event``."""
    kwargs.setdefault("checked_in_at", event.starts_at)
    return RegistrationFactory(event=event, area=area, **kwargs)


def record(by, area, other, topic="funding", **kwargs):
    kwargs.setdefault("origin", Connection.Origin.VISIT)
    kwargs.setdefault("made_on", timezone.localdate() - datetime.timedelta(days=10))
    return network_services.connection_record(by=by, area=area, other=other, topic=topic, **kwargs)


@pytest.fixture
def ryhope(db):
    return AreaFactory(name="Ryhope", ward_code="E05001159", programme=Stage.DELIVERING)


# --- Recording a connection ----------------------------------------------


def test_a_pair_is_kept_in_one_order_whichever_way_it_is_given(hendon, ryhope, adviser):
    connection = record(adviser, ryhope, hendon)
    low, high = sorted([hendon, ryhope], key=lambda a: a.pk)
    assert (connection.area_a, connection.area_b) == (low, high)
    assert connection.other(hendon) == ryhope
    assert connection.other(ryhope) == hendon


def test_the_database_refuses_a_pair_out_of_order(hendon, ryhope, adviser):
    low, high = sorted([hendon, ryhope], key=lambda a: a.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(
            area_a=high,
            area_b=low,
            topic="funding",
            origin="visit",
            made_on=timezone.localdate(),
            recorded_by=adviser,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(
            area_a=low,
            area_b=low,
            topic="funding",
            origin="visit",
            made_on=timezone.localdate(),
            recorded_by=adviser,
        )


def test_b_and_a_on_the_same_topic_is_the_same_connection_as_a_and_b(hendon, ryhope, adviser):
    record(adviser, hendon, ryhope, topic="funding")
    with pytest.raises(ValidationError, match="already recorded as connected on funding bids"):
        record(adviser, ryhope, hendon, topic="funding")
    # Another topic is another connection.
    record(adviser, ryhope, hendon, topic="skills")
    assert Connection.objects.count() == 2


def test_recording_a_connection_is_audited(hendon, ryhope, adviser):
    connection = record(adviser, hendon, ryhope, note="They swapped bid templates.")
    entries = AuditEntry.objects.filter(object_id=connection.pk, content_type__model="connection")
    entry = entries.get()
    assert entry.action == AuditEntry.Action.CREATED
    assert entry.changed_by == adviser
    assert entry.changes["topic"] == [None, "funding"]
    network_services.connection_mark_followed_up(connection=connection, by=adviser)
    changed = entries.get(action="changed")
    assert changed.changes == {"followed_up": [False, True]}


def test_the_audit_history_filters_connections(hendon, ryhope, adviser, manager):
    record(adviser, hendon, ryhope)
    page = client_for(manager).get("/staff/casework/audit/", {"kind": "connections"}).text
    assert "Connection between Hendon and Ryhope" in page


def test_an_adviser_records_only_where_one_of_the_areas_is_theirs(
    hendon, ryhope, adviser, outsider
):
    record(adviser, hendon, ryhope)
    other = AreaFactory(name="Pallion")
    with pytest.raises(PermissionDenied):
        record(outsider, hendon, other)


def test_a_regional_lead_records_only_where_an_area_is_in_their_region(hendon, ryhope):
    lead = UserFactory(role=Role.MANAGER, region=Region.SOUTH_WEST)
    with pytest.raises(PermissionDenied):
        record(lead, hendon, ryhope)
    national = UserFactory(role=Role.MANAGER)
    record(national, hendon, ryhope)


def test_a_community_worker_and_an_evaluator_cannot_record(
    hendon, ryhope, community_worker, evaluator
):
    for person in (community_worker, evaluator):
        with pytest.raises(PermissionDenied):
            record(person, hendon, ryhope)


# --- The form ------------------------------------------------------------


def _post(client, **data):
    return client.post("/staff/events/network/connections/new/", data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"other": "same"}, "an area cannot connect to itself"),
        ({"topic": ""}, "Choose what the connection is about."),
        ({"topic": "gardening"}, "Choose a topic from the list."),
        ({"origin": ""}, "Say how it came about"),
        ({"made_on": "tomorrow"}, "The date cannot be in the future."),
        ({"made_on": "31/02/2026"}, "Enter the date as day, month and year"),
        ({"note": "x" * 501}, "Keep the note to 500 letters or fewer: it has 501."),
        ({"area": "not-theirs"}, "Choose the area from the list."),
        ({"origin": "introduction", "event": "past"}, "An introduction is not made at an event"),
    ],
)
def test_the_form_says_what_is_wrong_and_saves_nothing(hendon, ryhope, adviser, change, message):
    event = past_event(days_ago=5)
    elsewhere = AreaFactory(name="Pallion")
    data = {
        "area": hendon.pk,
        "other": ryhope.pk,
        "topic": "funding",
        "origin": "visit",
        "made_on": timezone.localdate().isoformat(),
        "note": "They swapped bid templates.",
    }
    replace = {
        "same": hendon.pk,
        "tomorrow": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
        "not-theirs": elsewhere.pk,
        "past": event.pk,
    }
    data.update({key: replace.get(value, value) for key, value in change.items()})
    response = _post(client_for(adviser), **data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert message in page.replace("&#x27;", "'")
    assert not Connection.objects.exists()
    # What they typed is still there.
    assert "They swapped bid templates." in page or "x" * 501 in page


def test_the_form_offers_today_in_the_form_a_date_input_reads(hendon, adviser):
    page = client_for(adviser).get(f"/staff/events/network/connections/new/?area={hendon.pk}")
    assert f'value="{timezone.localdate():%Y-%m-%d}"' in page.content.decode()
    assert f'<option value="{hendon.pk}" selected>' in page.content.decode()


def test_the_form_records_a_connection_at_an_event(hendon, ryhope, adviser):
    event = past_event(days_ago=5)
    response = _post(
        client_for(adviser),
        area=hendon.pk,
        other=ryhope.pk,
        topic="people",
        origin="event",
        event=event.pk,
        made_on=timezone.localdate().isoformat(),
        followed_up="on",
        note="Ryhope's youth forum.",
    )
    assert response.status_code == 302
    connection = Connection.objects.get()
    assert connection.event == event
    assert connection.followed_up
    assert connection.recorded_by == adviser


def test_the_same_pair_twice_is_a_clear_error_on_the_form(hendon, ryhope, adviser):
    record(adviser, hendon, ryhope, topic="people")
    response = _post(
        client_for(adviser),
        area=hendon.pk,
        other=ryhope.pk,
        topic="people",
        origin="visit",
        made_on=timezone.localdate().isoformat(),
    )
    assert response.status_code == 200
    assert "already recorded as connected on engaging the community" in response.content.decode()
    assert Connection.objects.count() == 1


# --- Links at events -----------------------------------------------------


def test_people_from_two_areas_at_the_same_event_make_a_link(hendon, ryhope):
    event = past_event()
    came(event, hendon)
    came(event, hendon)
    came(event, ryhope)
    came(event, None)
    lonely = AreaFactory(name="Pallion")
    came(past_event(), lonely)
    (link,) = links_at_events(areas=hendon.__class__.objects.all(), period=last_twelve_months())
    low, high = sorted([hendon.pk, ryhope.pk])
    assert (link.area_a, link.area_b, link.events) == (low, high, 1)


def test_no_link_from_a_cancelled_place_or_an_event_long_ago(hendon, ryhope):
    event = past_event()
    came(event, hendon)
    RegistrationFactory(
        event=event,
        area=ryhope,
        status=Registration.Status.CANCELLED,
    )
    old = past_event(days_ago=400)
    came(old, hendon)
    came(old, ryhope)
    assert links_at_events(areas=hendon.__class__.objects.all(), period=last_twelve_months()) == []


# --- Areas with no connection --------------------------------------------


def test_areas_with_no_connection_in_the_last_12_months(hendon, ryhope, adviser):
    pallion = AreaFactory(name="Pallion")
    southwick = AreaFactory(name="Southwick")
    millfield = AreaFactory(name="Millfield")
    outside = AreaFactory(name="Outside", programme=False)
    record(adviser, hendon, ryhope)
    event = past_event()
    came(event, pallion)
    came(event, southwick)
    # A connection from long ago does not count.
    record(
        adviser,
        hendon,
        millfield,
        made_on=timezone.localdate() - datetime.timedelta(days=400),
    )
    isolated = set(
        isolated_areas(areas=hendon.__class__.objects.all(), period=last_twelve_months())
    )
    assert isolated == {millfield}
    assert outside not in isolated


# --- Peer suggestions ----------------------------------------------------


@pytest.mark.hendon(programme=Stage.YEAR_ZERO)
def test_peers_a_stage_ahead_of_the_same_type_or_topics_are_suggested(hendon, adviser):
    coastal = AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})[0]
    estate = AreaType.objects.get_or_create(slug="outer-estate", defaults={"name": "Outer estate"})[
        0
    ]
    hendon.types.add(coastal)
    ahead_coastal = AreaFactory(name="Seaham", programme=Stage.DELIVERING)
    ahead_coastal.types.add(coastal)
    ahead_topic = AreaFactory(name="Easington", programme=Stage.PLAN_AGREED)
    ahead_topic.types.add(estate)
    behind = AreaFactory(name="Horden", programme=Stage.OUTREACH)
    behind.types.add(coastal)
    ahead_nothing_shared = AreaFactory(name="Peterlee", programme=Stage.DELIVERING)
    ahead_nothing_shared.types.add(estate)
    connected = AreaFactory(name="Blackhall", programme=Stage.DELIVERING)
    connected.types.add(coastal)
    record(adviser, hendon, connected)
    left = AreaFactory(name="Shotton", programme=Stage.LEAVING)
    left.types.add(coastal)
    today = timezone.localdate()
    for area in (hendon, ahead_topic):
        Interaction.objects.create(
            area=area,
            date=today,
            kind="meeting",
            minutes=60,
            topics=["asset_transfer"],
            logged_by=adviser,
        )
    suggestions = peer_suggestions(area=hendon)
    assert [s.peer.name for s in suggestions] == ["Easington", "Seaham"] or [
        s.peer.name for s in suggestions
    ] == ["Seaham", "Easington"]
    by_name = {s.peer.name: s for s in suggestions}
    assert by_name["Seaham"].types == ["Coastal"]
    assert by_name["Easington"].topics == ["asset_transfer"]
    assert by_name["Easington"].topic == "asset_transfer"
    assert by_name["Seaham"].topic == "networks"


@pytest.mark.hendon(programme=Stage.DELIVERING)
def test_an_area_delivering_its_plan_has_nobody_ahead(hendon):
    assert peer_suggestions(area=hendon) == []


@pytest.mark.hendon(programme=Stage.YEAR_ZERO)
def test_the_introduce_button_records_an_introduction(hendon, adviser):
    coastal = AreaType.objects.get_or_create(slug="coastal", defaults={"name": "Coastal"})[0]
    hendon.types.add(coastal)
    seaham = AreaFactory(name="Seaham", programme=Stage.DELIVERING)
    seaham.types.add(coastal)
    client = client_for(adviser)
    page = client.get(f"/staff/areas/{hendon.ward_code}/events/").content.decode()
    assert "Peers to introduce" in page
    assert 'Introduce<span class="visually-hidden"> Hendon to Seaham</span>' in page
    response = client.post(
        "/staff/events/network/connections/introduce/",
        {
            "area": hendon.pk,
            "peer": seaham.pk,
            "topic": "networks",
            "next": f"/staff/areas/{hendon.ward_code}/events/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/staff/areas/{hendon.ward_code}/events/"
    connection = Connection.objects.get()
    assert connection.origin == Connection.Origin.INTRODUCTION
    assert connection.made_on == timezone.localdate()
    page = client.get(f"/staff/areas/{hendon.ward_code}/events/").content.decode()
    assert "Introduction recorded" in page
    # Connected now: no longer suggested.
    assert "Hendon to Seaham" not in page


def test_an_adviser_cannot_introduce_two_areas_neither_of_which_is_theirs(hendon, ryhope, outsider):
    response = client_for(outsider).post(
        "/staff/events/network/connections/introduce/",
        {"area": hendon.pk, "peer": ryhope.pk, "topic": "networks"},
    )
    assert response.status_code == 403
    assert not Connection.objects.exists()


def test_the_introduce_button_goes_nowhere_outside_the_portal(hendon, ryhope, adviser):
    response = client_for(adviser).post(
        "/staff/events/network/connections/introduce/",
        {"area": hendon.pk, "peer": ryhope.pk, "topic": "networks", "next": "https://evil.example"},
    )
    assert response["Location"] == "/staff/events/network/"


# --- The page ------------------------------------------------------------


def _svg(page: str) -> ET.Element:
    start = page.index("<svg viewBox")
    end = page.index("</svg>", start) + len("</svg>")
    return ET.fromstring(page[start:end])


def test_the_network_page_draws_areas_and_lines_and_the_same_as_a_table(
    hendon, ryhope, manager, adviser
):
    pallion = AreaFactory(name="Pallion & <Ford>", region=Region.NORTH_WEST)
    lonely = AreaFactory(name="Lonely")
    record(adviser, hendon, ryhope, topic="funding")
    event = past_event()
    came(event, hendon)
    came(event, pallion)
    response = client_for(manager).get("/staff/events/network/")
    assert response.status_code == 200
    page = response.content.decode()
    svg = _svg(page)
    points = svg.findall(f"{SVG}circle")
    assert len(points) == 4
    names = {t.text for t in svg.findall(f"{SVG}text")}
    assert names == {"Hendon", "Ryhope", "Pallion & <Ford>", "Lonely"}
    lines = svg.findall(f"{SVG}line")
    kinds = sorted(line.get("class") for line in lines)
    assert kinds == ["network-line network-at_events", "network-line network-recorded"]
    assert {line.find(f"{SVG}title").text for line in lines} == {
        "Hendon and Pallion & <Ford>: met at 1 events",
        "Hendon and Ryhope: Funding bids",
    }
    colours = {c.get("fill") for c in points} | {c.get("stroke") for c in points}
    assert REGION_COLOURS[Region.NORTH_WEST] in colours
    hollow = [c for c in points if c.get("fill") == "#ffffff"]
    assert [c.find(f"{SVG}title").text for c in hollow] == [
        "Lonely (North East), no connection in the last 12 months"
    ]
    # The table holds the same two pairs, recorded apart from met at events;
    # so does the page of all pairs, a plain link away.
    assert "All 2 pairs, by region" in page
    every = client_for(manager).get("/staff/events/network/pairs/").content.decode()
    for table in (page, every):
        assert table.count('<tr>\n                <th scope="row"><a href="/staff/areas/') == 2
        assert "Funding bids (last" in table
        assert "1 event (last" in table
    assert 'href="/staff/events/network/pairs/"' in page
    assert "Areas with no connection in the last 12 months (1)" in page
    assert lonely.name in page


def test_a_long_name_is_cut_short_on_the_picture_and_whole_in_its_title(hendon, manager):
    AreaFactory(name="Stechford and Yardley North and Beyond")
    svg = _svg(client_for(manager).get("/staff/events/network/").content.decode())
    assert "Stechford and Y…" in {t.text for t in svg.findall(f"{SVG}text")}
    titles = {c.find(f"{SVG}title").text for c in svg.findall(f"{SVG}circle")}
    assert any(t.startswith("Stechford and Yardley North and Beyond (") for t in titles)


def test_an_adviser_sees_the_network_of_their_own_areas(hendon, ryhope, adviser):
    elsewhere_a = AreaFactory(name="Far away A")
    elsewhere_b = AreaFactory(name="Far away B")
    record(UserFactory(role=Role.MANAGER), elsewhere_a, elsewhere_b)
    record(adviser, hendon, ryhope)
    page = client_for(adviser).get("/staff/events/network/").content.decode()
    names = {t.text for t in _svg(page).findall(f"{SVG}text")}
    assert names == {"Hendon", "Ryhope"}
    assert "Far away" not in page


def test_the_region_colours_stand_out_against_white():
    def contrast(colour: str) -> float:
        def channel(value: int) -> float:
            c = value / 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return 1.05 / (0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b) + 0.05)

    assert set(REGION_COLOURS) == set(Region.values)
    assert len(set(REGION_COLOURS.values())) == len(Region.values)
    for colour in REGION_COLOURS.values():
        assert contrast(colour) >= 3, colour


def _grow(manager, adviser, hendon, size: int) -> None:
    areas = [AreaFactory(region=list(Region.values)[n % 9]) for n in range(size)]
    for n, area in enumerate(areas):
        record(manager, area, areas[n - 1] if n else hendon, topic="skills")
        event = past_event(days_ago=10 + n)
        came(event, area)
        came(event, hendon)


def test_the_network_pages_query_count_stays_flat_as_the_data_grows(
    hendon, manager, adviser, django_assert_max_num_queries
):
    client = client_for(manager)
    _grow(manager, adviser, hendon, 2)
    with django_assert_max_num_queries(12) as small:
        assert client.get("/staff/events/network/").status_code == 200
    with django_assert_max_num_queries(10) as small_pairs:
        assert client.get("/staff/events/network/pairs/").status_code == 200
    _grow(manager, adviser, hendon, 20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/staff/events/network/").status_code == 200
    with django_assert_max_num_queries(len(small_pairs.captured_queries)):
        assert client.get("/staff/events/network/pairs/").status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get(f"/staff/areas/{hendon.ward_code}/events/").status_code == 200


def test_marking_a_connection_followed_up(hendon, ryhope, adviser, community_worker):
    connection = record(adviser, hendon, ryhope)
    page = client_for(adviser).get("/staff/events/network/").content.decode()
    assert "Mark followed up" in page
    assert (
        "Mark followed up"
        not in client_for(community_worker).get("/staff/events/network/").content.decode()
    )
    response = client_for(adviser).post(
        f"/staff/events/network/connections/{connection.pk}/followed-up/"
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.followed_up


def test_staff_notes_on_a_connection_are_not_shown_to_evaluators(
    hendon, ryhope, adviser, evaluator
):
    record(adviser, hendon, ryhope, note="Asha knows their chair.")
    assert (
        "Asha knows their chair."
        in client_for(adviser).get("/staff/events/network/").content.decode()
    )
    page = client_for(evaluator).get("/staff/events/network/").content.decode()
    assert "Hendon and Ryhope" in page
    assert "Asha knows their chair." not in page


def test_the_area_page_shows_its_connections_and_links(hendon, ryhope, adviser, evaluator):
    record(adviser, hendon, ryhope, topic="skills")
    pallion = AreaFactory(name="Pallion")
    event = past_event()
    came(event, hendon)
    came(event, pallion)
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/events/").content.decode()
    assert "Connections with other areas" in page
    assert "Ryhope</a>: Skills and expertise" in page
    assert "Pallion</a>: 1 event" in page
    recording = f"?area={hendon.pk}&amp;other={pallion.pk}&amp;origin=event"
    assert recording in page
    form = client_for(adviser).get(
        f"/staff/events/network/connections/new/{recording.replace('&amp;', '&')}"
    )
    assert f'<option value="{pallion.pk}" selected>' in form.content.decode()
    assert re.search(r'value="event"[^>]* checked', form.content.decode())
    evaluators = (
        client_for(evaluator).get(f"/staff/areas/{hendon.ward_code}/events/").content.decode()
    )
    assert "Connections with other areas" in evaluators
    assert "Peers to introduce" not in evaluators


def test_staff_notes_keep_their_lines_and_lose_direction_overrides(hendon, ryhope, adviser):
    record(adviser, hendon, ryhope, note="Asha knows \u202eriahc\nand their treasurer.")
    client = client_for(adviser)

    network = client.get("/staff/events/network/").content.decode()
    area = client.get(f"/staff/areas/{hendon.ward_code}/events/").content.decode()

    for page in (network, area):
        assert "Asha knows riahc<br>and their treasurer." in page
        assert "\u202e" not in page


def test_the_national_event_makes_no_links(hendon, ryhope):
    national = past_event(kind=Event.Kind.NATIONAL, region="")
    came(national, hendon)
    came(national, ryhope)
    assert links_at_events(areas=hendon.__class__.objects.all(), period=last_twelve_months()) == []


def test_the_page_draws_only_the_pairs_that_met_most_often_and_says_how_many_met(
    hendon, ryhope, manager, monkeypatch
):
    monkeypatch.setattr("events.network_views.EVENT_LINKS_SHOWN", 1)
    seaham = AreaFactory(name="Seaham", programme=Stage.YEAR_ZERO)
    # Hendon and Ryhope met at two events; Hendon and Seaham at one.
    for days_ago in (20, 40):
        event = past_event(days_ago=days_ago)
        came(event, hendon)
        came(event, ryhope)
    event = past_event(days_ago=60)
    came(event, hendon)
    came(event, seaham)

    client = client_for(manager)
    for address in ("/staff/events/network/", "/staff/events/network/pairs/"):
        page = client.get(address).content.decode()

        assert "People from 2 pairs of areas met at events" in page
        table = page[page.index('id="pairs-caption"') :]
        assert "2 events" in table
        assert "Seaham</a>" not in table[: table.index("</table>")]


def test_the_strongest_links_come_first_with_the_count_of_all(hendon, ryhope):
    from events.selectors_network import strongest_links_at_events

    seaham = AreaFactory(name="Seaham")
    for days_ago in (20, 40):
        event = past_event(days_ago=days_ago)
        came(event, hendon)
        came(event, ryhope)
    event = past_event(days_ago=60)
    came(event, hendon)
    came(event, seaham)
    everywhere = hendon.__class__.objects.all()

    links, total = strongest_links_at_events(areas=everywhere, period=last_twelve_months(), most=1)

    assert total == 2
    assert [(link.events, {link.area_a, link.area_b}) for link in links] == [
        (2, {hendon.pk, ryhope.pk})
    ]
    assert strongest_links_at_events(
        areas=everywhere.none(), period=last_twelve_months(), most=5
    ) == ([], 0)


# --- The strongest links against a straightforward count ------------------


def _varied_network(hendon):
    """Seven areas in three regions at a year of small events, the people
    from each chosen by a seeded draw: some events at the same moment,
    several people from one area, people who did not come or from no area,
    a national event and one from long ago (neither counts). Returns the
    areas."""
    draw = random.Random(15)
    areas = [
        hendon,
        AreaFactory(name="Ryhope", region=Region.NORTH_EAST),
        AreaFactory(name='Pallion & <Ford> "x"', region=Region.NORTH_EAST),
        AreaFactory(name="Everton", region=Region.NORTH_WEST),
        AreaFactory(name="Toxteth", region=Region.NORTH_WEST),
        AreaFactory(name="Aston", region=Region.WEST_MIDLANDS),
        AreaFactory(name="Outside", region=Region.WEST_MIDLANDS, programme=False),
    ]
    same_moment = timezone.now() - datetime.timedelta(days=90)
    for n in range(16):
        days_ago = draw.randint(2, 360)
        event = event_at(same_moment) if n in (3, 4) else past_event(days_ago=days_ago)
        for area in draw.sample(areas, draw.randint(1, 4)):
            for _ in range(draw.randint(1, 2)):
                came(event, area)
        RegistrationFactory(event=event, area=draw.choice(areas))  # did not come
        came(event, None)
    for event in (past_event(kind=Event.Kind.NATIONAL, region=""), past_event(days_ago=400)):
        for area in areas:
            came(event, area)
    return areas


def _straightforward_links(*, scope: set[int], period) -> list[tuple[int, int, int, object]]:
    """Every pair of areas at each event, counted one by one: (area_a,
    area_b, events, last), the strongest first."""
    met: dict[tuple[int, int], tuple[int, datetime.datetime]] = {}
    events = Event.objects.exclude(kind=Event.Kind.NATIONAL).filter(
        starts_at__gte=period.start_moment, starts_at__lt=period.end_moment
    )
    for event in events:
        there = {r.area_id for r in event.registrations.all() if r.checked_in_at and r.area_id}
        for pair in itertools.combinations(sorted(there), 2):
            if scope & set(pair):
                count, last = met.get(pair, (0, event.starts_at))
                met[pair] = (count + 1, max(last, event.starts_at))
    return sorted(
        ((a, b, count, last) for (a, b), (count, last) in met.items()),
        key=lambda p: (-p[2], -p[3].timestamp(), p[0], p[1]),
    )


def test_the_strongest_links_are_those_a_straightforward_count_finds(hendon, adviser):
    from events.selectors_network import strongest_links_at_events

    areas = _varied_network(hendon)
    period = last_twelve_months()
    everywhere = hendon.__class__.objects.all()
    scopes = {
        "every area": everywhere,
        "the North West": everywhere.filter(region=Region.NORTH_WEST),
        "an adviser's": everywhere.visible_to(adviser),
    }
    for name, scope in scopes.items():
        expected = _straightforward_links(scope={a.pk for a in scope}, period=period)
        assert expected, name
        for most in (3, len(expected) + 5):
            links, total = strongest_links_at_events(areas=scope, period=period, most=most)
            found = [(link.area_a, link.area_b, link.events, link.last) for link in links]
            assert found == expected[:most], (name, most)
            assert total == len(expected), name
    # The area page's count of its own links agrees.
    for area in areas:
        own = _straightforward_links(scope={area.pk}, period=period)
        links = links_at_events(areas=everywhere.filter(pk=area.pk), period=period)
        found = {(link.area_a, link.area_b, link.events, link.last) for link in links}
        assert found == set(own)


def test_the_pairs_table_says_what_a_straightforward_count_finds(hendon, manager, adviser):
    areas = _varied_network(hendon)
    # An evening event in summer time is on the next day in London.
    for days_ago in range(10, 300):
        moment = (timezone.now() - datetime.timedelta(days=days_ago)).replace(
            hour=23, minute=30, second=0, microsecond=0
        )
        if timezone.localtime(moment).date() != moment.date():
            break
    evening = event_at(moment)
    came(evening, areas[3])
    came(evening, areas[5])
    for topic in ("funding", "skills"):
        record(adviser, hendon, areas[2], topic=topic)

    page = client_for(manager).get("/staff/events/network/pairs/").content.decode()

    by_pk = {area.pk: area for area in areas}
    cells: dict[tuple[int, int], list[str]] = {}
    for a, b, count, last in _straightforward_links(scope=set(by_pk), period=last_twelve_months()):
        day = date_filter(timezone.localtime(last), "j M Y")
        cells[a, b] = ["None", f"{count} event{'' if count == 1 else 's'} (last {day})"]
    recorded_on = date_filter(timezone.localdate() - datetime.timedelta(days=10), "j M Y")
    pair = tuple(sorted([hendon.pk, areas[2].pk]))
    cells.setdefault(pair, ["None", "None"])[0] = (
        f"Funding bids, Skills and expertise (last {recorded_on})"
    )

    def place(area):
        return (list(Region.values).index(area.region), area.name)

    def link(area):
        return (area.ward_code, escape(area.name), area.get_region_display())

    expected = [
        (*link(by_pk[a]), *link(by_pk[b]), *cells[a, b])
        for a, b in sorted(cells, key=lambda p: (place(by_pk[p[0]]), place(by_pk[p[1]])))
    ]
    assert len(expected) > 5
    assert _pairs_table(page) == expected
    assert "Pallion &amp; &lt;Ford&gt; &quot;x&quot;</a>" in page


def _pairs_table(page: str) -> list[tuple[str, ...]]:
    """The rows of the page's table of pairs: each area's ward code, name
    and region, then the two cells."""
    area_cell = r'<a href="/staff/areas/(\w+)/">([^<]*)</a> <span class="muted">([^<]*)</span>'
    table = page[page.index("<tbody>", page.index('id="pairs-caption"')) :]
    return re.findall(
        rf'<tr>\s*<th scope="row">{area_cell}</th>\s*<td>{area_cell}</td>\s*'
        r"<td>([^<]*)</td>\s*<td>([^<]*)</td>\s*</tr>",
        table[: table.index("</tbody>")],
    )


def test_the_network_page_lists_the_strongest_pairs_and_links_to_all(
    hendon, manager, adviser, monkeypatch
):
    monkeypatch.setattr("events.network_views.STRONGEST_SHOWN", 4)
    areas = _varied_network(hendon)
    for topic in ("funding", "skills"):
        record(adviser, hendon, areas[6], topic=topic)
    client = client_for(manager)
    every = _pairs_table(client.get("/staff/events/network/pairs/").content.decode())

    page = client.get("/staff/events/network/").content.decode()

    def strength(row):
        recorded, met = row[6], row[7]
        topics = 0 if recorded == "None" else len(recorded.split(" (last")[0].split(", "))
        return topics + (0 if met == "None" else int(met.split()[0]))

    # The strongest first; those alike in the order of the page of all pairs.
    assert len(every) > 5
    assert _pairs_table(page) == sorted(every, key=lambda row: -strength(row))[:4]
    assert "The 4 pairs of areas with the most connections" in page
    assert f'<a href="/staff/events/network/pairs/">All {len(every)} pairs, by region</a>' in page


def test_the_pairs_table_links_only_the_areas_the_person_may_open(hendon, ryhope, adviser):
    # Ryhope is not the adviser's: its page would answer 404, so the pair
    # names it without a link.
    record(adviser, hendon, ryhope)
    for address in ("/staff/events/network/", "/staff/events/network/pairs/"):
        page = client_for(adviser).get(address)
        assert page.status_code == 200
        text = page.content.decode()
        assert f'href="/staff/areas/{hendon.ward_code}/"' in text
        assert f'href="/staff/areas/{ryhope.ward_code}/"' not in text
        assert ryhope.name in text
    assert client_for(adviser).get(f"/staff/areas/{ryhope.ward_code}/").status_code == 404


# --- The connections recorded lately, written in Python -------------------

# The table's loop as the template drew it before events.network wrote it.
RECENT_LOOP = """{% load nfc_text %}{% for connection in recent %}
              <tr>
                <td>{{ connection.made_on|date:"j M Y" }}</td>
                <th scope="row">{{ connection.area_a.name }} and {{ connection.area_b.name }}{% if can_see_notes and connection.note %}<br><span class="muted">{{ connection.note|bidi_safe|linebreaksbr }}</span>{% endif %}</th>
                <td>{{ connection.topic_label }}</td>
                <td>{{ connection.get_origin_display }}{% if connection.event %}: {{ connection.event.title }}{% endif %}<br><span class="muted">Recorded by {{ connection.recorded_by }}</span></td>
                <td>
                  {% if connection.followed_up %}Yes{% elif can_record %}
                    <form method="post" action="{% url 'events:connection_followed_up' connection.pk %}">
                      {% csrf_token %}
                      <button type="submit" class="button">Mark followed up<span class="visually-hidden">: {{ connection.area_a.name }} and {{ connection.area_b.name }}</span></button>
                    </form>
                  {% else %}Not yet{% endif %}
                </td>
              </tr>
            {% endfor %}"""  # noqa: E501 (the template's own lines)


def test_the_recent_connections_are_written_as_the_template_drew_them(hendon, adviser):
    from django.template import Context, Template

    from events.network import RECENT_FIELDS, recent_table

    odd = AreaFactory(name='Pallion & <Ford> "x\'s"')
    other = AreaFactory(name="Ryhope \u202egnorw")
    named = UserFactory(role=Role.ADVISER, full_name="<b>Asha</b> \u202eO'Neil")
    unnamed = UserFactory(role=Role.ADVISER, full_name="", email="a&b@example.org")
    event = past_event(title='The <summer> "meet" & greet')
    Connection.objects.create(
        area_a=hendon, area_b=odd, topic="funding", origin=Connection.Origin.EVENT,
        event=event, made_on=datetime.date(2026, 3, 1), recorded_by=named,
        note="Line one <i>\r\nline\u202e two\n\nthree & four",
    )  # fmt: skip
    Connection.objects.create(
        area_a=hendon, area_b=other, topic="skills", origin=Connection.Origin.VISIT,
        made_on=datetime.date(2026, 2, 9), recorded_by=unnamed, followed_up=True,
    )  # fmt: skip
    Connection.objects.create(
        area_a=odd, area_b=other, topic="not-a-topic", origin="elsewhere",
        made_on=datetime.date(2025, 12, 31), recorded_by=named, note="",
    )  # fmt: skip
    ordered = Connection.objects.order_by("-made_on", "-pk")
    template = Template(RECENT_LOOP)
    for can_record, can_see_notes in itertools.product((True, False), repeat=2):
        drawn = template.render(
            Context(
                {
                    "recent": ordered.select_related("area_a", "area_b", "event", "recorded_by"),
                    "can_record": can_record,
                    "can_see_notes": can_see_notes,
                    "csrf_token": "token&<>",
                }
            )
        )
        written = recent_table(
            ordered.values(*RECENT_FIELDS),
            can_record=can_record,
            can_see_notes=can_see_notes,
            csrf_token=lambda: "token&<>",
        )
        assert written == drawn, (can_record, can_see_notes)
    assert "&lt;Ford&gt;" in written
    assert "<Ford>" not in written
