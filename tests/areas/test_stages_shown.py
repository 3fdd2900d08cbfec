"""How an area's stages show on its page: the notes on them only to the
people who work there and managers (never evaluators), and a left area as
out of the programme."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from advisers.models import TimeRecord
from areas.models import FundingBid, Stage
from areas.services import area_change_stage, funding_bid_save, stage_change_withdraw
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_stage_notes_are_shown_to_the_adviser_and_never_to_an_evaluator(hendon, adviser, evaluator):
    area_change_stage(
        area=hendon,
        stage=Stage.DELIVERING,
        on=timezone.localdate(),
        by=adviser,
        note="Chair's illness: <the> plan waits",
    )
    url = f"/staff/areas/{hendon.ward_code}/"
    assert "Chair&#x27;s illness: &lt;the&gt; plan waits" in client_for(adviser).get(url).text
    page = client_for(evaluator).get(url).text
    assert "Delivering" in page
    assert "Chair" not in page


def test_an_area_that_has_left_does_not_say_it_is_in_the_programme(hendon, manager):
    area_change_stage(area=hendon, stage=Stage.LEFT, on=timezone.localdate(), by=manager)
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text
    assert "No: it has left (Year 1 cohort, joined 1 April 2026)" in page


def test_the_stage_form_says_what_leaving_means_for_caseload_places(hendon, adviser, manager):
    url = f"/staff/areas/{hendon.ward_code}/"
    assert "keeps its adviser and community worker" in client_for(manager).get(url).text
    # An adviser is not offered leaving, so is not told about it either.
    assert "keeps its adviser and community worker" not in client_for(adviser).get(url).text


@pytest.mark.parametrize(
    ("role", "reads_notes"),
    [
        ("adviser", True),
        ("community_worker", True),
        ("manager", True),
        ("evaluator", False),
        ("administrator", False),
    ],
)
def test_what_staff_write_about_an_area_is_kept_from_evaluators_and_administrators(
    request, hendon, manager, adviser, role, reads_notes
):
    """One rule (areas.view_notes) for every piece of staff text on the page."""
    hendon.notes = "Area note: chair is unwell"
    hendon.save()
    area_change_stage(
        area=hendon, stage=Stage.DELIVERING, on=timezone.localdate(), by=adviser, note="Stage note"
    )
    withdrawn = area_change_stage(
        area=hendon, stage=Stage.LEAVING, on=timezone.localdate(), by=manager, note="Oops"
    )
    stage_change_withdraw(change=withdrawn, reason="Withdrawal reason", by=manager)
    funding_bid_save(
        area=hendon,
        by=adviser,
        stream=FundingBid.Stream.LOTTERY,
        description="Funding description: roof for the hall",
        amount_sought=Decimal(5000),
        amount_secured=Decimal(0),
        status=FundingBid.Status.PLANNED,
    )
    TimeRecord.objects.create(
        person=adviser,
        role=adviser.role,
        area=hendon,
        date=timezone.localdate(),
        hours=1,
        note="Time note: met Pat at home",
    )
    client = client_for(request.getfixturevalue(role))
    page = client.get(f"/staff/areas/{hendon.ward_code}/")
    assert page.status_code == 200
    for text in ("Area note", "Stage note", "Withdrawal reason"):
        assert (text in page.text) is reads_notes, text
    # The funding and the time given, a click away.
    page = client.get(f"/staff/areas/{hendon.ward_code}/time/")
    assert page.status_code == 200
    assert "Lottery" in page.text
    for text in ("Funding description", "Time note"):
        assert (text in page.text) is reads_notes, text


def test_the_timeline_and_funding_write_their_days_and_link_each_row(hendon, manager, adviser):
    """Each row's days and addresses are made once in the view: they read as
    the template's date filter and {% url %} wrote them."""
    kept = area_change_stage(
        area=hendon, stage=Stage.DELIVERING, on=datetime.date(2026, 5, 4), by=adviser
    )
    withdrawn = area_change_stage(
        area=hendon, stage=Stage.LEAVING, on=datetime.date(2026, 6, 9), by=manager
    )
    stage_change_withdraw(change=withdrawn, reason="Entered in error", by=manager)
    withdrawn.refresh_from_db()
    bid = funding_bid_save(
        area=hendon,
        by=adviser,
        stream=FundingBid.Stream.LOTTERY,
        description="",
        amount_sought=Decimal(5000),
        amount_secured=Decimal(0),
        status=FundingBid.Status.SUBMITTED,
        submitted_on=datetime.date(2026, 5, 1),
    )
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text
    withdrawn_day = date_format(timezone.localtime(withdrawn.withdrawn_at), "j F Y")
    assert f"from 9 June 2026</del>\n            (withdrawn {withdrawn_day} by" in page
    correct = reverse("areas:stage_correct", args=[hendon.ward_code, kept.pk])
    assert f'<a href="{correct}">Correct<span class="visually-hidden"> ' in page
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/time/").text
    assert f'<a href="{reverse("areas:funding_edit", args=[hendon.ward_code, bid.pk])}">' in page
    assert "<td>1 May 2026</td>\n              <td>–</td>" in page
