"""accept_order under concurrency: the client lock keeps the debt gate honest."""

import uuid
from decimal import Decimal

import pytest

from calls.models import CallEvent
from orders.errors import OrderBlocked, OrderInvalid
from orders.models import Order
from orders.services import accept_order, start_order
from tests.factories import CallFactory, OrderingClientFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def split(results):
    ok = [value for kind, value in results if kind == "ok"]
    errors = [value for kind, value in results if kind == "error"]
    return ok, errors


def test_ten_operators_at_once_cannot_overrun_the_credit_limit(
    run_concurrently, make_ready_order, operator
):
    # given one client with a 1000 ₽ limit, no debt, and ten drafts of 300 ₽
    client = OrderingClientFactory(credit_limit=Decimal("1000.00"))
    orders = [make_ready_order(client, amount="300.00") for _ in range(10)]

    # when ten operators accept at the same moment
    results = run_concurrently(
        10,
        lambda i: accept_order(
            orders[i], by=operator, idempotency_key=uuid.uuid4(), expected_total=orders[i].total
        ),
    )

    # then exactly three fit under the limit; the other seven are blocked, nothing else
    accepted, errors = split(results)
    blocked = [e for e in errors if isinstance(e, OrderBlocked)]
    unexpected = [e for e in errors if not isinstance(e, OrderBlocked)]
    assert unexpected == []
    assert (len(accepted), len(blocked)) == (3, 7)
    assert Order.objects.filter(client=client, status=Order.Status.ACCEPTED).count() == 3


def test_twenty_requests_with_one_key_accept_one_order_once(
    run_concurrently, make_ready_order, operator
):
    # given one draft and one idempotency key posted twenty times at once
    client = OrderingClientFactory(credit_limit=Decimal("1000.00"))
    call = CallFactory(client=client, operator=operator)
    order = make_ready_order(client, amount="300.00", call=call)
    key = uuid.uuid4()

    # when
    results = run_concurrently(
        20,
        lambda i: (
            accept_order(order, by=operator, idempotency_key=key, expected_total=order.total).pk
        ),
    )

    # then every request gets the same accepted order, stored and announced once
    accepted, errors = split(results)
    assert errors == []
    assert set(accepted) == {order.pk}
    assert Order.objects.filter(idempotency_key=key).count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.ACCEPTED
    assert CallEvent.objects.filter(call=call, kind=CallEvent.Kind.ORDER_ACCEPTED).count() == 1


def test_ten_clicks_with_different_keys_accept_the_order_once(
    run_concurrently, make_ready_order, operator
):
    # given one draft accepted from ten tabs, each with its own key
    client = OrderingClientFactory(credit_limit=None)
    order = make_ready_order(client, amount="300.00")

    # when
    results = run_concurrently(
        10,
        lambda i: (
            accept_order(
                order, by=operator, idempotency_key=uuid.uuid4(), expected_total=order.total
            ).pk
        ),
    )

    # then one wins; the others are told the order is already accepted
    accepted, errors = split(results)
    assert accepted == [order.pk]
    assert len(errors) == 9
    assert all(isinstance(e, OrderInvalid) for e in errors)


def test_opening_the_order_of_one_call_at_once_makes_one_draft(run_concurrently, operator):
    # given one call whose order screen is opened by four requests at the same moment
    client = OrderingClientFactory(credit_limit=Decimal("1000.00"))
    call = CallFactory(client=client, operator=operator)

    # when
    results = run_concurrently(
        4, lambda i: start_order(client=client, operator=operator, call=call, by=operator).pk
    )

    # then all four got the same single draft
    opened, errors = split(results)
    assert errors == []
    assert len(set(opened)) == 1
    assert Order.objects.filter(call=call, status=Order.Status.DRAFT).count() == 1
