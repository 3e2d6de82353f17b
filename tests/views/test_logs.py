"""Call and order logs: scope by role, filters, keyset pages, htmx rows, CSV."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    CallFactory,
    ClientFactory,
    DepartmentFactory,
    OrderFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db


def make_calls(n, **kwargs):
    now = timezone.now()
    return [CallFactory(started_at=now - timedelta(minutes=i), **kwargs) for i in range(n)]


def make_orders(n, **kwargs):
    now = timezone.now()
    return [
        OrderFactory(
            status=Order.Status.ACCEPTED,
            number=f"T-{i}-{kwargs.get('client').pk if kwargs.get('client') else 0}",
            accepted_at=now - timedelta(minutes=i),
            total=Decimal("100.00"),
            **kwargs,
        )
        for i in range(n)
    ]


def test_manager_sees_only_own_clients_calls(client):
    manager = make_staff(role=Role.MANAGER)
    mine = ClientFactory(manager=manager, name="Мой клиент")
    theirs = ClientFactory(manager=make_staff(role=Role.MANAGER), name="Чужой клиент")
    make_calls(2, client=mine)
    make_calls(2, client=theirs)
    client.force_login(manager)
    html = client.get(reverse("calls:call_log")).content.decode()
    assert "Мой клиент" in html and "Чужой клиент" not in html


def test_head_sees_the_department(client):
    head = make_staff(role=Role.HEAD)
    dept = DepartmentFactory(name="Опт", head=head)
    manager = make_staff(role=Role.MANAGER, department=dept)
    ClientFactory(manager=manager, name="Клиент отдела")
    make_calls(1, client=ClientFactory(manager=manager, name="Клиент отдела 2"))
    make_calls(1, client=ClientFactory(manager=make_staff(role=Role.MANAGER), name="Другой"))
    client.force_login(head)
    html = client.get(reverse("calls:call_log")).content.decode()
    assert "Клиент отдела 2" in html and "Другой" not in html


def test_call_log_full_page_and_htmx_rows(client):
    manager = make_staff(role=Role.MANAGER)
    make_calls(3, client=ClientFactory(manager=manager))
    client.force_login(manager)
    full = client.get(reverse("calls:call_log"))
    assert b"<html" in full.content and b'id="log-rows"' in full.content
    partial = client.get(reverse("calls:call_log"), HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'id="log-rows"' in partial.content


def test_call_log_pages_by_keyset_without_repeats(client):
    manager = make_staff(role=Role.MANAGER)
    calls = make_calls(60, client=ClientFactory(manager=manager))
    client.force_login(manager)
    first = client.get(reverse("calls:call_log"))
    cursor = first.context["page"].next_cursor
    assert len(first.context["page"].rows) == 50 and cursor
    second = client.get(reverse("calls:call_log"), {"after": cursor})
    seen = [c.pk for c in first.context["page"].rows] + [c.pk for c in second.context["page"].rows]
    assert sorted(seen) == sorted(c.pk for c in calls)
    assert second.context["page"].next_cursor is None


def test_tampered_cursor_and_filter_values_show_the_first_page(client):
    manager = make_staff(role=Role.MANAGER)
    make_calls(3, client=ClientFactory(manager=manager))
    client.force_login(manager)
    response = client.get(reverse("calls:call_log"), {"after": "x_'; drop", "operator": "99999"})
    assert response.status_code == 200
    assert len(response.context["page"].rows) == 3


def test_log_query_counts_do_not_grow_with_rows(client):
    manager = make_staff(role=Role.MANAGER)
    client.force_login(manager)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    make_calls(3, client=ClientFactory(manager=manager))
    make_orders(3, client=ClientFactory(manager=manager))
    few = queries(reverse("calls:call_log")), queries(reverse("orders:order_log"))
    for _ in range(30):
        make_calls(1, client=ClientFactory(manager=manager))
        make_orders(1, client=ClientFactory(manager=manager))
    many = queries(reverse("calls:call_log")), queries(reverse("orders:order_log"))
    assert all(m <= f for m, f in zip(many, few, strict=True))  # cached inbox count: fewer
    assert max(many) <= 14  # new operators: the permission, option and name caches refill


def test_call_log_filters_by_client_phone_and_date(client):
    manager = make_staff(role=Role.MANAGER)
    known = ClientFactory(manager=manager, name="Искомый", phone="+74951000001")
    other = ClientFactory(manager=manager, name="Другой")
    make_calls(1, client=known)
    make_calls(1, client=other)
    CallFactory(client=other, started_at=timezone.now() - timedelta(days=10))
    client.force_login(manager)
    response = client.get(reverse("calls:call_log"), {"client": "8 (495) 100-00-01"})
    assert [c.client for c in response.context["page"].rows] == [known]
    today = timezone.localdate().isoformat()
    response = client.get(reverse("calls:call_log"), {"date_from": today, "date_to": today})
    assert len(response.context["page"].rows) == 2


def test_call_log_csv_export(client):
    manager = make_staff(role=Role.MANAGER)
    make_calls(3, client=ClientFactory(manager=manager, name="Экспорт"))
    client.force_login(manager)
    response = client.get(reverse("calls:call_log"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert response["Content-Type"].startswith("text/csv")
    lines = body.strip().splitlines()
    assert len(lines) == 4 and "Экспорт" in lines[1]


def test_order_log_shows_accepted_orders_of_own_clients_not_drafts(client):
    manager = make_staff(role=Role.MANAGER)
    mine = ClientFactory(manager=manager)
    make_orders(2, client=mine)
    OrderFactory(client=mine, status=Order.Status.DRAFT)
    make_orders(1, client=ClientFactory(manager=make_staff(role=Role.MANAGER)))
    client.force_login(manager)
    response = client.get(reverse("orders:order_log"))
    assert len(response.context["page"].rows) == 2
    assert "100,00" in response.content.decode() or "100.00" in response.content.decode()


def test_finance_sees_all_orders(client):
    make_orders(2, client=ClientFactory(manager=make_staff(role=Role.MANAGER)))
    client.force_login(make_staff(role=Role.FINANCE))
    response = client.get(reverse("orders:order_log"))
    assert len(response.context["page"].rows) == 2


def test_order_log_filters_by_status(client):
    manager = make_staff(role=Role.MANAGER)
    mine = ClientFactory(manager=manager)
    make_orders(2, client=mine)
    Order.objects.filter(pk=Order.objects.first().pk).update(status=Order.Status.CANCELLED)
    client.force_login(manager)
    response = client.get(reverse("orders:order_log"), {"status": "cancelled"})
    assert [o.status for o in response.context["page"].rows] == ["cancelled"]


def test_calls_without_scope_are_hidden_from_managers(client):
    manager = make_staff(role=Role.MANAGER)
    make_calls(2)  # unknown callers, no client
    client.force_login(manager)
    response = client.get(reverse("calls:call_log"))
    assert response.context["page"].rows == []
    assert Call.objects.count() == 2


@pytest.mark.parametrize(
    "params",
    [
        {"after": "2024-02-30T10:00:00+03:00_5"},
        {"after": "2024-01-01T25:00:00_1"},
        {"after": "2024-01-01T10:00:00_²"},
        {"after": "0001-01-01T00:00:00+00:00_1"},
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
    ],
)
def test_crafted_cursors_and_extreme_dates_do_not_break_the_logs(client, params):
    manager = make_staff(role=Role.MANAGER)
    make_calls(2, client=ClientFactory(manager=manager))
    make_orders(1, client=ClientFactory(manager=manager))
    client.force_login(manager)
    for url in (reverse("calls:call_log"), reverse("orders:order_log")):
        assert client.get(url, params).status_code == 200
        response = client.get(url, {**params, "format": "csv"})
        assert response.status_code == 200
        b"".join(response.streaming_content)


@pytest.mark.parametrize("url_name", ["calls:call_log", "orders:order_log"])
def test_log_page_rows_and_export_query_counts(client, url_name, django_assert_max_num_queries):
    """A number that can only go down (issue 10): session, user, the head's departments,
    the rows, the inbox count and the header's presence; the filter options come from the
    cache, the rows' names and labels from the one query."""
    head = make_staff(role=Role.HEAD)
    department = DepartmentFactory(name="Опт", head=head)
    manager = make_staff(role=Role.MANAGER, department=department)
    clients = [ClientFactory(manager=manager) for _ in range(3)]
    for each in clients:
        make_calls(20, client=each, operator=make_staff(role=Role.OPERATOR))
        make_orders(20, client=each, operator=make_staff(role=Role.OPERATOR))
    client.force_login(head)
    url = reverse(url_name)
    client.get(url)  # the permission sets and the filter options into the cache
    with django_assert_max_num_queries(6):
        page = client.get(url)
    assert len(page.context["page"].rows) == 50
    with django_assert_max_num_queries(6):
        client.get(url, {"after": page.context["page"].next_cursor})
    with django_assert_max_num_queries(4):  # htmx rows: no header, so no menu or count
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get(url, {"format": "csv"})
        assert len(b"".join(response.streaming_content).splitlines()) == 61


def test_order_log_by_phone_keeps_the_scope_and_an_unknown_phone_finds_nothing(client):
    manager = make_staff(role=Role.MANAGER)
    known = ClientFactory(manager=manager, name="Искомый", phone="+74951000001")
    theirs = ClientFactory(manager=make_staff(role=Role.MANAGER), phone="+74951000002")
    make_orders(2, client=known)
    make_orders(1, client=theirs)
    client.force_login(manager)
    url = reverse("orders:order_log")
    response = client.get(url, {"client": "8 (495) 100-00-01"})
    assert {o.client for o in response.context["page"].rows} == {known}
    assert len(response.context["page"].rows) == 2
    assert not client.get(url, {"client": "+7 495 100-00-02"}).context["page"].rows
    assert not client.get(url, {"client": "+7 495 999-99-99"}).context["page"].rows
    export = client.get(url, {"client": "8 (495) 100-00-01", "format": "csv"})
    assert len(b"".join(export.streaming_content).splitlines()) == 3
