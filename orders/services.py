"""Writes on orders: drafts, lines, offers, acceptance and the life cycle after it.

Every write is atomic. Prices always come from ``orders.pricing.quote``; no function here
takes a price. Locks are always taken client first, then order, so two writers can wait
for each other but never deadlock.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import events as call_events
from calls.models import Call, Purpose
from calls.routing import Route, RouteRule, route_call
from clients.debt import check_debt, with_order
from clients.models import Client
from orders import events
from orders.access import require_manager
from orders.errors import (
    OrderBlocked,
    OrderError,
    OrderInvalid,
    OrderNotForOperator,
    PriceMissing,
    PricesChanged,
    UpsellIncomplete,
)
from orders.flow import Stage, require_stage
from orders.models import Order, OrderLine, Product, UpsellOffer
from orders.pricing import format_quantity, quote
from orders.selectors import last_order
from orders.upsell import offerable_suggestion, upsell_status

QUANTITY_DECIMALS = 3
NUMBER_PREFIX = "ЗК-"

# Life cycle after acceptance: status → statuses it may move to.
TRANSITIONS = {
    Order.Status.ACCEPTED: {Order.Status.IN_FULFILMENT, Order.Status.CANCELLED},
    Order.Status.IN_FULFILMENT: {Order.Status.DELIVERED, Order.Status.CANCELLED},
    Order.Status.CANCELLED: {Order.Status.ACCEPTED},
}


def credit_exposure(order: Order, amount: Decimal) -> Decimal:
    """What ``amount`` of this order adds to the client's credit exposure: all of it,
    except for a "limit 0 = prepayment only" client's prepaid order (else such clients could
    never order). Clients with a credit line count prepaid orders like any other."""
    if order.client.credit_limit == 0 and order.payment_form == Order.PaymentForm.PREPAYMENT:
        return Decimal("0.00")
    return amount


def pending_exposure(order: Order) -> Decimal:
    """What accepting this order would add to the exposure ``check_debt`` already counts:
    a draft's total (unless prepaid); nothing for an order already accepted."""
    if order.status != Order.Status.DRAFT:
        return Decimal("0.00")
    return credit_exposure(order, order.total)


def order_number(order: Order) -> str:
    """The human number: "ЗК-" and the zero-padded id (unique because the id is)."""
    return f"{NUMBER_PREFIX}{order.pk:07d}"


DEBT_RULES = (RouteRule.DEBT_MANAGER, RouteRule.DEBT_FINANCE)


def order_refusal(client: Client | None) -> OrderError | None:
    """Why the operator may not take an order from ``client`` now, or ``None``.

    The debt gate first (``OrderBlocked``: overdue debt or over the limit), then the
    routing of purpose "order" (``OrderNotForOperator`` carrying the ``Route``): key
    clients go to their manager, new clients and unknown callers to a head. A read: the
    order screens ask it before offering to start a draft.
    """
    if client is None:
        return OrderNotForOperator(route_call(None, Purpose.ORDER))
    check = check_debt(client)
    if check.blocked:
        return OrderBlocked(check)
    route: Route = route_call(client, Purpose.ORDER, debt=check)
    if route.rule in DEBT_RULES:  # cannot happen with the same check; kept as a guard
        return OrderBlocked(check)
    if route.rule != RouteRule.OPERATOR:
        return OrderNotForOperator(route)
    return None


def start_order(*, client: Client, operator, by, call: Call | None = None) -> Order:
    """Open a draft for ``client``; the call's existing draft is reused.

    Raises ``OrderBlocked`` when the client has overdue debt or is over its limit (the
    block is recorded on the call, so the call may close as "blocked by debt"), and
    ``OrderNotForOperator`` when the routing of an order call is not the operator (key
    and new clients). ``operator`` takes the order; ``by`` is who opened it.
    """
    refusal = order_refusal(client)
    if refusal is not None:
        if isinstance(refusal, OrderBlocked) and call is not None:
            call_events.debt_checked(call_id=call.pk, by=by, check=refusal.check)
        raise refusal
    return _open_draft(client=client, operator=operator, by=by, call=call)


