"""Delivery and payment of an order (SPEC F-ORD-5)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Contact, DeliveryAddress
from orderdesk.bounds import check_delivery_date, check_pickup_at
from orders.errors import DeliveryFarAhead, OrderInvalid
from orders.models import Order

Fulfilment = Order.Fulfilment


def delivery_weekdays() -> set[int]:
    return set(settings.ORDERDESK["DELIVERY_WEEKDAYS"])


def delivery_windows() -> list[str]:
    return list(settings.ORDERDESK["DELIVERY_WINDOWS"])


def next_delivery_day(*, after: date | None = None) -> date:
    """The first working delivery day after ``after`` (today by default)."""
    day = (after or timezone.localdate()) + timedelta(days=1)
    weekdays = delivery_weekdays()
    for _step in range(14):
        if day.weekday() in weekdays:
            return day
        day += timedelta(days=1)
    return day


FAR_AHEAD = timedelta(days=14)  # beyond this a delivery date is confirmed with the client


def is_far_ahead(day: date | None, *, today: date | None = None) -> bool:
    """Whether ``day`` is more than two weeks from today (the hard bound is elsewhere)."""
    return day is not None and day > (today or timezone.localdate()) + FAR_AHEAD


@dataclass(frozen=True)
class DeliveryTerms:
    fulfilment: str
    delivery_date: date | None = None
    delivery_window: str = ""
    delivery_address: DeliveryAddress | None = None
    receiver: Contact | None = None
    payment_form: str = ""
    payment_documents: str = ""
    pickup_arrival: datetime | None = None
    shipping_details: str = ""
    far_ahead_confirmed: bool = False  # the operator checked a far delivery date with the client


def _chosen(order: Order, field: str, choices: list | None):
    """The order's address or receiver, taken from ``choices`` when it is among them."""
    chosen_id = getattr(order, f"{field}_id")
    if chosen_id is None:
        return None
    found = next((c for c in choices or () if c.pk == chosen_id), None)
    return found or getattr(order, field)


def proposed_terms(order: Order, *, addresses=None, receivers=None) -> DeliveryTerms:
    """What the delivery form starts with: the order's own terms where set, else our next
    delivery day, the first window, the client's default address and first authorised
    receiver, and prepayment for prepayment-only clients (bank transfer otherwise).

    ``addresses`` / ``receivers``: the client's addresses and authorised receivers when
    already read (the form's choices), so they are not read again."""
    client = order.client
    if addresses is None:
        default = client.addresses.filter(is_default=True).first() or client.addresses.first()
    else:
        default = next((a for a in addresses if a.is_default), addresses[0] if addresses else None)
    address = _chosen(order, "delivery_address", addresses) or default
    if receivers is None:
        first_receiver = client.contacts.filter(can_receive_goods=True).first()
    else:
        first_receiver = receivers[0] if receivers else None
    receiver = _chosen(order, "receiver", receivers) or first_receiver
    default_payment = (
        Order.PaymentForm.PREPAYMENT
        if client.credit_limit == 0
        else Order.PaymentForm.BANK_TRANSFER
    )
    return DeliveryTerms(
        fulfilment=order.fulfilment,
        delivery_date=order.delivery_date or next_delivery_day(),
        delivery_window=order.delivery_window or delivery_windows()[0],
        delivery_address=address,
        receiver=receiver,
        payment_form=order.payment_form or default_payment,
        payment_documents=order.payment_documents or _("Invoice and waybill (TORG-12)"),
        pickup_arrival=order.pickup_arrival,
        shipping_details=order.shipping_details,
    )


