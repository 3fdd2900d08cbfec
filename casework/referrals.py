"""Writes for referrals to specialist partners, and the partners themselves.

A referral moves requested → accepted (or declined) → delivered → outcome
recorded; each step keeps its date, so the partner's response time and the
whole loop back to the area can be reported. Days a delivered referral used
count against the partner's capacity for that calendar year.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from advisers.permissions import has_perm, require_perm
from areas.models import Area
from casework import audit
from casework.models import Partner, Referral, SupportRequest, require_request_area
from casework.tasks import referral_partner_tell_task
from nfc.webhooks import api_url, webhooks_announce

PARTNER_AUDITED = [
    "name",
    "expertise",
    "email",
    "capacity_days",
    "capacity_hours",
    "is_active",
    "notes",
]
REFERRAL_AUDITED = [
    "status",
    "accepted_on",
    "declined_on",
    "delivered_on",
    "outcome_recorded_on",
    "days_used",
    "cost",
    "outcome",
    "group_rating",
]


def _check_may_refer(*, by, area: Area) -> None:
    """Only those who make referrals, for the areas they see (403 otherwise)."""
    if (
        not has_perm(by, "referrals.make")
        or not Area.objects.visible_to(by).filter(pk=area.pk).exists()
    ):
        raise PermissionDenied(f"{area.name} is not one of your areas.")


def _check_date(on: datetime.date, *, not_before: datetime.date, step: str) -> None:
    if on > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    if on < not_before:
        raise ValidationError(
            f"The date it was {step} cannot be before the last step ({not_before:%-d %B %Y})."
        )


def _days(value: Decimal) -> str:
    return f"{value.normalize():f}"


@transaction.atomic
def referral_request(
    *,
    area: Area,
    partner: Partner,
    help_asked: str,
    by,
    support_request: SupportRequest | None = None,
    requested_on: datetime.date | None = None,
) -> Referral:
    """Refer one of ``by``'s areas (and optionally one of its requests) to a
    partner that is taking referrals."""
    _check_may_refer(by=by, area=area)
    if not partner.is_active:
        raise ValidationError(f"{partner.name} is not taking referrals at the moment.")
    require_request_area(area=area, support_request=support_request)
    requested_on = requested_on or timezone.localdate()
    if requested_on > timezone.localdate():
        raise ValidationError("The date cannot be in the future.")
    referral = Referral(
        area=area,
        partner=partner,
        support_request=support_request,
        help_asked=help_asked.strip(),
        requested_on=requested_on,
        created_by=by,
    )
    referral.full_clean()
    referral.save()
    audit.record(obj=referral, by=by)
    if partner.email:
        referral_partner_tell_task.delay_on_commit(referral.pk)
    return referral


def _check_capacity(
    *, partner_id: int, days_used: Decimal, on: datetime.date, accepting: bool = False
) -> None:
    """Refuse days beyond what the partner has left in that calendar year;
    and, ``accepting``, a referral to a partner with no days left at all."""
    # Lock the partner: two deliveries recorded at once must not both fit
    # into the same last few days. (PostgreSQL will not lock a row in the
    # same query that sums its referrals, hence two queries.)
    Partner.objects.select_for_update().filter(pk=partner_id).first()
    partner = Partner.objects.with_capacity(year=on.year).get(pk=partner_id)
    if accepting and partner.days_left is not None and partner.days_left <= 0:
        raise ValidationError(
            f"{partner.name} has no days left in {on.year}, so cannot take this on. "
            "Ask a manager to change their capacity, or refer to another partner."
        )
    if partner.days_left is not None and days_used > partner.days_left:
        left = max(partner.days_left, Decimal(0))
        raise ValidationError(
            f"{partner.name} has {_days(left)} days left in {on.year}, so this cannot use "
            f"{_days(days_used)}. Check the days, or ask a manager to change their capacity."
        )


@transaction.atomic
def referral_move(
    *,
    referral: Referral,
    to_status: str,
    by,
    on: datetime.date | None = None,
    days_used: Decimal | None = None,
    cost: Decimal | None = None,
    outcome: str = "",
    group_rating: int | None = None,
) -> Referral:
    """Take a referral to its next step, on the date it happened (today by
    default).

    Only the moves in Referral.NEXT_STATUSES are allowed. Days used and cost
    are recorded when the work is delivered; the outcome (and the group's
    rating) when it is recorded.
    """
    # Lock the row: two people moving the same referral must not both start
    # from the same step.
    locked = Referral.objects.select_for_update().select_related("area").get(pk=referral.pk)
    _check_may_refer(by=by, area=locked.area)
    allowed = Referral.NEXT_STATUSES[Referral.Status(locked.status)]
    if to_status not in allowed:
        raise ValidationError(
            f"A referral that is {locked.get_status_display().lower()} cannot become "
            f"{Referral.Status(to_status).label.lower()}."
        )
    on = on or timezone.localdate()
    step = Referral.Status(to_status).label.lower()
    _check_date(on, not_before=locked.last_step_on, step=step)

    delivering = to_status == Referral.Status.DELIVERED
    if (days_used is not None or cost is not None) and not delivering:
        raise ValidationError("Days used and cost are recorded when the work is delivered.")
    recording = to_status == Referral.Status.OUTCOME_RECORDED
    if recording and not outcome.strip():
        raise ValidationError("Say what came of it.")
    if (outcome.strip() or group_rating is not None) and not recording:
        raise ValidationError("The outcome is recorded after the work is delivered.")
    if delivering and days_used is None:
        # Days left empty never counted against the partner's capacity.
        raise ValidationError("Say how many days the partner gave (0 if none).")
    if delivering and days_used:
        _check_capacity(partner_id=locked.partner_id, days_used=days_used, on=on)
    if to_status == Referral.Status.ACCEPTED:
        _check_capacity(partner_id=locked.partner_id, days_used=Decimal(0), on=on, accepting=True)

    before = audit.snapshot(locked, REFERRAL_AUDITED)
    locked.status = to_status
    setattr(locked, Referral.STEP_DATES[Referral.Status(to_status)], on)
    if delivering:
        locked.days_used, locked.cost = days_used, cost
    if recording:
        locked.outcome, locked.group_rating = outcome.strip(), group_rating
    locked.full_clean()
    locked.save()
    audit.record(obj=locked, by=by, before=before)
    if recording:
        webhooks_announce(
            "referral.outcome_recorded",
            {
                "referral_id": locked.pk,
                "ward_code": locked.area.ward_code,
                "status": locked.status,
                "url": api_url(f"referrals/{locked.pk}/"),
            },
        )
    return locked


def referral_record_outcome(
    *,
    referral: Referral,
    by,
    outcome: str,
    group_rating: int | None = None,
    on: datetime.date | None = None,
) -> Referral:
    """Close the loop: what came of a delivered referral, and how the group
    rated it (1 to 5)."""
    return referral_move(
        referral=referral,
        to_status=Referral.Status.OUTCOME_RECORDED,
        by=by,
        on=on,
        outcome=outcome,
        group_rating=group_rating,
    )


@transaction.atomic
def partner_add(*, by, **fields) -> Partner:
    """A new specialist partner (managers only)."""
    require_perm(by, "partners.manage")
    partner = Partner(**fields)
    partner.full_clean()
    partner.save()
    audit.record(obj=partner, by=by, fields=PARTNER_AUDITED)
    return partner


@transaction.atomic
def partner_change(*, partner: Partner, by, **fields) -> Partner:
    """Change a partner's details, expertise or capacity (managers only)."""
    require_perm(by, "partners.manage")
    before = audit.stored(partner, PARTNER_AUDITED)
    for name, value in fields.items():
        setattr(partner, name, value)
    partner.full_clean()
    partner.save()
    audit.record(obj=partner, by=by, before=before)
    return partner
