"""Reads about products and orders: search, the client's history (traditional products,
latest orders), the price list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from clients.models import Client
from orders.models import Order, OrderLine, PriceColumn, Product, ProductPrice

# Orders the client actually placed (their history): accepted and later, not cancelled.
PLACED_STATUSES = (
    Order.Status.ACCEPTED,
    Order.Status.IN_FULFILMENT,
    Order.Status.DELIVERED,
)
SEARCH_MIN_CHARS = 2


def product_search(*, q: str, client: Client | None = None, limit: int = 20) -> list[Product]:
    """Active products whose name or SKU contains ``q`` (case-insensitive, ≥ 2 characters).

    Case-insensitive for Cyrillic too: PostgreSQL's ``UPPER(...) LIKE`` folds any script
    (and uses the ``pg_trgm`` index on ``upper(name)``); SQLite folds only ASCII, so there
    the usual spellings of ``q`` (as typed, lower, upper, capitalised) are searched.
    Ranked: exact SKU first, then names starting with ``q``, then in stock (stock > 0 or
    unknown) before out of stock, then by name. Each product carries ``price``: its price
    in the client's column (``None`` without a client or without a price). One query.
    """
    q = (q or "").strip()
    if len(q) < SEARCH_MIN_CHARS or limit <= 0:
        return []
    if client is not None:
        price = Subquery(  # the column by id: no join of columns and types per product
            ProductPrice.objects.filter(
                product_id=OuterRef("pk"), column_id=client.client_type.default_price_column_id
            ).values("price")[:1]
        )
    else:
        price = Value(None, output_field=ProductPrice._meta.get_field("price"))
    rank = IntegerField()
    qs = (
        Product.objects.filter(is_active=True)
        .filter(_anycase("name", "contains", q) | _anycase("sku", "contains", q))
        .select_related("category")
        .annotate(
            price=price,
            sku_rank=Case(When(sku__iexact=q, then=Value(0)), default=Value(1), output_field=rank),
            name_rank=Case(
                When(_anycase("name", "startswith", q), then=Value(0)),
                default=Value(1),
                output_field=rank,
            ),
            stock_rank=Case(
                When(Q(stock__isnull=True) | Q(stock__gt=0), then=Value(0)),
                default=Value(1),
                output_field=rank,
            ),
        )
        .order_by("sku_rank", "name_rank", "stock_rank", "name", "pk")
    )
    return list(qs[:limit])


def _anycase(field: str, lookup: str, q: str) -> Q:
    if connection.vendor != "sqlite" or q.isascii():
        return Q(**{f"{field}__i{lookup}": q})
    spellings = {q, q.lower(), q.upper(), q.capitalize()}
    return reduce(or_, (Q(**{f"{field}__{lookup}": s}) for s in sorted(spellings)))


def last_order(client: Client) -> Order | None:
    """The client's most recently accepted order that was not cancelled, lines prefetched."""
    return (
        Order.objects.filter(client=client, status__in=PLACED_STATUSES)
        .order_by("-accepted_at", "-pk")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product__category").order_by("pk"),
            )
        )
        .first()
    )


# --- the client's history: traditional products and latest orders ---------------------

TRADITIONAL_WINDOW = timedelta(days=183)  # "the last six months"
# The orders the client card lists: everything past the draft stage, cancelled included.
CARD_ORDER_STATUSES = (*PLACED_STATUSES, Order.Status.CANCELLED)


def traditional_products(
    client: Client, *, on: date | None = None, among: QuerySet[Product] | None = None
) -> QuerySet[Product]:
    """The client's traditional products: what it ordered in its placed orders of the last
    six months, ranked by the number of orders they appear in, then the quantity, then the
    name. Each carries ``times_ordered`` and ``quantity_ordered``.

    The one definition: the client card lists the first few; the upsell offers them
    (``among`` narrows the products, e.g. to those it may offer). Slice it; one query.
    """
    on = on or timezone.localdate()
    since = timezone.make_aware(datetime.combine(on - TRADITIONAL_WINDOW, time.min))
    products = Product.objects.all() if among is None else among
    return (
        products.filter(
            order_lines__order__client=client,
            order_lines__order__status__in=PLACED_STATUSES,
            order_lines__order__accepted_at__gte=since,
        )
        .annotate(
            times_ordered=Count("order_lines__order", distinct=True),
            quantity_ordered=Sum("order_lines__quantity"),
        )
        .order_by("-times_ordered", "-quantity_ordered", "name", "pk")
    )


def last_orders(client: Client, *, limit: int = 5) -> list[Order]:
    """The client's latest orders that went past the draft stage, newest first (one query)."""
    return list(
        Order.objects.filter(client=client, status__in=CARD_ORDER_STATUSES).order_by(
            "-created_at", "-id"
        )[:limit]
    )


NEW_ORDERS_WINDOW = timedelta(days=1)
NEW_ORDERS_LIMIT = 20


def recent_orders_for(user) -> list[Order]:
    """Orders accepted in the last day for the clients the user reviews (F-ORD-6 feed)."""
    from orderdesk.scope import review_scope

    if not user.has_perm("orders.review_orders"):
        return []
    since = timezone.now() - NEW_ORDERS_WINDOW
    return list(
        Order.objects.filter(review_scope(user), accepted_at__gte=since)
        .select_related("client", "operator")
        .order_by("-accepted_at", "-id")[:NEW_ORDERS_LIMIT]
    )


# --- the price list -------------------------------------------------------------------

BASE_PRICE_COLUMN = "base"  # the column for callers we do not know yet


@dataclass(frozen=True)
class PriceListRow:
    sku: str
    name: str
    category: str
    unit: str
    price: Decimal


def price_column_for(client: Client | None) -> PriceColumn | None:
    """The client's price column (its type's default); the base column for unknown callers."""
    if client is not None:
        return client.client_type.default_price_column
    return PriceColumn.objects.filter(code=BASE_PRICE_COLUMN).first()


def price_list_rows(client: Client | None) -> list[PriceListRow]:
    """Active products with their price in the client's column, by category and name."""
    if client is not None:
        prices = ProductPrice.objects.filter(column_id=client.client_type.default_price_column_id)
    else:
        prices = ProductPrice.objects.filter(column__code=BASE_PRICE_COLUMN)
    rows = (
        prices.filter(product__is_active=True)
        .order_by("product__category__name", "product__name", "product_id")
        .values_list(
            "product__sku", "product__name", "product__category__name", "product__unit", "price"
        )
    )
    return [PriceListRow(*row) for row in rows.iterator(chunk_size=2000)]
