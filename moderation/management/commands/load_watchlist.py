from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from moderation.services.watchlist import watchlist_load


class Command(BaseCommand):
    help = (
        "Load high-profile names into the watchlist, one a line (UTF-8; blank lines and lines "
        "starting with # are ignored). Names already there, under any look-alike spelling, are "
        "skipped, so re-running adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            with file.open(encoding="utf-8-sig") as handle:
                report = watchlist_load(lines=handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file} is not a UTF-8 text file: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"Added {report.added}, skipped {report.skipped} already present or repeated.")
        )
        for line, text in report.invalid:
            self.stdout.write(f"  line {line}: no letters or digits to match on: {text!r}")
