"""Clients for managers and heads (F-REV-5, F-CLI-3, F-CLI-4): the list with status,
exposure, limit and credit history, and one client's timeline.

Whose clients: a manager's own; a head's department (the clients of its types and of its
managers); finance and admins all. The money columns are computed in the list query with
subqueries (the same rules as clients.debt.check_debt, which stays the one gate), so a
page of 50 clients is one query whatever their receivables and orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client, ClientType, Receivable
from clients.phones import normalize_phone
from clients.selectors import ClientStatus, client_status

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
CREDIT_HISTORY_DAYS = 365

STATUS_CHOICES = [
    (ClientStatus.NEW, _("New")),
    (ClientStatus.ACTIVE, _("Active")),
    (ClientStatus.ASLEEP, _("Asleep")),
]


def may_review_clients(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_perm("clients.view_receivable"))


def client_scope(user) -> Q:
    """Which clients ``user`` may review; ``PermissionDenied`` for operators."""
    from orderdesk.models import Department

    if not may_review_clients(user):
        raise PermissionDenied(_("The client list is for managers, heads, finance and admins."))
    if (
        user.is_superuser
        or user.has_perm("clients.view_all_receivables")
        or user.has_perm("clients.delete_client")  # admins
    ):
        return Q()
    headed = list(Department.objects.filter(head=user).values_list("pk", flat=True))
    scope = Q(manager=user)
    if headed:
        scope |= Q(client_type__department__in=headed)
        scope |= Q(manager__staff_profile__department__in=headed)
    return scope


def _sum(queryset, expression) -> Subquery:
    """Σ ``expression`` over ``queryset`` (correlated on the client), 0 when there is none."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .values("client")
            .annotate(total=Sum(expression, output_field=MONEY))
            .values("total")[:1],
            output_field=MONEY,
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def with_money(queryset: QuerySet, *, on: date) -> QuerySet:
    """Annotate outstanding, overdue, open orders, exposure, credit left, late payments."""
    from orders.models import Order

    mine = Receivable.objects.filter(client=OuterRef("pk"))
    unpaid = F("amount") - F("paid_amount")
    open_orders = Order.objects.filter(client=OuterRef("pk"), status__in=Order.EXPOSURE_STATUSES)
    since = on - timedelta(days=CREDIT_HISTORY_DAYS)
    late = mine.filter(paid_at__isnull=False, paid_at__gt=F("due_date"), paid_at__gte=since)
    delay = ExpressionWrapper(F("paid_at") - F("due_date"), output_field=DurationField())
    late_stats = late.order_by().values("client").annotate(n=Count("id"), longest=Max(delay))
    return queryset.annotate(
        outstanding=_sum(mine, unpaid),
        overdue=_sum(mine.filter(due_date__lt=on), unpaid),
        open_orders_all=_sum(open_orders, F("total")),
        open_orders_prepaid=_sum(
            open_orders.filter(payment_form=Order.PaymentForm.PREPAYMENT), F("total")
        ),
    ).annotate(
        # prepaid orders are not credit for a prepayment-only client (as check_debt says)
        open_orders=ExpressionWrapper(
            F("open_orders_all")
            - Case(
                When(credit_limit=0, then=F("open_orders_prepaid")),
                default=Value(ZERO),
                output_field=MONEY,
            ),
            output_field=MONEY,
        ),
        exposure=ExpressionWrapper(F("outstanding") + F("open_orders"), output_field=MONEY),
        credit_left=Case(
            When(credit_limit__isnull=True, then=Value(None)),
            default=Greatest(F("credit_limit") - F("exposure"), Value(ZERO)),
            output_field=MONEY,
        ),
        late_payments=Coalesce(Subquery(late_stats.values("n")[:1]), Value(0)),
        longest_delay=Subquery(late_stats.values("longest")[:1], output_field=DurationField()),
    )


@dataclass(frozen=True)
class ClientFilters:
    status: str = ""
    client_type: ClientType | None = None
    manager: object | None = None
    overdue: bool = False
    over_limit: bool = False
    q: str = ""


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _status_q(status: str, *, on: date) -> Q:
    """The SQL of clients.selectors.client_status (one clause per client type)."""
    new = Q(manager__isnull=True) | Q(last_order_at__isnull=True)
    if status == ClientStatus.NEW:
        return new
    asleep = Q(pk__in=[])
    for type_id, days in ClientType.objects.values_list("pk", "asleep_after_days"):
        cutoff = _start_of(on - timedelta(days=days))
        asleep |= Q(client_type_id=type_id, last_order_at__lt=cutoff)
    if status == ClientStatus.ASLEEP:
        return ~new & asleep
    return ~new & ~asleep


