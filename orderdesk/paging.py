"""Keyset pagination by (timestamp or date, id): newest first (the logs) or oldest first
(finance's receivables, most overdue first); no OFFSET and no COUNT(*)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

PAGE_SIZE = 50
# Cursors outside these bounds are tampered with; the log starts again at page one.
MIN_AT = datetime(1900, 1, 1, tzinfo=UTC)
MAX_AT = datetime(2200, 1, 1, tzinfo=UTC)


@dataclass
class KeysetPage:
    rows: list
    next_cursor: str | None


def encode_cursor(at: datetime | date, pk: int) -> str:
    return f"{at.isoformat()}_{pk}"


def decode_date_cursor(cursor: str | None) -> tuple[date, int] | None:
    """The cursor of a page keyed by a date field; tampered or malformed: ``None``."""
    if not cursor or "_" not in cursor:
        return None
    at_raw, _sep, pk_raw = cursor.rpartition("_")
    try:
        at = parse_date(at_raw)
    except (ValueError, OverflowError):  # "2024-02-30"
        return None
    if at is None or not (pk_raw.isascii() and pk_raw.isdigit()):
        return None
    if not MIN_AT.date() <= at <= MAX_AT.date():
        return None
    return at, int(pk_raw)


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """A tampered or malformed cursor is simply ignored (first page)."""
    if not cursor or "_" not in cursor:
        return None
    at_raw, _sep, pk_raw = cursor.rpartition("_")
    try:
        at = parse_datetime(at_raw.replace(" ", "+"))
    except (ValueError, OverflowError):  # "2024-02-30T…", "…T25:00"
        return None
    if at is None or at.tzinfo is None:  # no UTC offset: not a cursor we wrote
        return None
    if not (pk_raw.isascii() and pk_raw.isdigit()) or not MIN_AT <= at <= MAX_AT:
        return None
    return at, int(pk_raw)


def keyset_page(
    queryset: QuerySet,
    *,
    field: str,
    cursor: str | None,
    size: int = PAGE_SIZE,
    ascending: bool = False,
) -> KeysetPage:
    """Rows of ``queryset`` by ``field`` then id (newest first, or oldest first with
    ``ascending``), after ``cursor``. ``field`` is a DateTimeField or a DateField."""
    model_field = queryset.model._meta.get_field(field)
    is_datetime = isinstance(model_field, models.DateTimeField)
    position = decode_cursor(cursor) if is_datetime else decode_date_cursor(cursor)
    if position is not None:
        at, pk = position
        # The plain "<=" bound lets PostgreSQL start the index scan at the cursor; the OR
        # alone is not an index condition and would walk from the newest row (like OFFSET).
        bound, strict, pk_strict = ("gte", "gt", "pk__gt") if ascending else ("lte", "lt", "pk__lt")
        queryset = queryset.filter(
            Q(**{f"{field}__{bound}": at}),
            Q(**{f"{field}__{strict}": at}) | Q(**{field: at, pk_strict: pk}),
        )
    order = (field, "pk") if ascending else (f"-{field}", "-pk")
    rows = list(queryset.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, field), last.pk)
    return KeysetPage(rows=rows, next_cursor=next_cursor)
