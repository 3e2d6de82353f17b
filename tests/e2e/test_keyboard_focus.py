"""Keyboard and focus (issue 12): the field in error gets the focus, a refused quantity keeps
the search, a taken offer's quantity is focused, call-back quick picks, Alt+digit kinds."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from calls.models import Call, Feedback
from orders.models import Order
from tests.e2e.conftest import log_in
from tests.e2e.test_order_call import shop  # noqa: F401  (fixture)
from tests.factories import ClientFactory, ContactFactory, DeliveryAddressFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def customer(shop):  # noqa: F811
    client = ClientFactory(
        name="ИП Васильева",
        client_type=shop["market"],
        manager=shop["manager"],
        credit_limit=Decimal("50000"),
        phone="+74951000005",
    )
    DeliveryAddressFactory(client=client, address="Москва, Рижский рынок, павильон 12")
    ContactFactory(client=client, name="Васильева Ольга", email="olga@example.com")
    return client


def start(page, purpose_key: str):
    log_in(page, "operator")
    page.locator("#id_phone").fill("8 (495) 100-00-05")
    page.keyboard.press("Enter")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "purpose")
    page.keyboard.press(purpose_key)


def type_line(page, term: str, product: str, quantity: str) -> None:
    """Search, arrow down to the first result, type the quantity, Enter."""
    page.keyboard.type(term)
    expect(page.locator("#search-results")).to_contain_text(product)
    page.keyboard.press("ArrowDown")
    page.keyboard.type(quantity)
    page.keyboard.press("Enter")


def test_refused_quantity_keeps_the_search_and_a_taken_offer_focuses_its_quantity(page, customer):
    start(page, "1")
    search = page.locator("#order-q")
    expect(search).to_be_focused()
    type_line(page, "гауда", "Сыр Гауда 45%", "-3")
    expect(page.locator("#order-main [role=alert]")).to_be_visible()
    # the search text and its results are back, the focus on that product's quantity
    expect(search).to_have_value("гауда")
    expect(page.locator("#search-results")).to_contain_text("Сыр Гауда 45%")
    expect(page.locator("#search-results input[name=quantity]").first).to_be_focused()
    assert not Order.objects.get().lines.exists()
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(page.locator("#order-lines")).to_contain_text("Сыр Гауда 45%")
    # Alt+Y: the focus goes to the new line's quantity, ready to type over
    page.keyboard.press("Alt+y")
    expect(page.locator("#offers-answered")).to_have_text("1")
    focused = page.locator(".order-lines input[name=quantity]:focus")
    expect(focused).to_have_count(1)


def test_a_line_edit_swaps_its_row_and_the_totals_and_goes_back_to_the_search(page, customer):
    # issue 10: a line edit answers with the rows and the totals out of band, not the panel
    start(page, "1")
    search = page.locator("#order-q")
    expect(search).to_be_focused()
    type_line(page, "гауда", "Сыр Гауда 45%", "2")
    expect(page.locator("#order-lines")).to_contain_text("Сыр Гауда 45%")
    page.keyboard.press("Alt+y")  # a taken offer: its line, its quantity focused
    focused = page.locator(".order-lines input[name=quantity]:focus")
    expect(focused).to_have_count(1)
    order = Order.objects.get()
    before = order.total
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(page.locator("#order-total")).not_to_have_text(re.compile(re.escape(f"{before:.2f}")))
    expect(search).to_be_focused()
    taken = order.lines.get(origin="upsell")
    expect(page.locator(f"#line-{taken.product_id} input[name=quantity]")).to_have_value("3")
    assert order.lines.get(pk=taken.pk).quantity == Decimal("3")
    page.locator(f"#line-{taken.product_id} .line-remove button").click()
    expect(page.locator(f"#line-{taken.product_id}")).to_have_count(0)
    expect(page.locator("#order-lines")).to_contain_text("Сыр Гауда 45%")
    assert list(order.lines.values_list("product__name", flat=True)) == ["Сыр Гауда 45%"]


def test_call_back_time_error_focuses_the_field_and_quick_picks_fill_it(page, customer):
    start(page, "2")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "reference")
    page.keyboard.press("F8")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
    callback = page.locator("label.inline-choice", has_text="Перезвонить позже")
    key = callback.get_attribute("data-key")
    page.keyboard.press(key)
    page.locator("#step-panel button[type=submit]").press("Enter")
    field = page.locator("#id_callback_at")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    page.locator('#callback-picks [data-fill-minutes="60"]').click()
    expect(field).not_to_have_value("")
    page.locator("#step-panel button[type=submit]").press("Enter")
    expect(page.locator("#id_phone")).to_be_visible()
    assert Call.objects.get().outcome.code == "call_back"


def test_feedback_kind_is_chosen_with_alt_digit_without_typing_into_the_text(page, customer):
    start(page, "3")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "feedback")
    text = page.locator("textarea[name=text]")
    expect(text).to_be_focused()
    page.keyboard.press("Alt+2")
    expect(page.locator("input[name=kind]:checked")).to_have_count(1)
    expect(text).to_have_value("")
    page.keyboard.type("Просят доставку по субботам")
    assert not Feedback.objects.exists()


def test_a_whole_order_call_never_reloads_the_page(page, customer, shop):  # noqa: F811
    # issue 12: start, purpose → order, accept → done, F8 from done, wrap-up → console are
    # page swaps with a pushed URL: a marker set on the console survives the whole call
    log_in(page, "operator")
    page.evaluate("window.sameDocument = true")
    page.locator("#id_phone").fill("8 (495) 100-00-05")
    page.keyboard.press("Enter")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "purpose")
    page.keyboard.press("1")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "entry")
    expect(page).to_have_url(re.compile(r"/order/$"))
    page.keyboard.type("MLK-0001")
    expect(page.locator("#search-results")).to_contain_text("Молоко")
    page.keyboard.press("ArrowDown")
    page.keyboard.type("20")
    page.keyboard.press("Enter")
    expect(page.locator("#order-lines")).to_contain_text("Молоко 3,2% 1 л")
    for answered in ("1", "2", "3"):
        page.keyboard.press("Alt+n")
        expect(page.locator("#offers-answered")).to_have_text(answered)
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "delivery")
    page.keyboard.press("F9")
    expect(page.locator("#order-panel")).to_have_attribute("data-stage", "review")
    page.keyboard.press("F9")
    expect(page.locator("#order-number")).to_contain_text("ЗК-")
    expect(page).to_have_url(re.compile(r"/order/done/$"))
    page.keyboard.press("F8")
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
    expect(page).to_have_url(re.compile(r"/wrap_up/$"))
    page.locator("#step-panel button[type=submit]").press("Enter")
    expect(page.locator("#id_phone")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/console/$"))
    assert page.evaluate("window.sameDocument") is True
    # reload and back still give real pages
    page.reload()
    expect(page.locator("#id_phone")).to_be_visible()
    page.go_back()
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "wrap_up")
