"""Messages about orders that leave the building. One function each, through the outbox.

Everything goes out through ``notify``, which records the message in ``orderdesk.outbox``
(queued, sent by a worker after the transaction commits, retried when the server is down,
listed in the admin when it failed). Which backend carries a channel is configured in
``settings.ORDERDESK["NOTIFICATION_BACKENDS"]`` (channel → dotted path of a class with
``send(*, to, subject, body)``), so SMS can be wired to a gateway without touching callers.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.selectors import contact_email
from orderdesk import outbox
from orderdesk.models import OutgoingMessage
from orders import events
from orders.access import require_manager
from orders.errors import ArrivalInvalid, OrderInvalid
from orders.models import Order

logger = logging.getLogger(__name__)


class Channel:
    EMAIL = "email"
    SMS = "sms"


class EmailBackend:
    """Sends through Django's e-mail backend (``EMAIL_BACKEND``)."""

    def send(self, *, to: str, subject: str, body: str, attachments=()) -> None:
        message = EmailMessage(subject=subject, body=body, to=[to])
        for filename, content, mimetype in attachments:
            message.attach(filename, content, mimetype)
        message.send()


class LoggingSmsBackend:
    """A stub: SMS is NOT wired to a gateway yet. It only logs the message (logger
    ``orders.notifications``); replace it in ``NOTIFICATION_BACKENDS["sms"]`` with a class
    that talks to the SMS provider."""

    def send(self, *, to: str, subject: str, body: str) -> None:
        logger.info("SMS to %s (not sent: no gateway): %s", to, body)


def notify(
    *,
    to: str,
    subject: str,
    body: str,
    channel: str,
    kind: str = OutgoingMessage.Kind.OTHER,
    by=None,
) -> OutgoingMessage:
    """Queue one message for the backend configured for ``channel``; it is sent once the
    current transaction commits (``orderdesk.outbox.enqueue``)."""
    return outbox.enqueue(kind=kind, channel=channel, to=to, subject=subject, body=body, by=by)


def send_confirmation(*, order: Order, to: str, by) -> None:
    """E-mail the order confirmation (the same text as the printable page) and record it.
    The message is queued; it leaves once the transaction commits."""
    lines = order.lines.select_related("product", "price_column", "rule").order_by("pk")
    body = render_to_string("orders/confirmation.txt", {"order": order, "lines": lines})
    subject = _("Order %(number)s confirmation") % {"number": order.number}
    with transaction.atomic():
        notify(
            to=to,
            subject=subject,
            body=body,
            channel=Channel.EMAIL,
            kind=OutgoingMessage.Kind.CONFIRMATION,
            by=by,
        )
        events.confirmation_sent(order=order, by=by, to=to)


def arrival_problems(arrival_from, arrival_to, *, now: datetime | None = None) -> list[str]:
    """What is wrong with an announced arrival window; [] when it may be announced."""
    now = now or timezone.now()
    problems = []
    if arrival_from is None or arrival_to is None:
        return [_("Give the start and the end of the arrival window.")]
    if arrival_to <= arrival_from:
        problems.append(_("The arrival window must end after it starts."))
    if arrival_from < now:
        problems.append(_("The arrival window cannot start in the past."))
    days = int(settings.ORDERDESK.get("MAX_DAYS_AHEAD", 60))
    if arrival_to > now + timedelta(days=days):
        problems.append(
            _("The arrival window must be within %(days)d days from today.") % {"days": days}
        )
    return problems


def arrival_recipients(order: Order) -> list[tuple[str, str]]:
    """``(channel, address)`` pairs: the receiver named on the order (e-mail if known, else
    an SMS to the phone) and the client's contact e-mail, without repeats."""
    recipients: list[tuple[str, str]] = []
    receiver = order.receiver
    if receiver is not None:
        if receiver.email:
            recipients.append((Channel.EMAIL, receiver.email))
        elif receiver.phone:
            recipients.append((Channel.SMS, receiver.phone.as_e164))
    email = contact_email(order.client)
    if email and (Channel.EMAIL, email) not in recipients:
        recipients.append((Channel.EMAIL, email))
    return recipients


def _arrival_message(order: Order, arrival_from: datetime, arrival_to: datetime) -> tuple:
    start, end = timezone.localtime(arrival_from), timezone.localtime(arrival_to)
    subject = _("Order %(number)s: expected arrival") % {"number": order.number}
    body = _(
        "Order %(number)s of %(client)s is on its way. Delivery date: %(date)s. "
        "Expected arrival: %(start)s–%(end)s."
    ) % {
        "number": order.number,
        "client": order.client.name,
        "date": date_format(start.date(), "d.m.Y"),
        "start": date_format(start, "H:i"),
        "end": date_format(end, "H:i")
        if end.date() == start.date()
        else date_format(end, "d.m.Y H:i"),
    }
    return subject, body


@transaction.atomic
def announce_arrival(*, order: Order, arrival_from: datetime, arrival_to: datetime, by) -> Order:
    """Store the expected arrival window on an order in fulfilment and tell the consignee.

    The message (order number, date, window) goes to the receiver named on the order and
    to the client's contact e-mail, through ``notify`` (the outbox) once the transaction
    commits (a failing backend is retried and listed in the admin; it does not undo the
    announcement). May be sent again when
    the window changes. ``ArrivalInvalid`` lists every problem with the window; nothing
    changes then.
    """
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("client", "receiver")
        .get(pk=order.pk)
    )
    require_manager(order, by)
    if order.status != Order.Status.IN_FULFILMENT:
        raise OrderInvalid(_("The arrival is announced only for an order in fulfilment."))
    problems = arrival_problems(arrival_from, arrival_to)
    if problems:
        raise ArrivalInvalid(problems)
    recipients = arrival_recipients(order)
    if not recipients:
        raise ArrivalInvalid(
            _(
                "Nobody to tell: the order names no receiver with an e-mail or phone and the "
                "client has no e-mail. Add a contact first."
            )
        )
    order.arrival_from, order.arrival_to = arrival_from, arrival_to
    order.save(update_fields=["arrival_from", "arrival_to"])
    subject, body = _arrival_message(order, arrival_from, arrival_to)
    for channel, address in recipients:
        notify(
            to=address,
            subject=subject,
            body=body,
            channel=channel,
            kind=OutgoingMessage.Kind.ARRIVAL,
            by=by,
        )
    channels = []
    for channel, _address in recipients:
        if channel not in channels:
            channels.append(channel)
    events.arrival_announced(
        order=order,
        by=by,
        starts_at=arrival_from,
        ends_at=arrival_to,
        to=[address for _channel, address in recipients],
        channel=", ".join(channels),
    )
    return order
