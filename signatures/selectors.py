"""Reads for the public pages."""

from django.core.cache import cache

from letter.models import Letter

from .models import Signature

COUNT_TTL = 5  # seconds: the count a reader sees may lag approvals by this much


def public_count(*, letter: Letter) -> int:
    """The number of approved signatures, from the cache when fresh enough."""
    key = f"letter:{letter.pk}:count"
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
