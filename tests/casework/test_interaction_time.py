"""An interaction's minutes count once as time given (no second entry under
"Record a day"), and its author corrects it for a while, with its time
following and the history kept."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from advisers.delivery import hours_by_month
from advisers.models import TimeRecord
from areas.models import Area
from casework.models import AuditEntry, Interaction
from nfc.periods import month_start
from tests.factories import AreaFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def log(client, area, **changes):
    data = {
        "area": area.pk,
        "date": TODAY,
        "kind": "meeting",
        "residents": "12",
        "new_residents": "3",
        "minutes": "90",
        "topics": ["plan"],
        "notes": "Steering group",
        "next_steps": "",
        "count_time": "on",
    }
    data.update(changes)
    return client.post(f"/staff/casework/interactions/new/?area={area.ward_code}", data)


def correct(client, interaction, **changes):
    data = {
        "date": interaction.date,
        "kind": interaction.kind,
        "residents": interaction.residents,
        "new_residents": interaction.new_residents,
        "minutes": interaction.minutes or "",
        "topics": interaction.topics,
        "notes": interaction.notes,
        "next_steps": interaction.next_steps,
    }
    if interaction.time_record_id:
        data["count_time"] = "on"
    data.update(changes)
    return client.post(f"/staff/casework/interactions/{interaction.pk}/correct/", data)


def test_an_interactions_minutes_count_once_as_the_advisers_time(hendon, adviser):
    response = log(client_for(adviser), hendon)

    assert response.status_code == 302
    interaction = Interaction.objects.get()
    record = interaction.time_record
    assert (record.person, record.area, record.date, record.hours, record.role) == (
        adviser,
        hendon,
        TODAY,
        Decimal("1.50"),
        "adviser",
    )
    assert TimeRecord.objects.count() == 1
    hours = hours_by_month(
        areas=Area.objects.filter(pk=hendon.pk), months=[month_start(TODAY)], today=TODAY
    )
    assert hours == {(hendon.pk, "adviser"): {month_start(TODAY): Decimal("1.50")}}


def test_left_unticked_the_interaction_is_logged_without_time(hendon, community_worker):
    log(client_for(community_worker), hendon, count_time="")
    assert Interaction.objects.get().time_record is None
    assert not TimeRecord.objects.exists()


def test_without_how_long_it_took_there_is_no_time_to_count(hendon, adviser):
    response = log(client_for(adviser), hendon, minutes="")
    assert response.status_code == 302
    assert Interaction.objects.get().time_record is None
    assert not TimeRecord.objects.exists()


def test_time_past_a_days_24_hours_refuses_the_interaction_too(hendon, adviser):
    TimeRecord.objects.create(
        person=adviser, area=hendon, date=TODAY, hours=Decimal("23.5"), role="adviser"
    )
    response = log(client_for(adviser), hendon)
    assert response.status_code == 200
    assert "more would be over 24 hours in one day" in response.text
    assert not Interaction.objects.exists()
    assert TimeRecord.objects.count() == 1


def test_a_manager_is_not_offered_to_count_time(hendon, manager):
    page = client_for(manager).get(f"/staff/casework/interactions/new/?area={hendon.ward_code}")
    assert "count_time" not in page.context["form"].fields


def test_the_author_corrects_the_minutes_and_the_time_follows(hendon, adviser):
    client = client_for(adviser)
    log(client, hendon)
    interaction = Interaction.objects.get()

    response = correct(client, interaction, minutes="60", notes="Steering group, short")

    assert response.status_code == 302
    interaction.refresh_from_db()
    assert interaction.minutes == 60
    assert interaction.time_record.hours == Decimal("1.00")
    assert TimeRecord.objects.count() == 1
    entry = AuditEntry.objects.get(
        content_type__model="interaction", object_id=interaction.pk, action="changed"
    )
    assert entry.changed_by == adviser
    assert entry.changes["minutes"] == [90, 60]


def test_unticking_on_correction_takes_the_time_back(hendon, adviser):
    client = client_for(adviser)
    log(client, hendon)
    interaction = Interaction.objects.get()
    data = {"count_time": ""}
    correct(client, interaction, **data)
    interaction.refresh_from_db()
    assert interaction.time_record is None
    assert not TimeRecord.objects.exists()


def test_the_correction_page_shows_the_interaction_as_it_stands(hendon, adviser):
    client = client_for(adviser)
    log(client, hendon, notes="Hall <booked>")
    interaction = Interaction.objects.get()
    page = client.get(f"/staff/casework/interactions/{interaction.pk}/correct/").text
    assert "Hall &lt;booked&gt;</textarea>" in page
    assert 'value="90"' in page


def test_a_bad_correction_is_refused_and_nothing_changes(hendon, adviser):
    client = client_for(adviser)
    log(client, hendon)
    interaction = Interaction.objects.get()
    response = correct(client, interaction, new_residents="50", notes="Typed anew")
    assert response.status_code == 200
    assert "cannot be more than the residents" in response.text
    assert "Typed anew</textarea>" in response.text
    interaction.refresh_from_db()
    assert (interaction.new_residents, interaction.notes) == (3, "Steering group")


def test_only_the_author_corrects_and_only_for_a_while(hendon, adviser, community_worker, settings):
    log(client_for(adviser), hendon)
    interaction = Interaction.objects.get()
    url = f"/staff/casework/interactions/{interaction.pk}/correct/"
    assert client_for(community_worker).get(url).status_code == 404
    area_page = client_for(community_worker).get(f"/staff/areas/{hendon.ward_code}/").text
    assert url not in area_page
    assert url in client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/").text

    Interaction.objects.filter(pk=interaction.pk).update(
        created_at=timezone.now()
        - datetime.timedelta(days=settings.NFC_INTERACTION_CORRECTION_DAYS)
    )
    # The author, with the page open past the days allowed, is told why.
    client = client_for(adviser)
    response = client.post(url, {"notes": "Late"})
    assert response.url == f"/staff/areas/{hendon.ward_code}/"
    page = client.get(response.url).text
    assert "can no longer be corrected: interactions can be corrected for 7 days" in page
    assert url not in page
    interaction.refresh_from_db()
    assert interaction.notes == "Steering group"


def test_a_correction_sent_after_the_author_removed_it_says_so(hendon, adviser, community_worker):
    client = client_for(adviser)
    log(client, hendon)
    interaction = Interaction.objects.get()
    client.post(f"/staff/casework/interactions/{interaction.pk}/remove/")

    response = correct(client, interaction, notes="From the other tab")

    assert response.url == f"/staff/areas/{hendon.ward_code}/"
    assert "You removed this interaction on" in client.get(response.url).text
    assert not Interaction.objects.exists()
    # Nobody else learns that it was there.
    assert correct(client_for(community_worker), interaction).status_code == 404


def test_the_author_removes_an_interaction_and_its_time_and_the_history_keeps_it(hendon, adviser):
    client = client_for(adviser)
    log(client, hendon, notes="Wrong area, sorry")
    interaction = Interaction.objects.get()

    response = client.post(f"/staff/casework/interactions/{interaction.pk}/remove/")

    assert response.url == f"/staff/areas/{hendon.ward_code}/"
    assert not Interaction.objects.exists()
    assert not TimeRecord.objects.exists()
    removed = AuditEntry.objects.get(
        content_type__model="interaction", object_id=interaction.pk, action="removed"
    )
    assert removed.changed_by == adviser
    assert removed.changes["notes"] == ["Wrong area, sorry", None]


def test_nobody_else_removes_an_interaction(hendon, adviser, community_worker, manager):
    log(client_for(adviser), hendon)
    interaction = Interaction.objects.get()
    for person in (community_worker, manager):
        response = client_for(person).post(f"/staff/casework/interactions/{interaction.pk}/remove/")
        assert response.status_code == 404
    assert Interaction.objects.exists()


def test_an_interactions_time_is_never_tied_to_another_areas_record(hendon, adviser):
    log(client_for(adviser), hendon)
    interaction = Interaction.objects.get()
    elsewhere = TimeRecord.objects.create(
        person=adviser,
        area=AreaFactory(),
        date=TODAY,
        hours=Decimal(1),
        role=adviser.role,
        kind=TimeRecord.Kind.MEETING,
    )
    interaction.time_record = elsewhere
    with pytest.raises(ValidationError, match="another area"):
        interaction.full_clean()
