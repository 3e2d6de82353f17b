"""Upsell effectiveness: offers by reason, product and operator, and the lines they became."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from calls.models import Call
from calls.upsell_report import upsell_effectiveness
from orderdesk.roles import Role
from orders.models import Order, OrderLine, UpsellOffer
from tests.factories import CallFactory, OrderFactory, OrderLineFactory, ProductFactory, make_staff

pytestmark = pytest.mark.django_db


def order_on_a_call(operator, status=Order.Status.ACCEPTED):
    start = timezone.now() - timedelta(hours=1)
    call = CallFactory(operator=operator, started_at=start, status=Call.Status.CLOSED)
    return OrderFactory(operator=operator, call=call, status=status, accepted_at=start)


def test_reasons_products_and_operators_by_hand():
    anna = make_staff(role=Role.OPERATOR, first_name="Анна")
    boris = make_staff(role=Role.OPERATOR, first_name="Борис")
    cheese, milk, tea = ProductFactory(name="Сыр"), ProductFactory(name="Молоко"), ProductFactory()
    accepted, declined = UpsellOffer.Response.ACCEPTED, UpsellOffer.Response.DECLINED

    o1 = order_on_a_call(anna)  # cheese (new) accepted → a line of 300; tea declined
    UpsellOffer.objects.create(order=o1, product=cheese, reason="new", response=accepted)
    UpsellOffer.objects.create(order=o1, product=tea, reason="special", response=declined)
    OrderLineFactory(order=o1, product=cheese, unit_price=Decimal("300"), origin="upsell")
    OrderLineFactory(order=o1, product=milk, unit_price=Decimal("999"))  # entered, not upsell
    o2 = order_on_a_call(boris)  # cheese (assortment) accepted → a line of 150
    UpsellOffer.objects.create(order=o2, product=cheese, reason="assortment", response=accepted)
    OrderLineFactory(order=o2, product=cheese, unit_price=Decimal("150"), origin="upsell")
    o3 = order_on_a_call(boris, status=Order.Status.CANCELLED)  # milk accepted, order cancelled
    UpsellOffer.objects.create(order=o3, product=milk, reason="new", response=accepted)
    OrderLineFactory(
        order=o3, product=milk, unit_price=Decimal("80"), origin=OrderLine.Origin.UPSELL
    )

    today = timezone.localdate()
    report = upsell_effectiveness(date_from=today - timedelta(days=1), date_to=today)

    reasons = {r.key: (r.made, r.accepted, r.lines, r.value) for r in report.by_reason}
    assert reasons == {
        "new": (2, 2, 1, Decimal("300.00")),  # the cancelled order's line does not count
        "special": (1, 0, 0, Decimal("0.00")),
        "assortment": (1, 1, 1, Decimal("150.00")),
    }
    top = report.products[0]
    assert top.key == cheese.pk and (top.made, top.accepted, top.lines) == (2, 2, 2)
    assert top.value == Decimal("450.00") and top.accept_rate == Decimal("100.0")
    people = {r.key: (r.made, r.accepted, r.value) for r in report.operators}
    assert people == {anna: (2, 1, Decimal("300.00")), boris: (2, 2, Decimal("150.00"))}
    assert (report.total.made, report.total.accepted, report.total.value) == (
        4,
        3,
        Decimal("450.00"),
    )
