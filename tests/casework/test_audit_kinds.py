"""Every change to case data is in the audit history, in words: requests,
actions, stages, assignments, funding, time, partnership and contacts,
partners and staff accounts (interactions and referrals: test_audit.py)."""

import datetime
import importlib
from decimal import Decimal

import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from advisers import services as staff_services
from advisers.models import Role, TimeRecord, User
from areas import services as area_services
from areas.models import FundingBid, LocalContact, Stage
from casework import referrals, retention
from casework import services as casework_services
from casework.follow_links import follow_link_issue
from casework.models import AuditEntry, SupportRequest
from tests.factories import AreaFactory, SupportRequestFactory, UserFactory
from tests.support import audit_history_writable

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# Today as the history says it.
TODAY_WORDS = f"{TODAY:%-d %B %Y}"


def entries_of(model_name: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(content_type__model=model_name).order_by("pk"))


def in_words(entry: AuditEntry) -> list[str]:
    """An entry's changes as the page shows them."""
    return [
        f"{label}: {before}" if after is None else f"{label}: {before} → {after}"
        for label, before, after in entry.changes_in_words
    ]


def test_old_entries_read_in_words_though_they_hold_codes(hendon):
    """Entries stored before words were shown hold codes and ISO dates."""
    support_request = SupportRequestFactory(area=hendon)
    entry = AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(SupportRequest),
        object_id=support_request.pk,
        object_repr=support_request.reference,
        support_request=support_request,
        action=AuditEntry.Action.CHANGED,
        changes={
            "status": ["new", "in_progress"],
            "follow_revoked_at": [None, "2026-04-01 09:30:00+00:00"],
        },
    )
    referral_entry = AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(referrals.Referral),
        object_id=1,
        object_repr="Hendon to Planning Aid",
        action=AuditEntry.Action.CHANGED,
        changes={
            "status": ["delivered", "outcome_recorded"],
            "outcome_recorded_on": [None, "2026-04-01"],
            "days_used": [None, "2.5"],
            "a_field_since_removed": ["x", "y"],
        },
    )
    assert in_words(entry) == [
        "Status: New → In progress",
        "Follow revoked at: none → 1 April 2026, 10:30",
    ]
    assert in_words(referral_entry) == [
        "Status: Delivered → Outcome recorded",
        "Outcome recorded on: none → 1 April 2026",
        "Days used: none → 2.5",
        "A field since removed: x → y",
    ]


def test_a_stage_change_is_recorded_with_its_stage_and_date(hendon, adviser):
    area_services.area_change_stage(
        area=hendon, stage=Stage.YEAR_ZERO, on=TODAY, by=adviser, note="Plan begins"
    )
    entry = entries_of("stagechange")[-1]
    assert (entry.action, entry.changed_by, entry.area) == ("created", adviser, hendon)
    assert in_words(entry) == [
        "Stage: Year Zero (planning)",
        f"From: {TODAY_WORDS}",
        "Note: Plan begins",
    ]


def test_joining_the_programme_is_recorded_on_the_area(manager):
    area = AreaFactory(name="Pallion", programme=False)
    area_services.area_join_programme(
        area=area, cohort=2, joined_on=datetime.date(2026, 5, 1), by=manager
    )
    entry = entries_of("area")[-1]
    assert (entry.action, entry.changed_by, entry.area) == ("changed", manager, area)
    assert in_words(entry) == [
        "Cohort: none → Year 2",
        "Joined on: none → 1 May 2026",
        "Stage: none → Outreach",
    ]


def test_a_handover_records_the_assignments_the_actions_and_the_requests(
    hendon, adviser, outsider, manager
):
    support_request = SupportRequestFactory(area=hendon)
    action = casework_services.action_add(
        area=hendon, owner=adviser, by=adviser, description="Book the hall", due_on=TODAY
    )
    staff_services.area_assign_adviser(area=hendon, adviser=outsider, by=manager, reason="Leave")
    ended, started = entries_of("adviserassignment")[-2:]
    assert ended.object_repr == "Asha Adviser for Hendon (Sunderland)"
    assert (ended.action, ended.changed_by, ended.area) == ("changed", manager, hendon)
    assert in_words(ended) == [f"Ended on: none → {TODAY_WORDS}"]
    assert (started.action, started.area) == ("created", hendon)
    assert in_words(started) == [
        "Adviser: Otto Outsider",
        f"Started on: {TODAY_WORDS}",
        "Reason: Leave",
    ]
    action_entry = [e for e in entries_of("action") if e.object_id == action.pk][-1]
    assert in_words(action_entry) == ["Owner: Asha Adviser → Otto Outsider"]
    request_entry = AuditEntry.objects.filter(support_request=support_request).first()
    assert in_words(request_entry) == ["Assigned to: Asha Adviser → Otto Outsider"]


