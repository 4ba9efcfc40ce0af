from django.conf import settings
from django.core.management.base import BaseCommand

from letter.models import Letter
from moderation.accounts import moderator_add
from moderation.demo import seed_demo_signatures
from signatures.services.log import log_sync

DEMO_MODERATOR = "moderator@example.org"
DEMO_PASSWORD = "demo-moderator-password"  # noqa: S105 (printed for local use; refused with DEBUG off)


class Command(BaseCommand):
    help = "Add demo signatures to the primary letter and a demo moderator, once (for `make run`, DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            self.stderr.write("seed_demo only runs with DEBUG on: it creates a moderator with a known password.")
            return
        letter = Letter.objects.filter(is_primary=True).first()
        if letter is None:
            self.stderr.write("No primary letter: run load_letter --primary first.")
            return
        added = seed_demo_signatures(letter=letter)
        self.stdout.write(f"Demo signatures added: {added}." if added else "Demo signatures already present.")
        # The demo rows are written directly, so put the public ones in the list's log: the
        # demo list then verifies like a real one (verify_list, the press page's checkpoint).
        logged, _removed = log_sync(letter=letter)
        if logged:
            self.stdout.write(f"Logged {logged} public demo signature(s) in the transparency log.")
        user, _ = moderator_add(email=DEMO_MODERATOR)
        if not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        self.stdout.write(
            self.style.SUCCESS(
                "\n  Moderators log in at http://127.0.0.1:8000/accounts/login/\n"
                f"  email: {DEMO_MODERATOR}   password: {DEMO_PASSWORD}\n"
                "  then open http://127.0.0.1:8000/moderation/  (add your own: DEBUG=1 .venv/bin/python manage.py add_moderator EMAIL)\n"
            )
        )
