"""Concurrency tests: real threads against PostgreSQL row locks (SQLite has none)."""

import threading
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from orders import services
from orders.models import Order, Product, UpsellOffer
from tests.factories import (
    PriceColumnFactory,
    ProductFactory,
    ProductPriceFactory,
    UserFactory,
    arrange_delivery,
)

THREAD_TIMEOUT = 60


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(
            "concurrency tests need PostgreSQL row locks (SELECT … FOR UPDATE); "
            "run them with DATABASE_URL=postgres://…"
        )


@pytest.fixture
def run_concurrently() -> Callable[[int, Callable[[int], object]], list[tuple[str, object]]]:
    """Run ``target(i)`` in ``n`` threads released together by one barrier.

    Returns one ``("ok", result)`` or ``("error", exception)`` per thread, in thread order.
    Every thread closes its own database connection.
    """

    def run(n: int, target: Callable[[int], object]) -> list[tuple[str, object]]:
        barrier = threading.Barrier(n)
        results: list[tuple[str, object]] = [("error", RuntimeError("did not finish"))] * n

        def worker(i: int) -> None:
            try:
                barrier.wait(timeout=THREAD_TIMEOUT)
                results[i] = ("ok", target(i))
            except Exception as error:  # reported to the test, whatever it is
                results[i] = ("error", error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=THREAD_TIMEOUT)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
        return results

    return run


@pytest.fixture
def operator():
    # No role: transaction=True tests flush the groups the migrations created, and the
    # domain functions do not look at permissions anyway.
    return UserFactory()


def priced(price: str, **product_fields) -> Product:
    product = ProductFactory(**product_fields)
    ProductPriceFactory(
        product=product, column=PriceColumnFactory(code="base"), price=Decimal(price)
    )
    return product


@pytest.fixture
def make_ready_order(operator):
    """Drafts of one line each, with three declined offers: ready to accept."""
    # new in the range, so the upsell offers them
    offered = [
        priced("10.00", new_until=timezone.localdate() + timedelta(days=30)) for _ in range(3)
    ]

    def make(client, *, amount: str, call=None) -> Order:
        order = services.start_order(client=client, operator=operator, call=call, by=operator)
        order = services.set_line(
            order=order, product=priced(amount), quantity=Decimal("1"), by=order.operator
        )
        for product in offered:
            services.record_offer(
                order=order,
                product=product,
                reason=UpsellOffer.Reason.SPECIAL,
                response=UpsellOffer.Response.DECLINED,
                by=order.operator,
            )
        return arrange_delivery(order)

    return make
