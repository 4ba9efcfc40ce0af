from django.core.management.base import BaseCommand

from letter.models import Letter

from ...demo import seed_demo_signatures


class Command(BaseCommand):
    help = "Add demo signatures in every state to the primary letter, once (for `make run`)."

    def handle(self, *args, **options):
        letter = Letter.objects.filter(is_primary=True).first()
        if letter is None:
            self.stderr.write("No primary letter: run load_letter --primary first.")
            return
        added = seed_demo_signatures(letter=letter)
        self.stdout.write(f"Demo signatures added: {added}." if added else "Demo signatures already present.")
