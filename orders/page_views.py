"""The order page ``/orders/<id>/`` (F-ORD-7, F-ORD-8): lines with the rule that priced
each, terms, offers with answers and the timeline of every change; the client's manager
and heads move the order along from it.

Thin views: who may see comes from ``orders.access.visible_orders`` (anything else is a
404), every change goes through one service in ``orders.services`` or
``orders.notifications``, which refuse anyone ``orders.access.may_manage`` refuses.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders import services
from orders.access import may_manage, visible_orders
from orders.errors import OrderError
from orders.events import describe
from orders.forms import AcceptedLineForm, ArrivalForm, OrderStatusForm
from orders.models import Order
from orders.notifications import announce_arrival


def _order(request, order_id: int) -> Order:
    orders = visible_orders(request.user).select_related(
        "client__client_type",
        "client__manager",
        "operator",
        "call",
        "price_column",
        "delivery_address",
        "receiver",
    )
    return get_object_or_404(orders, pk=order_id)


def _context(request, order: Order, **extra) -> dict:
    manageable = may_manage(request.user, order)
    # What may follow is the life cycle's (orders.services.TRANSITIONS); cancelling has
    # its own form, the other moves a button each.
    following = services.TRANSITIONS.get(order.status, set()) if manageable else set()
    events = list(order.events.select_related("by").order_by("at", "pk"))
    context = {
        "order": order,
        "lines": list(order.lines.select_related("product", "price_column", "rule").order_by("pk")),
        "offers": list(order.offers.select_related("product").order_by("offered_at", "pk")),
        "timeline": [(event, describe(event)) for event in events],
        "may_manage": manageable,
        "next_steps": sorted(following - {Order.Status.CANCELLED}),
        "cancellable": Order.Status.CANCELLED in following,
        "quantities_editable": manageable and order.status in Order.EXPOSURE_STATUSES,
        "arrival_form": ArrivalForm(
            initial={"arrival_from": order.arrival_from, "arrival_to": order.arrival_to}
        ),
        "nav_active": "order_log",
        "errors": [],
    }
    context.update(extra)
    return context


def _render(request, order: Order, **extra):
    context = _context(request, order, **extra)
    template = "orders/order_page.html"
    return render(request, f"{template}#order-body" if request.htmx else template, context)


def _error_messages(error: OrderError) -> list[str]:
    return list(getattr(error, "messages", None) or [error.message])


def _form_errors(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


@require_GET
def order_page(request, order_id: int):
    return _render(request, _order(request, order_id))


def _change(request, order_id: int, form_class, change):
    """Parse ``form_class``; ``change(order, data)`` runs one service; show the result."""
    order = _order(request, order_id)
    if not may_manage(request.user, order):
        raise PermissionDenied(_("Only the client's manager or a head may change this order."))
    form = form_class(request.POST)
    errors = [] if form.is_valid() else _form_errors(form)
    if not errors:
        try:
            notice = change(order, form.cleaned_data)
        except OrderError as error:
            errors = _error_messages(error)
    order = _order(request, order_id)
    if request.htmx:
        return _render(request, order, errors=errors, notice=None if errors else notice)
    for error in errors:
        messages.error(request, error)
    if not errors and notice:
        messages.success(request, notice)
    return redirect("orders:page", order_id=order.pk)


@require_POST
def order_status(request, order_id: int):
    def change(order, data):
        status = data["status"]
        if status == Order.Status.IN_FULFILMENT:
            services.send_to_fulfilment(
                order=order,
                by=request.user,
                arrival_from=data["arrival_from"],
                arrival_to=data["arrival_to"],
            )
        else:
            services.change_status(
                order=order, status=status, by=request.user, reason=data["reason"]
            )
        return _("Order %(number)s is now %(status)s.") % {
            "number": order.number,
            "status": Order.Status(status).label.lower(),
        }

    return _change(request, order_id, OrderStatusForm, change)


@require_POST
def order_arrival(request, order_id: int):
    def change(order, data):
        announce_arrival(
            order=order,
            arrival_from=data["arrival_from"],
            arrival_to=data["arrival_to"],
            by=request.user,
        )
        return _("The consignee was told when the goods arrive.")

    return _change(request, order_id, ArrivalForm, change)


@require_POST
def order_line(request, order_id: int, product_id: int):
    def change(order, data):
        line = order.lines.select_related("product").filter(product_id=product_id).first()
        if line is None:
            raise OrderError(_("That line is not on this order."))
        services.change_quantity_on_accepted(
            order=order, product=line.product, quantity=data["quantity"], by=request.user
        )
        return _("The quantity of %(product)s was changed.") % {"product": line.product.name}

    return _change(request, order_id, AcceptedLineForm, change)
