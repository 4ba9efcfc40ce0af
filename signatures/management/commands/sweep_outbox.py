from datetime import timedelta

from django.core.management.base import BaseCommand

from signatures.services.outbox import outbox_sweep


class Command(BaseCommand):
    help = "Queue again every email that was never sent (what the beat task does each minute)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-after", type=float, default=120, help="Seconds an unsent email waits before it is swept."
        )

    def handle(self, *args, stale_after, **options):
        count = outbox_sweep(stale_after=timedelta(seconds=stale_after))
        self.stdout.write(f"Queued {count} email(s) again.")
