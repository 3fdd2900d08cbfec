import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from casework.data_requests import erasure_log_read, erasures_replay
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
        again = erasures_replay(erased)
        self.stdout.write(
            self.style.SUCCESS(
                f"Erased again {again} record(s) (requests, event registrations) whose "
                "residents asked after the backup."
            )
        )

    def _erased_now(self) -> list[str]:
        # The erasure register of the database about to be replaced: those
        # made after the backup must not come back with it.
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT DISTINCT subject FROM casework_datarequest WHERE kind = 'erasure'"
                )
                return [row[0] for row in cursor.fetchall()]
        except DatabaseError:
            self.stderr.write("The database being replaced has no erasure register to replay.")
            return []
