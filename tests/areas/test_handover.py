"""When an area changes adviser, the new one gets a handover page."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from advisers import services
from advisers.models import AdviserAssignment
from casework import services as casework_services
from casework.models import Action
from tests.factories import AreaFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_over(adviser, outsider):
    """Hendon was Otto's; Asha took it over today, with Otto's note."""
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    services.area_assign_adviser(area=area, adviser=outsider, by=None)
    AdviserAssignment.objects.filter(area=area).update(started_on=datetime.date(2026, 5, 1))
    client_for(outsider).post(
        "/staff/areas/E05001158/handover/note/", {"text": "The chair prefers phone calls."}
    )
    services.area_assign_adviser(area=area, adviser=adviser, by=None, reason="Otto moved region")
    return area


def test_the_new_adviser_sees_the_previous_advisers_note_and_what_is_open(handed_over, adviser):
    page = client_for(adviser).get("/staff/areas/E05001158/handover/")
    assert page.status_code == 200
    assert "The chair prefers phone calls." in page.text
    assert "Otto Outsider, until" in page.text


def test_the_new_adviser_is_pointed_to_the_handover_page_from_home(handed_over, adviser):
    assert "/staff/areas/E05001158/handover/" in client_for(adviser).get("/staff/").text


def test_the_previous_adviser_gets_404_for_the_handover_page(handed_over, outsider):
    # Which roles may open the page is the permission matrix's; Otto held
    # Hendon until today, and it is outside his scope now.
    assert client_for(outsider).get("/staff/areas/E05001158/handover/").status_code == 404


def test_a_note_on_an_ended_assignment_cannot_change(handed_over):
    ended = AdviserAssignment.objects.filter(area=handed_over).exclude(ended_on=None).get()
    with pytest.raises(ValidationError, match="has ended"):
        services.handover_note_save(assignment=ended, text="Too late", by=ended.adviser)


def test_a_too_long_note_is_refused_and_the_old_one_kept(handed_over, adviser):
    client_for(adviser).post("/staff/areas/E05001158/handover/note/", {"text": "Short note"})
    response = client_for(adviser).post(
        "/staff/areas/E05001158/handover/note/", {"text": "x" * 3001}
    )
    assert "at most 3000 characters" in response.text
    current = AdviserAssignment.objects.current().get(area=handed_over)
    assert current.handover_note == "Short note"
    assert current.started_on == timezone.localdate()


def test_the_previous_advisers_open_actions_go_with_the_area_and_the_new_one_closes_them(
    adviser, outsider, community_worker
):
    area = AreaFactory(name="Hendon", ward_code="E05001158")
    services.area_assign_adviser(area=area, adviser=outsider, by=None)
    services.area_allocate_community_worker(area=area, worker=community_worker, by=None)
    today = timezone.localdate()
    theirs = casework_services.action_add(
        area=area, owner=outsider, by=outsider, description="Call the chair", due_on=today
    )
    workers = casework_services.action_add(
        area=area, owner=community_worker, by=outsider, description="Book the hall", due_on=today
    )
    services.area_assign_adviser(area=area, adviser=adviser, by=None)
    theirs.refresh_from_db()
    workers.refresh_from_db()
    assert theirs.owner == adviser
    assert workers.owner == community_worker
    assert "Call the chair" not in client_for(outsider).get("/staff/casework/actions/").text
    client = client_for(adviser)
    assert "are now yours" in client.get("/staff/areas/E05001158/handover/").text
    assert client.post(f"/staff/casework/actions/{theirs.pk}/done/").status_code == 302
    assert Action.objects.get(pk=theirs.pk).done_at is not None
