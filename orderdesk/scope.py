"""Which clients' calls and orders a reviewer may see (enforced on the server)."""

from django.db.models import CharField, Q, Value

from orderdesk.models import StaffProfile


def _headed(user) -> tuple[list[int], list[int]]:
    """The client types and the staff of the departments ``user`` heads, in one query."""
    from clients.models import ClientType

    staff = (
        StaffProfile.objects.filter(department__head=user)
        .annotate(kind=Value("staff", output_field=CharField()))
        .values_list("kind", "user_id")
        .order_by()
    )
    types = (
        ClientType.objects.filter(department__head=user)
        .annotate(kind=Value("type", output_field=CharField()))
        .values_list("kind", "pk")
        .order_by()
    )
    type_ids, staff_ids = [], []
    for what, pk in staff.union(types, all=True):
        (staff_ids if what == "staff" else type_ids).append(pk)
    return type_ids, staff_ids


def review_scope(user, *, client_field: str = "client", operator_field: str = "operator") -> Q:
    """A filter for calls or orders: all for admins and finance, the department for heads,
    own clients for managers, nothing for anyone else.

    A head's department is its client types, its managers' clients and its operators' calls
    and orders. They are read first and compared as ids: the same rule written as joins
    through departments and staff profiles cost PostgreSQL more to plan than to run (issue
    10: 2–9 ms of planning per log page at full scale, 0.2–0.3 ms with ids)."""
    if user.is_superuser or user.has_perm("clients.view_all_receivables"):
        return Q()
    scope = Q(**{f"{client_field}__manager": user})
    type_ids, staff_ids = _headed(user)
    if type_ids:
        scope |= Q(**{f"{client_field}__client_type__in": type_ids})
    if staff_ids:
        scope |= Q(**{f"{client_field}__manager__in": staff_ids})
        scope |= Q(**{f"{operator_field}__in": staff_ids})
    return scope
