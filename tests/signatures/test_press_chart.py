"""The press page's chart: something a journalist can read and cite without a script."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from signatures.models import Signature
from signatures.views.press import _bar_chart, _nice_ticks
from tests.factories import ApprovedSignatureFactory


@pytest.mark.django_db
def test_the_chart_has_dates_values_a_running_total_and_a_table(client, letter):
    today = timezone.now().replace(hour=12)
    for days_ago, n in [(3, 2), (1, 5)]:  # nothing two days ago: that day is drawn as zero
        for _ in range(n):
            s = ApprovedSignatureFactory(letter=letter)
            Signature.objects.filter(pk=s.pk).update(created_at=today - timedelta(days=days_ago))
    html = client.get(f"/letters/{letter.slug}/press/").content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    day = lambda ago: (today - timedelta(days=ago)).date()  # noqa: E731

    assert svg.count('class="bar"') == 3  # three days, one of them empty
    assert re.findall(r'class="value" [^>]*>(\d+)</text>', svg) == ["2", "5"]  # values above the bars
    assert f">{day(3):%-d %b}</text>" in svg and f">{day(1):%-d %b}</text>" in svg  # dates on the x axis
    assert 'class="cumulative"' in svg and ">7</text>" in svg  # the running total ends at the count
    assert "<title" in svg and "<desc" in svg
    table = html[html.index('<details class="chart-table">') :]
    rows = re.findall(r"<tr><td>([\d-]+)</td><td>(\d+)</td><td>(\d+)</td></tr>", table)
    assert rows == [(str(day(3)), "2", "2"), (str(day(2)), "0", "2"), (str(day(1)), "5", "7")]


def test_one_day_is_one_labelled_bar_not_a_block():
    chart = _bar_chart([(timezone.now().date(), 4)], total=4)
    (row,) = chart["rows"]
    assert row["w"] <= 48 and row["show_value"] and row["show_date"]
    assert chart["day_ticks"][-1]["value"] >= 4


def test_the_running_total_starts_from_what_was_signed_before_the_chart():
    start = timezone.now().date()
    chart = _bar_chart([(start, 3), (start + timedelta(days=1), 2)], total=105)
    assert [r["total"] for r in chart["rows"]] == [103, 105]


def test_scales_have_round_marks():
    assert _nice_ticks(7) == [0, 2, 4, 6, 8]
    assert _nice_ticks(923) == [0, 500, 1000]
    assert _nice_ticks(0) == [0, 1]
