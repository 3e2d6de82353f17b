"""Small filters for the reviewers' pages (issue 9)."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ row.offers_by_reason|get_item:code }}"""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def seconds(value):
    """Seconds as m:ss (or h:mm:ss); — when unknown."""
    if value is None:
        return "—"
    total = int(round(float(value)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
