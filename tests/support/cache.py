from django.conf import settings
from django.core.cache import cache

from freefable.cache import LocalMemo


def clear_cache() -> None:
    """Forget rate-limit windows and cached pages between tests. On Redis only our own keys go
    (the broker's queues may share the database). Each process's short memory goes too."""
    LocalMemo.clear_all()
    if settings.REDIS_URL:
        try:
            client = cache._cache.get_client(write=True)
            keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
            if keys:
                client.delete(*keys)
        except Exception:  # noqa: S110 (Redis down: nothing cached to forget)
            pass
    else:
        cache.clear()