@transaction.atomic
def _open_draft(*, client: Client, operator, by, call: Call | None) -> Order:
    if call is not None:
        # Lock the call: two requests opening its order at once must not make two drafts.
        list(Call.objects.select_for_update().filter(pk=call.pk))
    order, created = _draft_for(client=client, operator=operator, by=by, call=call)
    if created and call is not None:
        call_events.order_started(call_id=call.pk, by=by, order=order)
    return order


def _draft_for(*, client: Client, operator, by, call: Call | None) -> tuple[Order, bool]:
    """The call's existing draft, or a new one with its ``started`` event; the call row is
    locked by the caller. ``(order, created)``."""
    if call is not None:
        existing = (
            Order.objects.filter(call=call, client=client, status=Order.Status.DRAFT)
            .order_by("pk")
            .first()
        )
        if existing is not None:
            return existing, False
    order = Order.objects.create(
        client=client,
        operator=operator,
        call=call,
        status=Order.Status.DRAFT,
        price_column=client.client_type.default_price_column,
        total=Decimal("0.00"),
    )
    events.order_started(order=order, by=by)
    return order, True


def open_routed_draft(*, call: Call, route: Route, by) -> tuple[Order, bool] | None:
    """The draft of an order call whose purpose was just routed, inside
    ``calls.services.choose_purpose``'s transaction with the call row locked there.

    ``route`` is the routing of purpose "order" decided for the call's client in that
    transaction: only an ``operator`` route opens a draft (it has passed the debt gate
    and the key/new-client rules, so neither is read again); any other route gives
    ``None`` and the call is transferred. ``(order, created)``: the caller records the
    call's ``order_started`` event for a created draft (with its own, in one insert).
    """
    if call.client_id is None or route.rule != RouteRule.OPERATOR:
        return None
    if call.purpose != Purpose.ORDER or call.operator_id != getattr(by, "pk", None):
        return None
    return _draft_for(client=call.client, operator=by, by=by, call=call)


@transaction.atomic
def set_line(
    *,
    order: Order,
    product: Product,
    quantity,
    by,
    origin: str = OrderLine.Origin.MANUAL,
) -> Order:
    """Add ``product`` to a draft or change its quantity, then reprice the whole order.

    The quantity is validated (positive, at most the configured maximum, whole unless the
    product is weighed, at most three decimals). A changed line keeps its origin. Returns
    the order, re-read under its lock, with ``changed_line`` and ``replaced_quantity``:
    the line's quantity before (``None`` when the product was not on the order).
    """
    if origin not in OrderLine.Origin.values:
        raise OrderInvalid(_("Unknown line origin."))
    order = _lock_order(order)
    _require_draft(order)
    quantity = validate_quantity(product, quantity)
    _require_active([product])
    lines = _lines(order)
    line = lines.get(product.pk)
    old_quantity = None if line is None else line.quantity
    if line is None:
        line = OrderLine(order=order, product=product, origin=origin)
        lines[product.pk] = line
    line.quantity = quantity
    _reprice(order, list(lines.values()))
    if old_quantity != quantity:
        events.line_set(order=order, by=by, line=line, old_quantity=old_quantity)
    order.replaced_quantity, order.changed_line = old_quantity, line
    return order


@transaction.atomic
def remove_line(*, order: Order, product: Product, by) -> Order:
    """Take ``product`` off a draft (nothing happens if it is not there) and reprice."""
    order = _lock_order(order)
    _require_draft(order)
    lines = _lines(order)
    removed = lines.pop(product.pk, None)
    if removed is not None:
        removed.delete()
        _reprice(order, list(lines.values()))
        events.line_removed(order=order, by=by, product=product, quantity=removed.quantity)
    return order


@transaction.atomic
def repeat_last_order(*, order: Order, by) -> Order:
    """Copy the lines of the client's last placed order into the draft at today's prices.

    Products no longer sold, without a price now, or whose old quantity is no longer
    valid are skipped; products already on the draft keep the draft's quantity. The
    returned order has ``repeat_skipped``: the products left out. Raises ``OrderInvalid``
    when the client has no previous order.
    """
    order = _lock_order(order)
    _require_draft(order)
    previous = last_order(order.client)
    if previous is None:
        raise OrderInvalid(_("This client has no previous order to repeat."))
    lines = _lines(order)
    added: dict[int, OrderLine] = {}
    skipped: list[Product] = []
    for old in previous.lines.all():
        product = old.product
        if product.pk in lines:
            continue
        try:
            quantity = validate_quantity(product, old.quantity)
        except OrderInvalid:
            skipped.append(product)
            continue
        if not product.is_active:
            skipped.append(product)
            continue
        added[product.pk] = OrderLine(
            order=order, product=product, quantity=quantity, origin=OrderLine.Origin.REPEAT
        )
    while True:  # at most once per product that has lost its price
        try:
            _reprice(order, [*lines.values(), *added.values()])
            break
        except PriceMissing as missing:
            if missing.product.pk not in added:
                raise
            skipped.append(added.pop(missing.product.pk).product)
    events.last_order_repeated(
        order=order,
        by=by,
        previous=previous,
        added=[line.product for line in added.values()],
        skipped=skipped,
    )
    order.repeat_skipped = skipped
    return order


