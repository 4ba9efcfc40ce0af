from django.core.cache import cache
from django.http import Http404

from freefable.cache import LocalMemo

from .models import Letter

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
                raise Http404("No such letter.")
            cache.set(_key(slug), letter, TTL)
        _local.set(_key(slug), letter)
    return letter


def forget_letter(*slugs: str) -> None:
    cache.delete_many([_key(None), *(_key(s) for s in slugs)])
    _local.clear()  # this worker at once; the others within LOCAL_TTL


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
        return letter
