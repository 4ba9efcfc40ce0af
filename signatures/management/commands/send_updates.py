import time

from django.core.management.base import BaseCommand

from signatures.services.updates import updates_send_batch


class Command(BaseCommand):
    help = (
        "Queue the next UPDATES_PER_MINUTE update emails to the signers who asked for them (what "
        "the beat task does every minute). With --every, keep doing it: for `make run`, where no beat runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Seconds between runs; 0 (default): run once.")

    def handle(self, *args, every, **options):
        while True:
            queued = updates_send_batch()
            if queued:
                self.stdout.write(f"{queued} update email(s) queued.")
            if every <= 0:
                return
            time.sleep(every)
