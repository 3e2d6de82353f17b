"""A whole order call in Chromium, by keyboard: identify, lines, offers, delivery, accept."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import Call, Transfer
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order, UpsellOffer
from tests.e2e.conftest import CONSOLE_URL, log_in, screenshot
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DeliveryAddressFactory,
    DepartmentFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductPriceFactory,
    PromotionFactory,
    ReceivableFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    head = make_staff(role=Role.HEAD, last_name="Главный")
    wholesale = DepartmentFactory(
        name="Отдел оптовых продаж", kind=Department.Kind.WHOLESALE, head=head
    )
    DepartmentFactory(
        name="Финансовая служба",
        kind=Department.Kind.FINANCE,
        head=make_staff(role=Role.FINANCE, first_name="Светлана", last_name="Финансова"),
    )
    make_staff(role=Role.OPERATOR, username="operator", first_name="Анна", last_name="Смирнова")
    market = ClientTypeFactory(code="market", name="Рыночный торговец", department=wholesale)
    column = market.default_price_column
    cheese = ProductCategoryFactory(name="Сыры")
    dairy = ProductCategoryFactory(name="Молочная продукция")
    products = {
        "gouda": ProductFactory(
            name="Сыр Гауда 45%", sku="CHS-0002", category=cheese, unit="kg", is_weighed=True
        ),
        "russian": ProductFactory(
            name="Сыр Российский 50%", sku="CHS-0001", category=cheese, unit="kg", is_weighed=True
        ),
        "milk": ProductFactory(name="Молоко 3,2% 1 л", sku="MLK-0001", category=dairy),
        "kefir": ProductFactory(name="Кефир 2,5% 1 л", sku="MLK-0002", category=dairy),
        "butter": ProductFactory(name="Масло сливочное 82,5%", sku="MLK-0003", category=dairy),
        "cream": ProductFactory(name="Сливки 20% 0,5 л", sku="MLK-0004", category=dairy),
    }
    prices = {
        "gouda": "640.00",
        "russian": "512.30",
        "milk": "78.90",
        "kefir": "82.40",
        "butter": "189.00",
        "cream": "145.50",
    }
    for key, product in products.items():
        ProductPriceFactory(product=product, column=column, price=Decimal(prices[key]))
    # management's special position and two new products to offer
    soon = timezone.localdate() + timedelta(days=30)
    for key in ("kefir", "butter"):
        products[key].new_until = soon
        products[key].save()
    PromotionFactory(
        product=products["cream"],
        title="Сливки недели",
        talking_point="Сливки 20% — скидка 10% только на этой неделе",
    )
    manager = make_staff(role=Role.MANAGER, first_name="Пётр", last_name="Менеджеров")
    return {"market": market, "manager": manager, "products": products}


def assert_card_kept(page, url: str, current: str):
    """The section was swapped, not the console: the card marked before is still there, one
    console and one section, the step bar shows the stage and its URL was pushed."""
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.locator("#client-card[data-kept=yes]")).to_have_count(1)
    expect(page.locator("#order-main")).to_have_count(1)
    expect(page.locator("#order-stage")).to_have_count(1)
    expect(page.locator(".steps .is-current")).to_contain_text(current)


def test_whole_order_call_by_keyboard(page, shop):
    client = ClientFactory(
        name="ИП Васильева",
        client_type=shop["market"],
        manager=shop["manager"],
        credit_limit=Decimal("50000"),
        phone="+74951000005",
    )
    DeliveryAddressFactory(client=client, address="Москва, Рижский рынок, павильон 12")
    ContactFactory(client=client, name="Васильева Ольга", email="olga@example.com")
    log_in(page, "operator")
    page.locator("#id_phone").fill("8 (495) 100-00-05")
    page.keyboard.press("Enter")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "purpose")
    page.keyboard.press("1")
    panel = page.locator("#order-panel")
    expect(panel).to_have_attribute("data-stage", "entry")
    search = page.locator("#order-q")
    expect(search).to_be_focused()
    # search, arrow down to the first result, type the quantity, Enter adds the line
    page.keyboard.type("гауда")
    expect(page.locator("#search-results")).to_contain_text("Сыр Гауда 45%")
    page.keyboard.press("ArrowDown")
    page.keyboard.type("12.5")
    page.keyboard.press("Enter")
    expect(page.locator("#order-lines")).to_contain_text("Сыр Гауда 45%")
    expect(page.locator("#order-total")).to_contain_text("8 000,00")
    expect(search).to_be_focused()
    page.keyboard.type("MLK-0001")
    expect(page.locator("#search-results")).to_contain_text("Молоко")
    page.keyboard.press("ArrowDown")
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    expect(page.locator("#order-lines")).to_contain_text("Молоко 3,2% 1 л")
    screenshot(page, "order-lines")
    # three offers answered with Alt+Y / Alt+N
    for key in ("Alt+y", "Alt+n", "Alt+n"):
        answered = UpsellOffer.objects.exclude(response="pending").count()
        page.keyboard.press(key)
        expect(page.locator("#offers-answered")).to_have_text(str(answered + 1))
    screenshot(page, "order-offers-done")
    # the stage moves swap the step bar and the panel only: the client card stays the same
    # element (not re-read, not re-rendered) and each stage's URL is pushed
    page.locator("#client-card").evaluate("card => { card.dataset.kept = 'yes'; }")
    order_url = f"/calls/{Call.objects.get().pk}/order/"
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "delivery")
    assert_card_kept(page, order_url + "delivery/", "Доставка и оплата")
    screenshot(page, "order-delivery")
    page.locator("#order-panel").get_by_role("link", name="Товары и предложения").click()
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "entry")
    assert_card_kept(page, order_url, "Товары и предложения")
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "delivery")
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "review")
    expect(page.locator("#order-panel")).to_contain_text("Рижский рынок")
    assert_card_kept(page, order_url + "review/", "Зачитать заказ")
    page.locator("#order-panel").get_by_role("link", name="Доставка и оплата").click()
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "delivery")
    assert_card_kept(page, order_url + "delivery/", "Доставка и оплата")
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "review")
    assert_card_kept(page, order_url + "review/", "Зачитать заказ")
    screenshot(page, "order-review")
    page.keyboard.press("F9")
    expect(page.locator("#order-number")).to_contain_text("ЗК-")
    screenshot(page, "order-accepted")
    order = Order.objects.get()
    assert order.status == Order.Status.ACCEPTED
    assert order.lines.count() == 3  # two typed, one accepted offer
    assert UpsellOffer.objects.filter(order=order).exclude(response="pending").count() == 3
    page.keyboard.press("F8")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
    page.locator("#step-panel button[type=submit]").press("Enter")
    expect(page).to_have_url(CONSOLE_URL)
    assert Call.objects.get().outcome.code == "order_taken"


def test_blocked_client_is_transferred_not_ordered(page, shop):
    client = ClientFactory(
        name="ООО «Должник»",
        client_type=shop["market"],
        manager=shop["manager"],
        phone="+74951000003",
    )
    ReceivableFactory(client=client, amount=Decimal("12500.00"), due_date="2020-01-31")
    log_in(page, "operator")
    page.locator("#id_phone").fill("84951000003")
    page.keyboard.press("Enter")
    expect(page.locator("#client-card")).to_contain_text("12 500,00")
    page.keyboard.press("1")
    decision = page.locator("#route-decision")
    expect(decision).to_have_attribute("data-rule", "debt_manager")
    expect(decision).to_contain_text("Менеджеров")
    screenshot(page, "order-blocked-route")
    # the order screen is not reachable by URL either
    call = Call.objects.get()
    page.goto(f"/calls/{call.pk}/order/")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "route")
    page.keyboard.press("t")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
    assert Transfer.objects.get().rule == "debt_manager"
    assert not Order.objects.exists()


def test_key_client_order_url_typed_by_hand_shows_the_transfer(page, shop):
    key_type = ClientTypeFactory(code="key", name="Ключевой", is_key=True)
    kam = make_staff(role=Role.MANAGER, first_name="Ирина", last_name="Ключникова", kam=True)
    ClientFactory(name="ООО «Ключ»", client_type=key_type, manager=kam, phone="+74951000001")
    log_in(page, "operator")
    page.locator("#id_phone").fill("8 495 100-00-01")
    page.keyboard.press("Enter")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "purpose")
    page.keyboard.press("1")
    expect(page.locator("#route-decision")).to_have_attribute("data-rule", "key_manager")
    # the operator types the order URL by hand: the transfer screen, never the entry form
    call = Call.objects.get()
    page.goto(f"/calls/{call.pk}/order/")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "route")
    expect(page.locator("#route-decision")).to_contain_text("Ключникова")
    expect(page.locator("#order-q")).to_have_count(0)
    screenshot(page, "key-client-order-url-route")
    page.keyboard.press("t")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
    assert Transfer.objects.get().rule == "key_manager"
    assert not Order.objects.exists()
