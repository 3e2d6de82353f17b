"""Crafted input never crashes a page: control characters get a clear 400, a cursor
without a UTC offset (or otherwise malformed) reads as the first page."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from orderdesk.paging import decode_cursor
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import CallFactory, ClientFactory, OrderFactory, make_staff

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
LOGS = ["orders:order_log", "calls:call_log"]
MODES = {
    "html": ({}, {}),
    "htmx": ({}, HX),
    "csv": ({"format": "csv"}, {}),
}
CRAFTED_CURSORS = [
    "2026-01-01T00:00:00_1",  # no UTC offset: TypeError before the fix
    "2026-01-01T00:00:00",
    "2026-01-01_1",
    "_1",
    "2026-01-01T00:00:00+00:00_",
    "2026-01-01T00:00:00+00:00_-1",
    "2026-01-01T00:00:00+00:00_１",  # full-width digit
    "2026-02-30T00:00:00+00:00_1",
    "0001-01-01T00:00:00+00:00_1",
    "x" * 5000,
]


@pytest.fixture
def head(client):
    user = make_staff(role=Role.HEAD)
    customer = ClientFactory(manager=user, name="Клиент")
    now = timezone.now()
    for i in range(3):
        CallFactory(client=customer, started_at=now - timedelta(minutes=i))
        OrderFactory(
            client=customer,
            status=Order.Status.ACCEPTED,
            number=f"C-{i}",
            accepted_at=now - timedelta(minutes=i),
            total=Decimal("10.00"),
        )
    client.force_login(user)
    return user


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_crafted_cursor_is_no_cursor(cursor):
    assert decode_cursor(cursor) is None


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("url_name", LOGS)
@pytest.mark.parametrize("cursor", CRAFTED_CURSORS[:3])
def test_logs_read_a_crafted_cursor_as_the_first_page(client, head, url_name, mode, cursor):
    params, headers = MODES[mode]
    first = client.get(reverse(url_name), params, **headers)
    crafted = client.get(reverse(url_name), {**params, "after": cursor}, **headers)

    assert crafted.status_code == 200
    body = b"".join(crafted.streaming_content) if mode == "csv" else crafted.content
    expected = b"".join(first.streaming_content) if mode == "csv" else first.content
    assert body.count("Клиент".encode()) == expected.count("Клиент".encode()) > 0


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("url_name", LOGS)
@pytest.mark.parametrize("field", ["client", "after", "date_from"])
def test_logs_refuse_a_nul_byte_with_a_clear_400(client, head, url_name, mode, field):
    params, headers = MODES[mode]
    response = client.get(reverse(url_name), {**params, field: "Кли\x00ент"}, **headers)

    assert response.status_code == 400
    assert "control characters" in response.content.decode()


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x0b"])
def test_receivables_filter_refuses_control_characters(client, char):
    client.force_login(make_staff(role=Role.FINANCE))
    response = client.get(reverse("clients:receivables"), {"q": f"ООО{char}"})
    assert response.status_code == 400
    assert "control characters" in response.content.decode()


def test_the_message_is_translated(client):
    client.force_login(make_staff(role=Role.FINANCE))
    response = client.get(reverse("clients:receivables"), {"q": "\x00"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert "управляющие символы" in response.content.decode()


@pytest.mark.parametrize("text", ["a\tb", "a\nb", "a\r\nb", "Сыр «Российский»"])
def test_tab_newline_and_ordinary_text_pass(client, text):
    client.force_login(make_staff(role=Role.FINANCE))
    response = client.get(reverse("clients:receivables"), {"q": text})
    assert response.status_code == 200


@pytest.mark.parametrize("url_name", ["orders:search", "calls:reference_search"])
def test_product_search_refuses_a_nul_byte(client, url_name):
    operator = make_staff(role=Role.OPERATOR)
    call = CallFactory(operator=operator)
    client.force_login(operator)
    for headers in ({}, HX):
        response = client.get(reverse(url_name, args=[call.pk]), {"q": "сыр\x00"}, **headers)
        assert response.status_code == 400


def test_a_form_field_with_a_nul_byte_is_refused_and_nothing_changes(client):
    operator = make_staff(role=Role.OPERATOR)
    client.force_login(operator)
    response = client.post(reverse("calls:start"), {"phone": "+7495\x001000001"})
    assert response.status_code == 400
    assert not Call.objects.exists()


def test_a_nul_in_a_field_name_is_refused(client):
    client.force_login(make_staff(role=Role.FINANCE))
    response = client.get(reverse("clients:receivables") + "?q%00=1")
    assert response.status_code == 400


def test_api_gets_json_for_a_nul_in_the_query_string():
    response = HttpClient().post(reverse("calls:telephony_incoming") + "?x=%00")
    assert response.status_code == 400
    assert "control characters" in response.json()["error"]


def test_telephony_extension_with_a_nul_is_a_json_400(settings):
    settings.TELEPHONY_TOKEN = "t" * 32
    body = json.dumps({"caller": "+74951000001", "extension": "10\u00001"})
    response = HttpClient().post(
        reverse("calls:telephony_incoming"),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {'t' * 32}",
    )
    assert response.status_code == 400
    assert "control characters" in response.json()["error"]


def test_receivables_feed_with_a_nul_is_a_json_400(settings):
    settings.ACCOUNTING_TOKEN = "a" * 32
    body = json.dumps({"receivables": [{"client": 1, "document_no": "A\u0000"}]})
    response = HttpClient().post(
        reverse("clients:api_receivables"),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {'a' * 32}",
    )
    assert response.status_code == 400
    assert "control characters" in response.json()["error"]
