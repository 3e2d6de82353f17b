"""Finance's receivables: keyset pages (no silent cut), filters, limit and excess per
client, totals of what the filters show, htmx rows, constant queries, 403 for others."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.receivables import ReceivableFilters, open_receivables, receivable_totals
from orderdesk.models import ExportRecord
from orderdesk.money import rub
from orderdesk.paging import PAGE_SIZE
from orderdesk.roles import Role
from tests.factories import ClientFactory, ReceivableFactory, make_staff
from tests.views.test_log_exports import _csv, _xlsx

pytestmark = pytest.mark.django_db

URL = "clients:receivables"


@pytest.fixture
def finance(client):
    client.force_login(make_staff(role=Role.FINANCE))
    return client


def test_finance_sees_open_receivables_most_overdue_first(finance):
    today = timezone.localdate()
    late = ReceivableFactory(
        client=ClientFactory(name="Должник"), due_date=today - timedelta(days=5)
    )
    ReceivableFactory(client=ClientFactory(name="Плательщик"), due_date=today + timedelta(days=5))
    ReceivableFactory(
        client=ClientFactory(name="Оплачено"), amount=Decimal("10"), paid_amount=Decimal("10")
    )
    response = finance.get(reverse(URL))
    names = [row.client.name for row in response.context["rows"]]
    assert names == ["Должник", "Плательщик"]
    overdue = finance.get(reverse(URL), {"overdue": "1"}).context["rows"]
    assert overdue == [late]


def _walk(finance, params=None):
    """Every page from the first, following the "Next page" cursor."""
    seen, pages, cursor = [], 0, None
    while True:
        query = dict(params or {})
        if cursor:
            query["after"] = cursor
        page = finance.get(reverse(URL), query).context["page"]
        seen += page.rows
        pages += 1
        cursor = page.next_cursor
        if not cursor:
            return seen, pages


def test_every_document_is_reachable_page_by_page_no_silent_cut(finance):
    # given 2.5 pages of documents, many on the same due date (the id breaks the tie)
    today = timezone.localdate()
    made = [
        ReceivableFactory(due_date=today - timedelta(days=i % 7))
        for i in range(PAGE_SIZE * 2 + PAGE_SIZE // 2)
    ]
    # when finance walks the pages
    seen, pages = _walk(finance)
    # then each document comes once, most overdue first, and the page says how many match
    assert pages == 3
    assert sorted(r.pk for r in seen) == sorted(r.pk for r in made)
    assert [(r.due_date, r.pk) for r in seen] == sorted((r.due_date, r.pk) for r in seen)
    html = finance.get(reverse(URL)).content.decode()
    assert f"{PAGE_SIZE} документов на этой странице из {len(made)}" in html or (
        f"{PAGE_SIZE} documents on this page of {len(made)}" in html
    )


@pytest.mark.parametrize(
    "cursor",
    ["2024-02-30_5", "garbage", "0001-01-01_1", "2024-01-01T10:00:00+03:00_1", "2024-01-01_²"],
)
def test_a_crafted_cursor_is_the_first_page(finance, cursor):
    ReceivableFactory.create_batch(3)
    response = finance.get(reverse(URL), {"after": cursor})
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 3


def test_filter_by_phone_written_any_way_and_by_name(finance):
    known = ClientFactory(name="Ромашка", phone="+74951000001")
    ReceivableFactory(client=known)
    ReceivableFactory(client=ClientFactory(name="Лютик"))
    for q in ("8 (495) 100-00-01", "+7 495 100 00 01", "4951000001", "омаш"):
        rows = finance.get(reverse(URL), {"q": q}).context["rows"]
        assert [r.client for r in rows] == [known], q


def test_over_the_limit_filter_and_each_clients_limit_and_excess(finance):
    over = ClientFactory(name="Превысил", over_limit=True)  # limit 1000, debt 1500
    ReceivableFactory(client=ClientFactory(name="В лимите", credit_limit=Decimal("5000.00")))
    ReceivableFactory(client=ClientFactory(name="Без лимита", credit_limit=None))

    rows = finance.get(reverse(URL), {"over_limit": "on"}).context["rows"]

    assert [r.client for r in rows] == [over]
    assert rows[0].excess == Decimal("500.00")
    everyone = {r.client.name: r for r in finance.get(reverse(URL)).context["rows"]}
    assert everyone["В лимите"].excess == Decimal("0.00")
    assert everyone["Без лимита"].excess == Decimal("0.00")
    html = finance.get(reverse(URL), {"over_limit": "on"}).content.decode()
    assert f'<span class="pill pill-danger">{rub(Decimal("500.00"))}</span>' in html
    assert rub(Decimal("1000.00")) in html


def test_totals_are_those_of_the_filtered_documents_in_one_query(
    finance, django_assert_num_queries
):
    today = timezone.localdate()
    late = ClientFactory(name="Должник")
    ReceivableFactory(
        client=late,
        amount=Decimal("300.00"),
        paid_amount=Decimal("100.00"),
        due_date=today - timedelta(days=1),
    )
    ReceivableFactory(
        client=late, amount=Decimal("50.00"), due_date=today
    )  # due today: not overdue
    ReceivableFactory(client=ClientFactory(name="Другой"), amount=Decimal("1000.00"))

    rows = open_receivables(filters=ReceivableFilters(q="Должник"), on=today)
    with django_assert_num_queries(1):
        totals = receivable_totals(rows, on=today)

    assert totals.documents == 2
    assert totals.amount == Decimal("350.00")
    assert totals.outstanding == Decimal("250.00")
    assert totals.overdue == Decimal("200.00")
    shown = finance.get(reverse(URL), {"q": "Должник"}).context["totals"]
    assert shown == totals


def test_full_page_and_htmx_rows_with_the_export_links_of_the_filter(finance):
    ReceivableFactory(client=ClientFactory(name="Ромашка"))
    full = finance.get(reverse(URL))
    assert b"<html" in full.content and b'id="receivable-rows"' in full.content

    partial = finance.get(reverse(URL), {"q": "Ромашка", "overdue": "on"}, HTTP_HX_REQUEST="true")

    html = partial.content.decode()
    assert "<html" not in html and 'id="receivable-rows"' in html
    assert 'id="log-export" class="export-links" hx-swap-oob="true"' in html
    assert "overdue=on&amp;format=xlsx" in html and "format=csv" in html


def test_query_count_does_not_grow_with_rows(finance):
    def queries(**params):
        with CaptureQueriesContext(connection) as captured:
            finance.get(reverse(URL), params)
        return len(captured)

    ReceivableFactory.create_batch(2)
    ReceivableFactory(client=ClientFactory(over_limit=True))
    queries()  # the first request reads the permission sets into the cache
    few = queries(), queries(over_limit="on"), queries(q="Клиент")
    for _ in range(PAGE_SIZE + 5):
        ReceivableFactory(client=ClientFactory(over_limit=True))
    many = queries(), queries(over_limit="on"), queries(q="Клиент")
    assert few == many
    assert max(many) <= 12


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MANAGER, Role.HEAD])
def test_other_roles_get_403(client, role):
    client.force_login(make_staff(role=role))
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse(URL), HTTP_HX_REQUEST="true").status_code == 403
    assert client.get(reverse(URL), {"format": "xlsx"}).status_code == 403


def test_post_is_refused(finance):
    assert finance.post(reverse(URL)).status_code == 405


def test_receivables_export_csv_and_xlsx_follow_the_filter(client):
    client.force_login(make_staff(role=Role.FINANCE))
    today = timezone.localdate()
    ReceivableFactory(
        client=ClientFactory(name="Должник", credit_limit=Decimal("1000.00")),
        document_no="РН-1",
        amount=Decimal("1500.50"),
        due_date=today - timedelta(days=3),
    )
    ReceivableFactory(client=ClientFactory(name="Плательщик"), document_no="РН-2")

    rows = _csv(client.get(reverse("clients:receivables"), {"format": "csv", "overdue": "on"}))
    assert len(rows) == 2
    assert rows[1][0] == "Должник" and rows[1][3] == "РН-1"
    assert rows[1][5] == (today - timedelta(days=3)).strftime("%d.%m.%Y")
    assert rows[1][6:9] == ["1500,50", "1500,50", "1000,00"]

    sheet = _xlsx(client.get(reverse("clients:receivables"), {"format": "xlsx", "overdue": "on"}))
    data = list(sheet.iter_rows(min_row=2))
    assert len(data) == 1
    assert data[0][5].is_date and data[0][5].value.date() == today - timedelta(days=3)
    assert data[0][7].value == pytest.approx(1500.50) and data[0][7].data_type == "n"
    assert {(r.list_name, r.file_format, r.rows) for r in ExportRecord.objects.all()} == {
        ("receivables", "csv", 1),
        ("receivables", "xlsx", 1),
    }
