"""Layout at 1366×768 (a common operator screen): nothing sticks out of its card, no control
is covered, for the biggest amounts and the longest names (issue 12)."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orderdesk.roles import Role
from orders.models import Order
from tests.e2e.conftest import log_in, screenshot
from tests.e2e.test_order_call import shop  # noqa: F401  (fixture)
from tests.factories import (
    ClientFactory,
    ContactFactory,
    DeliveryAddressFactory,
    OrderFactory,
    OrderLineFactory,
    ReceivableFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = Decimal("999999999.99")
LONG_NAME = (
    "Общество с ограниченной ответственностью "
    "«Торгово-закупочная компания Северо-Западный продовольственный холдинг»"
)

# Every element of each container stays inside the container's box (horizontally, and
# vertically unless it scrolls), and at every visible control's centre the element found is
# the control (or inside it, or its label), after scrolling it into view.
LAYOUT_PROBLEMS = (Path(__file__).parent / "layout_problems.js").read_text()


def layout_problems(page, *selectors):
    return page.evaluate(LAYOUT_PROBLEMS, list(selectors))


@pytest.fixture
def small_screen(page):
    page.set_viewport_size({"width": 1366, "height": 768})
    return page


def test_card_and_wrap_up_hold_the_biggest_amounts(small_screen, shop):  # noqa: F811
    page = small_screen
    client = ClientFactory(
        name=LONG_NAME,
        client_type=shop["market"],
        manager=make_staff(
            role=Role.MANAGER, first_name="Константин", last_name="Константинопольский"
        ),
        credit_limit=HUGE,
        phone="+74951000003",
    )
    ReceivableFactory(client=client, amount=HUGE, due_date="2020-01-31")
    log_in(page, "operator")
    page.locator("#id_phone").fill("84951000003")
    page.keyboard.press("Enter")
    card = page.locator("#client-card")
    expect(card).to_contain_text("999 999 999,99")
    # one type badge, the credit figure explained
    assert card.locator(".card-pills .pill", has_text="Рыночный торговец").count() == 1
    expect(card.locator("#credit-explained")).to_be_visible()
    assert layout_problems(page, "#client-card", ".call-head", "#step-panel") == []
    page.keyboard.press("F8")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
    screenshot(page, "layout-wrap-up")
    assert layout_problems(page, "#client-card", "#step-panel") == []


def test_order_screens_keep_lines_and_lists_inside(small_screen, shop):  # noqa: F811
    page = small_screen
    client = ClientFactory(
        name=LONG_NAME,
        client_type=shop["market"],
        manager=shop["manager"],
        credit_limit=HUGE,
        phone="+74951000005",
    )
    DeliveryAddressFactory(
        client=client,
        address="Московская обл., г.о. Красногорск, д. Путилково, "
        "Спасо-Тушинский б-р, д. 5, павильон 12",
    )
    ContactFactory(client=client, name="Кузнецова Лариса Петровна-Константинопольская")
    previous = OrderFactory(client=client, status=Order.Status.DELIVERED)
    for product in shop["products"].values():
        OrderLineFactory(order=previous, product=product, quantity=Decimal("120.5"))
    previous.accepted_at = timezone.now() - timedelta(days=7)
    previous.save()
    log_in(page, "operator")
    page.locator("#id_phone").fill("84951000005")
    page.keyboard.press("Enter")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "purpose")
    page.keyboard.press("1")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "entry")
    page.keyboard.press("Alt+r")
    expect(page.locator("#order-lines")).to_contain_text("Сыр Гауда 45%")
    screenshot(page, "layout-order-entry")
    assert layout_problems(page, "#order-panel", "#client-card") == []
    # the action bar with F9 is on screen without scrolling
    f9 = page.locator("#order-main .next-row .button.primary")
    box = f9.bounding_box()
    assert box["y"] + box["height"] <= 768
    for answered in ("1", "2", "3"):
        page.keyboard.press("Alt+n")
        expect(page.locator("#offers-answered")).to_have_text(answered)
    expect(page.locator("a[data-key=F9]")).to_be_visible()
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "delivery")
    screenshot(page, "layout-order-delivery")
    assert layout_problems(page, "#order-panel") == []
