"""A placed order moves along from its page by keyboard (issue 7, F-ORD-8)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order, OrderEvent
from tests.e2e.conftest import log_in, screenshot
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    make_staff,
    placed_order,
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
    order = placed_order(
        client=client,
        operator=operator,
        delivery_date=timezone.localdate(),
        payment_form=Order.PaymentForm.CASH,
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
