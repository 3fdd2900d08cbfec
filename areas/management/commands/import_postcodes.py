from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from areas.importing import ImportFileError
from areas.postcodes import postcodes_import


class Command(BaseCommand):
    help = (
        "Load or update the postcode directory from the ONS postcode lookup (ONSPD or NSPL, "
        "CSV), one row per postcode. Unlike import_areas, a bad row does not stop the import: "
        "each is listed with its line number and skipped, and the other rows are imported. "
        "Postcodes outside England are counted and skipped. Postcodes already held that the "
        "file does not give are kept. Running the same file again changes nothing. On "
        "PostgreSQL a national file (2.7 million rows) takes a minute or two. See README.md, "
        "under 'Postcodes'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file (UTF-8)")

    def handle(self, *args, file: Path, **options):
        try:
            # utf-8-sig: spreadsheets often start a CSV file with a byte-order mark.
            with file.open(encoding="utf-8-sig", newline="") as csv_file:
                result = postcodes_import(file=csv_file)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        except ImportFileError as error:
            raise CommandError(f"{file}: {error} Nothing was imported.") from error

        for problem in result.problems:
            self.stderr.write(str(problem))
        if result.invalid > len(result.problems):
            self.stderr.write(
                f"... and {result.invalid - len(result.problems):,} more invalid rows "
                f"(only the first {len(result.problems):,} are listed)."
            )
        columns = ", ".join(f"{what} from {name}" for what, name in result.columns.items())
        self.stdout.write(f"Read {columns}.")
        if "local authority" not in result.columns:
            self.stdout.write("The file has no lad_name column: local authorities are left blank.")
        if result.invalid and not result.imported:
            raise CommandError(
                f"Nothing was imported: all {result.invalid:,} rows with an English ward "
                "are invalid (listed above). Is it the right file?"
            )

        skipped = f"{result.skipped:,} skipped"
        if result.skipped:
            reasons = []
            if result.invalid:
                reasons.append(f"{result.invalid:,} invalid, listed above")
            if result.not_in_england:
                reasons.append(f"{result.not_in_england:,} not in an English ward")
            skipped += f" ({'; '.join(reasons)})"
        self.stdout.write(
            self.style.SUCCESS(
                f"{file}: {result.created:,} created, {result.updated:,} updated, "
                f"{result.unchanged:,} unchanged, {skipped}."
            )
        )
        if result.not_in_file:
            self.stdout.write(
                f"{result.not_in_file:,} postcodes already held are not in the file: they are kept."
            )