def test_a_community_workers_allocation_is_recorded(hendon, manager):
    worker = UserFactory(role=Role.COMMUNITY_WORKER, full_name="Wes Worker")
    staff_services.area_allocate_community_worker(
        area=hendon, worker=worker, by=manager, days_per_month=Decimal("3")
    )
    ended, started = entries_of("communityworkerallocation")[-2:]
    assert in_words(ended) == [f"Ended on: none → {TODAY_WORDS}"]
    assert in_words(started) == [
        "Worker: Wes Worker",
        "Days per month: 3",
        f"Started on: {TODAY_WORDS}",
    ]
    assert started.changed_by == manager


def test_a_closed_account_gives_up_its_areas_on_the_record(hendon, adviser, admin_client_for):
    support_request = SupportRequestFactory(area=hendon)
    admin_client_for.post(
        f"/admin/advisers/user/{adviser.pk}/change/",
        {"full_name": adviser.full_name, "email": adviser.email, "role": adviser.role},
    )
    administrator = User.objects.get(role=Role.ADMINISTRATOR)
    account = entries_of("user")[-1]
    assert (account.action, account.changed_by, account.area) == ("changed", administrator, None)
    assert in_words(account) == ["Active: Yes → No"]
    assert in_words(entries_of("adviserassignment")[-1]) == [f"Ended on: none → {TODAY_WORDS}"]
    request_entry = AuditEntry.objects.filter(support_request=support_request).first()
    assert in_words(request_entry) == ["Assigned to: Asha Adviser → none"]


