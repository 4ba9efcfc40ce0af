import re
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from . import markdown
from .models import Letter, LetterTranslation, LetterVersion
from .selectors import forget_letter

TITLE_RE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)


def letter_parse_markdown(text: str) -> tuple[str, str]:
    """Split a Markdown letter into (title, body): the title is the first `# ` heading."""
    match = TITLE_RE.search(text)
    if not match:
        raise ValidationError(gettext("The letter needs a title: a first line like '# Our letter'."))
    body = (text[: match.start()] + text[match.end() :]).strip()
    if not body:
        raise ValidationError(gettext("The letter has a title but no text."))
    return match.group(1).strip(), body


@transaction.atomic
def letter_save(*, letter: Letter) -> tuple[Letter, bool]:
    """Save a letter; when its title or body changed, record a new version.

    Returns the letter and whether a new version was made. Signatures keep pointing at the
    version they signed. Making this letter primary takes the role from any other.
    """
    if letter.is_primary:
        Letter.objects.filter(is_primary=True).exclude(pk=letter.pk).update(is_primary=False)
    old_slug = Letter.objects.filter(pk=letter.pk).values_list("slug", flat=True).first() if letter.pk else None
    transaction.on_commit(partial(forget_letter, letter.slug, *filter(None, [old_slug])))
    letter.save()
    version = _new_version(letter, letter.language, letter.current_version, letter.title, letter.body)
    if version is None:
        return letter, False
    letter.current_version = version
    letter.save(update_fields=["current_version", "updated_at"])
    return letter, True


def _new_version(letter: Letter, language: str, current, title: str, body: str) -> LetterVersion | None:
    """A new frozen version of the text in `language`, numbered after the last one in that
    language; None when the text is the current version's."""
    if current is not None and (current.language, current.title, current.body) == (language, title, body):
        return None
    versions = letter.versions.filter(language=language)
    last = versions.order_by("-number").values_list("number", flat=True).first() or 0
    return LetterVersion.objects.create(
        letter=letter, language=language, number=last + 1, title=title, body=body, body_html=markdown.render(body)
    )


def _check_language(letter: Letter, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        choices = ", ".join(code for code, _name in settings.LANGUAGES)
        raise ValidationError(
            gettext("Unknown language %(language)r: use one of %(choices)s (settings.LANGUAGES).")
            % {"language": language, "choices": choices}
        )
    if language == letter.language:
        raise ValidationError(
            gettext("The letter itself is in %(language)r: a translation is in another language.")
            % {"language": language}
        )


@transaction.atomic
def letter_translation_save(*, translation: LetterTranslation) -> tuple[LetterTranslation, bool]:
    """Save a translation of a letter; when its title or body changed, record a new version in
    its language (readers of that language then read and sign it). Returns the translation and
    whether a new version was made."""
    letter = translation.letter
    _check_language(letter, translation.language)
    transaction.on_commit(partial(forget_letter, letter.slug))
    translation.save()
    version = _new_version(
        letter, translation.language, translation.current_version, translation.title, translation.body
    )
    if version is None:
        return translation, False
    translation.current_version = version
    translation.save(update_fields=["current_version", "updated_at"])
    return translation, True


@transaction.atomic
def letter_translation_load(*, slug: str, language: str, text: str) -> tuple[LetterTranslation, bool]:
    """Create or update the `language` translation of the letter `slug` from Markdown text."""
    title, body = letter_parse_markdown(text)
    letter = Letter.objects.filter(slug=slug).first()
    if letter is None:
        raise ValidationError(gettext("There is no letter %(slug)r: load the original text first.") % {"slug": slug})
    translation = LetterTranslation.objects.select_for_update().filter(
        letter=letter, language=language
    ).first() or LetterTranslation(letter=letter, language=language)
    translation.title = title
    translation.body = body
    if not translation.summary:
        translation.summary = _summary(body)
    return letter_translation_save(translation=translation)


def _summary(body: str) -> str:
    first_paragraph = body.split("\n\n", 1)[0]
    return re.sub(r"[*_`#>\[\]]", "", first_paragraph).strip()[:300]


@transaction.atomic
def letter_load(*, slug: str, text: str, primary: bool = False, publish: bool = True) -> tuple[Letter, bool]:
    """Create or update the letter `slug` from Markdown text (see `load_letter`)."""
    title, body = letter_parse_markdown(text)
    letter = Letter.objects.select_for_update().filter(slug=slug).first() or Letter(slug=slug)
    letter.title = title
    letter.body = body
    if publish and letter.state == Letter.State.DRAFT:
        # A letter that is collecting (or already live or closed) keeps its launch state:
        # reloading its text must not publish it early.
        letter.state = Letter.State.LIVE
    if primary:
        letter.is_primary = True
    if not letter.summary:
        letter.summary = _summary(body)
    return letter_save(letter=letter)
