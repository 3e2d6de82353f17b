"""Charts drawn on the server as SVG: no JavaScript library, no CDN, nothing to download.

The functions here compute geometry only; ``orderdesk/chart.html`` draws it. Values are
numbers (int, float or Decimal); ``fmt`` turns a value into the text shown on hover and
on the axis.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

Number = int | float | Decimal
LINE_AFTER_POINTS = 62


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value_text: str
    href: str | None = None


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str


@dataclass
class Chart:
    kind: str  # "trend" (vertical bars + line, a point a day) or "bars" (horizontal)
    title: str
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # polyline points "x,y x,y"
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[XLabel] = field(default_factory=list)
    plot_left: float = 0
    plot_right: float = 0
    plot_top: float = 0
    plot_bottom: float = 0
    empty: bool = False


def _as_float(value) -> float:
    return float(value) if value is not None else 0.0


def _nice_max(value: float) -> float:
    """A round upper bound for the axis: 1, 2, 2.5 or 5 × 10ⁿ."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def trend_chart(
    points: Sequence[tuple[date, Number | None]],
    *,
    title: str,
    fmt: Callable[[Number], str] = str,
    width: int = 640,
    height: int = 220,
) -> Chart:
    """A daily trend: a bar a day with the line through their tops."""
    left, right, top, bottom = 64, 8, 12, 28
    chart = Chart(
        kind="trend",
        title=title,
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        plot_top=top,
        plot_bottom=height - bottom,
    )
    if not points:
        chart.empty = True
        return chart
    values = [_as_float(v) for _d, v in points]
    top_value = _nice_max(max(values))
    plot_w = width - left - right
    plot_h = height - top - bottom
    step = plot_w / len(points)
    bar_w = max(step * 0.7, 1.0)
    line = []
    for i, ((day, raw), value) in enumerate(zip(points, values, strict=True)):
        h = plot_h * value / top_value
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h - h
        chart.bars.append(
            Bar(
                x=round(x, 1),
                y=round(y, 1),
                width=round(bar_w, 1),
                height=round(h, 1),
                label=date_format(day, "SHORT_DATE_FORMAT"),
                value_text="—" if raw is None else fmt(raw),
            )
        )
        line.append(f"{x + bar_w / 2:.1f},{y:.1f}")
    # A bar a day while bars are wide enough to read; a line for long periods.
    if len(points) > LINE_AFTER_POINTS:
        chart.line = " ".join(line)
    chart.ticks = [
        Tick(y=round(top + plot_h * (1 - k / 4), 1), text=axis_number(top_value * k / 4))
        for k in range(5)
    ]
    every = max(1, round(len(points) / 8))
    chart.x_labels = [
        XLabel(x=round(left + i * step + step / 2, 1), text=date_format(day, "d.m"))
        for i, (day, _v) in enumerate(points)
        if i % every == 0
    ]
    chart.empty = not any(values)
    return chart


def axis_number(value: float) -> str:
    """A short axis label: 7,5 · 250 · 12,5 тыс. · 2,5 млн (the unit is in the title)."""
    for size, unit in ((1_000_000, _("M")), (1_000, _("k"))):
        if abs(value) >= size:
            scaled = value / size
            return f"{number_format(round(scaled, 1), 0 if scaled.is_integer() else 1)} {unit}"
    return number_format(round(value, 1), 0 if float(value).is_integer() else 1)


def bar_chart(
    items: Sequence[tuple[str, Number | None, str | None]],
    *,
    title: str,
    fmt: Callable[[Number], str] = str,
    width: int = 640,
    bar_height: int = 22,
) -> Chart:
    """One horizontal bar per item ``(label, value, href)``; the label links to ``href``."""
    left, right, top = 200, 90, 4
    height = top * 2 + bar_height * max(len(items), 1)
    chart = Chart(
        kind="bars",
        title=title,
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        plot_top=top,
        plot_bottom=height - top,
    )
    values = [_as_float(v) for _l, v, _h in items]
    if not items:
        chart.empty = True
        return chart
    top_value = max(max(values), 0) or 1.0
    plot_w = width - left - right
    for i, ((label, raw, href), value) in enumerate(zip(items, values, strict=True)):
        chart.bars.append(
            Bar(
                x=left,
                y=top + i * bar_height + 3,
                width=round(max(plot_w * value / top_value, 0), 1),
                height=bar_height - 6,
                label=label,
                value_text="—" if raw is None else fmt(raw),
                href=href,
            )
        )
    chart.empty = not any(values)
    return chart
