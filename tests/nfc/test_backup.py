"""`manage.py backup` and `manage.py restore`: the restore drill. A backup
restored into the database gives back exactly what it held, and residents
erased after it was made stay erased."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from casework.data_requests import ERASED, erasure_log_read, support_requests_erase
from casework.models import AuditEntry, SupportRequest
from events.models import Feedback
from tests.factories import RegistrationFactory, SupportRequestFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_backup_restores_its_rows_and_erasures_made_since_are_replayed(tmp_path, hendon, manager):
    kept = SupportRequestFactory(area=hendon, name="Kim Kept")
    asked_later = SupportRequestFactory(area=hendon, name="Lou Later")
    backup = tmp_path / "nfc.dump"
    call_command("backup", to=backup)
    at_backup = (SupportRequest.objects.count(), AuditEntry.objects.count())

    SupportRequestFactory(area=hendon, name="Made After")
    support_requests_erase(support_requests=[asked_later], by=manager)

    call_command("restore", backup, yes=True)

    assert (SupportRequest.objects.count(), AuditEntry.objects.count()) == (
        at_backup[0],
        at_backup[1] + 1,  # the replayed erasure's own note
    )
    assert not SupportRequest.objects.filter(name="Made After").exists()
    kept.refresh_from_db()
    asked_later.refresh_from_db()
    assert kept.name == "Kim Kept"
    assert asked_later.name == ERASED


def test_registrations_erased_since_the_backup_are_erased_again(tmp_path, hendon, manager):
    kept = RegistrationFactory(area=hendon, name="Kim Kept")
    asked_later = RegistrationFactory(area=hendon, name="Lou Later", access_needs="A hoist")
    Feedback.objects.create(registration=asked_later, rating=5, useful="Lou's own words")
    backup = tmp_path / "nfc.dump"
    call_command("backup", to=backup)
    support_requests_erase(others={"registrations": [asked_later]}, by=manager)
    assert erasure_log_read() == [asked_later.data_key]

    call_command("restore", backup, yes=True)
    kept.refresh_from_db()
    asked_later.refresh_from_db()
    assert kept.name == "Kim Kept"
    assert (asked_later.name, asked_later.access_needs) == ("", "")
    assert asked_later.details_removed_at is not None
    assert Feedback.objects.get(registration=asked_later).useful == ""

    # With the database lost, the log alone erases them again.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("restore", backup, yes=True)
    asked_later.refresh_from_db()
    assert asked_later.name == ""


def test_with_the_database_lost_the_erasure_log_erases_them_again(tmp_path, hendon, manager):
    asked_later = SupportRequestFactory(area=hendon, name="Lou Later")
    backup = tmp_path / "nfc.dump"
    call_command("backup", to=backup)
    support_requests_erase(support_requests=[asked_later], by=manager)
    assert erasure_log_read() == [asked_later.reference]

    # The database is lost: a new, empty one, with no register of erasures.
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")

    call_command("restore", backup, yes=True)
    asked_later.refresh_from_db()
    assert asked_later.name == ERASED


def test_an_erasure_rolled_back_is_not_logged(hendon, manager):
    asked = SupportRequestFactory(area=hendon)
    with transaction.atomic():
        support_requests_erase(support_requests=[asked], by=manager)
        transaction.set_rollback(True)
    assert erasure_log_read() == []


def test_a_missing_backup_is_refused_and_nothing_changes(tmp_path, hendon):
    SupportRequestFactory(area=hendon)
    with pytest.raises(CommandError, match="No backup at"):
        call_command("restore", tmp_path / "none.dump", yes=True)
    assert SupportRequest.objects.count() == 1