def test_staff_accounts_added_changed_and_deleted_in_the_admin_are_recorded(
    admin_client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        admin_client_for.post(
            "/admin/advisers/user/add/",
            {"full_name": "Nia Newcomer", "email": "nia@example.org", "role": Role.ADVISER},
        )
    newcomer = User.objects.get(email="nia@example.org")
    admin_client_for.post(
        f"/admin/advisers/user/{newcomer.pk}/change/",
        {
            "full_name": "Nia Newcomer",
            "email": "nia@example.org",
            "role": Role.MANAGER,
            "region": "north_west",
            "is_active": "on",
        },
    )
    admin_client_for.post(f"/admin/advisers/user/{newcomer.pk}/delete/", {"post": "yes"})
    assert not User.objects.filter(pk=newcomer.pk).exists()
    added, changed, removed = entries_of("user")
    administrator = User.objects.get(role=Role.ADMINISTRATOR)
    assert {added.changed_by, changed.changed_by, removed.changed_by} == {administrator}
    assert (added.action, changed.action, removed.action) == ("created", "changed", "removed")
    assert in_words(added) == [
        "E-mail address: nia@example.org",
        "Full name: Nia Newcomer",
        "Role: Adviser",
        "Active: Yes",
    ]
    assert in_words(changed) == ["Role: Adviser → Manager", "Region they lead: none → North West"]
    assert "Role: Manager" in in_words(removed)


def test_removing_a_lost_two_factor_device_in_the_admin_is_recorded(admin_client_for, manager):
    device = Authenticator.objects.get(user=manager)
    response = admin_client_for.post(
        f"/admin/mfa/authenticator/{device.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    entry = entries_of("authenticator")[-1]
    assert entry.action == "removed"
    assert in_words(entry) == ["User: Mina Manager", "Type: TOTP Authenticator"]


def test_funding_is_recorded_when_added_and_as_it_changes(hendon, adviser):
    bid = area_services.funding_bid_save(
        area=hendon,
        by=adviser,
        stream=FundingBid.Stream.UKSPF,
        amount_sought=Decimal("50000.00"),
    )
    # As the edit page's form does: its values are on the bid before the
    # service sees it.
    bid.status = FundingBid.Status.SUBMITTED
    bid.submitted_on = TODAY
    area_services.funding_bid_save(
        area=hendon, bid=bid, by=adviser, status=bid.status, submitted_on=bid.submitted_on
    )
    added, changed = entries_of("fundingbid")
    assert (added.area, changed.area) == (hendon, hendon)
    assert in_words(added) == [
        "Stream: UK Shared Prosperity Fund",
        "Amount sought: 50000",
        "Amount secured: 0",
        "Status: Planned",
    ]
    assert in_words(changed) == [
        "Status: Planned → Submitted",
        f"Submitted on: none → {TODAY_WORDS}",
    ]


def test_the_partnership_and_contacts_are_recorded_without_contact_details(hendon, adviser):
    area_services.partnership_save(
        area=hendon, by=adviser, name="Hendon Together", contact_email="a@example.org"
    )
    area_services.partnership_save(
        area=hendon, by=adviser, name="Hendon Together CIC", contact_email="b@example.org"
    )
    contact = area_services.local_contact_add(
        area=hendon,
        by=adviser,
        name="Jo Bloggs",
        kind=LocalContact.Kind.COUNCILLOR,
        phone="0191 000 0000",
    )
    area_services.local_contact_remove(contact=contact, by=adviser)
    added, changed = entries_of("partnership")
    assert in_words(added) == ["Name: Hendon Together"]
    assert in_words(changed) == [
        "Name: Hendon Together → Hendon Together CIC",
        "Contact e-mail: changed",
    ]
    contact_added, contact_removed = entries_of("localcontact")
    assert (contact_removed.action, contact_removed.area) == ("removed", hendon)
    assert contact_removed.object_repr == "Jo Bloggs (Councillor)"
    assert in_words(contact_removed) == ["Name: Jo Bloggs", "Kind: Councillor"]
    stored = str([e.changes for e in [added, changed, contact_added, contact_removed]])
    assert "example.org" not in stored
    assert "0191" not in stored


def test_area_details_are_recorded(hendon, manager):
    area_services.area_facts_save(area=hendon, types=[], cni_rank=12, notes="A hall", by=manager)
    assert in_words(entries_of("area")[-1]) == [
        "Community Needs Index rank: none → 12",
        "Notes: none → A hall",
    ]


def test_time_records_are_recorded_when_added_and_removed(hendon, adviser):
    record = staff_services.time_record_add(
        person=adviser, area=hendon, date=TODAY, hours=Decimal("7.50"), kind="visit", by=adviser
    )
    staff_services.time_record_remove(record=record, by=adviser)
    assert not TimeRecord.objects.exists()
    added, removed = entries_of("timerecord")
    assert (added.action, removed.action) == ("created", "removed")
    assert (added.area, removed.area) == (hendon, hendon)
    expected = [
        "Person: Asha Adviser",
        "Area: Hendon (Sunderland)",
        f"Date: {TODAY_WORDS}",
        "Hours: 7.5",
        "Kind: Visit",
    ]
    assert in_words(added) == expected
    assert in_words(removed) == expected


def test_actions_are_recorded_when_added_and_done(hendon, adviser):
    action = casework_services.action_add(
        area=hendon, owner=adviser, by=adviser, description="Book the hall", due_on=TODAY
    )
    casework_services.action_done(action=action, by=adviser)
    added, done = entries_of("action")
    assert in_words(added) == [
        "Description: Book the hall",
        "Owner: Asha Adviser",
        f"Due on: {TODAY_WORDS}",
    ]
    assert in_words(done)[0].startswith("Done at: none → ")
    assert done.area == hendon


def test_partners_and_their_capacity_are_recorded(manager):
    partner = referrals.partner_add(
        by=manager, name="Planning Aid", expertise=["planning", "legal"], capacity_days=10
    )
    referrals.partner_change(
        partner=partner, by=manager, capacity_days=Decimal("12.5"), is_active=False
    )
    added, changed = entries_of("partner")
    assert in_words(added) == [
        "Name: Planning Aid",
        "Expertise: Planning, Legal",
        "Days this year: 10",
        "Taking referrals: Yes",
    ]
    assert in_words(changed) == ["Days this year: 10 → 12.5", "Taking referrals: Yes → No"]
    assert changed.area is None


def test_a_residents_message_is_recorded_without_its_words(hendon):
    support_request = SupportRequestFactory(area=hendon)
    follow_link_issue(support_request=support_request)
    casework_services.resident_message_add(
        support_request=support_request, text="Private: my neighbour"
    )
    entry = entries_of("residentmessage")[-1]
    assert (entry.action, entry.changed_by, entry.area) == ("created", None, hendon)
    assert entry.support_request == support_request
    assert entry.changes == {}


def test_retention_removing_details_is_recorded(hendon, adviser, settings):
    support_request = SupportRequestFactory(area=hendon)
    casework_services.support_request_move(
        support_request=support_request, to_status="closed", by=adviser
    )
    later = timezone.now() + datetime.timedelta(days=settings.NFC_RETENTION_DAYS + 1)
    assert retention.support_requests_remove_old_details(now=later) == 1
    entry = AuditEntry.objects.filter(support_request=support_request).first()
    assert (entry.action, entry.changed_by, entry.area) == ("changed", None, hendon)
    assert in_words(entry)[0].startswith("Details removed at: none → ")


def test_entries_kept_before_they_had_an_area_are_given_theirs(hendon, adviser, manager):
    migration = importlib.import_module("casework.migrations.0016_audit_area_and_removals")
    support_request = SupportRequestFactory(area=hendon)
    interaction = casework_services.interaction_log(
        area=hendon, by=adviser, date=TODAY, kind="call", notes="Rang the chair"
    )
    partner = referrals.partner_add(by=manager, name="Planning Aid", expertise=["planning"])
    referral = referrals.referral_request(
        area=hendon, partner=partner, help_asked="A plan", by=adviser
    )
    with audit_history_writable():
        AuditEntry.objects.update(area=None)
        migration.give_earlier_entries_their_area(django_apps, None)
    for record in (support_request, interaction, referral):
        entry = AuditEntry.objects.get(
            content_type=ContentType.objects.get_for_model(record), object_id=record.pk
        )
        assert entry.area == hendon
    assert AuditEntry.objects.get(content_type__model="partner").area is None
