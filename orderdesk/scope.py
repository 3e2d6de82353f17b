"""Which clients' calls and orders a reviewer may see (enforced on the server)."""

from django.db.models import Q

from orderdesk.models import Department


def review_scope(user, *, client_field: str = "client", operator_field: str = "operator") -> Q:
    """A filter for calls or orders: all for admins and finance, the department for heads,
    own clients for managers, nothing for anyone else."""
    if user.is_superuser or user.has_perm("clients.view_all_receivables"):
        return Q()
    headed = list(Department.objects.filter(head=user).values_list("pk", flat=True))
    scope = Q(**{f"{client_field}__manager": user})
    if headed:
        scope |= Q(**{f"{client_field}__client_type__department__in": headed})
        scope |= Q(**{f"{client_field}__manager__staff_profile__department__in": headed})
        scope |= Q(**{f"{operator_field}__staff_profile__department__in": headed})
    return scope
