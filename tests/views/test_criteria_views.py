"""Operator criteria and upsell pages: who may open them, full page and htmx, query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from orderdesk.roles import Role
from orders.models import Order, OrderLine, UpsellOffer
from tests.factories import (
    CallFactory,
    ClientFactory,
    DepartmentFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db


def handled_call(operator, client=None, *, minutes_ago=30, with_order=True):
    start = timezone.now() - timedelta(minutes=minutes_ago)
    call = CallFactory(
        operator=operator,
        client=client,
        started_at=start,
        ended_at=start + timedelta(minutes=3),
        status=Call.Status.CLOSED,
    )
    if with_order:
        order = OrderFactory(
            operator=operator,
            client=client or ClientFactory(),
            call=call,
            status=Order.Status.ACCEPTED,
            accepted_at=start + timedelta(minutes=2),
            total=Decimal("1200.00"),
        )
        product = ProductFactory()
        OrderLineFactory(order=order, product=product, origin=OrderLine.Origin.UPSELL)
        UpsellOffer.objects.create(
            order=order, product=product, reason="new", response=UpsellOffer.Response.ACCEPTED
        )
    return call


def head_user():
    head = make_staff(role=Role.HEAD, first_name="Глава", last_name="Отдела")
    DepartmentFactory(name="Поддержка продаж", head=head)
    return head


def operators(n):
    return [
        make_staff(role=Role.OPERATOR, first_name=f"Оператор{i}", last_name="Тестов")
        for i in range(n)
    ]


URL = reverse("calls:criteria")


def test_head_sees_every_operator_full_page_and_htmx(client):
    ops = operators(2)
    for op in ops:
        handled_call(op)
    client.force_login(head_user())
    full = client.get(URL)
    html = full.content.decode()
    assert full.status_code == 200 and "<html" in html
    assert "Оператор0" in html and "Оператор1" in html
    assert 'id="criteria-table"' in html and "<svg" in html
    assert "2,400.00" in html  # the desk total of two orders of 1,200.00
    partial = client.get(URL, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<html" not in body and 'id="criteria-body"' in body


def test_manager_sees_only_operators_who_handled_their_clients(client):
    manager = make_staff(role=Role.MANAGER)
    mine, other = operators(2)
    handled_call(mine, ClientFactory(manager=manager))
    handled_call(other, ClientFactory())
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert "Оператор0" in html and "Оператор1" not in html
    # nor the other operator's own page
    page = reverse("calls:criteria_operator", args=[other.pk])
    assert client.get(page).status_code == 404
    assert client.get(reverse("calls:criteria_operator", args=[mine.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.FINANCE])
def test_operators_and_finance_may_not_open(client, role):
    client.force_login(make_staff(role=role))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("calls:upsell")).status_code == 403


def test_admin_sees_the_criteria_and_the_nav_entry(client):
    admin = make_staff(role=Role.ADMIN)
    handled_call(operators(1)[0])
    client.force_login(admin)
    response = client.get(URL)
    assert response.status_code == 200 and "Оператор0" in response.content.decode()
    assert f'href="{URL}"'.encode() in response.content  # header entry


def test_nav_entry_hidden_from_operators(client):
    operator = make_staff(role=Role.OPERATOR)
    client.force_login(operator)
    html = client.get(reverse("calls:console")).content.decode()
    assert URL not in html


@pytest.mark.parametrize(
    "query",
    [
        "?period=custom&date_from=2026-02-30&date_to=x",
        "?period=custom&date_from=2026-03-10&date_to=2026-03-01",
        "?period=custom&date_from=2020-01-01&date_to=2026-01-01",
        "?period=nonsense&criterion=salary",
    ],
)
def test_bad_periods_fall_back_to_this_month_with_a_message(client, query):
    client.force_login(head_user())
    response = client.get(URL + query)
    assert response.status_code == 200
    assert b"errorlist" in response.content


def test_periods_and_criterion_switch(client):
    handled_call(operators(1)[0])
    client.force_login(head_user())
    for period in ("today", "week", "month", "last_month"):
        response = client.get(URL, {"period": period, "criterion": "order_value"})
        assert response.status_code == 200
    html = client.get(URL, {"period": "today", "criterion": "order_value"}).content.decode()
    assert "Order value by day" in html


def _count_queries(client, django_assert_max_num_queries, url, n):
    with django_assert_max_num_queries(n) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries):
    client.force_login(head_user())
    handled_call(operators(1)[0])
    few = _count_queries(client, django_assert_max_num_queries, URL, 25)
    for op in operators(6):
        handled_call(op)
        handled_call(op, minutes_ago=90)
    many = _count_queries(client, django_assert_max_num_queries, URL, 25)
    assert many == few


def test_operator_page_full_and_htmx(client, django_assert_max_num_queries):
    op = operators(1)[0]
    handled_call(op)
    client.force_login(head_user())
    url = reverse("calls:criteria_operator", args=[op.pk]) + "?period=week"
    with django_assert_max_num_queries(25):
        full = client.get(url)
    assert b"<html" in full.content and full.content.count(b"<svg") == 6
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'id="criteria-body"' in partial.content
    assert client.get(reverse("calls:criteria_operator", args=[999999])).status_code == 404


def test_upsell_page(client, django_assert_max_num_queries):
    op = operators(1)[0]
    handled_call(op)
    handled_call(op, minutes_ago=60)
    client.force_login(head_user())
    with django_assert_max_num_queries(20):
        full = client.get(reverse("calls:upsell"))
    html = full.content.decode()
    assert full.status_code == 200 and 'id="upsell-products"' in html and "Оператор0" in html
    partial = client.get(reverse("calls:upsell"), HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content


def test_criteria_page_is_get_only(client):
    client.force_login(head_user())
    assert client.post(URL).status_code == 405


def test_transfers_by_rule_are_named_not_coded(client):
    from calls.models import Transfer

    op = operators(1)[0]
    call = handled_call(op, with_order=False)
    manager = make_staff(role=Role.MANAGER)
    Transfer.objects.create(call=call, to_user=manager, rule="key_manager", reason="key client")
    head = head_user()
    client.force_login(head)
    for url in (URL, reverse("calls:criteria_operator", args=[op.pk])):
        html = client.get(url).content.decode()
        assert "Key client → its manager" in html, url
        assert ">key_manager<" not in html, url
