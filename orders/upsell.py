"""Mandatory upsell: what to offer while an order is open, and when enough was offered
(SPEC F-ORD-4).

Preference: management's special positions, new products, the client's traditional
products, what clients of the same type buy most. When these cannot fill the slots, the
assortment fills them (III.8, advising on the assortment): best sellers of the categories
already on the order, then overall best sellers, then any other product, so that three
offers are possible whenever the catalogue has three other priced products. Only active
products with a price in the client's column, not already on the order and not already
offered on it. Suggestions are diversified: at most two of each preferred reason first,
then the remaining slots are filled in order of preference. Each source is one bounded
query whatever the catalogue size (best sellers come from a cached sample of the latest
orders, never from all order lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from orderdesk import localcache
from orders.models import Order, OrderLine, Product, ProductPrice, Promotion, UpsellOffer
from orders.selectors import PLACED_STATUSES, traditional_products

Reason = UpsellOffer.Reason
PREFERENCE = (Reason.SPECIAL, Reason.NEW, Reason.TRADITIONAL, Reason.TYPE_POPULAR)
ORDER_OF_REASONS = (*PREFERENCE, Reason.ASSORTMENT)  # the assortment only fills gaps
PER_REASON_FIRST = 2
HISTORY_DAYS = 183  # "the last six months"
TYPE_SAMPLE_ORDERS = 500  # "what clients of the same type buy most": their latest orders
TYPE_POPULAR_KEPT = 100  # products kept per type (offerable ones are picked from these)
TYPE_POPULAR_SECONDS = 3600
ANSWERED = (UpsellOffer.Response.ACCEPTED, UpsellOffer.Response.DECLINED)


@dataclass(frozen=True)
class Suggestion:
    product: Product
    reason: str  # an UpsellOffer.Reason
    talking_point: str


@dataclass(frozen=True)
class UpsellStatus:
    required: int  # offers that must be answered for this order (may be < the setting)
    answered: int  # accepted or declined
    available: int  # answered + pending + what can still be suggested (capped)
    complete: bool
    message: str
    pending: int = 0  # offered, answer not recorded yet
    target: int = 4  # what a good operator offers (settings.ORDERDESK["UPSELL_TARGET"])

    @property
    def catalogue_short(self) -> bool:
        """The catalogue cannot supply the usual number of offers for this order."""
        return self.required < int(settings.ORDERDESK["UPSELL_REQUIRED"])


POOL_KEPT = 128  # candidates kept per cached pool (≥ 2 × OFFER_POOL), before exclusions
POOL_SECONDS = 600
CATALOGUE_VERSION_KEY = "upsell:catalogue-version"


def suggest(
    order: Order, *, limit: int = 4, on: date | None = None, taken: set[int] | None = None
) -> list[Suggestion]:
    """Up to ``limit`` products to offer on ``order``, best first (see module doc).

    ``taken``: the ids of the products on the order and offered on it, when the caller
    has just read both (the order screen): not read again.

    The preferred pools (special, new, popular with the type: per client type; traditional:
    per client) are cached without the order's own exclusions and filtered here against
    the products on the order and offered on it (one query). A cached pool cut at
    ``POOL_KEPT`` that falls short after filtering is read again exactly from SQL.
    """
    if limit <= 0:
        return []
    on = on or timezone.localdate()
    client = order.client
    pool_size = 2 * limit  # earlier reasons take at most ``limit``; enough left for each

    def offerable(path: str = "", *, of_order: bool = True) -> Q:
        """Active, priced in the client's column, not on the order and not offered yet
        (``of_order=False``: without the order's own exclusions, for the cached pools)."""
        pk = f"{path}pk" if path else "pk"
        q = _offerable_to(client, path)
        if of_order:
            q &= ~Q(**{f"{pk}__in": OrderLine.objects.filter(order=order).values("product_id")})
            q &= ~Q(**{f"{pk}__in": UpsellOffer.objects.filter(order=order).values("product_id")})
        return q

    def cached_offerable(path: str = "") -> Q:
        return offerable(path, of_order=False)

    version = localcache.version(CATALOGUE_VERSION_KEY)
    language = get_language() or ""
    type_key = f"upsell:pools:{version}:{client.client_type_id}:{on.isoformat()}:{language}"
    stamp = client.last_order_at.timestamp() if client.last_order_at else 0
    client_key = f"upsell:traditional:{version}:{client.pk}:{stamp}:{on.isoformat()}:{language}"
    type_pools = localcache.copies.get(type_key)
    if type_pools is None:
        type_pools = {
            Reason.SPECIAL: _special(client, on, cached_offerable, POOL_KEPT),
            Reason.NEW: _new(on, cached_offerable, POOL_KEPT),
            Reason.TYPE_POPULAR: _type_popular(client, on, cached_offerable, POOL_KEPT),
        }
        localcache.copies.set(type_key, type_pools, POOL_SECONDS)
    traditional = cache.get(client_key)  # per client: the shared cache only
    if traditional is None:
        ranking = traditional_ranking(client, on=on)  # the card's, usually in the cache
        if ranking.cut:  # more than it keeps: the offerable ones exactly, from SQL
            traditional = _traditional(client, on, cached_offerable, POOL_KEPT)
        else:
            traditional = [_traditional_suggestion(p) for p in ranking.products if p.offerable]
        cache.set(client_key, traditional, POOL_SECONDS)
    cached = {**type_pools, Reason.TRADITIONAL: traditional}
    sources = {
        Reason.SPECIAL: lambda n: _special(client, on, offerable, n),
        Reason.NEW: lambda n: _new(on, offerable, n),
        Reason.TRADITIONAL: lambda n: _traditional(client, on, offerable, n),
        Reason.TYPE_POPULAR: lambda n: _type_popular(client, on, offerable, n),
    }
    taken = set(taken) if taken is not None else _on_order(order)
    pools: dict[str, list[Suggestion]] = {}
    for reason in PREFERENCE:
        kept = [s for s in cached[reason] if s.product.pk not in taken][:pool_size]
        if len(kept) < pool_size and len(cached[reason]) >= POOL_KEPT:
            kept = sources[reason](pool_size)  # the cut pool ran dry: exactly, from SQL
        pools[reason] = kept
    chosen = _diversify(pools, limit)
    if len(chosen) < limit:
        taken = {s.product.pk for s in chosen}
        chosen += _assortment(order, offerable, limit - len(chosen), on=on, taken=taken)
    return chosen


def _offerable_to(client, path: str = "") -> Q:
    """Products (at ``path``) that may be offered to ``client`` at all: active and priced
    in a column of its type."""
    pk = f"{path}pk" if path else "pk"
    priced = ProductPrice.objects.filter(
        product_id=OuterRef(pk), column__client_types__id=client.client_type_id
    )
    return Q(**{f"{path}is_active": True}) & Q(Exists(priced))


def forget_pools() -> None:
    """A product, price, promotion or client type changed: every cached pool is dropped
    (a new version key; the old entries expire on their own), now and again when the
    current transaction commits, so that no pool rebuilt meanwhile from the data before
    the change outlives it."""
    localcache.forget(CATALOGUE_VERSION_KEY)


def _on_order(order: Order) -> set[int]:
    """Products on the order or offered on it (one query)."""
    return set(
        OrderLine.objects.filter(order=order)
        .order_by()
        .values_list("product_id", flat=True)
        .union(
            UpsellOffer.objects.filter(order=order).order_by().values_list("product_id", flat=True)
        )
    )


def _special(client, on: date, offerable, n: int) -> list[Suggestion]:
    promotions = (
        Promotion.objects.filter(valid_from__lte=on, valid_to__gte=on)
        .filter(offerable("product__"))
        .filter(
            ~Exists(Promotion.client_types.through.objects.filter(promotion_id=OuterRef("pk")))
            | Exists(
                Promotion.client_types.through.objects.filter(
                    promotion_id=OuterRef("pk"), clienttype_id=client.client_type_id
                )
            )
        )
        .select_related("product")
        .order_by("-valid_from", "pk")[:n]
    )
    return [
        Suggestion(product=p.product, reason=Reason.SPECIAL, talking_point=p.talking_point)
        for p in promotions
    ]


def _new(on: date, offerable, n: int) -> list[Suggestion]:
    new_products = Product.objects.filter(offerable(), new_until__gte=on).order_by(
        "-new_until", "name", "pk"
    )[:n]
    return [
        Suggestion(
            product=p,
            reason=Reason.NEW,
            talking_point=_("New in our range until %(date)s.")
            % {"date": date_format(p.new_until, "d.m")},
        )
        for p in new_products
    ]


def _traditional(client, on: date, offerable, n: int) -> list[Suggestion]:
    traditional = traditional_products(client, on=on, among=Product.objects.filter(offerable()))
    return [_traditional_suggestion(p) for p in traditional[:n]]


def _traditional_suggestion(product: Product) -> Suggestion:
    return Suggestion(
        product=product,
        reason=Reason.TRADITIONAL,
        talking_point=ngettext(
            "The client took it in %(count)d order over the last six months.",
            "The client took it in %(count)d orders over the last six months.",
            product.times_ordered,
        )
        % {"count": product.times_ordered},
    )


@dataclass(frozen=True)
class TraditionalRanking:
    products: list[Product]  # best first, each with times_ordered, quantity_ordered, offerable
    cut: bool  # the client has more traditional products than are kept


RANKING_KEPT = POOL_KEPT


def traditional_ranking(client, *, on: date) -> TraditionalRanking:
    """The client's traditional products (``orders.selectors.traditional_products``), the
    first ``RANKING_KEPT``, each marked ``offerable`` (active and priced in the client's
    column), in the shared cache: the client card shows the first few and the upsell offers
    the offerable ones, from one walk over the client's order lines of six months (the
    card's dearest query). The key names the catalogue version, the client's type and last
    order and the day, so a catalogue change, an accepted order or midnight reads afresh."""
    version = localcache.version(CATALOGUE_VERSION_KEY)
    stamp = client.last_order_at.timestamp() if client.last_order_at else 0
    key = f"upsell:ranking:{version}:{client.pk}:{client.client_type_id}:{stamp}:{on.isoformat()}"
    held = client.__dict__.get("_traditional_ranking")
    if held is not None and held[0] == key:
        return held[1]  # the card and the upsell of one page ask for it twice
    ranking = cache.get(key)
    if ranking is None:
        rows = list(
            traditional_products(client, on=on)
            .select_related("category")
            .annotate(
                offerable=ExpressionWrapper(_offerable_to(client), output_field=BooleanField())
            )[: RANKING_KEPT + 1]
        )
        ranking = TraditionalRanking(products=rows[:RANKING_KEPT], cut=len(rows) > RANKING_KEPT)
        cache.set(key, ranking, POOL_SECONDS)
    client._traditional_ranking = (key, ranking)
    return ranking


def _type_popular(client, on: date, offerable, n: int) -> list[Suggestion]:
    times_by_product = type_popularity(client.client_type_id, on=on)
    popular = sorted(
        Product.objects.filter(offerable(), pk__in=list(times_by_product)),
        key=lambda p: (-times_by_product[p.pk], p.name, p.pk),
    )[:n]
    return [
        Suggestion(
            product=p,
            reason=Reason.TYPE_POPULAR,
            talking_point=ngettext(
                "Popular with similar clients: in %(count)d of their latest orders.",
                "Popular with similar clients: in %(count)d of their latest orders.",
                times_by_product[p.pk],
            )
            % {"count": times_by_product[p.pk]},
        )
        for p in popular
    ]


def _assortment(order: Order, offerable, needed: int, *, on: date, taken: set[int]) -> list:
    """Up to ``needed`` other offerable products: best sellers of the categories already on
    the order, then overall best sellers (both from the cached sample), then any other
    offerable product (categories on the order first). Bounded queries only."""
    categories = set(
        OrderLine.objects.filter(order=order).values_list("product__category_id", flat=True)
    )
    found: list[Suggestion] = []

    def add(product: Product, talking_point: str) -> None:
        if product.pk not in taken and len(found) < needed:
            taken.add(product.pk)
            found.append(
                Suggestion(product=product, reason=Reason.ASSORTMENT, talking_point=talking_point)
            )

    best = best_sellers(on=on)
    if best:
        ranked = sorted(
            Product.objects.filter(offerable(), pk__in=list(best)).select_related("category"),
            key=lambda p: (p.category_id not in categories, -best[p.pk], p.name, p.pk),
        )
        for product in ranked:
            add(product, _assortment_point(product, with_order=product.category_id in categories))
    for in_categories in (True, False):
        if len(found) >= needed:
            break
        if in_categories and not categories:
            continue
        rest = Product.objects.filter(offerable()).exclude(pk__in=list(taken))
        if in_categories:
            rest = rest.filter(category_id__in=categories)
        for product in rest.select_related("category").order_by("pk")[: needed - len(found)]:
            add(product, _assortment_point(product, with_order=in_categories, best=False))
    return found


def _assortment_point(product: Product, *, with_order: bool, best: bool = True) -> str:
    category = product.category.name if product.category_id else ""
    if with_order:
        return _("From our assortment: %(category)s, often ordered with what is on the order.") % {
            "category": category
        }
    if best:
        return _("From our assortment: one of our best sellers (%(category)s).") % {
            "category": category
        }
    return _("From our assortment: %(category)s.") % {"category": category}


def best_sellers(*, on: date) -> dict[int, int]:
    """Product id → in how many of the latest placed orders (any client) it was, for the
    most popular ones: a bounded sample walking the accepted-at index, cached an hour."""
    return _popularity(f"upsell:best-sellers:{on.isoformat()}", on=on)


def type_popularity(client_type_id: int, *, on: date) -> dict[int, int]:
    """Product id → in how many of the type's latest orders it was, for the most popular
    ones. Read from a bounded sample (the type's latest orders, walking the accepted-at
    index) and kept in the cache for an hour: the same for every call of the hour."""
    return _popularity(
        f"upsell:type-popular:{client_type_id}:{on.isoformat()}",
        on=on,
        client__client_type_id=client_type_id,
    )


def _popularity(key: str, *, on: date, **orders) -> dict[int, int]:
    """In how many of the latest placed orders (filtered by ``orders``) each product was,
    for the most popular ones; kept in the cache under ``key`` for an hour."""
    cached = cache.get(key)
    if cached is not None:
        return cached
    since = timezone.make_aware(datetime.combine(on - timedelta(days=HISTORY_DAYS), time.min))
    sample = (
        Order.objects.filter(status__in=PLACED_STATUSES, accepted_at__gte=since, **orders)
        .order_by("-accepted_at", "-id")
        .values("pk")[:TYPE_SAMPLE_ORDERS]
    )
    rows = (
        OrderLine.objects.filter(order_id__in=sample)
        .values("product_id")
        .annotate(times=Count("order_id", distinct=True))
        .order_by("-times", "product_id")[:TYPE_POPULAR_KEPT]
    )
    popularity = {row["product_id"]: row["times"] for row in rows}
    cache.set(key, popularity, TYPE_POPULAR_SECONDS)
    return popularity


OFFER_POOL = 50  # how far down the suggestions an operator's offer may come from


def offerable_suggestion(
    order: Order, product: Product, *, taken: set[int] | None = None
) -> Suggestion | None:
    """The suggestion for ``product`` if it may be offered on ``order`` now, else ``None``:
    only what ``suggest`` would propose counts as an offer (active, priced in the client's
    column, not on the order, not offered yet, and new / special / traditional / popular,
    or from the assortment when those fall short). ``taken``: as for ``suggest``."""
    suggestions = suggest(order, limit=OFFER_POOL, taken=taken)
    return next((s for s in suggestions if s.product.pk == product.pk), None)


def _diversify(pools: dict[str, list[Suggestion]], limit: int) -> list[Suggestion]:
    chosen: list[Suggestion] = []
    seen: set[int] = set()

    def take(pool: list[Suggestion], most: int) -> None:
        taken = 0
        for suggestion in pool:
            if len(chosen) >= limit or taken >= most:
                return
            if suggestion.product.pk not in seen:
                seen.add(suggestion.product.pk)
                chosen.append(suggestion)
                taken += 1

    for reason in PREFERENCE:
        take(pools[reason], PER_REASON_FIRST)
    for reason in PREFERENCE:
        take(pools[reason], limit)
    order = {reason: i for i, reason in enumerate(ORDER_OF_REASONS)}
    return sorted(chosen, key=lambda s: order[s.reason])  # stable: pool order within a reason


def upsell_status(
    order: Order,
    *,
    on: date | None = None,
    suggestions: list[Suggestion] | None = None,
    offers: list[UpsellOffer] | None = None,
) -> UpsellStatus:
    """Whether enough offers were answered for the order to be finished.

    ``settings.ORDERDESK["UPSELL_REQUIRED"]`` offers must be answered (accepted or
    declined). When the catalogue cannot supply that many (answered + pending + currently
    suggestable falls short), every position that exists must be offered and answered.
    ``suggestions``: what ``suggest`` just returned for the screen, to save asking again;
    ``offers``: the order's offers already read for the screen (counted here, no query).
    """
    wanted = int(settings.ORDERDESK["UPSELL_REQUIRED"])
    if offers is not None:
        answered = sum(1 for o in offers if o.response in ANSWERED)
        pending = sum(1 for o in offers if o.response == UpsellOffer.Response.PENDING)
    else:
        counts = order.offers.aggregate(
            answered=Count("pk", filter=Q(response__in=ANSWERED)),
            pending=Count("pk", filter=Q(response=UpsellOffer.Response.PENDING)),
        )
        answered, pending = counts["answered"], counts["pending"]
    still_to_find = max(wanted - answered - pending, 0)
    if not still_to_find:
        suggestable = 0
    elif suggestions is not None and len(suggestions) >= still_to_find:
        suggestable = still_to_find  # what the screen already suggests is enough
    else:
        suggestable = len(suggest(order, limit=still_to_find, on=on))
    available = answered + pending + suggestable
    required = min(wanted, available)
    complete = answered >= required
    if complete and required == wanted:
        message = ngettext(
            "%(answered)d offer answered: the order can be finished.",
            "%(answered)d offers answered: the order can be finished.",
            answered,
        ) % {"answered": answered}
    elif complete:
        message = ngettext(
            "Only %(available)d position could be offered to this client and it was "
            "answered: the order can be finished.",
            "Only %(available)d positions could be offered to this client and all were "
            "answered: the order can be finished.",
            available,
        ) % {"available": available}
    elif required == wanted:
        message = ngettext(
            "Offer the client more positions and record each answer: %(answered)d of "
            "%(required)d answered, %(missing)d more to go.",
            "Offer the client more positions and record each answer: %(answered)d of "
            "%(required)d answered, %(missing)d more to go.",
            required - answered,
        ) % {"answered": answered, "required": required, "missing": required - answered}
    else:
        message = ngettext(
            "The catalogue has only %(available)d position to offer this client: offer it "
            "and record the answer.",
            "The catalogue has only %(available)d positions to offer this client: offer "
            "all of them and record each answer (%(answered)d answered).",
            available,
        ) % {"available": available, "answered": answered}
    return UpsellStatus(
        required=required,
        answered=answered,
        available=available,
        complete=complete,
        message=message,
        pending=pending,
        target=int(settings.ORDERDESK["UPSELL_TARGET"]),
    )


def offers_needed(order: Order) -> int:
    """How many more offers must be answered before the order can be finished."""
    status = upsell_status(order)
    return max(status.required - status.answered, 0)
