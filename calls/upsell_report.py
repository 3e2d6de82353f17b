"""Upsell effectiveness (F-REV-4): which offered products and reasons become order lines.

An offer counts in the period of its order's call (as in calls.criteria); a line "from an
offer" is an order line with origin ``upsell`` on an order taken (accepted, in fulfilment,
delivered) in the period; its reason is the reason of the offer of that product on that
order. Four aggregate queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery, Sum

from calls.criteria import GROUPS, ZERO, _period
from orders.models import OrderLine, UpsellOffer

TOP_PRODUCTS = 20


@dataclass
class UpsellRow:
    key: object  # a reason code, a product id or a User
    name: str = ""
    made: int = 0
    accepted: int = 0
    lines: int = 0
    value: Decimal = ZERO

    @property
    def accept_rate(self) -> Decimal | None:
        if not self.made:
            return None
        return (Decimal(100 * self.accepted) / self.made).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class UpsellReport:
    by_reason: list[UpsellRow] = field(default_factory=list)
    products: list[UpsellRow] = field(default_factory=list)
    operators: list[UpsellRow] = field(default_factory=list)
    total: UpsellRow = field(default_factory=lambda: UpsellRow(key=None))


def _group(name: str):
    return next(g for g in GROUPS if g.name == name)


def _accepted_count():
    return Count("id", filter=Q(response=UpsellOffer.Response.ACCEPTED))


def upsell_effectiveness(
    *, date_from: date, date_to: date, operators=None, top: int = TOP_PRODUCTS
) -> UpsellReport:
    period = _period(date_from, date_to)
    offers = _group("offers").base(period, operators).order_by()
    upsell_lines = (
        _group("lines").base(period, operators).filter(origin=OrderLine.Origin.UPSELL).order_by()
    )
    report = UpsellReport()

    # 1. by reason: offers made / accepted, and the lines (and value) they became
    reasons: dict[str, UpsellRow] = {}
    for row in offers.values("reason").annotate(made=Count("id"), accepted=_accepted_count()):
        reasons[row["reason"]] = UpsellRow(
            key=row["reason"], made=row["made"], accepted=row["accepted"]
        )
    offer_reason = UpsellOffer.objects.filter(
        order=OuterRef("order"), product=OuterRef("product")
    ).values("reason")[:1]
    for row in (
        upsell_lines.annotate(offer_reason=Subquery(offer_reason))
        .values("offer_reason")
        .annotate(lines=Count("id"), value=Sum("line_total"))
    ):
        item = reasons.setdefault(row["offer_reason"], UpsellRow(key=row["offer_reason"]))
        item.lines, item.value = row["lines"], Decimal(row["value"] or 0).quantize(ZERO)
    report.by_reason = sorted(reasons.values(), key=lambda r: (-r.accepted, str(r.key)))

    # 2. by product: the most accepted first, then their lines and value
    for row in (
        offers.values("product_id", "product__name", "product__sku")
        .annotate(made=Count("id"), accepted=_accepted_count())
        .order_by("-accepted", "-made", "product__name")[:top]
    ):
        report.products.append(
            UpsellRow(
                key=row["product_id"],
                name=f"{row['product__name']} ({row['product__sku']})",
                made=row["made"],
                accepted=row["accepted"],
            )
        )
    by_id = {p.key: p for p in report.products}
    if by_id:
        for row in (
            upsell_lines.filter(product_id__in=list(by_id))
            .values("product_id")
            .annotate(lines=Count("id"), value=Sum("line_total"))
        ):
            item = by_id[row["product_id"]]
            item.lines, item.value = row["lines"], Decimal(row["value"] or 0).quantize(ZERO)

    # 3. by operator
    people: dict[int, UpsellRow] = {}
    for row in offers.values("order__operator").annotate(
        made=Count("id"), accepted=_accepted_count()
    ):
        people[row["order__operator"]] = UpsellRow(
            key=row["order__operator"], made=row["made"], accepted=row["accepted"]
        )
    for row in upsell_lines.values("order__operator").annotate(
        lines=Count("id"), value=Sum("line_total")
    ):
        item = people.setdefault(row["order__operator"], UpsellRow(key=row["order__operator"]))
        item.lines, item.value = row["lines"], Decimal(row["value"] or 0).quantize(ZERO)
    users = get_user_model().objects.in_bulk(list(people))
    for pk, item in people.items():
        item.key = users[pk]
        item.name = users[pk].get_full_name() or users[pk].get_username()
    report.operators = sorted(people.values(), key=lambda r: (-r.value, r.name))

    for item in report.by_reason:
        report.total.made += item.made
        report.total.accepted += item.accepted
        report.total.lines += item.lines
        report.total.value += item.value
    return report
