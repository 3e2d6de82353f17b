"""orders.pricing: quote, threshold hints and conflicting rules (DESIGN "Pricing, exactly")."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client
from orders.errors import OrderInvalid, PriceMissing
from orders.models import Product
from orders.pricing import conflicting_rules, quote, threshold_hints
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    DiscountRuleFactory,
    PriceColumnFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductPriceFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2025, 3, 14)


@pytest.fixture
def wholesale():
    return PriceColumnFactory(code="wholesale", name="Wholesale")


@pytest.fixture
def client_():
    return ClientFactory()


def priced(price="100.00", *, column=None, **product_kwargs) -> Product:
    product = ProductFactory(**product_kwargs)
    ProductPriceFactory(
        product=product, column=column or PriceColumnFactory(code="base"), price=D(price)
    )
    return product


def test_base_price_comes_from_the_client_types_column(client_, wholesale):
    # given a product priced in two columns
    product = priced("100.00")
    ProductPriceFactory(product=product, column=wholesale, price=D("80.00"))

    # when
    result = quote(client_, [(product, D("3"))], on=TODAY)

    # then
    (line,) = result.lines
    assert (line.unit_price, line.column.code, line.rule) == (D("100.00"), "base", None)
    assert line.line_total == D("300.00")
    assert result.total == D("300.00")
    assert result.column.code == "base"
    assert result.rule is None


def test_another_client_type_prices_from_its_own_column(wholesale):
    client = ClientFactory(
        client_type=ClientTypeFactory(code="chain", default_price_column=wholesale)
    )
    product = priced("100.00")
    ProductPriceFactory(product=product, column=wholesale, price=D("80.00"))

    result = quote(client, [(product, D("1"))], on=TODAY)

    assert result.lines[0].unit_price == D("80.00")
    assert result.column == wholesale


def test_rule_switching_the_column_prices_the_line_from_that_column(client_, wholesale):
    product = priced("100.00")
    ProductPriceFactory(product=product, column=wholesale, price=D("82.50"))
    rule = DiscountRuleFactory(price_column=wholesale, discount_percent=None)

    (line,) = quote(client_, [(product, D("2"))], on=TODAY).lines

    assert (line.base_price, line.unit_price, line.column, line.rule) == (
        D("100.00"),
        D("82.50"),
        wholesale,
        rule,
    )
    assert line.line_total == D("165.00")


def test_percent_rule_takes_its_share_off_the_base_price(client_):
    product = priced("100.00")
    rule = DiscountRuleFactory(discount_percent=D("5"))

    result = quote(client_, [(product, D("2"))], on=TODAY)

    assert result.lines[0].unit_price == D("95.00")
    assert result.total == D("190.00")
    assert result.rule == rule


@pytest.mark.parametrize(("quantity", "applies"), [("9.99", False), ("10", True)])
def test_min_order_amount_counts_the_base_amount_inclusive(client_, quantity, applies):
    # given a 1000 ₽ threshold and products at 100 ₽ (weighed, so fractions are fine)
    product = priced("100.00", is_weighed=True)
    rule = DiscountRuleFactory(min_order_amount=D("1000.00"), discount_percent=D("10"))

    result = quote(client_, [(product, D(quantity))], on=TODAY)

    assert result.amount == D(quantity) * 100
    assert (result.lines[0].rule == rule) is applies


def test_min_quantity_is_checked_per_line(client_):
    cheese, bread = priced("100.00"), priced("50.00")
    rule = DiscountRuleFactory(min_quantity=D("10"), discount_percent=D("10"))

    lines = quote(client_, [(cheese, D("10")), (bread, D("9"))], on=TODAY).lines

    assert [line.rule for line in lines] == [rule, None]
    assert [line.unit_price for line in lines] == [D("90.00"), D("50.00")]


@pytest.mark.parametrize(
    ("on", "applies"),
    [
        (TODAY - timedelta(days=1), False),
        (TODAY, True),
        (TODAY + timedelta(days=7), True),
        (TODAY + timedelta(days=8), False),
    ],
)
def test_rule_dates_are_inclusive_at_both_ends(client_, on, applies):
    product = priced()
    DiscountRuleFactory(valid_from=TODAY, valid_to=TODAY + timedelta(days=7))

    line = quote(client_, [(product, D("1"))], on=on).lines[0]

    assert (line.rule is not None) is applies


def test_inactive_rule_is_ignored(client_):
    product = priced()
    DiscountRuleFactory(is_active=False)

    assert quote(client_, [(product, D("1"))], on=TODAY).lines[0].rule is None


def test_highest_priority_wins(client_):
    product = priced()
    DiscountRuleFactory(priority=1, discount_percent=D("20"))
    winner = DiscountRuleFactory(priority=5, discount_percent=D("3"))

    line = quote(client_, [(product, D("1"))], on=TODAY).lines[0]

    assert (line.rule, line.unit_price) == (winner, D("97.00"))


def test_client_specific_rule_applies_only_to_that_client(client_):
    product = priced()
    rule = DiscountRuleFactory(clients=[client_])
    other = ClientFactory()

    assert quote(client_, [(product, D("1"))], on=TODAY).lines[0].rule == rule
    assert quote(other, [(product, D("1"))], on=TODAY).lines[0].rule is None


def test_client_type_condition(client_):
    product = priced()
    DiscountRuleFactory(client_types=[ClientTypeFactory(code="horeca")])

    assert quote(client_, [(product, D("1"))], on=TODAY).lines[0].rule is None


def test_category_condition_touches_only_lines_of_that_category(client_):
    cheeses = ProductCategoryFactory(name="Сыры")
    cheese, flour = priced(category=cheeses), priced()
    rule = DiscountRuleFactory(categories=[cheeses])

    lines = quote(client_, [(cheese, D("1")), (flour, D("1"))], on=TODAY).lines

    assert [line.rule for line in lines] == [rule, None]


def test_product_condition_touches_only_that_product(client_):
    cheese, flour = priced(), priced()
    rule = DiscountRuleFactory(products=[flour])

    lines = quote(client_, [(cheese, D("1")), (flour, D("1"))], on=TODAY).lines

    assert [line.rule for line in lines] == [None, rule]


def test_unit_price_is_rounded_half_up_to_the_kopeck(client_):
    # 66.67 × 50 % = 33.335 → 33.34 (banker's rounding would give 33.34 too only by luck
    # of the digit; 33.345 → 33.35 checks the other side)
    product = priced("66.67")
    DiscountRuleFactory(discount_percent=D("50"))

    line = quote(client_, [(product, D("1"))], on=TODAY).lines[0]

    assert line.unit_price == D("33.34")


def test_half_up_not_bankers_rounding(client_):
    # 0.25 × (100 − 10) % = 0.225 → 0.23 (ROUND_HALF_EVEN would give 0.22)
    product = priced("0.25")
    DiscountRuleFactory(discount_percent=D("10"))

    line = quote(client_, [(product, D("1"))], on=TODAY).lines[0]

    assert line.unit_price == D("0.23")


def test_line_total_is_rounded_half_up_and_totals_stay_decimal(client_):
    # 33.33 × 1.5 kg = 49.995 → 50.00
    product = priced("33.33", is_weighed=True)

    result = quote(client_, [(product, D("1.5")), (priced("0.10"), D("3"))], on=TODAY)

    assert [line.line_total for line in result.lines] == [D("50.00"), D("0.30")]
    assert result.total == D("50.30")
    assert isinstance(result.total, Decimal)


def test_product_without_a_base_price_is_a_clear_error(client_):
    product = ProductFactory(name="Сыр Гауда")

    with pytest.raises(PriceMissing) as error:
        quote(client_, [(product, D("1"))], on=TODAY)

    assert error.value.product == product
    assert error.value.column.code == "base"
    assert "Сыр Гауда" in error.value.message
    assert "Base" in error.value.message


def test_product_without_a_price_in_the_rules_column_is_a_clear_error(client_, wholesale):
    product = priced()
    DiscountRuleFactory(price_column=wholesale, discount_percent=None)

    with pytest.raises(PriceMissing) as error:
        quote(client_, [(product, D("1"))], on=TODAY)

    assert error.value.column == wholesale


@pytest.mark.parametrize("quantity", [D("0"), D("-1"), D("NaN"), D("Infinity"), 1.5, "2", None])
def test_quantity_must_be_a_positive_decimal(client_, quantity):
    with pytest.raises(OrderInvalid):
        quote(client_, [(priced(), quantity)], on=TODAY)


def test_quote_rule_is_the_one_that_priced_most_value(client_):
    cheeses = ProductCategoryFactory(name="Сыры")
    cheese, flour = priced("500.00", category=cheeses), priced("100.00")
    small = DiscountRuleFactory(products=[flour], priority=5)
    big = DiscountRuleFactory(categories=[cheeses], priority=1)

    result = quote(client_, [(cheese, D("1")), (flour, D("2"))], on=TODAY)

    assert [line.rule for line in result.lines] == [big, small]
    assert result.rule == big


def test_empty_order_quotes_zero(client_):
    result = quote(client_, [], on=TODAY)

    assert (result.lines, result.total, result.rule) == ([], D("0.00"), None)


def _count_quote_queries(client_id: int, lines, *, warm: bool = False) -> int:
    client = Client.objects.get(pk=client_id)  # nothing cached: the worst case
    if warm:
        client = Client.objects.select_related("client_type__default_price_column").get(
            pk=client_id
        )
        quote(client, lines, on=TODAY)  # the rule book is now cached
    else:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        quote(client, lines, on=TODAY)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_lines(client_, wholesale):
    # given rules of every kind: column switch, percent, category, product, threshold
    cheeses = ProductCategoryFactory(name="Сыры")
    few = [(priced(category=cheeses), D("1")) for _ in range(5)]
    many = [(priced(category=cheeses), D("1")) for _ in range(50)]
    for product, _q in few + many:
        ProductPriceFactory(product=product, column=wholesale, price=D("90.00"))
    DiscountRuleFactory(price_column=wholesale, discount_percent=None, min_order_amount=D("3000"))
    DiscountRuleFactory(categories=[cheeses], priority=3)
    DiscountRuleFactory(products=[p for p, _q in many[:10]], priority=4, discount_percent=D("7"))
    DiscountRuleFactory(min_quantity=D("100"), priority=20)

    # when
    small = _count_quote_queries(client_.pk, few)
    large = _count_quote_queries(client_.pk, many)

    # then
    assert small == large
    assert large <= 8
    # and with the rule book cached and the client's column at hand: one prices query
    assert _count_quote_queries(client_.pk, many, warm=True) == 1


def test_a_changed_rule_is_seen_by_the_next_quote(client_, wholesale):
    # given a quote that cached the rule book
    product = priced()
    assert quote(client_, [(product, D("1"))], on=TODAY).rule is None

    # when a rule is added, and later its product condition changes
    rule = DiscountRuleFactory(discount_percent=D("10"))
    with_rule = quote(client_, [(product, D("1"))], on=TODAY)
    rule.products.set([priced()])
    without = quote(client_, [(product, D("1"))], on=TODAY)

    # then every change is seen at once
    assert with_rule.rule == rule
    assert without.rule is None


def test_hint_for_nearly_reached_order_amount(client_):
    product = priced("100.00")
    DiscountRuleFactory(name="Крупный опт", min_order_amount=D("12000"))

    hints = threshold_hints(client_, [(product, D("108"))], on=TODAY)

    assert [h.text for h in hints] == ["Add 1,200.00 ₽ more to the order to get «Крупный опт»."]
    assert hints[0].missing == D("1200.00")
    assert hints[0].product is None


def test_no_hint_when_the_amount_is_more_than_ten_percent_short(client_):
    DiscountRuleFactory(min_order_amount=D("12000"))

    assert threshold_hints(client_, [(priced("100.00"), D("107"))], on=TODAY) == []


def test_hint_for_nearly_reached_line_quantity(client_):
    cheese = priced("700.00", name="Сыр Российский", unit=Product.Unit.KG, is_weighed=True)
    DiscountRuleFactory(name="Сыры −5% от 10 кг", min_quantity=D("10"))

    hints = threshold_hints(client_, [(cheese, D("9"))], on=TODAY)

    assert [h.text for h in hints] == [
        "Add 1 more kg of Сыр Российский to get «Сыры −5% от 10 кг»."
    ]
    assert (hints[0].product, hints[0].missing) == (cheese, D("1"))


def test_fractional_hint_for_weighed_goods(client_):
    cheese = priced("700.00", name="Сыр", unit=Product.Unit.KG, is_weighed=True)
    DiscountRuleFactory(name="От 10 кг", min_quantity=D("10"))

    (hint,) = threshold_hints(client_, [(cheese, D("9.5"))], on=TODAY)

    assert hint.text == "Add 0.5 more kg of Сыр to get «От 10 кг»."


def test_no_hint_for_a_rule_that_would_not_beat_the_current_one(client_):
    product = priced()
    DiscountRuleFactory(priority=50)  # already applies, and outranks the threshold rule
    DiscountRuleFactory(priority=1, min_quantity=D("10"))

    assert threshold_hints(client_, [(product, D("9"))], on=TODAY) == []


def test_no_hint_for_a_rule_that_does_not_fit_the_product(client_):
    product = priced()
    DiscountRuleFactory(min_quantity=D("10"), products=[priced()])

    assert threshold_hints(client_, [(product, D("9"))], on=TODAY) == []


# --- conflicting_rules ---------------------------------------------------------------

NEW_RULE = {
    "priority": 10,
    "is_active": True,
    "valid_from": None,
    "valid_to": None,
}


def test_same_priority_with_open_conditions_conflicts():
    existing = DiscountRuleFactory(priority=10)

    assert conflicting_rules(**NEW_RULE) == [existing]


def test_different_priority_does_not_conflict():
    DiscountRuleFactory(priority=11)

    assert conflicting_rules(**NEW_RULE) == []


def test_inactive_rules_never_conflict():
    DiscountRuleFactory(priority=10, is_active=False)

    assert conflicting_rules(**NEW_RULE) == []
    DiscountRuleFactory(priority=10)
    assert conflicting_rules(**{**NEW_RULE, "is_active": False}) == []


def test_the_rule_being_edited_is_excluded():
    existing = DiscountRuleFactory(priority=10)

    assert conflicting_rules(**NEW_RULE, exclude_id=existing.pk) == []


@pytest.mark.parametrize(
    ("theirs", "ours", "conflict"),
    [
        ((date(2025, 1, 1), date(2025, 1, 31)), (date(2025, 1, 31), None), True),
        ((date(2025, 1, 1), date(2025, 1, 31)), (date(2025, 2, 1), None), False),
        ((date(2025, 1, 1), date(2025, 1, 31)), (None, date(2024, 12, 31)), False),
        ((None, date(2025, 1, 31)), (None, date(2020, 1, 1)), True),
        ((date(2025, 3, 1), None), (date(2025, 2, 1), date(2025, 3, 1)), True),
    ],
)
def test_date_ranges_must_overlap(theirs, ours, conflict):
    DiscountRuleFactory(priority=10, valid_from=theirs[0], valid_to=theirs[1])

    found = conflicting_rules(**{**NEW_RULE, "valid_from": ours[0], "valid_to": ours[1]})

    assert bool(found) is conflict


def test_disjoint_categories_do_not_conflict():
    cheeses, flour = ProductCategoryFactory(name="Сыры"), ProductCategoryFactory(name="Мука")
    DiscountRuleFactory(priority=10, categories=[cheeses])

    assert conflicting_rules(**NEW_RULE, categories=[flour]) == []


def test_intersecting_categories_conflict_given_as_ids():
    cheeses, flour = ProductCategoryFactory(name="Сыры"), ProductCategoryFactory(name="Мука")
    existing = DiscountRuleFactory(priority=10, categories=[cheeses, flour])

    assert conflicting_rules(**NEW_RULE, categories=[flour.pk]) == [existing]


def test_an_empty_side_matches_anything():
    cheeses = ProductCategoryFactory(name="Сыры")
    existing = DiscountRuleFactory(priority=10, categories=[cheeses])

    assert conflicting_rules(**NEW_RULE, products=[priced()]) == [existing]


def test_different_clients_do_not_conflict():
    DiscountRuleFactory(priority=10, clients=[ClientFactory()])

    assert conflicting_rules(**NEW_RULE, clients=[ClientFactory()]) == []


def test_minimum_amounts_never_keep_rules_apart():
    existing = DiscountRuleFactory(priority=10, min_order_amount=D("100000"))

    assert conflicting_rules(**NEW_RULE) == [existing]
