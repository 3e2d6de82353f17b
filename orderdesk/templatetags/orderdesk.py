from django import template

from clients.phones import format_phone
from orderdesk import money

register = template.Library()


@register.filter
def rub(amount):
    """{{ order.total|rub }} → 12 345,67 ₽"""
    return money.rub(amount)


@register.filter
def phone(e164):
    """{{ call.phone|phone }} → 8 (495) 100-00-01"""
    return format_phone(str(e164)) if e164 else ""


@register.filter
def person(user):
    """A user's full name, or the username."""
    if not user:
        return "—"
    return user.get_full_name() or user.get_username()


@register.filter
def duration(value):
    """A timedelta as m:ss (or h:mm:ss)."""
    if value is None:
        return "—"
    total = int(value.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def qty(value):
    """A quantity without trailing zeros, localised: 12.500 → 12,5 (ru) / 12.5 (en)."""
    if value is None or value == "":
        return ""
    from decimal import Decimal

    from django.utils.formats import number_format

    normal = Decimal(value).normalize()
    places = max(-normal.as_tuple().exponent, 0)
    return number_format(normal, places)
