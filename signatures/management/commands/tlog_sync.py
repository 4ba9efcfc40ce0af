"""python manage.py tlog_sync [--letter SLUG] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from letter.models import Letter
from signatures.services.log import log_sync


class Command(BaseCommand):
    help = (
        "Make each letter's transparency log agree with its public list: log the public rows it lacks "
        "(a list published before the log existed) and the removals it missed. Safe to re-run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--letter", help="only this letter (slug)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be logged, log nothing")

    def handle(self, *args, letter=None, dry_run=False, **options):
        letters = Letter.objects.order_by("pk")
        if letter:
            letters = letters.filter(slug=letter)
            if not letters.exists():
                raise CommandError(f"No letter with the slug {letter!r}.")
        for item in letters:
            rows, removals = log_sync(letter=item, dry_run=dry_run)
            verb = "would log" if dry_run else "logged"
            self.stdout.write(f"{item.slug}: {verb} {rows} public rows and {removals} removals")
