"""A manager puts right a stage change made in error: its date or note, or
(the latest) withdraws it. The history keeps what was recorded."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from areas.models import Region, Stage, StageChange
from areas.services import area_change_stage, stage_change_correct, stage_change_withdraw
from casework.models import AuditEntry
from tests.factories import UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
A_MONTH_AGO = TODAY - datetime.timedelta(days=30)
TOMORROW = TODAY + datetime.timedelta(days=1)


def url(area, change):
    return f"/staff/areas/{area.ward_code}/stage/{change.pk}/correct/"


@pytest.fixture
def moved(hendon, adviser):
    """Hendon, joined two months ago and moved to Year Zero a month ago."""
    joined = hendon.stage_changes.get()
    joined.changed_on = hendon.joined_on = TODAY - datetime.timedelta(days=60)
    joined.save()
    hendon.save()
    return area_change_stage(area=hendon, stage=Stage.YEAR_ZERO, on=A_MONTH_AGO, by=adviser)


def test_a_manager_withdraws_the_latest_change_and_the_area_goes_back(hendon, manager, moved):
    response = client_for(manager).post(
        url(hendon, moved), {"withdraw": "1", "reason": "Recorded against the wrong area"}
    )

    assert response.status_code == 302
    hendon.refresh_from_db()
    assert hendon.stage == Stage.OUTREACH
    moved.refresh_from_db()
    assert (moved.withdrawn_by, moved.withdrawn_reason) == (
        manager,
        "Recorded against the wrong area",
    )
    page = client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text
    assert "<del><strong>Year Zero (planning)</strong>" in page
    assert "Recorded against the wrong area" in page
    # The next move is judged against the changes in force.
    area_change_stage(area=hendon, stage=Stage.YEAR_ZERO, on=A_MONTH_AGO, by=manager)


def test_a_wrong_date_is_corrected_and_the_history_keeps_the_old_one(hendon, manager, moved):
    a_fortnight_ago = TODAY - datetime.timedelta(days=14)
    response = client_for(manager).post(
        url(hendon, moved), {"on": a_fortnight_ago.isoformat(), "note": "Plan agreed"}
    )

    assert response.status_code == 302
    moved.refresh_from_db()
    assert (moved.changed_on, moved.note) == (a_fortnight_ago, "Plan agreed")
    entry = AuditEntry.objects.get(object_id=moved.pk, action="changed")
    assert entry.changed_by == manager
    assert entry.changes["changed_on"] == [str(A_MONTH_AGO), str(a_fortnight_ago)]


def test_the_message_after_a_correction_gives_the_new_date(hendon, manager, moved):
    a_fortnight_ago = TODAY - datetime.timedelta(days=14)
    response = client_for(manager).post(
        url(hendon, moved), {"on": a_fortnight_ago.isoformat(), "note": ""}, follow=True
    )
    assert f"Corrected: Year Zero (planning) from {a_fortnight_ago:%-d %b %Y}." in response.text


def test_correcting_the_joining_change_corrects_the_date_the_area_joined(hendon, manager, moved):
    joined = hendon.stage_changes.in_force().order_by("changed_on").first()
    fifty_days_ago = TODAY - datetime.timedelta(days=50)
    client_for(manager).post(url(hendon, joined), {"on": fifty_days_ago.isoformat(), "note": ""})
    hendon.refresh_from_db()
    assert hendon.joined_on == fifty_days_ago


def test_a_future_stage_recorded_before_dates_were_checked_no_longer_locks_the_area(
    hendon, manager
):
    """The defect as found: "from 1 January 2027" refused every later move."""
    locked = StageChange.objects.create(area=hendon, stage=Stage.YEAR_ZERO, changed_on=TOMORROW)
    hendon.stage = Stage.YEAR_ZERO
    hendon.save()

    client_for(manager).post(url(hendon, locked), {"withdraw": "1", "reason": "A plan, not done"})

    area_change_stage(area=hendon, stage=Stage.LEFT, on=TODAY, by=manager)
    hendon.refresh_from_db()
    assert hendon.stage == Stage.LEFT


@pytest.mark.parametrize(
    ("days_ago", "message"),
    [
        (-1, "The date cannot be in the future."),
        (90, "The date cannot be before the change that comes before it"),
    ],
)
def test_a_correction_out_of_order_is_refused_and_nothing_changes(
    hendon, manager, moved, days_ago, message
):
    wrong = TODAY - datetime.timedelta(days=days_ago)
    response = client_for(manager).post(
        url(hendon, moved), {"on": wrong.isoformat(), "note": "Typed anew"}
    )
    assert response.status_code == 200
    assert message in response.text
    assert 'value="Typed anew"' in response.text
    moved.refresh_from_db()
    assert (moved.changed_on, moved.note) == (A_MONTH_AGO, "")


def test_a_withdrawal_needs_a_reason(hendon, manager, moved):
    response = client_for(manager).post(url(hendon, moved), {"withdraw": "1", "reason": ""})
    assert response.status_code == 200
    assert "Why is it withdrawn?: Say why the change is withdrawn." in response.text
    moved.refresh_from_db()
    assert moved.withdrawn_at is None


def test_only_the_latest_change_may_be_withdrawn_and_never_the_joining(hendon, manager, moved):
    joined = hendon.stage_changes.in_force().order_by("changed_on").first()
    page = client_for(manager).get(url(hendon, joined)).text
    assert "Withdraw the change" not in page
    client = client_for(manager)
    response = client.post(url(hendon, joined), {"withdraw": "1", "reason": "Oops"})
    assert "Only the latest stage change can be withdrawn." in response.text
    client.post(url(hendon, moved), {"withdraw": "1", "reason": "Wrong area"})
    response = client.post(url(hendon, joined), {"withdraw": "1", "reason": "Oops"})
    assert "correct its date instead" in response.text
    joined.refresh_from_db()
    assert joined.withdrawn_at is None


def test_a_withdrawn_change_cannot_be_corrected_again_and_says_so(hendon, manager, moved):
    client = client_for(manager)
    client.post(url(hendon, moved), {"withdraw": "1", "reason": "Wrong area"})
    for response in (
        client.get(url(hendon, moved)),
        client.post(url(hendon, moved), {"on": TODAY.isoformat(), "note": "Late"}),
        client.post(url(hendon, moved), {"withdraw": "1", "reason": "Again"}),
    ):
        assert response.url == f"/staff/areas/{hendon.ward_code}/"
    page = client.get(f"/staff/areas/{hendon.ward_code}/").text
    assert "was withdrawn by Mina Manager" in page
    assert "nothing was changed" in page
    moved.refresh_from_db()
    assert (moved.withdrawn_reason, moved.note) == ("Wrong area", "")


def test_a_change_withdrawn_meanwhile_is_refused_in_words_not_an_error(hendon, manager, moved):
    # Two managers on the same page: the second one's withdrawal or
    # correction reaches the service after the first has withdrawn it.
    seen_by_the_second = StageChange.objects.get(pk=moved.pk)
    stage_change_withdraw(change=moved, reason="Wrong area", by=manager)
    second = UserFactory(role="manager", full_name="Max Second")

    with pytest.raises(ValidationError, match="already been withdrawn"):
        stage_change_withdraw(change=seen_by_the_second, reason="Also wrong", by=second)
    with pytest.raises(ValidationError, match="already been withdrawn"):
        stage_change_correct(change=seen_by_the_second, on=TODAY, note="Typed anew", by=second)

    moved.refresh_from_db()
    assert (moved.withdrawn_by, moved.withdrawn_reason, moved.note) == (manager, "Wrong area", "")
    hendon.refresh_from_db()
    assert hendon.stage == Stage.OUTREACH


def test_the_adviser_sees_no_correct_link_and_may_not_correct(hendon, adviser, manager, moved):
    page = client_for(adviser).get(f"/staff/areas/{hendon.ward_code}/").text
    assert "/correct/" not in page
    assert client_for(adviser).get(url(hendon, moved)).status_code == 403
    assert "/correct/" in client_for(manager).get(f"/staff/areas/{hendon.ward_code}/").text


def test_a_regional_lead_corrects_only_in_their_region(hendon, moved):
    elsewhere = UserFactory(role="manager", region=Region.LONDON)
    assert client_for(elsewhere).get(url(hendon, moved)).status_code == 404
    in_region = UserFactory(role="manager", region=Region.NORTH_EAST)
    assert client_for(in_region).get(url(hendon, moved)).status_code == 200
