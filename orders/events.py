"""The order's history: one creator per ``OrderEvent`` kind (the way Saleor's
``order/events.py`` does it), and ``describe`` for the sentence the order page shows.

Every creator is keyword-only, takes who did it (``by``, a user or ``None`` for the system)
and stores JSON-safe data: amounts and quantities as strings, times in ISO format.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orderdesk.money import rub
from orders.models import Order, OrderEvent, OrderLine, Product, UpsellOffer

Kind = OrderEvent.Kind


def _event(order: Order, by, kind: str, **data) -> OrderEvent:
    return OrderEvent.objects.create(order=order, by=by, kind=kind, at=timezone.now(), data=data)


def _q(quantity: Decimal | None) -> str | None:
    return None if quantity is None else str(quantity)


def _product(product: Product) -> dict:
    return {"product": product.pk, "product_name": product.name}


# --- creators -------------------------------------------------------------------------


def order_started(*, order: Order, by) -> OrderEvent:
    return _event(order, by, Kind.STARTED, call=order.call_id)


def line_set(*, order: Order, by, line: OrderLine, old_quantity: Decimal | None) -> OrderEvent:
    """A line added (``old_quantity`` None) or its quantity changed on a draft."""
    return _event(
        order,
        by,
        Kind.LINE_SET,
        **_product(line.product),
        old=_q(old_quantity),
        new=_q(line.quantity),
        origin=line.origin,
    )


def line_removed(*, order: Order, by, product: Product, quantity: Decimal) -> OrderEvent:
    return _event(order, by, Kind.LINE_REMOVED, **_product(product), old=_q(quantity))


def last_order_repeated(
    *, order: Order, by, previous: Order, added: list[Product], skipped: list[Product]
) -> OrderEvent:
    return _event(
        order,
        by,
        Kind.REPEATED,
        previous=previous.pk,
        previous_number=previous.number or "",
        added=[p.pk for p in added],
        skipped=[{"product": p.pk, "product_name": p.name} for p in skipped],
    )


def offer_answered(*, order: Order, by, offer: UpsellOffer) -> OrderEvent:
    return _event(
        order,
        by,
        Kind.OFFER_ANSWERED,
        **_product(offer.product),
        reason=offer.reason,
        response=offer.response,
    )


def delivery_set(*, order: Order, by) -> OrderEvent:
    return _event(
        order,
        by,
        Kind.DELIVERY_SET,
        fulfilment=order.fulfilment,
        delivery_date=order.delivery_date.isoformat() if order.delivery_date else None,
        delivery_window=order.delivery_window,
        delivery_address=order.delivery_address_id,
        receiver=order.receiver_id,
        payment_form=order.payment_form,
    )


def order_accepted(*, order: Order, by) -> OrderEvent:
    return _event(order, by, Kind.ACCEPTED, number=order.number, total=str(order.total))


def status_changed(*, order: Order, by, old: str, new: str) -> OrderEvent:
    return _event(order, by, Kind.STATUS_CHANGED, old=old, new=new)


def quantity_changed(
    *,
    order: Order,
    by,
    product: Product,
    old: Decimal | None,
    new: Decimal,
    old_total: Decimal,
    new_total: Decimal,
) -> OrderEvent:
    """A quantity changed (or a line added: ``old`` None) after acceptance."""
    return _event(
        order,
        by,
        Kind.QUANTITY_CHANGED,
        **_product(product),
        old=_q(old),
        new=_q(new),
        old_total=str(old_total),
        new_total=str(new_total),
    )


def order_cancelled(*, order: Order, by, reason: str, old_status: str) -> OrderEvent:
    return _event(order, by, Kind.CANCELLED, reason=reason, old=old_status)


def confirmation_sent(*, order: Order, by, to: str) -> OrderEvent:
    return _event(order, by, Kind.CONFIRMATION_SENT, to=to)


def arrival_announced(
    *, order: Order, by, starts_at: datetime, ends_at: datetime, to: list[str], channel: str
) -> OrderEvent:
    """``to``: every recipient; ``channel``: the channels used, e.g. "email" or "email, sms"."""
    return _event(
        order,
        by,
        Kind.ARRIVAL_ANNOUNCED,
        starts_at=starts_at.isoformat(),
        ends_at=ends_at.isoformat(),
        to=list(to),
        channel=channel,
    )


# --- the sentences --------------------------------------------------------------------


def _quantity(raw) -> str:
    from orders.pricing import format_quantity

    return "—" if raw in (None, "") else format_quantity(Decimal(raw))


def _money(raw) -> str:
    return "—" if raw in (None, "") else rub(Decimal(raw))


def _status(code) -> str:
    return Order.Status(code).label if code in Order.Status.values else str(code or "—")


def _when(raw, fmt: str = "d.m.Y H:i") -> str:
    moment = parse_datetime(raw) if isinstance(raw, str) else raw
    if moment is None:
        return "—"
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, fmt)


def _describe_line_set(d: dict) -> str:
    if d.get("old") is None:
        return _("Line added: %(product)s × %(new)s") % {
            "product": d.get("product_name", ""),
            "new": _quantity(d.get("new")),
        }
    return _("Quantity of %(product)s: %(old)s → %(new)s") % {
        "product": d.get("product_name", ""),
        "old": _quantity(d.get("old")),
        "new": _quantity(d.get("new")),
    }


def _describe_repeated(d: dict) -> str:
    added = len(d.get("added", []))
    sentence = ngettext(
        "Last order %(number)s repeated: %(count)d line added.",
        "Last order %(number)s repeated: %(count)d lines added.",
        added,
    ) % {"number": d.get("previous_number") or "—", "count": added}
    skipped = [s.get("product_name", "") for s in d.get("skipped", [])]
    if skipped:
        sentence += " " + _("Not repeated: %(names)s.") % {"names": ", ".join(skipped)}
    return sentence


def _describe_offer(d: dict) -> str:
    reason, response = d.get("reason"), d.get("response")
    return _("Offered %(product)s (%(reason)s): %(response)s") % {
        "product": d.get("product_name", ""),
        "reason": UpsellOffer.Reason(reason).label if reason in UpsellOffer.Reason.values else "",
        "response": (
            UpsellOffer.Response(response).label.lower()
            if response in UpsellOffer.Response.values
            else ""
        ),
    }


def _describe_delivery(d: dict) -> str:
    fulfilment = d.get("fulfilment")
    how = Order.Fulfilment(fulfilment).label if fulfilment in Order.Fulfilment.values else ""
    payment = d.get("payment_form")
    pay = Order.PaymentForm(payment).label if payment in Order.PaymentForm.values else ""
    when = ""
    if d.get("delivery_date"):
        day = date_format(datetime.fromisoformat(d["delivery_date"]).date(), "d.m.Y")
        when = f", {day} {d.get('delivery_window', '')}".rstrip()
    return _("Delivery and payment set: %(how)s%(when)s; payment: %(payment)s") % {
        "how": how,
        "when": when,
        "payment": pay.lower(),
    }


def _describe_quantity_changed(d: dict) -> str:
    return _(
        "Quantity of %(product)s changed after acceptance: %(old)s → %(new)s; "
        "total %(old_total)s → %(new_total)s"
    ) % {
        "product": d.get("product_name", ""),
        "old": _quantity(d.get("old")),
        "new": _quantity(d.get("new")),
        "old_total": _money(d.get("old_total")),
        "new_total": _money(d.get("new_total")),
    }


def _describe_arrival(d: dict) -> str:
    return _("Arrival announced: %(start)s–%(end)s, sent to %(to)s") % {
        "start": _when(d.get("starts_at")),
        "end": _when(d.get("ends_at"), "H:i"),
        "to": ", ".join(d.get("to", [])) or "—",
    }


_SENTENCES = {
    Kind.STARTED: lambda d: _("Order started"),
    Kind.LINE_SET: _describe_line_set,
    Kind.LINE_REMOVED: lambda d: (
        _("Line removed: %(product)s") % {"product": d.get("product_name", "")}
    ),
    Kind.REPEATED: _describe_repeated,
    Kind.OFFER_ANSWERED: _describe_offer,
    Kind.DELIVERY_SET: _describe_delivery,
    Kind.ACCEPTED: lambda d: (
        _("Accepted as %(number)s, total %(total)s")
        % {"number": d.get("number", ""), "total": _money(d.get("total"))}
    ),
    Kind.STATUS_CHANGED: lambda d: (
        _("Status changed: %(old)s → %(new)s")
        % {"old": _status(d.get("old")), "new": _status(d.get("new"))}
    ),
    Kind.QUANTITY_CHANGED: _describe_quantity_changed,
    Kind.CANCELLED: lambda d: (
        _("Cancelled (was %(old)s): %(reason)s")
        % {"old": _status(d.get("old")).lower(), "reason": d.get("reason", "")}
    ),
    Kind.CONFIRMATION_SENT: lambda d: _("Confirmation sent to %(to)s") % {"to": d.get("to", "")},
    Kind.ARRIVAL_ANNOUNCED: _describe_arrival,
}


def describe(event: OrderEvent) -> str:
    """The event as a sentence in the active language, e.g.
    "Status changed: Accepted → In fulfilment"."""
    sentence = _SENTENCES.get(event.kind)
    if sentence is None:
        return str(event.kind)
    return sentence(event.data or {})
