"""What readers and the press see: the public list, downloads, counts, feed and digests.

These pages take the surge after press coverage, so each is cached in Redis under the letter's
list generation (see selectors.py) and answers conditional requests with 304.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import quote_etag
from django.views.decorators.http import condition, require_GET
from django_ratelimit.decorators import ratelimit

from letter.card import render_card
from letter.selectors import letter_get_published

from . import selectors
from .exports import csv_lines, csv_response
from .models import DailyDigest, Signature
from .services import digest_csv_lines
from .views import limit

PAGE_SIZE = 50
JSON_PAGE_MAX = 500


def stable_key(*parts) -> str:
    """The same cache key in every worker process (Python's hash() differs between processes)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _search_ratelimited(group, request):
    # Plain list pages are cached and cheap; only searches hit the database.
    return settings.RATELIMITS["search_ip"] if request.GET.get("q") else None


def _etag(request, slug, **kwargs):
    return selectors.list_state(letter=letter_get_published(slug=slug))[0]


def _last_modified(request, slug, **kwargs):
    return selectors.list_state(letter=letter_get_published(slug=slug))[1]


@require_GET
@ratelimit(group="search-ip", key="ip", rate=_search_ratelimited, block=True)
def signature_list(request, slug):
    letter = letter_get_published(slug=slug)
    q = selectors.clean_query(request.GET.get("q", ""))
    level = request.GET.get("level", "")
    level = level if level in Signature.Verification.values else ""
    after = request.GET.get("after", "")[:200]
    key = f"page:list:{letter.pk}:{selectors.list_generation(letter.pk)}:{stable_key(q, level, after)}"
    html = cache.get(key)
    if html is None:
        rows, next_cursor = selectors.public_signatures(letter=letter, q=q, level=level, after=after, limit=PAGE_SIZE)
        context = {
            "letter": letter,
            "rows": rows,
            "next_cursor": next_cursor,
            "q": q,
            "level": level,
            "levels": [(v, label) for v, label in Signature.Verification.choices if v != "none"],
            "count": selectors.public_count(letter=letter),
            "organizations": selectors.organization_counts(letter=letter),
            "first_page": not after,
        }
        html = render(request, "signatures/list.html", context).content
        cache.set(key, html, 60)
    return HttpResponse(html)


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
@condition(etag_func=_etag, last_modified_func=_last_modified)
def signatures_csv(request, slug):
    letter = letter_get_published(slug=slug)
    as_of = timezone.now()
    response = csv_response(
        f"{letter.slug}-signatures-{as_of:%Y-%m-%d}.csv",
        csv_lines(selectors.EXPORT_COLUMNS, selectors.export_rows(letter=letter)),
    )
    response["X-Data-As-Of"] = selectors.iso_utc(as_of)
    return response


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
@condition(etag_func=_etag, last_modified_func=_last_modified)
def signatures_json(request, slug):
    letter = letter_get_published(slug=slug)
    after = request.GET.get("after", "")[:200]
    try:
        size = max(1, min(int(request.GET.get("limit", 100)), JSON_PAGE_MAX))
    except ValueError:
        size = 100
    key = f"page:json:{letter.pk}:{selectors.list_generation(letter.pk)}:{stable_key(after, size)}"
    body = cache.get(key)
    if body is None:
        rows, next_cursor = selectors.public_signatures(letter=letter, after=after, limit=size)
        next_url = None
        if next_cursor:
            path = reverse("signatures:json", args=[letter.slug])
            next_url = request.build_absolute_uri(f"{path}?after={next_cursor}&limit={size}")
        body = {
            "count": selectors.public_count(letter=letter),
            "as_of": selectors.iso_utc(timezone.now()),
            "letter": {"slug": letter.slug, "title": letter.title, "version": letter.current_version.number},
            "results": [
                {
                    "id": s.public_id,
                    "name": s.name,
                    "title": s.title,
                    "organization": s.organization,
                    "link": s.link,
                    "signed_at": selectors.iso_utc(s.created_at),
                    "verification": s.verification,
                    "featured": s.featured,
                }
                for s in rows
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
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        response = JsonResponse({"count": count, "as_of": selectors.iso_utc(timezone.now())})
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=5"
    response["Access-Control-Allow-Origin"] = "*"  # embeddable counters on other sites
    return response


@require_GET
def press(request, slug):
    letter = letter_get_published(slug=slug)
    per_day = selectors.signatures_per_day(letter=letter)
    context = {
        "letter": letter,
        "count": selectors.public_count(letter=letter),
        "featured": selectors.featured_signatures(letter=letter, limit=50),
        "organizations": selectors.organization_counts(letter=letter),
        "chart": _bar_chart(per_day),
        "digests": DailyDigest.objects.filter(letter=letter)[:7],
    }
    return render(request, "signatures/press.html", context)


def _bar_chart(per_day, width=640, height=180):
    """Bars for an SVG drawn by the template: no charting library, no JavaScript."""
    if not per_day:
        return None
    top = max(n for _, n in per_day)
    bar = min(width / len(per_day), 40)  # a few days of data should still look like bars
    bars = []
    for i, (day, n) in enumerate(per_day):
        h = round((height - 20) * n / top, 1)
        bars.append(
            {
                "x": round(i * bar, 1),
                "y": round(height - h, 1),
                "w": max(round(bar - 2, 1), 1),
                "h": h,
                "day": day,
                "n": n,
            }
        )
    return {"width": width, "height": height, "bars": bars, "top": top, "first": per_day[0][0], "last": per_day[-1][0]}


@require_GET
def digests(request, slug):
    letter = letter_get_published(slug=slug)
    return render(
        request,
        "signatures/digests.html",
        {"letter": letter, "digests": DailyDigest.objects.filter(letter=letter)[:400]},
    )


@require_GET
@ratelimit(group="download-ip", key="ip", rate=limit("download_ip"), block=True)
def dated_csv(request, slug, day):
    """The list as it stood at the end of a past day: the bytes its published digest hashes."""
    letter = letter_get_published(slug=slug)
    try:
        day = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day.") from None
    if day >= timezone.now().date():
        raise Http404("That day is not over yet.")
    return csv_response(f"{letter.slug}-signatures-{day.isoformat()}.csv", digest_csv_lines(letter=letter, day=day))


@require_GET
def card(request, slug):
    """The Open Graph image: title and live count, drawn once per count and cached."""
    letter = letter_get_published(slug=slug)
    count = selectors.public_count(letter=letter)
    key = f"card:{letter.pk}:{letter.current_version_id}:{count}"
    png = cache.get(key)
    if png is None:
        png = render_card(title=letter.current_version.title, count=count, site=settings.SITE_NAME)
        cache.set(key, png, 3600)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "public, max-age=300"
    return response


class ApprovedFeed(Feed):
    """Atom feed of newly approved signatories (additions are visible, not silent)."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return letter_get_published(slug=slug)

    def title(self, letter):
        return f"New signatories: {letter.title}"

    def link(self, letter):
        return reverse("signatures:list", args=[letter.slug])

    def subtitle(self, letter):
        return "Signatures approved by the moderators, newest first. Email addresses are never published."

    def items(self, letter):
        return (
            Signature.objects.filter(letter=letter, status=Signature.Status.APPROVED)
            .select_related("letter")
            .order_by("-approved_at", "-id")
            .only(*selectors.PUBLIC_FIELDS, "letter__slug")[:50]
        )

    def item_title(self, item):
        return item.name

    def item_description(self, item):
        return ", ".join(filter(None, [item.title, item.organization])) or item.name

    def item_link(self, item):
        return reverse("signatures:list", args=[item.letter.slug]) + f"?q={item.name}#{item.public_id}"

    def item_guid(self, item):
        return f"{settings.SITE_URL}/signatures/{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.approved_at

    def item_updateddate(self, item):
        return item.approved_at
