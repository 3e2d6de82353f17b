"""Plausibility bounds for dates and lengths of free text, in one place, read from settings.

``settings.ORDERDESK`` keys (defaults in brackets):
- ``MAX_DAYS_AHEAD`` [60]: delivery and pickup at most this many days after today;
- ``CALLBACK_MAX_DAYS_AHEAD`` [90]: a call-back at most this many days ahead;
- ``RECEIVABLE_MIN_DATE`` ["2000-01-01"] and ``RECEIVABLE_MAX_YEARS_AHEAD`` [5]: document,
  due and payment dates of receivables;
- ``MAX_NOTE_LENGTH`` [5000]: notes, instructions and other free text.

Each ``check_*`` raises ``django.core.exceptions.ValidationError`` with a message the
operator can read out; each ``*_bounds`` returns the inclusive (first, last) pair, e.g. for
a date input's ``min``/``max``. Services call these before writing.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _

DEFAULTS = {
    "MAX_DAYS_AHEAD": 60,
    "CALLBACK_MAX_DAYS_AHEAD": 90,
    "RECEIVABLE_MIN_DATE": "2000-01-01",
    "RECEIVABLE_MAX_YEARS_AHEAD": 5,
    "MAX_NOTE_LENGTH": 5000,
}


def setting(name: str):
    return getattr(settings, "ORDERDESK", {}).get(name, DEFAULTS[name])


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _show(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _check_between(value: date, first: date, last: date) -> None:
    if value < first:
        raise ValidationError(
            _("%(value)s is too early: the earliest allowed date is %(first)s.")
            % {"value": _show(value), "first": _show(first)},
            code="date_too_early",
        )
    if value > last:
        raise ValidationError(
            _("%(value)s is too far ahead: the latest allowed date is %(last)s.")
            % {"value": _show(value), "last": _show(last)},
            code="date_too_late",
        )


# --- delivery and pickup ------------------------------------------------------------


def delivery_date_bounds(*, today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today, today + timedelta(days=int(setting("MAX_DAYS_AHEAD")))


def check_delivery_date(value: date, *, today: date | None = None) -> None:
    """Delivery or pickup day: from today to today + MAX_DAYS_AHEAD."""
    _check_between(value, *delivery_date_bounds(today=today))


def check_pickup_at(value: datetime, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    check_delivery_date(timezone.localdate(value), today=timezone.localdate(now))


# --- call-backs ---------------------------------------------------------------------


def callback_bounds(*, now: datetime | None = None) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now, now + timedelta(days=int(setting("CALLBACK_MAX_DAYS_AHEAD")))


def check_callback_at(value: datetime, *, now: datetime | None = None) -> None:
    """A call-back from now to CALLBACK_MAX_DAYS_AHEAD days ahead (a past time is allowed
    to be "now" within a minute, the time it takes to submit the form)."""
    first, last = callback_bounds(now=now)
    if value < first - timedelta(minutes=1):
        raise ValidationError(_("The call-back time is in the past."), code="date_too_early")
    if value > last:
        raise ValidationError(
            _("A call-back can be at most %(days)s days ahead.")
            % {"days": setting("CALLBACK_MAX_DAYS_AHEAD")},
            code="date_too_late",
        )


# --- receivables --------------------------------------------------------------------


def receivable_date_bounds(*, today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    first = setting("RECEIVABLE_MIN_DATE")
    first = parse_date(first) if isinstance(first, str) else first
    return first, _add_years(today, int(setting("RECEIVABLE_MAX_YEARS_AHEAD")))


def check_receivable_date(
    value: date, *, today: date | None = None, bounds: tuple[date, date] | None = None
) -> None:
    """Document, due and payment dates of a receivable: RECEIVABLE_MIN_DATE to five years
    ahead (a due date of 0001-01-02 made a client overdue forever). A batch passes the
    ``bounds`` it computed once."""
    _check_between(value, *(bounds or receivable_date_bounds(today=today)))


# --- free text ----------------------------------------------------------------------


def max_note_length() -> int:
    return int(setting("MAX_NOTE_LENGTH"))


def check_text_length(value: str, *, max_length: int | None = None) -> None:
    limit = max_length or max_note_length()
    if value is not None and len(value) > limit:
        raise ValidationError(
            _("The text is too long: %(length)s characters, at most %(limit)s.")
            % {"length": len(value), "limit": limit},
            code="too_long",
        )
