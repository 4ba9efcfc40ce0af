from django.core.management.base import BaseCommand
from django.db import transaction

from signatures.services.name_keys import name_keys_recompute


class Command(BaseCommand):
    help = (
        "Recompute the name keys of signatures and watchlist entries. Run it after upgrading "
        "PyICU (new Unicode confusables data) or changing signatures.names.name_key."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            signatures, entries, merged = name_keys_recompute()
        self.stdout.write(
            self.style.SUCCESS(
                f"Updated {signatures} signature key(s) and {entries} watchlist key(s); "
                f"merged {merged} watchlist entr{'y' if merged == 1 else 'ies'} that now share a key."
            )
        )
