"""Charts drawn on the server as inline SVG: no internet, no CDN, no JavaScript."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 180
BAR_WIDTH = 300
VALUE_WIDTH = 90


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(rows: list[dict], *, title: str = "") -> SafeString:
    """Horizontal bars, one per row (``label``, ``count``, ``percent``), scaled to the
    largest count; every text is escaped."""
    top = max((row["count"] for row in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bars = format_html_join(
        "",
        '<g transform="translate(0,{})"><title>{}: {} ({}%)</title>'
        '<text x="{}" y="{}" text-anchor="end" class="chart-label">{}</text>'
        '<rect x="{}" y="0" width="{}" height="{}" rx="3" class="chart-bar"></rect>'
        '<text x="{}" y="{}" class="chart-value">{} · {}%</text></g>',
        (
            (
                GAP + i * (BAR_HEIGHT + GAP),
                row["label"],
                row["count"],
                row["percent"],
                LABEL_WIDTH - 8,
                BAR_HEIGHT - 6,
                _short(row["label"]),
                LABEL_WIDTH,
                max(1, round(BAR_WIDTH * row["count"] / top)) if row["count"] else 0,
                BAR_HEIGHT,
                LABEL_WIDTH + (round(BAR_WIDTH * row["count"] / top) if row["count"] else 0) + 6,
                BAR_HEIGHT - 6,
                row["count"],
                row["percent"],
            )
            for i, row in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" '
        'height="{}" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        title,
        width,
        height,
        width,
        height,
        bars,
    )
