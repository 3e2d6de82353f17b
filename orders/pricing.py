"""Pricing an order: the client's price column and the discount rules (DESIGN "Pricing, exactly").

- A line's base price is the product's price in the client type's default column.
- The order amount that rule conditions see is Σ quantity × base price.
- A rule matches a line when all its set conditions hold (client type, client, category,
  product, minimum order amount, minimum line quantity, dates inclusive, active); the
  matching rule with the highest priority wins for that line (equal priorities, which the
  admin form refuses, fall back to the older rule). It either switches the line to its
  price column or takes ``discount_percent`` off the base price.
- Unit prices and line totals are rounded to the kopeck, half up.

Queries do not grow with the number of lines: one for every price needed. The rules and
their condition sets are read once and cached (``_rule_book``; dropped on any change of a
rule, its conditions or a price column by ``orders.signals``) and matched in Python; at
most two more read the client's type and column when the caller did not
``select_related`` them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from clients.debt import rub
from clients.models import Client
from orderdesk import localcache
from orders.errors import OrderInvalid, PriceMissing
from orders.models import DiscountRule, PriceColumn, Product, ProductPrice

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
# A threshold is "near" when the order (or line) is within this share below it.
HINT_WINDOW = Decimal("0.10")
# The rules' condition tables.
TYPES = DiscountRule.client_types.through
CLIENTS = DiscountRule.clients.through
CATEGORIES = DiscountRule.categories.through
PRODUCTS = DiscountRule.products.through


@dataclass(frozen=True)
class QuotedLine:
    product: Product
    quantity: Decimal
    base_price: Decimal  # price in the client's column
    unit_price: Decimal  # what the client pays per unit, after the rule
    column: PriceColumn  # the column the unit price comes from
    rule: DiscountRule | None  # the rule that set the price; None: the base price
    line_total: Decimal

    @property
    def saving(self) -> Decimal:
        """What the rule saves the client on this line (0 without a rule)."""
        return (self.base_price * self.quantity).quantize(KOPECK, ROUND_HALF_UP) - self.line_total


@dataclass(frozen=True)
class Quote:
    column: PriceColumn  # the client's (base) column
    # The rule that priced the largest share of the order (by base value); None when
    # no line got a rule. Every line still names its own rule.
    rule: DiscountRule | None
    lines: list[QuotedLine]
    total: Decimal
    amount: Decimal = ZERO  # Σ quantity × base price: the amount rule conditions see
    # What the quote was computed from, so that threshold_hints can reuse it.
    context: _Context | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Hint:
    """A threshold the client nearly reaches, with the sentence to read out."""

    rule: DiscountRule
    product: Product | None  # None: the order amount is short, not a line
    missing: Decimal  # quantity of ``product``, or roubles for the order amount
    text: str


@dataclass
class _Context:
    client: Client
    on: date
    column: PriceColumn
    lines: list[tuple[Product, Decimal]]
    rules: list[DiscountRule]  # candidates, best first
    prices: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    amount: Decimal = ZERO

    def base_price(self, product: Product) -> Decimal:
        return self.prices[(product.pk, self.column.pk)]


def quote(client: Client, lines: list[tuple[Product, Decimal]], *, on: date | None = None) -> Quote:
    """Price ``lines`` (product, quantity) for ``client`` on ``on`` (today by default).

    Raises ``OrderInvalid`` for a quantity that is not a positive Decimal and
    ``PriceMissing`` when a product has no price in its base column or in the column a
    winning rule switches it to.
    """
    ctx = _prepare(client, lines, on=on)
    quoted = []
    value_by_rule: dict[int, Decimal] = defaultdict(lambda: ZERO)
    rules_by_id = {}
    for product, quantity in ctx.lines:
        base = ctx.base_price(product)
        rule = _winner(ctx, product, quantity)
        column, unit = ctx.column, base
        if rule is not None:
            if rule.price_column_id:
                column = rule.price_column
                unit = ctx.prices.get((product.pk, column.pk))
                if unit is None:
                    raise PriceMissing(product=product, column=column)
            else:
                unit = base * (HUNDRED - rule.discount_percent) / HUNDRED
            value_by_rule[rule.pk] += base * quantity
            rules_by_id[rule.pk] = rule
        unit = unit.quantize(KOPECK, ROUND_HALF_UP)
        quoted.append(
            QuotedLine(
                product=product,
                quantity=quantity,
                base_price=base,
                unit_price=unit,
                column=column,
                rule=rule,
                line_total=(unit * quantity).quantize(KOPECK, ROUND_HALF_UP),
            )
        )
    main_rule = None
    if value_by_rule:
        rank = {r.pk: i for i, r in enumerate(ctx.rules)}
        main_id = max(value_by_rule, key=lambda pk: (value_by_rule[pk], -rank[pk]))
        main_rule = rules_by_id[main_id]
    return Quote(
        column=ctx.column,
        rule=main_rule,
        lines=quoted,
        total=sum((line.line_total for line in quoted), ZERO),
        amount=ctx.amount.quantize(KOPECK, ROUND_HALF_UP),
        context=ctx,
    )


def threshold_hints(
    client: Client,
    lines: list[tuple[Product, Decimal]],
    *,
    on: date | None = None,
    priced: Quote | None = None,
) -> list[Hint]:
    """Rules the order nearly reaches: within 10 % below a minimum order amount or a
    minimum line quantity, for a rule that otherwise matches and would beat the rule that
    prices the line now. Best rule first; the amount hint before line hints.

    ``priced``: a quote of the same client and lines just made; its rules and prices are
    reused (no query) instead of preparing them again.
    """
    ctx = priced.context if priced is not None and priced.context is not None else None
    if ctx is None or ctx.client.pk != client.pk or _key(ctx.lines) != _key(lines):
        ctx = _prepare(client, lines, on=on)
    if not ctx.lines:
        return []
    rank = {r.pk: i for i, r in enumerate(ctx.rules)}
    current = [_winner(ctx, product, quantity) for product, quantity in ctx.lines]

    def beats(rule: DiscountRule, other: DiscountRule | None) -> bool:
        return other is None or rank[rule.pk] < rank[other.pk]

    hints = []
    for rule in ctx.rules:
        amount_short = rule.min_order_amount is not None and ctx.amount < rule.min_order_amount
        if amount_short:
            if not _near(ctx.amount, rule.min_order_amount):
                continue
            if any(
                _fits(rule, product) and _quantity_ok(rule, quantity) and beats(rule, now)
                for (product, quantity), now in zip(ctx.lines, current, strict=True)
            ):
                missing = (rule.min_order_amount - ctx.amount).quantize(KOPECK, ROUND_CEILING)
                text = _("Add %(amount)s more to the order to get «%(rule)s».") % {
                    "amount": rub(missing),
                    "rule": rule.name,
                }
                hints.append(Hint(rule=rule, product=None, missing=missing, text=text))
            continue
        if rule.min_quantity is None:
            continue
        for (product, quantity), now in zip(ctx.lines, current, strict=True):
            if (
                quantity < rule.min_quantity
                and _near(quantity, rule.min_quantity)
                and _fits(rule, product)
                and beats(rule, now)
            ):
                missing = rule.min_quantity - quantity
                if not product.is_weighed:
                    missing = missing.to_integral_value(ROUND_CEILING)
                text = _("Add %(quantity)s more %(unit)s of %(product)s to get «%(rule)s».") % {
                    "quantity": format_quantity(missing),
                    "unit": product.get_unit_display(),
                    "product": product.name,
                    "rule": rule.name,
                }
                hints.append(Hint(rule=rule, product=product, missing=missing, text=text))
    return hints


def conflicting_rules(
    *,
    exclude_id: int | None = None,
    priority: int,
    is_active: bool,
    valid_from: date | None,
    valid_to: date | None,
    client_types: Iterable = (),
    clients: Iterable = (),
    categories: Iterable = (),
    products: Iterable = (),
) -> list[DiscountRule]:
    """Active rules with the same priority that could match the same line as the rule
    described by the arguments (which need not be saved yet).

    Two rules can meet when their date ranges overlap (``None`` is open-ended) and, for
    each of client types, clients, categories and products, either side is empty (any)
    or the two intersect. Minimum amounts and quantities never keep rules apart. The
    m2m arguments take model instances or ids. An inactive rule conflicts with nothing.
    """
    if not is_active:
        return []
    qs = DiscountRule.objects.filter(is_active=True, priority=priority)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    if valid_from is not None:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from))
    if valid_to is not None:
        qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=valid_to))
    dimensions = (
        (TYPES, "clienttype_id", client_types),
        (CLIENTS, "client_id", clients),
        (CATEGORIES, "productcategory_id", categories),
        (PRODUCTS, "product_id", products),
    )
    for through, column, items in dimensions:
        ids = _ids(items)
        if ids:
            qs = qs.filter(_empty_or_any(through, column, ids))
    return list(qs.order_by("name", "pk"))


def format_quantity(quantity: Decimal) -> str:
    """2.000 → "2", 0.500 → "0.5" (localised decimal separator)."""
    if quantity == quantity.to_integral_value():
        quantity = quantity.quantize(Decimal(1))
    else:
        quantity = quantity.normalize()
    return number_format(quantity)


# --- internals -----------------------------------------------------------------------


def _prepare(client: Client, lines: list[tuple[Product, Decimal]], *, on: date | None) -> _Context:
    lines = [(product, _valid_quantity(product, quantity)) for product, quantity in lines]
    on = on or timezone.localdate()
    column = client.client_type.default_price_column
    ctx = _Context(client=client, on=on, column=column, lines=lines, rules=[])
    if not lines:
        return ctx
    product_ids = {product.pk for product, _q in lines}
    category_ids = {product.category_id for product, _q in lines}
    ctx.rules = _candidate_rules(client, on, product_ids, category_ids)
    column_ids = {column.pk} | {r.price_column_id for r in ctx.rules if r.price_column_id}
    ctx.prices = {
        (product_id, column_id): price
        for product_id, column_id, price in ProductPrice.objects.filter(
            product_id__in=product_ids, column_id__in=column_ids
        ).values_list("product_id", "column_id", "price")
    }
    for product, quantity in lines:
        if (product.pk, column.pk) not in ctx.prices:
            raise PriceMissing(product=product, column=column)
        ctx.amount += ctx.base_price(product) * quantity
    return ctx


def _key(lines) -> list[tuple[int, Decimal]]:
    return [(product.pk, quantity) for product, quantity in lines]


def _valid_quantity(product: Product, quantity) -> Decimal:
    if isinstance(quantity, int) and not isinstance(quantity, bool):
        quantity = Decimal(quantity)
    if not isinstance(quantity, Decimal) or not quantity.is_finite() or quantity <= 0:
        raise OrderInvalid(
            _("The quantity of %(product)s must be a number greater than zero.")
            % {"product": product.name}
        )
    return quantity


RULES_CACHE_KEY = "orders.pricing.rules"
RULES_VERSION_KEY = "orders.pricing.rules-version"
RULES_CACHE_SECONDS = 600  # a safety net: every change of a rule or column forgets them


def _rule_book() -> list[DiscountRule]:
    """Every active rule with its condition sets, best first: read once, then cached.

    Five queries on a miss (the rules with their columns, then the type, client, category
    and product conditions); none on a hit. ``forget_rules`` (called by the
    signals in ``orders.signals`` on any change of a rule, its conditions or a price
    column) drops the entry on every app server sharing the cache.
    """
    key = f"{RULES_CACHE_KEY}:{localcache.version(RULES_VERSION_KEY)}"
    book = localcache.copies.get(key)
    if book is not None:
        return book
    rules = list(
        DiscountRule.objects.filter(is_active=True)
        .select_related("price_column")
        .order_by("-priority", "pk")
    )
    by_id = {rule.pk: rule for rule in rules}
    for rule in rules:
        rule.type_ids, rule.client_ids = set(), set()
        rule.category_ids, rule.product_ids = set(), set()
    if rules:
        tables = (
            (TYPES, "clienttype_id", "type_ids"),
            (CLIENTS, "client_id", "client_ids"),
            (CATEGORIES, "productcategory_id", "category_ids"),
            (PRODUCTS, "product_id", "product_ids"),
        )
        for through, column, attr in tables:
            for rule_id, item_id in through.objects.filter(discountrule_id__in=by_id).values_list(
                "discountrule_id", column
            ):
                getattr(by_id[rule_id], attr).add(item_id)
    for rule in rules:
        rule.has_categories = bool(rule.category_ids)
        rule.has_products = bool(rule.product_ids)
    localcache.copies.set(key, rules, RULES_CACHE_SECONDS)
    return rules


def forget_rules() -> None:
    """Drop the cached rule book: a new version now and again when the current transaction
    commits, so that no request keeps what the transaction is about to change."""
    localcache.forget(RULES_VERSION_KEY)


def _candidate_rules(
    client: Client, on: date, product_ids: set[int], category_ids: set[int]
) -> list[DiscountRule]:
    """Active, dated rules whose client and catalogue conditions could hold for this order,
    best first (from the cached rule book: no query on a hit)."""
    return [
        rule
        for rule in _rule_book()
        if (rule.valid_from is None or rule.valid_from <= on)
        and (rule.valid_to is None or rule.valid_to >= on)
        and (not rule.type_ids or client.client_type_id in rule.type_ids)
        and (not rule.client_ids or client.pk in rule.client_ids)
        and (not rule.category_ids or not rule.category_ids.isdisjoint(category_ids))
        and (not rule.product_ids or not rule.product_ids.isdisjoint(product_ids))
    ]


def _any(through):
    return Exists(through.objects.filter(discountrule_id=OuterRef("pk")))


def _empty_or_any(through, column: str, ids: set[int]):
    """The rule's m2m is empty (no condition) or contains one of ``ids``."""
    return ~_any(through) | Exists(
        through.objects.filter(discountrule_id=OuterRef("pk"), **{f"{column}__in": ids})
    )


def _ids(items: Iterable | None) -> set[int]:
    return {getattr(item, "pk", item) for item in (items or ())}


def _fits(rule: DiscountRule, product: Product) -> bool:
    """Category and product conditions (client, dates, activity were filtered in SQL)."""
    if rule.has_categories and product.category_id not in rule.category_ids:
        return False
    return not (rule.has_products and product.pk not in rule.product_ids)


def _quantity_ok(rule: DiscountRule, quantity: Decimal) -> bool:
    return rule.min_quantity is None or quantity >= rule.min_quantity


def _winner(ctx: _Context, product: Product, quantity: Decimal) -> DiscountRule | None:
    for rule in ctx.rules:  # best first
        if (
            _fits(rule, product)
            and _quantity_ok(rule, quantity)
            and (rule.min_order_amount is None or ctx.amount >= rule.min_order_amount)
        ):
            return rule
    return None


def _near(value: Decimal, threshold: Decimal) -> bool:
    return threshold * (1 - HINT_WINDOW) <= value < threshold
