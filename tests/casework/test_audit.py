"""Every change to a request, an interaction or a referral is kept: who, when, what."""

import pytest
from django.utils import timezone

from casework import services
from casework.models import AuditEntry
from tests.factories import SupportRequestFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


def test_a_requests_life_is_recorded_with_who_and_what_changed(
    hendon, adviser, manager, community_worker
):
    support_request = SupportRequestFactory(area=hendon)
    services.support_request_move(
        support_request=support_request, to_status="acknowledged", by=adviser
    )
    services.support_request_assign(
        support_request=support_request, to=community_worker, by=manager
    )
    services.interaction_log(
        area=hendon,
        by=adviser,
        support_request=support_request,
        date=timezone.localdate(),
        kind="call",
        minutes=20,
    )
    entries = list(AuditEntry.objects.filter(support_request=support_request).order_by("pk"))
    assert [(e.action, e.changed_by) for e in entries] == [
        ("created", None),
        ("changed", adviser),
        ("changed", manager),
        ("created", adviser),
    ]
    assert entries[1].changes == {"status": ["new", "acknowledged"]}
    assert entries[2].changes == {"assigned_to": ["Asha Adviser", "Callum Worker"]}


def test_managers_see_the_audit_history_and_nobody_else(hendon, adviser, manager):
    support_request = SupportRequestFactory(area=hendon)
    services.support_request_move(
        support_request=support_request, to_status="acknowledged", by=adviser
    )
    url = f"/staff/casework/requests/{support_request.reference}/"
    assert "Audit history" in client_for(manager).get(url).text
    assert "Audit history" not in client_for(adviser).get(url).text


def test_the_audit_page_query_count_stays_flat(
    hendon, adviser, manager, django_assert_max_num_queries
):
    client = client_for(manager)

    def load():
        with django_assert_max_num_queries(10):
            assert client.get("/staff/casework/audit/").status_code == 200

    SupportRequestFactory(area=hendon)
    load()
    for _ in range(20):
        support_request = SupportRequestFactory(area=hendon)
        services.support_request_move(
            support_request=support_request, to_status="acknowledged", by=adviser
        )
    load()


def test_a_referrals_steps_are_recorded(hendon, adviser):
    from casework.models import Partner, Referral
    from casework.referrals import referral_move, referral_request

    partner = Partner.objects.create(name="Planning Aid North", expertise=["planning"])
    referral = referral_request(
        area=hendon, partner=partner, help_asked="A neighbourhood plan", by=adviser
    )
    referral_move(referral=referral, to_status=Referral.Status.ACCEPTED, by=adviser)
    entries = list(
        AuditEntry.objects.filter(object_id=referral.pk, content_type__model="referral").order_by(
            "pk"
        )
    )
    assert [e.action for e in entries] == ["created", "changed"]
    assert entries[1].changes["status"] == ["requested", "accepted"]
