from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from moderation.accounts import moderator_add, password_link
from signatures.emails import render_mail


class Command(BaseCommand):
    help = "Create or update a moderator account and email it a link to set its password."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--no-email", action="store_true", help="Print the link instead of emailing it.")

    def handle(self, *args, email, no_email, **options):
        try:
            validate_email(email)
        except ValidationError as exc:
            raise CommandError(f"Not an email address: {email}") from exc
        user, created = moderator_add(email=email)
        link = password_link(user)
        self.stdout.write(self.style.SUCCESS(f"{'Created' if created else 'Updated'} moderator {user.email}."))
        if no_email:
            self.stdout.write(f"Set a password here (one use): {link}")
            return
        render_mail("moderator_invite", {"user": user, "password_url": link}, [user.email]).send()
        self.stdout.write(f"Emailed {user.email} a link to set a password.")
