"""Plausibility bounds from settings (orderdesk/bounds.py), and the receivables admin
import refusing implausible dates like the feed does."""

from datetime import date, datetime, timedelta

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Receivable
from clients.resources import ReceivableResource
from orderdesk import bounds
from tests.factories import ClientFactory

TODAY = date(2026, 11, 29)


def test_defaults_are_in_settings(settings):
    assert settings.ORDERDESK["MAX_DAYS_AHEAD"] == 60
    assert settings.ORDERDESK["CALLBACK_MAX_DAYS_AHEAD"] == 90
    assert settings.ORDERDESK["RECEIVABLE_MIN_DATE"] == "2000-01-01"
    assert settings.ORDERDESK["RECEIVABLE_MAX_YEARS_AHEAD"] == 5
    assert settings.ORDERDESK["MAX_NOTE_LENGTH"] == 5000


def test_delivery_dates_from_today_to_sixty_days():
    assert bounds.delivery_date_bounds(today=TODAY) == (TODAY, TODAY + timedelta(days=60))
    bounds.check_delivery_date(TODAY + timedelta(days=60), today=TODAY)
    with pytest.raises(ValidationError, match="too far ahead"):
        bounds.check_delivery_date(date(9999, 12, 31), today=TODAY)
    with pytest.raises(ValidationError, match="too early"):
        bounds.check_delivery_date(TODAY - timedelta(days=1), today=TODAY)


def test_the_bound_follows_the_setting(settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "MAX_DAYS_AHEAD": 10}
    with pytest.raises(ValidationError):
        bounds.check_delivery_date(TODAY + timedelta(days=11), today=TODAY)


def test_pickup_uses_the_local_day():
    now = timezone.make_aware(datetime(2026, 11, 29, 12, 0))
    bounds.check_pickup_at(now + timedelta(days=60), now=now)
    with pytest.raises(ValidationError):
        bounds.check_pickup_at(now + timedelta(days=61), now=now)


def test_call_backs_up_to_ninety_days():
    now = timezone.now()
    bounds.check_callback_at(now + timedelta(days=90), now=now)
    with pytest.raises(ValidationError, match="90 days"):
        bounds.check_callback_at(now + timedelta(days=91), now=now)
    with pytest.raises(ValidationError, match="past"):
        bounds.check_callback_at(now - timedelta(hours=1), now=now)
    with pytest.raises(ValidationError):
        bounds.check_callback_at(
            timezone.make_aware(datetime(9999, 1, 1), timezone.get_current_timezone()), now=now
        )


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (date(1999, 12, 31), False),
        (date(2000, 1, 1), True),
        (date(2031, 11, 29), True),
        (date(2031, 11, 30), False),
        (date(1, 1, 2), False),
        (date(9999, 12, 31), False),
    ],
)
def test_receivable_dates(day, ok):
    if ok:
        bounds.check_receivable_date(day, today=TODAY)
    else:
        with pytest.raises(ValidationError):
            bounds.check_receivable_date(day, today=TODAY)


def test_a_leap_day_today_has_a_bound():
    assert bounds.receivable_date_bounds(today=date(2028, 2, 29))[1] == date(2033, 2, 28)


def test_text_length():
    bounds.check_text_length("x" * 5000)
    with pytest.raises(ValidationError, match="100000 characters, at most 5000"):
        bounds.check_text_length("x" * 100_000)
    with pytest.raises(ValidationError):
        bounds.check_text_length("abc", max_length=2)


@pytest.mark.django_db
def test_the_admin_import_refuses_implausible_receivable_dates():
    debtor = ClientFactory(phone="+74951000001")
    data = tablib.Dataset(
        headers=["client", "document_no", "document_date", "due_date", "amount", "paid_amount"]
    )
    data.append([debtor.pk, "РН-1", "2025-03-01", "0001-01-02", "10", "0"])
    data.append([debtor.pk, "РН-2", "2025-03-01", "9999-12-31", "10", "0"])
    data.append([debtor.pk, "РН-3", "2025-03-01", "2025-03-15", "10", "0"])

    result = ReceivableResource().import_data(data, dry_run=True)

    invalid = {row.number: set(row.error_dict) for row in result.invalid_rows}
    assert invalid == {1: {"due_date"}, 2: {"due_date"}}
    assert not Receivable.objects.exists()
