from django.http import Http404

from .models import Letter


def letter_get_published(*, slug: str | None = None) -> Letter:
    """The published letter with this slug, or the primary one; 404 when there is none."""
    qs = Letter.objects.published().select_related("current_version")
    letter = qs.filter(slug=slug).first() if slug else qs.filter(is_primary=True).first()
    if letter is None or letter.current_version is None:
        raise Http404("No such letter.")
    return letter
