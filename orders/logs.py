"""The order log: filters, scope and CSV rows (F-REV-1)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from orderdesk.filters import ReviewLogFilter
from orderdesk.scope import review_scope
from orders.models import Order


class OrderLogFilter(ReviewLogFilter):
    date_field = "accepted_at"

    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[c for c in Order.Status.choices if c[0] != Order.Status.DRAFT],
    )

    class Meta:
        model = Order
        fields = []


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
    return [
        order.number,
        order.accepted_at.isoformat() if order.accepted_at else "",
        order.get_status_display(),
        order.client.name,
        order.client.client_type.name,
        order.client.manager.get_full_name() if order.client.manager else "",
        order.operator.get_full_name() or order.operator.get_username(),
        order.price_column.name if order.price_column else "",
        order.delivery_date.isoformat() if order.delivery_date else "",
        str(order.total),
    ]
