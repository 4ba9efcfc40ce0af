from django.core.cache import cache
from django.http import Http404
from django.utils.translation import gettext

from freefable.cache import LocalMemo, shared_responses

from .models import Letter, LetterTranslation, LetterVersion

TTL = 10  # seconds; letter_save drops the entry at once
LOCAL_TTL = 1  # seconds each worker keeps it without asking Redis
_local = LocalMemo(ttl=LOCAL_TTL)


def _key(slug: str | None) -> str:
    return f"letter:published:{slug or '__primary__'}"


def letter_get_published(*, slug: str | None = None) -> Letter:
    """The published letter with this slug, or the primary one; 404 when there is none.
    Cached briefly: every public page starts here."""
    letter = _local.get(_key(slug))
    if letter is None:
        letter = cache.get(_key(slug))
        if letter is None:
            qs = Letter.objects.published().select_related("current_version")
            letter = qs.filter(slug=slug).first() if slug else qs.filter(is_primary=True).first()
            if letter is None or letter.current_version is None:
                raise Http404(gettext("No such letter."))
            _attach_translations(letter)
            cache.set(_key(slug), letter, TTL)
        _local.set(_key(slug), letter)
    return letter


def forget_letter(*slugs: str) -> None:
    cache.delete_many([_key(None), *(_key(s) for s in slugs)])
    _local.clear()  # this worker at once; the others within LOCAL_TTL
    shared_responses.clear()  # pages that show the letter (freefable/cache.py)


def letter_get_open(*, slug: str) -> Letter:
    """A letter people may be signing: a public one (through the cache above), or one that is
    collecting by invitation (from the database: few requests, and never shown to the public).
    404 for a draft or an unknown slug."""
    try:
        return letter_get_published(slug=slug)
    except Http404:
        letter = (
            Letter.objects.filter(slug=slug, state=Letter.State.COLLECTING, current_version__isnull=False)
            .select_related("current_version")
            .first()
        )
        if letter is None:
            raise
        return _attach_translations(letter)


def _attach_translations(letter: Letter) -> Letter:
    """Keep the current version of each translation on the letter (cached with it), so choosing
    a reader's text costs no query."""
    translations = LetterTranslation.objects.filter(letter=letter, current_version__isnull=False)
    translations = list(translations.select_related("current_version"))
    letter.translated = {
        field: {t.language: getattr(t, field) for t in translations}
        for field in ("current_version", "summary", "addressees")
    }
    return letter


def _for_reader(letter: Letter, language: str, field: str, own):
    """The translation's value of `field` for a reader of `language` if it has one, else the
    letter's own (`own`)."""
    if language == letter.language:
        return own
    if not hasattr(letter, "translated"):
        _attach_translations(letter)
    return letter.translated[field].get(language) or own


def letter_version_for(letter: Letter, language: str) -> LetterVersion:
    """The text a reader of `language` reads: the translation's current version if there is
    one, else the letter's own."""
    return _for_reader(letter, language, "current_version", letter.current_version)


def letter_summary_for(letter: Letter, language: str) -> str:
    """The link-preview summary a reader of `language` gets: the translation's, else the letter's."""
    return _for_reader(letter, language, "summary", letter.summary)


def letter_addressees_for(letter: Letter, language: str) -> str:
    """Whom the letter addresses, in words for a reader of `language` (the translation's if set)."""
    return _for_reader(letter, language, "addressees", letter.addressees)


def letter_version_read(letter: Letter, version_id, language: str) -> LetterVersion:
    """The version a signer says they read (the sign form's hidden field): any version of this
    letter, else (missing, foreign or unknown) the one their language shows now."""
    shown = letter_version_for(letter, language)
    try:
        version_id = int(version_id)
    except (TypeError, ValueError):
        return shown
    if version_id == shown.pk:
        return shown
    return LetterVersion.objects.filter(pk=version_id, letter=letter).first() or shown
