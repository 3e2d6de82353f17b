"""Reads about products and orders."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Case, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, When

from clients.models import Client
from orders.models import Order, OrderLine, Product, ProductPrice

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
        price = Subquery(
            ProductPrice.objects.filter(
                product_id=OuterRef("pk"), column__client_types__id=client.client_type_id
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
