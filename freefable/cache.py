"""A Redis cache that degrades instead of failing when Redis is unreachable.

The cache holds only things we can lose (rendered pages, counters, rate-limit windows). When
Redis is down, a reader should still get the page and a signer should still get their 303, so
reads miss, writes are dropped and ``incr`` raises ValueError, which django-ratelimit reads as
"no count" (with RATELIMIT_FAIL_OPEN the request is let through). Errors are logged, once per
call, so an operator sees them.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ResilientRedisCache(RedisCache):
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
