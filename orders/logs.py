"""The order log: filters, scope and CSV rows (F-REV-1)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from orderdesk.filters import ReviewLogFilter
from orderdesk.forms import FastSelect, FastTextInput
from orderdesk.scope import review_scope
from orders.models import Order
from orders.services import NUMBER_PREFIX


class OrderLogFilter(ReviewLogFilter):
    date_field = "accepted_at"

    number = django_filters.CharFilter(
        label=_("Order number"), method="filter_number", widget=FastTextInput
    )

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[c for c in Order.Status.choices if c[0] != Order.Status.DRAFT],
        widget=FastSelect,
    )

    class Meta:
        model = Order
        fields = []

    def filter_number(self, queryset, name, value):
        """ "ЗК-0000123", "зк-123", "123" or "0000123": the order with that number."""
        number = number_from_text(value)
        if number is None:
            return queryset if not value.strip() else queryset.none()
        return queryset.filter(number=number)


def number_from_text(text: str) -> str | None:
    """The order number someone typed, in its stored form; ``None`` when it has no digits
    or is not a number at all."""
    digits = "".join(ch for ch in text if ch.isdigit())
    rest = "".join(ch for ch in text.upper() if not ch.isdigit())
    if not digits or rest.strip(" -") not in ("", NUMBER_PREFIX.strip("-"), "ZK"):
        return None
    return f"{NUMBER_PREFIX}{int(digits):07d}" if len(digits) <= 12 else None


def order_log_queryset(user):
    return Order.objects.filter(review_scope(user), accepted_at__isnull=False).select_related(
        "client__client_type", "client__manager", "operator", "price_column"
    )


CSV_HEADER = [
    _("Number"),
    _("Accepted"),
    _("Status"),
    _("Client"),
    _("Client type"),
    _("Manager"),
    _("Operator"),
    _("Price column"),
    _("Delivery date"),
    _("Total, ₽"),
]


def csv_row(order: Order) -> list:
    """One typed export row (CSV and XLSX): money as Decimal, dates as dates."""
    return [
        order.number,
        order.accepted_at,
        order.get_status_display(),
        order.client.name,
        order.client.client_type.name,
        order.client.manager.get_full_name() if order.client.manager else "",
        order.operator.get_full_name() or order.operator.get_username(),
        order.price_column.name if order.price_column else "",
        order.delivery_date,
        order.total,
    ]
