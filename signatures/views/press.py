"""The press page: counts, signatures per day as a chart drawn on the server, downloads."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from letter.selectors import letter_get_published

from ..models import DailyDigest
from ..selectors import public as selectors


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
