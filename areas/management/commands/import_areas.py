from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from areas.importing import ImportFileError, areas_import


class Command(BaseCommand):
    help = (
        "Load or update areas from a CSV file, one row per ward, keyed by ward code. "
        "If any row is invalid nothing is imported, unless --skip-invalid is given. "
        "The columns are described in README.md, under 'Importing areas'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8)")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and list the invalid ones, instead of importing nothing",
        )

    def handle(self, *args, file: Path, skip_invalid: bool, **options):
        try:
            # utf-8-sig: spreadsheets often start a CSV file with a byte-order mark.
            with file.open(encoding="utf-8-sig", newline="") as csv_file:
                result = areas_import(file=csv_file, source=file.name, skip_invalid=skip_invalid)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from error

        for problem in result.problems:
            self.stderr.write(str(problem))
        if result.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(result.ignored_columns)}.")
        if result.problems and not (result.saved and result.imported):
            raise CommandError(
                f"Nothing was imported: {result.skipped} of {result.skipped + result.imported} "
                "rows are invalid (listed above)."
                + ("" if skip_invalid else " Fix them, or pass --skip-invalid to import the rest.")
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{file}: {len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged, {result.skipped} skipped (invalid)."
            )
        )
