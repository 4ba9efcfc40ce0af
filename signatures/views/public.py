"""What readers and the press see: the public list, downloads, counts and the card.

These pages take the surge after press coverage: pages are cached through selectors/cache.py
(one rule for who may get a shared page) and downloads answer conditional requests with 304.
"""

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import quote_etag
from django.views.decorators.http import condition, require_GET
from django_ratelimit.decorators import ratelimit

from freefable.files import file_response
from freefable.http import limit
from letter.card import render_card
from letter.selectors import letter_get_published, letter_version_for

from ..exports import iso_utc, public_record
from ..models import Signature
from ..selectors import cache as page_cache
from ..selectors import public as selectors
from ..services import downloads

PAGE_SIZE = 50
JSON_PAGE_MAX = 500


def _search_ratelimited(group, request):
    # Plain list pages are cached and cheap; only searches hit the database.
    return settings.RATELIMITS["search_ip"] if request.GET.get("q") else None


def _etag(request, slug, **kwargs):
    return selectors.list_state(letter=letter_get_published(slug=slug))[0]


def _last_modified(request, slug, **kwargs):
    return selectors.list_state(letter=letter_get_published(slug=slug))[1]


def _cursor(request) -> str | None:
    """The `after` cursor of a list page, or None when it is not one we made. Checked before any
    cache is looked at, so junk cursors cannot fill the cache with copies of the first page."""
    after = request.GET.get("after", "")
    if after and (len(after) > 200 or selectors.decode_cursor(after) is None):
        return None
    return after


def _bad_cursor(request) -> HttpResponse:
    """A cursor we did not make (a mangled or made-up link): back to the first page."""
    return page_cache.mark_private(redirect(request.path))


@require_GET
@ratelimit(group="search-ip", key="ip", rate=_search_ratelimited, block=True)
def signature_list(request, slug):
    letter = letter_get_published(slug=slug)
    after = _cursor(request)
    if after is None:
        return _bad_cursor(request)
    q = selectors.clean_query(request.GET.get("q", ""))
    level = request.GET.get("level", "")
    level = level if level in Signature.Verification.values else ""

    def context():
        rows, next_cursor = selectors.public_signatures(letter=letter, q=q, level=level, after=after, limit=PAGE_SIZE)
        return {
            "letter": letter,
            "rows": rows,
            "next_cursor": next_cursor,
            "q": q,
            "level": level,
            "levels": [(v, label) for v, label in Signature.Verification.choices if v != "none"],
            "count": selectors.public_count(letter=letter),
            "matched": selectors.public_match_count(letter=letter, q=q, level=level) if q or level else None,
            "match_cap": selectors.MATCH_COUNT_CAP,
            "organizations": selectors.organization_counts(letter=letter),
            "first_page": not after,
        }

    return page_cache.public_page(
        request,
        letter_id=letter.pk,
        name="list",
        parts=(q, level, after),
        template="signatures/list.html",
        context=context,
    )


def _download(request, slug, kind, name):
    """The whole list as a file written by a task (services/downloads.py), sent as static bytes."""
    letter = letter_get_published(slug=slug)
    download = downloads.download_for_request(letter=letter, kind=kind)
    return file_response(
        request,
        path=download.path,
        etag=download.etag,
        content_type=kind.content_type,
        filename=f"{letter.slug}-{name}-{download.as_of:%Y-%m-%d}.{kind.name}",
        headers={"X-Data-As-Of": iso_utc(download.as_of)},
    )


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
def signatures_csv(request, slug):
    return _download(request, slug, downloads.CSV, "signatures")


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
def signatures_all_json(request, slug):
    """The whole list in one JSON file (signatures.json pages through it)."""
    return _download(request, slug, downloads.JSON, "signatures")


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
@condition(etag_func=_etag, last_modified_func=_last_modified)
def signatures_json(request, slug):
    letter = letter_get_published(slug=slug)
    after = _cursor(request)
    if after is None:
        return _bad_cursor(request)
    try:
        size = max(1, min(int(request.GET.get("limit", 100)), JSON_PAGE_MAX))
    except ValueError:
        size = 100
    key = f"page:json:{letter.pk}:{page_cache.list_generation(letter.pk)}:{page_cache.stable_key(after, size)}"
    body = cache.get(key)
    if body is None:
        rows, next_cursor = selectors.public_signatures(letter=letter, after=after, limit=size)
        next_url = None
        if next_cursor:
            path = reverse("signatures:json", args=[letter.slug])
            next_url = request.build_absolute_uri(f"{path}?after={next_cursor}&limit={size}")
        body = {
            "count": selectors.public_count(letter=letter),
            "as_of": iso_utc(timezone.now()),
            "letter": {
                "slug": letter.slug,
                "title": letter.title,
                "version": letter.current_version.number,
                "language": letter.language,
            },
            "results": [
                {**public_record(s), "featured": s.featured, "identification_only": s.identification_only} for s in rows
            ],
            "next": next_url,
        }
        cache.set(key, body, 30)
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
def count_json(request, slug):
    """The count for widgets: cheap, cacheable for a few seconds, 304 when unchanged."""
    letter = letter_get_published(slug=slug)
    count = selectors.public_count(letter=letter)
    etag = quote_etag(f"{letter.pk}-{count}")
    # The busiest public URL: If-None-Match read from META (request.headers builds a dict of
    # every header), and the JSON of two values written out rather than through an encoder.
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponseNotModified()
    else:
        body = f'{{"count": {int(count)}, "as_of": "{iso_utc(timezone.now())}"}}'
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=5, s-maxage=5, stale-while-revalidate=10"
    response["Access-Control-Allow-Origin"] = "*"  # embeddable counters on other sites
    return response


def method(request):
    """What each verification level means."""
    return render(request, "letter/method.html")


@require_GET
def card(request, slug):
    """The Open Graph image: title and live count, drawn once per count and language, and cached."""
    letter = letter_get_published(slug=slug)
    count = selectors.public_count(letter=letter)
    version = letter_version_for(letter, translation.get_language())
    key = f"card:{letter.pk}:{version.pk}:{translation.get_language()}:{count}"
    png = cache.get(key)
    if png is None:
        png = render_card(title=version.title, count=count, site=settings.SITE_NAME)
        cache.set(key, png, 3600)
    response = HttpResponse(png, content_type="image/png")
    # Its words are in the reader's language: shared only when that came from Accept-Language
    # (Vary), not from the switcher's cookie, as with the pages (selectors/cache.public_page).
    shared = settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    response["Cache-Control"] = "public, max-age=300" if shared else "private, max-age=300"
    return response