@transaction.atomic
def record_offer(*, order: Order, product: Product, reason: str, response: str, by) -> UpsellOffer:
    """Record an upsell offer and the client's answer on a draft.

    Accepting adds a line of quantity 1 (origin ``upsell``) unless the product is already
    on the order; taking an acceptance back removes the line it added.
    """
    if reason not in UpsellOffer.Reason.values:
        raise OrderInvalid(_("Unknown offer reason."))
    if response not in UpsellOffer.Response.values:
        raise OrderInvalid(_("Unknown offer answer."))
    order = _lock_order(order)
    _require_draft(order)
    # Every offer of the order, read under the lock: this one among them, and the rest in
    # hand for the screen that answers (``order.offers_read``).
    offers = list(order.offers.select_related("product").order_by("offered_at", "pk"))
    offer = next((o for o in offers if o.product_id == product.pk), None)
    if offer is not None:
        offer.order = order  # the locked, fresh order (no second read by the caller)
    was_accepted = offer is not None and offer.response == UpsellOffer.Response.ACCEPTED
    if offer is None:
        # A first answer counts only for a product the upsell would offer; the server
        # decides the reason, so neither lines already ordered nor a forged reason count.
        on_order = set(order.lines.order_by().values_list("product_id", flat=True))
        taken = on_order | {o.product_id for o in offers}
        suggestion = offerable_suggestion(order, product, taken=taken)
        if suggestion is None:
            raise OrderInvalid(
                _("%(product)s cannot be offered on this order.") % {"product": product.name}
            )
        offer = UpsellOffer(order=order, product=product, reason=suggestion.reason)
        offers.append(offer)
        order.products_on_order = on_order  # the lines' products, for the answer's screen
    offer.response = response
    offer.answered_at = None if response == UpsellOffer.Response.PENDING else timezone.now()
    offer.save()
    order.offers_read = offers
    if response != UpsellOffer.Response.PENDING:
        events.offer_answered(order=order, by=by, offer=offer)
    if order.call_id and response != UpsellOffer.Response.PENDING:
        call_events.offer_answered(
            call_id=order.call_id,
            by=by,
            order=order,
            product=product,
            reason=offer.reason,
            response=response,
        )

    accepted = response == UpsellOffer.Response.ACCEPTED
    if not accepted and not was_accepted:
        return offer  # the lines do not change: not read
    lines = _lines(order)
    if accepted and product.pk not in lines:
        _require_active([product])
        lines[product.pk] = OrderLine(
            order=order, product=product, quantity=Decimal("1"), origin=OrderLine.Origin.UPSELL
        )
        _reprice(order, list(lines.values()))
    elif was_accepted and not accepted:
        line = lines.get(product.pk)
        if line is not None and line.origin == OrderLine.Origin.UPSELL:
            lines.pop(product.pk).delete()
            _reprice(order, list(lines.values()))
    return offer


