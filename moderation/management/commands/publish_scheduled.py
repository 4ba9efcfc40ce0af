import time

from django.core.management.base import BaseCommand

from signatures.services.launch import letters_publish_due


class Command(BaseCommand):
    help = (
        "Make live every collecting letter whose go-live time has come (what the beat task does "
        "every minute). With --every, keep doing it: for `make run`, where no beat runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="Seconds between runs; 0 (default): run once.")

    def handle(self, *args, every, **options):
        while True:
            for letter in letters_publish_due():
                self.stdout.write(self.style.SUCCESS(f"Letter '{letter.slug}' is live."))
            if every <= 0:
                return
            time.sleep(every)
