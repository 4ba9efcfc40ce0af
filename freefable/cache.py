"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds only things we can lose (rendered pages, counters, rate-limit windows). When
Redis is down, a reader should still get the page and a signer should still get their 303, so
reads miss, writes are dropped and ``incr`` raises ValueError, which django-ratelimit reads as
"no count" (with RATELIMIT_FAIL_OPEN the request is let through). Errors are logged, once per
call, so an operator sees them.
"""

import logging
import threading
import time
import weakref

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.http import HttpResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis object for every cache call (50-100 us each with
    redis-py 8); a Redis object is thread-safe and holds only its pool, so keep one per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _warn(self, op, exc):
        logger.warning("cache %s failed, carrying on without cache: %s", op, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            self._warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            self._warn("get_many", exc)
            return {}

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._warn("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            self._warn("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._warn("add", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            self._warn("incr", exc)
            raise ValueError("cache unavailable") from exc

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            self._warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            self._warn("delete_many", exc)


class LocalMemo:
    """A few values kept in this process for `ttl` seconds: the last step before the fastest
    pages cost no network round trip at all. Whatever is kept here may be up to `ttl` seconds
    stale in this worker, so it holds only what the site already serves a little stale (the
    published letter, shared pages, the count). Bounded: cleared when it reaches `size`."""

    instances = weakref.WeakSet()

    def __init__(self, ttl: float, size: int = 256):
        self.ttl, self.size = ttl, size
        self._data = {}
        self._lock = threading.Lock()
        LocalMemo.instances.add(self)

    @classmethod
    def clear_all(cls) -> None:
        """Forget everything in every memo of this process (tests call it between tests)."""
        for memo in list(cls.instances):
            memo.clear()

    def get(self, key):
        entry = self._data.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def set(self, key, value) -> None:
        with self._lock:
            if len(self._data) >= self.size:
                self._data.clear()
            self._data[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


def bump(key: str, ttl: int) -> int | None:
    """Add one to a counter that expires `ttl` seconds after its first hit, and return its new
    value; None when the cache cannot count (Redis down), so callers let things through.
    On Redis it is one round trip (INCR and EXPIRE NX in a pipeline)."""
    from django.core.cache import caches

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        try:
            pipe = backend._cache.get_client(full_key, write=True).pipeline()
            pipe.incr(full_key)
            pipe.expire(full_key, ttl, nx=True)
            return pipe.execute()[0]
        except UNAVAILABLE as exc:
            logger.warning("cache counter failed, carrying on without it: %s", exc)
            return None
    backend.add(key, 0, ttl)
    try:
        return backend.incr(key)
    except ValueError:
        return None


# Responses that any reader may be handed (see SharedResponseMiddleware), for a second at most.
SHARED_RESPONSE_TTL = 1.0
shared_responses = LocalMemo(ttl=SHARED_RESPONSE_TTL)


def _may_keep(response) -> bool:
    """Would a shared cache keep this response for anyone, for at least SHARED_RESPONSE_TTL?
    (The rule the proxy in front follows.) A whole 200 that says public with a shared lifetime,
    sets no cookie and varies on nothing but the language."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    control = dict(_directive(part) for part in response.get("Cache-Control", "").split(","))
    if "public" not in control or control.keys() & {"private", "no-cache", "no-store"}:
        return False
    lifetime = control.get("s-maxage", control.get("max-age", ""))
    if not lifetime.isdigit() or int(lifetime) < SHARED_RESPONSE_TTL:
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= {"accept-language"}


def _directive(part: str) -> tuple[str, str]:
    name, _, value = part.strip().partition("=")
    return name.lower(), value.strip('"')


class SharedResponseMiddleware:
    """A reader's repeat request for a shared page, answered from this worker's memory before
    the rest of the middleware stack runs.

    Under a surge most requests are the same few URLs from readers with no cookie. The proxy in
    front (deploy/nginx.conf) keeps those pages for seconds; this does the same for one second
    inside each worker, so the requests that reach it (no proxy, or the proxy refreshing) skip
    the session, language, CSRF, authentication and message middleware whose work would produce
    the same bytes. Django's own cache middleware is not used: it keeps nothing whose max-age is
    0 (the site's pages say max-age=0, s-maxage=5) and rewrites the headers it keeps.

    Only for a GET or HEAD with no cookie, no query string and no conditional header, keyed on
    the method, scheme, host, path and the language Accept-Language picks; only a response the
    whole stack produced and marked shareable (`_may_keep`). It sits first in MIDDLEWARE, so a
    kept response already carries every header the stack adds. Staleness: a change to the
    public list or the letter clears this worker's copies at once (`public_list_changed`,
    `forget_letter`) and the other workers' within SHARED_RESPONSE_TTL seconds.
    """

    BYPASS = ("HTTP_COOKIE", "QUERY_STRING", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_AUTHORIZATION")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if request.method not in ("GET", "HEAD") or any(meta.get(name) for name in self.BYPASS):
            return self.get_response(request)
        from django.utils.translation import get_language_from_request

        key = (request.method, request.scheme, request.get_host(), request.path, get_language_from_request(request))
        kept = shared_responses.get(key)
        if kept is not None:
            status, headers, content = kept
            return HttpResponse(content, status=status, headers=headers)
        response = self.get_response(request)
        if _may_keep(response):
            shared_responses.set(key, (response.status_code, dict(response.items()), response.content))
        return response