def delivery_problems(order: Order, terms: DeliveryTerms | None = None) -> list[str]:
    """Everything that is missing or wrong in the order's delivery and payment; [] when ready."""
    t = terms or DeliveryTerms(
        fulfilment=order.fulfilment,
        delivery_date=order.delivery_date,
        delivery_window=order.delivery_window,
        delivery_address=order.delivery_address,
        receiver=order.receiver,
        payment_form=order.payment_form,
        payment_documents=order.payment_documents,
        pickup_arrival=order.pickup_arrival,
        shipping_details=order.shipping_details,
    )
    client = order.client
    regional = client.client_type.is_regional
    problems = []
    if t.fulfilment not in Fulfilment.values:
        problems.append(_("Choose how the goods travel."))
    elif t.fulfilment != Fulfilment.DELIVERY and not regional:
        problems.append(_("Only regional clients collect with their own transport or by carrier."))
    if t.payment_form not in Order.PaymentForm.values:
        problems.append(_("Choose the payment form."))
    elif client.credit_limit == 0 and t.payment_form != Order.PaymentForm.PREPAYMENT:
        problems.append(_("This client works on prepayment only."))

    if t.fulfilment == Fulfilment.DELIVERY:
        today = timezone.localdate()
        if t.delivery_date is None:
            problems.append(_("Choose the delivery date."))
        elif t.delivery_date < today:
            problems.append(_("The delivery date cannot be in the past."))
        elif problem := _bound_problem(check_delivery_date, t.delivery_date, today=today):
            problems.append(problem)
        elif t.delivery_date.weekday() not in delivery_weekdays():
            problems.append(_("We do not deliver on that day of the week."))
        if t.delivery_window not in delivery_windows():
            problems.append(_("Choose a delivery time window."))
        if t.delivery_address is None:
            problems.append(_("Choose the delivery address."))
        elif t.delivery_address.client_id != client.pk:
            problems.append(_("That address belongs to another client."))
        if t.receiver is None:
            problems.append(_("Name who will receive the goods."))
        elif t.receiver.client_id != client.pk:
            problems.append(_("That person is not this client's contact."))
        elif not t.receiver.can_receive_goods:
            problems.append(
                _("%(name)s is not authorised to receive goods.") % {"name": t.receiver.name}
            )
    elif t.fulfilment == Fulfilment.PICKUP:
        if t.pickup_arrival is None:
            problems.append(_("Say when the client's transport arrives."))
        elif t.pickup_arrival < timezone.now():
            problems.append(_("The transport's arrival cannot be in the past."))
        elif problem := _bound_problem(check_pickup_at, t.pickup_arrival):
            problems.append(problem)
    elif t.fulfilment == Fulfilment.SHIPPING and not t.shipping_details.strip():
        problems.append(_("Give the shipping details: carrier, consignee and address."))
    return problems


def _bound_problem(check, value, **kwargs) -> str | None:
    """The message of an ``orderdesk.bounds`` check that refuses ``value``, else ``None``."""
    try:
        check(value, **kwargs)
    except ValidationError as error:
        return error.messages[0]
    return None


@transaction.atomic
def set_delivery(*, order: Order, terms: DeliveryTerms, by) -> Order:
    """Store delivery and payment on a draft; ``OrderInvalid`` lists every problem.

    Only once the order may reach the delivery stage (lines on it and the offers
    answered: ``orders.flow``), else ``StageNotReady`` names the stage to go back to.
    """
    from orders import events
    from orders.flow import Stage, require_stage

    order = (
        Order.objects.select_for_update(of=("self",))  # not the client: it is locked first
        .select_related("client__client_type")
        .get(pk=order.pk)
    )
    if order.status != Order.Status.DRAFT:
        raise OrderInvalid(_("Delivery can be changed only before the order is accepted."))
    require_stage(order, Stage.DELIVERY)
    problems = delivery_problems(order, terms)
    if problems:
        raise OrderInvalid(problems)
    if (
        terms.fulfilment == Fulfilment.DELIVERY
        and is_far_ahead(terms.delivery_date)
        and not terms.far_ahead_confirmed
    ):
        raise DeliveryFarAhead(
            _(
                "The delivery date %(date)s is more than two weeks ahead: check it with the "
                "client and confirm."
            )
            % {"date": terms.delivery_date.strftime("%d.%m.%Y")}
        )
    order.fulfilment = terms.fulfilment
    delivering = terms.fulfilment == Fulfilment.DELIVERY
    order.delivery_date = terms.delivery_date if delivering else None
    order.delivery_window = terms.delivery_window if delivering else ""
    order.delivery_address = terms.delivery_address if delivering else None
    order.receiver = terms.receiver if delivering else None
    order.pickup_arrival = terms.pickup_arrival if terms.fulfilment == Fulfilment.PICKUP else None
    order.shipping_details = (
        terms.shipping_details.strip() if terms.fulfilment == Fulfilment.SHIPPING else ""
    )
    order.payment_form = terms.payment_form
    order.payment_documents = terms.payment_documents.strip()
    order.save(
        update_fields=[
            "fulfilment",
            "delivery_date",
            "delivery_window",
            "delivery_address",
            "receiver",
            "pickup_arrival",
            "shipping_details",
            "payment_form",
            "payment_documents",
        ]
    )
    events.delivery_set(order=order, by=by)
    return order