def accept_order(
    order: Order, *, by, idempotency_key, expected_total: Decimal | None = None
) -> Order:
    """Accept a draft: reprice, check the upsell and the debt gate, number it.

    ``expected_total`` is the total read back to the client: without it nothing is
    accepted (``OrderInvalid``: read the order back first); if prices changed since,
    nothing is accepted (``PricesChanged``) and the read-back must be done again.

    All in one transaction that locks the client row first, so concurrent acceptances for
    one client are serialised and each sees the others' totals in the debt gate. The same
    idempotency key twice returns the same order (also when two requests race). Raises
    ``OrderInvalid``, ``UpsellIncomplete`` or ``OrderBlocked``.
    """
    key = _parse_key(idempotency_key)
    if expected_total is None:
        raise OrderInvalid(
            _("Read the order back first: acceptance needs the total read back to the client.")
        )
    existing = Order.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_order(existing, order)
    try:
        with transaction.atomic():  # a savepoint when the caller is already atomic
            return _accept_locked(order, by=by, key=key, expected_total=expected_total)
    except OrderBlocked as blocked:
        # Recorded after the rollback, so the call may close as "blocked by debt".
        if order.call_id:
            call_events.debt_checked(call_id=order.call_id, by=by, check=blocked.check)
        raise
    except IntegrityError:
        # Another transaction stored this key between our check and our save.
        existing = Order.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_order(existing, order)


@transaction.atomic
def change_status(*, order: Order, status: str, by, reason: str = "") -> Order:
    """Move an accepted order along its life cycle and record who did it.

    accepted → in fulfilment → delivered; accepted or in fulfilment → cancelled (a
    ``reason`` is required and recorded); cancelled → accepted re-opens it, which re-runs
    the debt gate under the client lock (``OrderBlocked``). Asking for the status it
    already has changes nothing.
    """
    return _transition(order, status, by=by, reason=reason)


@transaction.atomic
def send_to_fulfilment(
    *,
    order: Order,
    by,
    arrival_from: datetime | None = None,
    arrival_to: datetime | None = None,
) -> Order:
    """Move an accepted order into fulfilment (the same transition as ``change_status``)
    and, when an arrival window is given, announce it to the consignee
    (``orders.notifications.announce_arrival``). A bad window changes nothing."""
    from orders.notifications import announce_arrival

    if (arrival_from is None) != (arrival_to is None):
        raise OrderInvalid(_("Give both the start and the end of the arrival window."))
    order = _transition(order, Order.Status.IN_FULFILMENT, by=by)
    if arrival_from is not None:
        order = announce_arrival(
            order=order, arrival_from=arrival_from, arrival_to=arrival_to, by=by
        )
    return order


def _transition(order: Order, status: str, *, by, reason: str = "") -> Order:
    if status not in Order.Status.values:
        raise OrderInvalid(_("Unknown order status."))
    reason = (reason or "").strip()
    if status == Order.Status.CANCELLED and not reason:
        raise OrderInvalid(_("Say why the order is cancelled."))
    Client.objects.select_for_update().get(pk=order.client_id)
    order = _lock_order(order)
    require_manager(order, by)
    if order.status == status:
        return order
    if status not in TRANSITIONS.get(order.status, set()):
        raise OrderInvalid(
            _("An order that is %(current)s cannot become %(new)s.")
            % {
                "current": Order.Status(order.status).label,
                "new": Order.Status(status).label,
            }
        )
    if status == Order.Status.ACCEPTED:  # re-opening a cancelled order
        check = check_debt(order.client, adding=credit_exposure(order, order.total))
        if check.blocked:
            raise OrderBlocked(check)
    old = order.status
    order.status = status
    order.save(update_fields=["status"])
    if status == Order.Status.CANCELLED:
        events.order_cancelled(order=order, by=by, reason=reason, old_status=old)
    else:
        events.status_changed(order=order, by=by, old=old, new=status)
    return order


@transaction.atomic
def change_quantity_on_accepted(*, order: Order, product: Product, quantity, by) -> Order:
    """Change (or add) a line on an accepted or in-fulfilment order and reprice it.

    The whole order is repriced with today's prices and with the rules valid on the day
    it was accepted. When the total grows, the debt gate is re-run under the client lock
    for the increase (``OrderBlocked``); a decrease is always allowed.
    """
    client = Client.objects.select_for_update().get(pk=order.client_id)
    order = _lock_order(order)
    require_manager(order, by)
    if order.status not in Order.EXPOSURE_STATUSES:
        raise OrderInvalid(
            _("Quantities can be changed only on accepted orders not yet delivered.")
        )
    quantity = validate_quantity(product, quantity)
    lines = _lines(order)
    line = lines.get(product.pk)
    old_quantity = None if line is None else line.quantity
    if line is None:
        _require_active([product])
        line = OrderLine(order=order, product=product, origin=OrderLine.Origin.MANUAL)
        lines[product.pk] = line
    line.quantity = quantity
    old_total = order.total
    on = timezone.localtime(order.accepted_at).date() if order.accepted_at else None
    priced = quote(client, [(ln.product, ln.quantity) for ln in lines.values()], on=on)
    if priced.total > old_total:
        # check_debt already counts this order at its old total.
        check = check_debt(client, adding=credit_exposure(order, priced.total - old_total))
        if check.blocked:
            raise OrderBlocked(check)
    _write_prices(order, list(lines.values()), priced)
    if old_quantity != quantity or order.total != old_total:
        events.quantity_changed(
            order=order,
            by=by,
            product=product,
            old=old_quantity,
            new=quantity,
            old_total=old_total,
            new_total=order.total,
        )
    return order


