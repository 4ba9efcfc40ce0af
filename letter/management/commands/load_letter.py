from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from letter.services import letter_load, letter_translation_load


class Command(BaseCommand):
    help = (
        "Create or update a letter from a Markdown file; its first '# ' heading is the title. "
        "Changed text makes a new version; existing signatures stay on the version they signed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--primary", action="store_true", help="Serve this letter at the site root.")
        parser.add_argument("--draft", action="store_true", help="Load without publishing (new letters only).")
        parser.add_argument(
            "--language",
            help="Load the file as the letter's translation into this language (a code from settings.LANGUAGES, "
            "e.g. es); the letter must exist. Readers of that language then read and sign this text.",
        )

    def handle(self, *args, file, slug, primary, draft, language, **options):
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            if language:
                translation, new_version = letter_translation_load(slug=slug, language=language, text=text)
                state = f"new version {translation.current_version.number}" if new_version else "text unchanged"
                self.stdout.write(
                    self.style.SUCCESS(f"Letter '{slug}' in {language!r}: {translation.title} ({state}).")
                )
                return
            letter, new_version = letter_load(slug=slug, text=text, primary=primary, publish=not draft)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        state = f"new version {letter.current_version.number}" if new_version else "text unchanged"
        self.stdout.write(self.style.SUCCESS(f"Letter '{letter.slug}': {letter.title} ({state})."))
