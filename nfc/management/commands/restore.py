import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework import audit
from casework.data_requests import ERASED, erasure_log_read
from casework.models import SupportRequest
from casework.retention import support_requests_remove_details
from nfc.management.commands.backup import pg_environment, pg_tool


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` over the portal's database, then "
        "erase again the residents who asked to be erased after the backup was made "
        "(read from the database being replaced and from NFC_ERASURE_LOG). "
        "See README.md, 'Backups'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the backup to restore")
        parser.add_argument(
            "--yes", action="store_true", help="do not ask before replacing the database"
        )

    def handle(self, *args, file: Path, yes: bool, **options):
        if not file.is_file():
            raise CommandError(f"No backup at {file}.")
        environment = pg_environment()
        if not yes and input("This replaces everything in the database. Type 'yes': ") != "yes":
            raise CommandError("Nothing was restored.")
        erased = sorted({*self._erased_now(), *erasure_log_read()})
        connection.close()
        result = subprocess.run(
            [
                pg_tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                environment["PGDATABASE"],
                str(file),
            ],
            env=environment,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"pg_restore failed, nothing was changed: {result.stderr.strip()}")
        self.stdout.write(f"Restored {file}.")
        again = self._erase_again(erased)
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased again {again} request(s) whose residents asked after the backup."
            )
        )

    def _erased_now(self) -> list[str]:
        # The erasure register of the database about to be replaced: those
        # made after the backup must not come back with it.
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT DISTINCT r.reference FROM casework_datarequest d "
                    "JOIN casework_supportrequest r ON r.id = d.support_request_id "
                    "WHERE d.kind = 'erasure'"
                )
                return [row[0] for row in cursor.fetchall()]
        except DatabaseError:
            self.stderr.write("The database being replaced has no erasure register to replay.")
            return []

    def _erase_again(self, references: list[str]) -> int:
        ids = list(
            SupportRequest.objects.filter(
                reference__in=references, details_removed_at__isnull=True
            ).values_list("pk", flat=True)
        )
        if ids:
            now = timezone.now()
            with transaction.atomic():
                audit.record_update(
                    queryset=SupportRequest.objects.filter(pk__in=ids),
                    by=None,
                    changes={"details_removed_at": [None, str(now)]},
                )
                support_requests_remove_details(ids=ids, now=now, marker=ERASED)
        return len(ids)