def validate_quantity(product: Product, raw) -> Decimal:
    """The quantity as a Decimal, or ``OrderInvalid`` naming every problem with it."""
    if isinstance(raw, bool):
        raw = None
    try:
        quantity = raw if isinstance(raw, Decimal) else Decimal(_plain_number(raw))
    except (InvalidOperation, ValueError, TypeError):
        quantity = None
    if quantity is None or not quantity.is_finite():
        raise OrderInvalid(_("Enter the quantity as a number."))
    if quantity <= 0:
        raise OrderInvalid(_("The quantity must be greater than zero."))
    maximum = Decimal(settings.ORDERDESK["MAX_LINE_QUANTITY"])
    if quantity > maximum:
        raise OrderInvalid(
            _("The quantity must not exceed %(max)s.") % {"max": format_quantity(maximum)}
        )
    problems = []
    if quantity.normalize().as_tuple().exponent < -QUANTITY_DECIMALS:
        problems.append(_("The quantity can have at most three decimal places."))
    if not product.is_weighed and quantity != quantity.to_integral_value():
        problems.append(
            _("%(product)s is sold in whole units (%(unit)s): enter a whole number.")
            % {"product": product.name, "unit": product.get_unit_display()}
        )
    if problems:
        raise OrderInvalid(problems)
    return quantity.quantize(Decimal(1).scaleb(-QUANTITY_DECIMALS))


def _plain_number(raw) -> str:
    """ "12,5", "1 250" and "12.5" as people type them → "12.5", "1250", "12.5"."""
    return str(raw).strip().replace("\xa0", "").replace(" ", "").replace(",", ".")


# --- internals -----------------------------------------------------------------------


def _accept_locked(order: Order, *, by, key: uuid.UUID, expected_total: Decimal) -> Order:
    client = (  # its type and column come with it: the routing and the quote read them
        Client.objects.select_for_update(of=("self",))
        .select_related("client_type__default_price_column")
        .get(pk=order.client_id)
    )
    # The client is in hand (locked above); the delivery checks of require_stage read the
    # address and the receiver, so they come with the order.
    order = _lock_order(order, related=("delivery_address", "receiver"))
    order.client = client
    if order.idempotency_key == key:
        return order  # a concurrent request with this key got here first
    if order.status != Order.Status.DRAFT:
        raise OrderInvalid(
            _("Order %(number)s is already %(status)s.")
            % {"number": order.number or order.pk, "status": order.get_status_display().lower()}
        )
    # The client may have become key or lost its manager since the draft was opened: the
    # operator still takes no order from it (debt routes are left to the gate below).
    # The debt is read once, here under the client's lock: the draft being accepted is not
    # counted yet, so the gate below adds its total to this same check (``with_order``).
    today = timezone.localdate()
    debt = check_debt(client, on=today)
    route = route_call(client, Purpose.ORDER, on=today, debt=debt)
    if route.rule != RouteRule.OPERATOR and route.rule not in DEBT_RULES:
        raise OrderNotForOperator(route)
    if order.call_id:
        # Locked like wrap_up locks it, so an acceptance and a wrap-up never cross: an
        # order accepted on a call closed meanwhile would make its outcome a lie.
        call = Call.objects.select_for_update().get(pk=order.call_id)
        if call.status != Call.Status.OPEN:
            raise OrderInvalid(_("The call has ended: the order can no longer be accepted on it."))
    lines = list(_lines(order).values())
    if not lines:
        raise OrderInvalid(_("The order has no lines."))
    _require_active([line.product for line in lines])
    priced = quote(client, [(line.product, line.quantity) for line in lines])
    if priced.total != expected_total:
        raise PricesChanged(read_back=expected_total, now=priced.total)
    _write_prices(order, lines, priced, save_order=False)  # saved with the acceptance

    upsell = upsell_status(order)
    if not upsell.complete:
        raise UpsellIncomplete(
            needed=upsell.required, answered=upsell.answered, message=upsell.message
        )
    require_stage(order, Stage.REVIEW, upsell=upsell, has_lines=True)  # delivery and payment
    check = with_order(debt, credit_exposure(order, priced.total))
    if check.blocked:
        raise OrderBlocked(check)

    now = timezone.now()
    order.status = Order.Status.ACCEPTED
    order.number = order_number(order)
    order.accepted_at = now
    order.idempotency_key = key
    order.save(
        update_fields=[
            "status",
            "number",
            "accepted_at",
            "idempotency_key",
            "total",
            "price_column",
        ]
    )
    # update(): no history row and no save() side effects for a denormalised timestamp.
    Client.objects.filter(pk=client.pk).update(last_order_at=now)
    if order.call_id:
        call_events.order_accepted(call_id=order.call_id, by=by, order=order)
    events.order_accepted(order=order, by=by)
    return order


