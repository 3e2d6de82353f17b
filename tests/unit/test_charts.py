"""Server-drawn SVG charts: geometry from values."""

from datetime import date, timedelta
from decimal import Decimal

from orderdesk.charts import _nice_max, bar_chart, trend_chart


def test_trend_bars_scale_to_a_round_maximum():
    chart = trend_chart(
        [(date(2026, 3, 1), 0), (date(2026, 3, 2), 5), (date(2026, 3, 3), Decimal("10"))],
        title="Calls",
    )
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == 2 * heights[1]
    assert chart.ticks[-1].text == "10" and chart.line == ""  # bars only for a short period
    assert not chart.empty


def test_empty_trend_and_bars_say_so():
    assert trend_chart([], title="x").empty
    assert trend_chart([(date(2026, 3, 1), 0)], title="x").empty
    assert bar_chart([], title="x").empty


def test_bars_link_and_none_values():
    chart = bar_chart([("Анна", 4, "/a/"), ("Борис", None, "/b/")], title="Orders")
    assert chart.bars[0].href == "/a/" and chart.bars[1].value_text == "—"
    assert chart.bars[1].width == 0


def test_nice_max():
    assert [_nice_max(v) for v in (0, 0.4, 1, 3, 7, 11, 240, 2600)] == [
        1,
        1,
        1,
        5,
        10,
        20,
        250,
        5000,
    ]


def test_a_long_period_draws_a_line():
    points = [(date(2026, 1, 1) + timedelta(days=i), i) for i in range(90)]
    chart = trend_chart(points, title="Calls")
    assert len(chart.line.split()) == 90
