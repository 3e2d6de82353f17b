"""Messages about orders that leave the building. One function each, safe to queue later."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from orders.models import Order


def send_confirmation(*, order: Order, to: str) -> None:
    """E-mail the order confirmation (the same text as the printable page)."""
    lines = order.lines.select_related("product", "price_column", "rule").order_by("pk")
    body = render_to_string("orders/confirmation.txt", {"order": order, "lines": lines})
    subject = _("Order %(number)s confirmation") % {"number": order.number}
    EmailMessage(subject=subject, body=body, to=[to]).send()
