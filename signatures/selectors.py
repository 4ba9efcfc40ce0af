"""Reads for the public pages."""

from django.core.cache import cache

from letter.models import Letter

from .models import Signature

COUNT_TTL = 5  # seconds: the count a reader sees may lag approvals by this much


def _count_key(letter_id: int) -> str:
    return f"letter:{letter_id}:count"


def forget_public_count(letter_id: int) -> None:
    """Drop the cached count, after a change to who is public."""
    cache.delete(_count_key(letter_id))


def public_count(*, letter: Letter) -> int:
    """The number of approved signatures, from the cache when fresh enough."""
    key = _count_key(letter.pk)
    count = cache.get(key)
    if count is None:
        count = Signature.objects.public().filter(letter=letter).count()
        cache.set(key, count, COUNT_TTL)
    return count


def featured_signatures(*, letter: Letter, limit: int = 12):
    return list(
        Signature.objects.public()
        .filter(letter=letter, featured=True)
        .only("public_id", "name", "title", "organization", "link", "verification")[:limit]
    )


def recent_signatures(*, letter: Letter, limit: int = 10):
    return list(
        Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED)
        .order_by("-approved_at", "-id")
        .only("public_id", "name", "title", "organization", "link", "verification")[:limit]
    )