def client_list(user, *, filters: ClientFilters, on: date | None = None) -> QuerySet:
    """The clients ``user`` may review that match ``filters``, with the money columns."""
    on = on or timezone.localdate()
    clients = Client.objects.filter(client_scope(user)).select_related("client_type", "manager")
    if filters.status:
        clients = clients.filter(_status_q(filters.status, on=on))
    if filters.client_type is not None:
        clients = clients.filter(client_type=filters.client_type)
    if filters.manager is not None:
        clients = clients.filter(manager=filters.manager)
    if filters.overdue:
        clients = clients.filter(
            Exists(
                Receivable.objects.filter(
                    client=OuterRef("pk"), due_date__lt=on, paid_amount__lt=F("amount")
                )
            )
        )
    q = filters.q.strip()
    if q:
        number = normalize_phone(q)
        clients = (
            clients.filter(phones__number=number) if number else clients.filter(name__icontains=q)
        )
    clients = with_money(clients, on=on)
    if filters.over_limit:
        clients = clients.filter(credit_limit__isnull=False, exposure__gt=F("credit_limit"))
    return clients


def decorate(rows: list[Client], *, on: date | None = None) -> list[Client]:
    """Status and delay in days for the rows of a page (no queries)."""
    on = on or timezone.localdate()
    for row in rows:
        row.status = client_status(row, on=on)
        delay = getattr(row, "longest_delay", None)
        row.longest_delay_days = delay.days if delay is not None else None
        row.is_over_limit = row.credit_limit is not None and row.exposure > row.credit_limit
    return rows


# --- one client -------------------------------------------------------------------------


def client_for(user, client_id: int) -> Client | None:
    """The client if ``user`` may review it (``None`` otherwise: a 404, not a hint)."""
    return (
        Client.objects.filter(client_scope(user), pk=client_id)
        .select_related("client_type", "manager")
        .prefetch_related("phones")
        .first()
    )


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # order, call, task, feedback
    kind_label: str
    title: str
    detail: str
    person: object | None
    obj: object


TIMELINE_LIMIT = 40  # per kind; the newest first


def client_timeline(client: Client, *, limit: int = TIMELINE_LIMIT) -> list[TimelineEntry]:
    """Orders, calls, tasks and feedback of the client as one list, newest first (four
    queries, each bounded)."""
    from calls.models import Call, CallTask, Feedback  # calls depends on clients
    from orders.models import Order

    entries = []
    for order in (
        Order.objects.filter(client=client)
        .exclude(status=Order.Status.DRAFT)
        .select_related("operator")
        .order_by("-created_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=order.accepted_at or order.created_at,
                kind="order",
                kind_label=str(_("Order")),
                title=str(order),
                detail=order.get_status_display(),
                person=order.operator,
                obj=order,
            )
        )
    for call in (
        Call.objects.filter(client=client)
        .select_related("operator", "outcome")
        .order_by("-started_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=call.started_at,
                kind="call",
                kind_label=str(call.get_direction_display()),
                title=call.get_purpose_display() or str(_("Call")),
                detail=call.outcome.name if call.outcome else call.get_status_display(),
                person=call.operator,
                obj=call,
            )
        )
    for task in (
        CallTask.objects.filter(client=client)
        .select_related("assigned_to")
        .order_by("-created_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=task.created_at,
                kind="task",
                kind_label=str(_("Task")),
                title=task.get_kind_display(),
                detail=task.get_status_display(),
                person=task.assigned_to,
                obj=task,
            )
        )
    for item in (
        Feedback.objects.filter(client=client)
        .select_related("created_by")
        .order_by("-created_at")[:limit]
    ):
        entries.append(
            TimelineEntry(
                at=item.created_at,
                kind="feedback",
                kind_label=item.get_kind_display(),
                title=item.text[:120],
                detail=str(_("handled")) if item.handled_at else str(_("open")),
                person=item.created_by,
                obj=item,
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def open_receivables_of(client: Client, *, on: date | None = None) -> list[Receivable]:
    on = on or timezone.localdate()
    rows = list(client.receivables.filter(paid_amount__lt=F("amount")).order_by("due_date"))
    for row in rows:
        row.is_overdue = row.due_date < on
    return rows
