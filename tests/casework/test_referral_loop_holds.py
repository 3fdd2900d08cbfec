"""A referral's capacity cannot be bypassed, and its partner hears of it."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework import referrals
from casework.models import Partner, Referral
from casework.tasks import acknowledgements_sweep_task
from tests.support import client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def partner():
    return Partner.objects.create(
        name="Planning Aid North",
        expertise=["planning"],
        email="help@planningaid.example",
        capacity_days=Decimal("2"),
    )


def _refer(area, partner, by, **kwargs):
    return referrals.referral_request(
        area=area,
        partner=partner,
        help_asked='Advice on a <neighbourhood> plan & its "rules"',
        by=by,
        **kwargs,
    )


def test_a_delivery_without_its_days_is_refused_so_every_delivery_counts(hendon, adviser, partner):
    referral = _refer(hendon, partner, adviser)
    referrals.referral_move(referral=referral, to_status="accepted", by=adviser)
    with pytest.raises(ValidationError, match="how many days the partner gave"):
        referrals.referral_move(referral=referral, to_status="delivered", by=adviser)
    response = client_for(adviser).post(
        f"/staff/referrals/{referral.pk}/step/",
        {"to_status": "delivered", "on": TODAY(), "cost": "120"},
    )
    assert response.status_code == 200
    assert "Say how many days the partner gave (0 if none)." in response.text
    assert 'value="120"' in response.text
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_a_partner_with_no_days_left_cannot_accept_another_referral(hendon, adviser, partner):
    first = _refer(hendon, partner, adviser)
    referrals.referral_move(referral=first, to_status="accepted", by=adviser)
    referrals.referral_move(
        referral=first, to_status="delivered", by=adviser, days_used=Decimal("2")
    )
    second = _refer(hendon, partner, adviser)
    with pytest.raises(ValidationError, match="has no days left in"):
        referrals.referral_move(referral=second, to_status="accepted", by=adviser)
    second.refresh_from_db()
    assert second.status == Referral.Status.REQUESTED


def test_the_partner_is_told_once_by_e_mail_with_the_area_and_the_help_asked(
    hendon, adviser, partner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        referral = _refer(hendon, partner, adviser)
    (sent,) = mailoutbox
    assert sent.to == ["help@planningaid.example"]
    assert sent.subject == "A referral from the Network for Communities: Hendon"
    assert 'Advice on a <neighbourhood> plan & its "rules"' in sent.body
    assert adviser.email in sent.body
    referral.refresh_from_db()
    assert referral.partner_told_at is not None
    assert acknowledgements_sweep_task() == 0
    assert len(mailoutbox) == 1


def test_the_sweep_tells_a_partner_whose_e_mail_was_never_sent(
    hendon, adviser, partner, mailoutbox
):
    referral = _refer(hendon, partner, adviser)  # its job is never run: the broker was down
    Referral.objects.filter(pk=referral.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert acknowledgements_sweep_task() == 1
    assert [m.to for m in mailoutbox] == [["help@planningaid.example"]]


def test_a_partner_without_an_address_is_not_written_to(hendon, adviser, partner, mailoutbox):
    partner.email = ""
    partner.save()
    referral = _refer(hendon, partner, adviser)
    Referral.objects.filter(pk=referral.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    assert acknowledgements_sweep_task() == 0
    assert mailoutbox == []
