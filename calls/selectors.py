"""Reads for the call script and the inbox; each in a bounded number of queries."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from calls import campaigns
from calls.models import Call, CallTask, Feedback, Purpose, Transfer
from clients.debt import DebtCheck, check_debt
from clients.models import Client, ClientType
from clients.selectors import client_status
from orderdesk.models import Department
from orderdesk.presence import effective_presence, is_available
from orders.models import Order, PriceColumn, Product, ProductPrice

BASE_PRICE_COLUMN = "base"  # the column for callers we do not know yet
LAST_ORDERS = 5
TRADITIONAL_PRODUCTS = 5
TRADITIONAL_WINDOW = timedelta(days=183)  # "the last six months"
CARD_ORDER_STATUSES = (
    Order.Status.ACCEPTED,
    Order.Status.IN_FULFILMENT,
    Order.Status.DELIVERED,
    Order.Status.CANCELLED,
)
ORDERED_STATUSES = (Order.Status.ACCEPTED, Order.Status.IN_FULFILMENT, Order.Status.DELIVERED)
INBOX_LIMIT = 100


# --- the operator's open call -------------------------------------------------------


def open_call_for(operator) -> Call | None:
    """The operator's open call (the newest, should there be more than one)."""
    return (
        Call.objects.filter(operator=operator, status=Call.Status.OPEN)
        .select_related("client__client_type__department", "client__manager__staff_profile", "task")
        .order_by("-started_at", "-id")
        .first()
    )


# --- the client card ----------------------------------------------------------------


@dataclass(frozen=True)
class ClientCard:
    client: Client
    client_type: ClientType
    manager: object | None
    manager_presence: str | None  # effective presence on the day, None without a manager
    manager_available: bool
    status: str  # clients.selectors.ClientStatus
    debt: DebtCheck
    credit_available: Decimal | None  # None: no limit
    last_orders: list[Order]
    traditional_products: list[Product]


def traditional_products(
    client: Client, *, on: date | None = None, limit: int = TRADITIONAL_PRODUCTS
) -> list[Product]:
    """The client's most ordered products in the last six months (one query).

    Ranked by the number of orders they appear in, then the quantity, then the name;
    each product carries ``times_ordered`` and ``quantity_ordered``.
    """
    on = on or timezone.localdate()
    since = timezone.make_aware(datetime.combine(on - TRADITIONAL_WINDOW, time.min))
    return list(
        Product.objects.filter(
            order_lines__order__client=client,
            order_lines__order__status__in=ORDERED_STATUSES,
            order_lines__order__accepted_at__gte=since,
        )
        .annotate(
            times_ordered=Count("order_lines__order", distinct=True),
            quantity_ordered=Sum("order_lines__quantity"),
        )
        .select_related("category")
        .order_by("-times_ordered", "-quantity_ordered", "name", "pk")[:limit]
    )


def last_orders(client: Client, *, limit: int = LAST_ORDERS) -> list[Order]:
    """The client's latest orders that went past the draft stage, newest first (one query)."""
    return list(
        Order.objects.filter(client=client, status__in=CARD_ORDER_STATUSES).order_by(
            "-created_at", "-id"
        )[:limit]
    )


def client_card(client: Client, *, on: date | None = None) -> ClientCard:
    """What the operator sees on identification (SPEC F-CALL-2).

    Queries: the type and the manager with presence (none when loaded by
    ``find_client_by_phone``, else at most two), the debt check (two), the last orders (one)
    and the traditional products (one).
    """
    on = on or timezone.localdate()
    manager = client.manager if client.manager_id else None
    profile = getattr(manager, "staff_profile", None) if manager else None
    debt = check_debt(client, on=on)
    return ClientCard(
        client=client,
        client_type=client.client_type,
        manager=manager,
        manager_presence=effective_presence(profile, on=on) if manager else None,
        manager_available=is_available(manager, on=on),
        status=client_status(client, on=on),
        debt=debt,
        credit_available=debt.credit_available,
        last_orders=last_orders(client),
        traditional_products=traditional_products(client, on=on),
    )


# --- the price list -----------------------------------------------------------------


@dataclass(frozen=True)
class PriceListRow:
    sku: str
    name: str
    category: str
    unit: str
    price: Decimal


def price_column_for(client: Client | None) -> PriceColumn | None:
    """The client's price column (its type's default); the base column for unknown callers."""
    if client is not None:
        return client.client_type.default_price_column
    return PriceColumn.objects.filter(code=BASE_PRICE_COLUMN).first()