def _same_order(existing: Order, order: Order) -> Order:
    if existing.pk != order.pk:
        raise OrderInvalid(_("This confirmation was already used for another order."))
    return existing


def _parse_key(raw) -> uuid.UUID:
    if isinstance(raw, uuid.UUID):
        return raw
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError):
        raise OrderInvalid(_("The confirmation key is missing or malformed.")) from None


def _lock_order(
    order: Order, related: tuple[str, ...] = ("client__client_type__default_price_column",)
) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))  # only the order row is locked
        .select_related(*related)
        .get(pk=order.pk)
    )


def _require_draft(order: Order) -> None:
    if order.status != Order.Status.DRAFT:
        raise OrderInvalid(
            _("Order %(number)s is %(status)s: its lines can no longer be changed here.")
            % {"number": order.number or order.pk, "status": order.get_status_display().lower()}
        )


def _require_active(products: list[Product]) -> None:
    inactive = [p for p in products if not p.is_active]
    if inactive:
        raise OrderInvalid(
            [_("%(product)s is no longer sold.") % {"product": p.name} for p in inactive]
        )


def _lines(order: Order) -> dict[int, OrderLine]:
    lines = {
        line.product_id: line
        for line in order.lines.select_related("product__category").order_by("pk")
    }
    for line in lines.values():
        line._stored = _priced_state(line)  # what _write_prices compares against
    return lines


def _priced_state(line: OrderLine) -> tuple:
    return (line.quantity, line.unit_price, line.price_column_id, line.rule_id, line.line_total)


def _reprice(order: Order, lines: list[OrderLine]) -> None:
    priced = quote(order.client, [(line.product, line.quantity) for line in lines])
    _write_prices(order, lines, priced)


def _write_prices(order: Order, lines: list[OrderLine], priced, *, save_order: bool = True) -> None:
    """Store the quote on the lines and the order total: new lines created, and only the
    lines whose quantity or price changed written (one statement each way). The quote is
    kept on the order (``order.quote``) for what the caller shows next (threshold hints)."""
    new, changed = [], []
    for line, quoted in zip(lines, priced.lines, strict=True):
        line.unit_price = quoted.unit_price
        line.price_column = quoted.column
        line.rule = quoted.rule
        line.line_total = quoted.line_total
        if not line.pk:
            new.append(line)
        elif _priced_state(line) != getattr(line, "_stored", None):
            changed.append(line)
    order.quote = priced
    order.rewritten_lines, order.new_lines = changed, new  # the rows to show again
    # The lines as now stored (with product, column and rule), for the caller to show.
    order.priced_lines = sorted(lines, key=lambda line: line.pk or 0)
    if changed:
        OrderLine.objects.bulk_update(
            changed, ["quantity", "unit_price", "price_column", "rule", "line_total"]
        )
    if new:
        OrderLine.objects.bulk_create(new)
        order.priced_lines.sort(key=lambda line: line.pk or 0)
    order.total = priced.total
    order.price_column = priced.column
    if save_order:  # else the caller saves the order (with these fields) in the same transaction
        order.save(update_fields=["total", "price_column"])
