import datetime
import os
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

BACKUPS = Path(settings.BASE_DIR) / "var" / "backups"


def pg_environment() -> dict[str, str]:
    """pg_dump's and pg_restore's connection, from the portal's own settings."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError(
            "Backups are made of PostgreSQL. The local SQLite default is one file: copy it."
        )
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "PASSWORD": "PGPASSWORD"}
    environment = {**os.environ, "PGDATABASE": database["NAME"]}
    environment.update({name: str(database[key]) for key, name in names.items() if database[key]})
    return environment


def pg_tool(name: str) -> str:
    """The program ``name`` (pg_dump, pg_restore): from NFC_PG_BINDIR when
    set (it should match the server's version), otherwise from PATH."""
    folder = os.environ.get("NFC_PG_BINDIR")
    return str(Path(folder) / name) if folder else name


class Command(BaseCommand):
    help = (
        "Write a backup of the portal's PostgreSQL database (pg_dump's custom format) to "
        "var/backups/, or to --to. Restore it with `manage.py restore`. See README.md, "
        "'Backups'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", type=Path, help="the file to write")

    def handle(self, *args, to: Path | None, **options):
        environment = pg_environment()
        connection.close()
        made_at = datetime.datetime.now(datetime.UTC)
        target = to or BACKUPS / f"nfc-{made_at:%Y%m%d-%H%M%S}.dump"
        target.parent.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)],
            env=environment,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        self.stdout.write(self.style.SUCCESS(f"Backed up to {target}"))
