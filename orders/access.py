"""Who may see an order and who may move it along (F-ORD-8), in one place.

Seeing: the operator who took it, the client's manager, heads of the client's department
(and of the manager's), finance and admins. Moving along (fulfilment, delivery, cancel,
quantities after acceptance): the client's manager, those heads, and admins. The services
that write ask ``may_manage``; the views only ask which buttons to show.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from orderdesk.models import Department
from orderdesk.roles import is_admin
from orders.models import Order


def _headed_departments(user) -> list[int]:
    return list(Department.objects.filter(head=user).values_list("pk", flat=True))


def _managed_by(user, headed: list[int]) -> Q:
    """Orders of clients the user manages, or whose type or manager is in a department
    the user heads."""
    scope = Q(client__manager=user)
    if headed:
        scope |= Q(client__client_type__department__in=headed)
        scope |= Q(client__manager__staff_profile__department__in=headed)
    return scope


def visible_orders(user) -> QuerySet[Order]:
    """Placed orders (never drafts) ``user`` may open."""
    orders = Order.objects.exclude(status=Order.Status.DRAFT)
    if not user.is_authenticated or not user.is_active:
        return orders.none()
    if is_admin(user) or user.has_perm("clients.view_all_receivables"):
        return orders
    return orders.filter(Q(operator=user) | _managed_by(user, _headed_departments(user)))


def may_manage(user, order: Order) -> bool:
    """Whether ``user`` may move ``order`` along its life cycle or change its quantities."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    return (
        Order.objects.filter(pk=order.pk)
        .filter(_managed_by(user, _headed_departments(user)))
        .exists()
    )


def require_manager(order: Order, by) -> None:
    """``PermissionDenied`` unless ``by`` may move ``order`` along (see ``may_manage``)."""
    if not may_manage(by, order):
        raise PermissionDenied(
            _("Only the client's manager, a head of its department or an admin may do that.")
        )