def price_list_rows(client: Client | None) -> list[PriceListRow]:
    """Active products with their price in the client's column, by category and name."""
    if client is not None:
        prices = ProductPrice.objects.filter(column_id=client.client_type.default_price_column_id)
    else:
        prices = ProductPrice.objects.filter(column__code=BASE_PRICE_COLUMN)
    rows = (
        prices.filter(product__is_active=True)
        .order_by("product__category__name", "product__name", "product_id")
        .values_list(
            "product__sku", "product__name", "product__category__name", "product__unit", "price"
        )
    )
    return [PriceListRow(*row) for row in rows.iterator(chunk_size=2000)]


# --- the inbox ----------------------------------------------------------------------


@dataclass(frozen=True)
class Inbox:
    transfers: list[Transfer]
    tasks: list[CallTask]
    feedback: list[Feedback]
    new_orders: list[Order] = ()  # the feed: orders accepted in the last day, not counted
    outbound: object = None  # calls.campaigns.OutboundResults: heads' finished tasks, not counted

    @property
    def total(self) -> int:
        return len(self.transfers) + len(self.tasks) + len(self.feedback)


def _departments_of(user):
    """The departments the user belongs to or heads, as a subquery."""
    return Department.objects.filter(Q(head=user) | Q(staff__user=user)).values("pk")


def _open_transfers(user):
    return Transfer.objects.filter(handled_at__isnull=True).filter(
        Q(to_user=user) | Q(to_user__isnull=True, to_department__in=_departments_of(user))
    )


def _open_assign_tasks(user):
    return CallTask.objects.filter(
        kind=CallTask.Kind.ASSIGN_MANAGER, status=CallTask.Status.OPEN, assigned_to=user
    )


def _open_feedback(user):
    concerns_user = Feedback.departments.through.objects.filter(
        feedback_id=OuterRef("pk"), department_id__in=_departments_of(user)
    )
    return Feedback.objects.filter(handled_at__isnull=True).filter(Exists(concerns_user))


def inbox_for(user, *, limit: int = INBOX_LIMIT) -> Inbox:
    """Open transfers to the user (or to a department of theirs, to nobody in particular),
    open assign-manager tasks assigned to them, open feedback for their departments."""
    transfers = (
        _open_transfers(user)
        .select_related("call__client__client_type", "call__operator", "to_department", "to_user")
        .order_by("-created_at", "-id")[:limit]
    )
    tasks = (
        _open_assign_tasks(user)
        .select_related("client__client_type", "created_by", "call")
        .order_by("created_at", "id")[:limit]
    )
    feedback = (
        _open_feedback(user)
        .select_related("client", "call__operator", "created_by")
        .prefetch_related("departments")
        .order_by("-created_at", "-id")[:limit]
    )
    return Inbox(
        transfers=list(transfers),
        tasks=list(tasks),
        feedback=list(feedback),
        new_orders=recent_orders_for(user),
        outbound=SimpleLazyObject(lambda: campaigns.results_for(user)),  # read when shown
    )


NEW_ORDERS_WINDOW = timedelta(days=1)
NEW_ORDERS_LIMIT = 20


def recent_orders_for(user) -> list[Order]:
    """Orders accepted in the last day for the clients the user reviews (F-ORD-6 feed)."""
    from orderdesk.scope import review_scope

    if not user.has_perm("orders.review_orders"):
        return []
    since = timezone.now() - NEW_ORDERS_WINDOW
    return list(
        Order.objects.filter(review_scope(user), accepted_at__gte=since)
        .select_related("client", "operator")
        .order_by("-accepted_at", "-id")[:NEW_ORDERS_LIMIT]
    )


def inbox_count(user) -> int:
    """How many open items wait in the user's inbox: one ``COUNT`` over a ``UNION ALL``."""
    ids = [
        items.order_by().values("pk")
        for items in (_open_transfers(user), _open_assign_tasks(user), _open_feedback(user))
    ]
    return ids[0].union(*ids[1:], all=True).count()


# --- the operator's call tasks ----------------------------------------------------------

TASKS_ON_CONSOLE = 20


def due_tasks_for(operator, *, now=None) -> list[CallTask]:
    """Open call tasks for the operator that are due by the end of today (soonest first):
    call-backs booked at wrap-up, asleep clients and instructed calls assigned to them."""
    # call-backs due, instructed calls by due date, then sweep calls (calls.campaigns)
    return campaigns.console_tasks(operator, now=now, limit=TASKS_ON_CONSOLE)


def suggested_outcome(call: Call) -> str:
    """The wrap-up outcome the call's events point to, preselected for the operator."""
    if call.orders.filter(status=Order.Status.ACCEPTED).exists():
        return "order_taken"
    if call.transfers.exists():
        return "transferred"
    return {Purpose.REFERENCE: "information_given", Purpose.FEEDBACK: "complaint_recorded"}.get(
        call.purpose, ""
    )
