import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from letter.models import Letter
from moderation.services.imports import signatures_import

COLUMNS = ["name", "email", "title", "organization", "link"]


class Command(BaseCommand):
    help = (
        "Import signatories gathered before launch (CSV columns name,email,title,organization,link) "
        "as verified and approved. Re-running adds no duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--letter", required=True, help="The letter's slug.")

    def handle(self, *args, file, letter, **options):
        target = Letter.objects.filter(slug=letter).first()
        if target is None or target.current_version is None:
            raise CommandError(f"No letter with slug '{letter}'. Load it first with load_letter.")
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                missing = [c for c in ("name", "email") if c not in (reader.fieldnames or [])]
                if missing:
                    raise CommandError(
                        f"The CSV needs a header row with columns {','.join(COLUMNS)}; missing: {', '.join(missing)}."
                    )
                report = signatures_import(letter=target, rows=reader)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"{file} is not a UTF-8 CSV file: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {report.added}, skipped {report.skipped} already present, rejected {len(report.rejected)}."
            )
        )
        for line, reason in report.rejected:
            self.stdout.write(f"  line {line}: {reason}")
