"""The one place public pages are cached, and the one rule for who may get a cached page.

Every change to who is public (approve, reject, feature, edit, withdraw, import) calls
`public_list_changed` after its commit: it drops the cached count and replaces the letter's
"list generation", a token in every cached page's key, so no stale page is served from Redis.

The rule (`shareable`): only a visitor who sends no session cookie and no messages cookie gets a
shared page. Such a visitor cannot be logged in and has nothing personal to see, and the test
reads cookies alone, without loading a session. Everyone else gets a page rendered for them and
marked private, so neither Redis nor a proxy ever hands a moderator's page to the public.
"""

import hashlib
import time
import uuid

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control

from freefable.cache import LocalMemo, shared_responses

KEEP = 24 * 3600  # how long a stale aggregate is kept, to serve while it is recomputed
PAGE_TTL = 60  # seconds a page stays in Redis (the generation drops it sooner on a change)
# What a shared cache in front (the proxy) may do with a public page: keep it SHARED_MAX_AGE
# seconds, then serve it stale for SHARED_STALE more while one request fetches a fresh copy.
# A change to the public list therefore shows within SHARED_MAX_AGE + SHARED_STALE seconds.
SHARED_MAX_AGE = 5
SHARED_STALE = 10
# Each worker keeps the pages it served for this long: under a surge most requests then cost no
# round trip to Redis. A change to the public list reaches every worker within this time.
LOCAL_TTL = 1.0
local = LocalMemo(ttl=LOCAL_TTL)


def count_key(letter_id: int) -> str:
    return f"letter:{letter_id}:count"


def _generation_key(letter_id: int) -> str:
    return f"letter:{letter_id}:gen"


def list_generation(letter_id: int) -> str:
    """A token that changes whenever the letter's public list changes (part of cache keys)."""
    gen = cache.get(_generation_key(letter_id))
    if gen is None:
        gen = uuid.uuid4().hex[:12]
        if not cache.add(_generation_key(letter_id), gen, None):
            gen = cache.get(_generation_key(letter_id)) or gen
    return gen


def public_list_changed(letter_id: int) -> None:
    cache.set(_generation_key(letter_id), uuid.uuid4().hex[:12], None)
    cache.delete(count_key(letter_id))
    local.clear()  # this worker at once; the others within LOCAL_TTL
    shared_responses.clear()  # the same for whole responses (freefable/cache.py)


def cached_aggregate(key: str, fresh: float, compute):
    """A value that is costly to compute, computed by one request at a time.

    When the cached value is older than `fresh` seconds, the request that wins a short lock
    recomputes it while the others keep serving the old value; with no value at all, the others
    wait briefly for the winner instead of all computing at once (no stampede after a restart).
    """
    entry = cache.get(key)
    now = time.time()
    if entry is not None:
        value, computed_at = entry
        if now - computed_at < fresh or not cache.add(key + ":lock", 1, 30):
            return value
    elif not cache.add(key + ":lock", 1, 30):
        for _ in range(100):  # up to ~5 s, then compute anyway
            time.sleep(0.05)
            entry = cache.get(key)
            if entry is not None:
                return entry[0]
    value = compute()
    cache.set(key, (value, time.time()), KEEP)
    cache.delete(key + ":lock")
    return value


def stable_key(*parts) -> str:
    """The same cache key in every worker process (Python's hash() differs between processes)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def shareable(request) -> bool:
    """May this request get (and fill) a page shared with everyone? See the module docstring."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def mark_public(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=0, s_maxage=SHARED_MAX_AGE, stale_while_revalidate=SHARED_STALE)
    return response


def mark_private(response: HttpResponse) -> HttpResponse:
    """Never stored by a shared cache, and not reused by the browser without asking."""
    patch_cache_control(response, private=True, no_cache=True, no_store=True)
    return response


# Context that a shared page is rendered with instead of the visitor's own: nobody is logged in
# and there are no messages, and nothing touches the session (which would add Vary: Cookie).
ANONYMOUS_CONTEXT = {"user": AnonymousUser(), "perms": None, "messages": ()}


def public_page(request, *, letter_id: int, name: str, parts: tuple, template: str, context) -> HttpResponse:
    """A public page, cached in Redis under the letter's list generation for visitors who may
    share it, and rendered fresh (and marked private) for everyone else.

    `context` is a function returning the template context, called only on a miss. `parts` are
    the request's inputs the page depends on (already validated: junk must not make new keys).
    """
    if not shareable(request):
        return mark_private(HttpResponse(render_to_string(template, context(), request=request)))
    # One copy per language (LocaleMiddleware chose it from the cookie or Accept-Language, and
    # adds Vary: Accept-Language, so a shared cache in front keeps a copy per header too).
    language = translation.get_language()
    key = f"page:{name}:{letter_id}:{stable_key(request.scheme, request.get_host(), request.path, language, *parts)}"
    html = local.get(key)
    if html is None:
        html = _shared_page(
            key, letter_id, lambda: render_to_string(template, {**context(), **ANONYMOUS_CONTEXT}, request=request)
        )
        local.set(key, html)
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        # The language came from this visitor's switcher cookie, which a shared cache in front
        # cannot see (it would hand this page to readers whose Accept-Language asks otherwise).
        return mark_private(HttpResponse(html))
    return mark_public(HttpResponse(html))


def _shared_page(key: str, letter_id: int, render) -> str:
    """The page from Redis if it was rendered under the current list generation, in one round
    trip (both values in one MGET); else rendered now and stored with its generation."""
    found = cache.get_many([key, _generation_key(letter_id)])
    generation = found.get(_generation_key(letter_id)) or list_generation(letter_id)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    html = render()
    cache.set(key, (generation, html), PAGE_TTL)
    return html
