"""A placed order moves along from its page by keyboard (issue 7, F-ORD-8)."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order, OrderEvent, OrderLine
from orders.services import order_number
from tests.e2e.conftest import log_in, screenshot
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DeliveryAddressFactory,
    DepartmentFactory,
    ProductFactory,
    ProductPriceFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def wholesale():
    head = make_staff(role=Role.HEAD, username="head", first_name="Олег", last_name="Главный")
    return DepartmentFactory(name="Отдел оптовых продаж", kind=Department.Kind.WHOLESALE, head=head)


def test_the_manager_moves_an_order_along_from_its_page_by_keyboard(page, wholesale):
    manager = make_staff(
        role=Role.MANAGER,
        username="manager",
        first_name="Пётр",
        last_name="Менеджеров",
        department=wholesale,
    )
    operator = make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Смирнова")
    retail = ClientTypeFactory(code="retail", name="Розница", department=wholesale)
    client = ClientFactory(name="ООО «Ромашка»", client_type=retail, manager=manager)
    address = DeliveryAddressFactory(client=client, address="Москва, ул. Складская, д. 7")
    receiver = ContactFactory(client=client, name="Приёмщик Иван", can_receive_goods=True)
    product = ProductFactory(name="Сыр Гауда")
    column = retail.default_price_column
    ProductPriceFactory(product=product, column=column, price=Decimal("640.00"))
    order = Order.objects.create(
        client=client,
        operator=operator,
        status=Order.Status.ACCEPTED,
        price_column=column,
        total=Decimal("1280.00"),
        delivery_date=timezone.localdate(),
        delivery_address=address,
        receiver=receiver,
        payment_form=Order.PaymentForm.CASH,
        accepted_at=timezone.now(),
    )
    order.number = order_number(order)
    order.save(update_fields=["number"])
    OrderLine.objects.create(
        order=order,
        product=product,
        quantity=Decimal("2"),
        unit_price=Decimal("640.00"),
        price_column=column,
        line_total=Decimal("1280.00"),
    )
    log_in(page, "manager")

    page.goto("/logs/orders/")
    page.get_by_role("link", name=order.number).click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.pk}/$"))
    expect(page.locator("#order-status")).to_have_text(re.compile("Принят|Accepted"))

    page.keyboard.press("f")
    expect(page.locator("#order-status")).to_have_text(re.compile("В работе|In fulfilment"))
    page.keyboard.press("d")
    expect(page.locator("#order-status")).to_have_text(re.compile("Доставлен|Delivered"))
    expect(page.locator("#order-timeline li")).to_have_count(2)
    expect(page.locator("#order-timeline")).to_contain_text("Менеджеров")
    screenshot(page, "order-page-delivered")

    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    assert list(order.events.values_list("kind", "by")) == [
        (OrderEvent.Kind.STATUS_CHANGED, manager.pk),
        (OrderEvent.Kind.STATUS_CHANGED, manager.pk),
    ]
