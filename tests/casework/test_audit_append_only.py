"""The audit history is append-only: kept whatever is deleted, refused
updates and deletes by the database itself (but the blanking of personal
data, as erasure and retention must), and it records who looked at
residents' data (views of a request, searches, exports) as well as who
changed it."""

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from casework import audit, services
from casework.models import AuditEntry
from tests.factories import SupportRequestFactory, UserFactory
from tests.support import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(hendon, adviser):
    support_request = SupportRequestFactory(area=hendon)
    services.support_request_move(
        support_request=support_request, to_status="acknowledged", by=adviser
    )
    return AuditEntry.objects.filter(support_request=support_request).latest("pk")


def test_the_database_refuses_to_change_or_delete_an_entry(entry):
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(changes={}),
        lambda: AuditEntry.objects.filter(pk=entry.pk).update(changed_by_name="Someone else"),
        lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert AuditEntry.objects.filter(pk=entry.pk, changed_by_name="Asha Adviser").exists()


def test_personal_data_may_be_blanked_but_not_who_or_when(entry):
    with transaction.atomic(), audit.redacting():
        AuditEntry.objects.filter(pk=entry.pk).update(changes={"note": ["(removed)", None]})
    entry.refresh_from_db()
    assert entry.changes == {"note": ["(removed)", None]}
    with pytest.raises(DatabaseError), transaction.atomic(), audit.redacting():
        AuditEntry.objects.filter(pk=entry.pk).update(changed_by=None)
    # Outside it, the same blanking is refused again.
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(changes={})


def test_entries_outlive_the_person_and_keep_their_name(hendon):
    leaver = UserFactory(role="adviser", full_name="Lee Leaver", totp=False)
    support_request = SupportRequestFactory(area=hendon)
    audit.record(obj=support_request, by=leaver, before={"status": "closed"}, fields=["status"])
    with connection.cursor() as cursor:
        # Deleted as the admin site would, whatever else refers to them.
        cursor.execute("DELETE FROM advisers_user WHERE id = %s", [leaver.pk])
    entry = AuditEntry.objects.get(support_request=support_request, action="changed")
    assert (entry.changed_by_id, entry.changed_by_name) == (leaver.pk, "Lee Leaver")


def test_viewing_a_request_searching_and_exporting_are_recorded(hendon, adviser, manager):
    support_request = SupportRequestFactory(area=hendon)
    client_for(adviser).get(f"/staff/casework/requests/{support_request.reference}/")
    client_for(adviser).get("/staff/casework/search/", {"q": "Pat Resident"})
    client_for(manager).get("/staff/areas/export.csv", {"region": "north_east"})

    viewed = AuditEntry.objects.get(action="viewed")
    assert (viewed.support_request, viewed.changed_by, viewed.area) == (
        support_request,
        adviser,
        hendon,
    )
    searched = AuditEntry.objects.get(action="searched")
    assert (searched.changed_by, searched.changes) == (
        adviser,
        {"search": ["Pat Resident", None]},
    )
    exported = AuditEntry.objects.get(action="exported")
    assert exported.changed_by == manager
    assert exported.changes["file"][0].startswith("areas-")
    page = client_for(manager).get("/staff/casework/audit/").text
    assert "Searched" in page
    assert "Viewed" in page
