from django.core.management.base import BaseCommand

from signatures.services.signing import signatures_erase_unconfirmed


class Command(BaseCommand):
    help = "Erase pending signatures whose confirmation link expired ERASE_UNCONFIRMED_AFTER_DAYS ago."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count what would be erased.")

    def handle(self, *args, dry_run, **options):
        count = signatures_erase_unconfirmed(dry_run=dry_run)
        self.stdout.write(f"{'Would erase' if dry_run else 'Erased'} {count} unconfirmed signature(s).")
