"""clients.selectors.find_client_by_phone and client_status."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from clients.selectors import ClientStatus, client_status, find_client_by_phone
from tests.factories import ClientFactory, ClientTypeFactory, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return ClientFactory(phone="+74951234567")


@pytest.mark.parametrize(
    "raw",
    [
        "8 (495) 123-45-67",
        "+7 495 123 45 67",
        "7-495-123-45-67",
        "74951234567",
        "84951234567",
        "4951234567",
        "+7 (495) 123-45-67",
        "8 (495) 123-45-67 доб. 12",
        "+7 495 123-45-67 ext. 12",
        "  +7 495 1234567  ",
    ],
)
def test_finds_the_client_however_the_number_is_written(client, raw):
    assert find_client_by_phone(raw) == client


def test_found_client_comes_with_type_and_manager_loaded(client, django_assert_num_queries):
    client.manager = make_staff()
    client.save()
    with django_assert_num_queries(1):
        found = find_client_by_phone("84951234567")
        assert found.client_type.default_price_column.code == "base"
        assert found.manager.staff_profile.presence == "available"


def test_identifying_reads_the_client_row_alone(client):
    # issue 10: a call needs the client, not the card's six-table join
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        found = find_client_by_phone("8 (495) 123-45-67", for_card=False)
    assert found == client and len(ctx.captured_queries) == 1
    assert "clients_clienttype" not in ctx.captured_queries[0]["sql"]
    assert find_client_by_phone("+7 499 000 00 00", for_card=False) is None


@pytest.mark.parametrize(
    "raw", ["abc", "", None, "123", "7" * 200, "+7 495 123 45 678", "++--()", "8 (495)"]
)
def test_malformed_input_returns_none_without_raising(client, raw):
    assert find_client_by_phone(raw) is None


def test_non_string_input_returns_none(client):
    assert find_client_by_phone(74951234567) is None


def test_unknown_valid_number_returns_none(client):
    assert find_client_by_phone("+7 495 765 43 21") is None


def test_each_number_finds_its_own_client(client):
    other = ClientFactory(phone="+79161234567")
    assert find_client_by_phone("8 916 123-45-67") == other
    assert find_client_by_phone("8 495 123-45-67") == client


# --- client_status ------------------------------------------------------------------


def ordered(days_ago: int, *, on):
    return timezone.make_aware(datetime.combine(on - timedelta(days=days_ago), datetime.min.time()))


@pytest.fixture
def regular():
    kind = ClientTypeFactory(code="shop60", asleep_after_days=60)
    return ClientFactory(client_type=kind, manager=make_staff())


def test_client_without_manager_is_new():
    client = ClientFactory(manager=None, last_order_at=timezone.now())
    assert client_status(client) == ClientStatus.NEW


def test_client_that_never_ordered_is_new(regular):
    assert client_status(regular) == ClientStatus.NEW


def test_client_that_ordered_recently_is_active(regular):
    today = timezone.localdate()
    regular.last_order_at = ordered(1, on=today)
    assert client_status(regular, on=today) == ClientStatus.ACTIVE


def test_exactly_at_the_threshold_is_still_active(regular):
    today = timezone.localdate()
    regular.last_order_at = ordered(60, on=today)
    assert client_status(regular, on=today) == ClientStatus.ACTIVE


def test_one_day_past_the_threshold_is_asleep(regular):
    today = timezone.localdate()
    regular.last_order_at = ordered(61, on=today)
    assert client_status(regular, on=today) == ClientStatus.ASLEEP


def test_threshold_comes_from_the_client_type():
    kind = ClientTypeFactory(code="quick", asleep_after_days=7)
    client = ClientFactory(client_type=kind, manager=make_staff())
    today = timezone.localdate()
    client.last_order_at = ordered(8, on=today)
    assert client_status(client, on=today) == ClientStatus.ASLEEP


def test_late_evening_order_counts_in_local_time(regular):
    # 23:30 Moscow time is 20:30 UTC of the same day: the local date counts.
    today = timezone.localdate()
    local_evening = timezone.make_aware(
        datetime.combine(today - timedelta(days=60), datetime.min.time()) + timedelta(hours=23.5)
    )
    regular.last_order_at = local_evening
    assert client_status(regular, on=today) == ClientStatus.ACTIVE
