"""The press page: counts, signatures per day as a chart drawn on the server, downloads."""

import base64
from datetime import timedelta

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET

from letter.selectors import letter_get_published

from ..models import Checkpoint, Delivery
from ..selectors import public as selectors


@require_GET
def press(request, slug):
    letter = letter_get_published(slug=slug)
    per_day = selectors.signatures_per_day(letter=letter)
    count = selectors.public_count(letter=letter)
    context = {
        "letter": letter,
        "count": count,
        "featured": selectors.featured_signatures(letter=letter, limit=50),
        "organizations": selectors.organization_counts(letter=letter),
        "chart": _bar_chart(per_day, total=count),
        "checkpoints": Checkpoint.objects.filter(letter=letter).only("tree_size", "created_at")[:5],
        "deliveries": [
            {"delivery": d, "root_hash": base64.b64encode(bytes(d.checkpoint.root_hash)).decode()}
            for d in Delivery.objects.filter(letter=letter).select_related("checkpoint")
        ],
        "site_url": settings.SITE_URL,
    }
    return render(request, "signatures/press.html", context)


# The chart's frame, in SVG units: room on the left for the daily scale, on the right for the
# running total's, below for the dates.
CHART = {"width": 720, "height": 300, "left": 44, "right": 60, "top": 28, "bottom": 44}
MAX_DATE_LABELS = 8
MAX_VALUE_LABELS = 31  # past a month of bars, values above each would overlap: the table has them


def _nice_ticks(top: int, count: int = 4) -> list[int]:
    """Round scale marks from 0 to at least `top`: 0, 5, 10 … or 0, 200, 400 …"""
    top = max(top, 1)
    raw = top / count
    magnitude = 10 ** (len(str(int(raw))) - 1)
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(step, 1)
    return list(range(0, top + step, step)) if top % step else list(range(0, top + 1, step))


def _bar_chart(per_day, total: int):
    """A chart a journalist can read and cite, as numbers for an SVG the template draws (no
    charting library, no JavaScript): a bar per day signed (days without signatures included,
    as zero), its value above it, dates below, and the running total as a line on its own
    scale, ending at today's public count. Also the rows of the table the page shows with it.

    `per_day` covers the last weeks only (selectors.signatures_per_day), so the running total
    starts from what was signed before them."""
    if not per_day:
        return None
    counts = dict(per_day)
    first, last = per_day[0][0], per_day[-1][0]
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    running = max(total - sum(counts.values()), 0)
    rows = []
    for day in days:
        running += counts.get(day, 0)
        rows.append({"day": day, "n": counts.get(day, 0), "total": running})

    c = CHART
    plot_w = c["width"] - c["left"] - c["right"]
    plot_h = c["height"] - c["top"] - c["bottom"]
    bottom = c["top"] + plot_h
    day_ticks = _nice_ticks(max(r["n"] for r in rows))
    total_ticks = _nice_ticks(rows[-1]["total"])
    day_scale = plot_h / day_ticks[-1]
    total_scale = plot_h / total_ticks[-1]
    slot = plot_w / len(rows)
    bar_w = max(min(slot * 0.7, 48), 1)
    label_every = max(1, -(-len(rows) // MAX_DATE_LABELS))  # ceiling division
    points = []
    for i, row in enumerate(rows):
        centre = c["left"] + slot * (i + 0.5)
        h = row["n"] * day_scale
        row.update(
            x=round(centre - bar_w / 2, 1),
            y=round(bottom - h, 1),
            w=round(bar_w, 1),
            h=round(h, 1),
            cx=round(centre, 1),
            ly=round(bottom - h - 4, 1),
            ty=round(bottom - row["total"] * total_scale, 1),
            show_value=len(rows) <= MAX_VALUE_LABELS and row["n"] > 0,
            show_date=i % label_every == 0 or i == len(rows) - 1 and i % label_every > label_every // 2,
        )
        points.append(f"{row['cx']},{row['ty']}")
    return {
        **c,
        "bottom_y": bottom,
        "right_x": c["width"] - c["right"],
        "date_y": bottom + 18,
        "rows": rows,
        "line": " ".join(points),
        "day_ticks": [{"value": t, "y": round(bottom - t * day_scale, 1)} for t in day_ticks],
        "total_ticks": [{"value": t, "y": round(bottom - t * total_scale, 1)} for t in total_ticks],
        "first": first,
        "last": last,
        "top": max(r["n"] for r in rows),
        "total": rows[-1]["total"],
        "end": rows[-1],
        # The total's label sits above the last point, and above that day's own value if both are there.
        "end_label_y": round(
            min(rows[-1]["ty"] - 8, rows[-1]["ly"] - 16 if rows[-1]["show_value"] else rows[-1]["ty"] - 8), 1
        ),
    }
