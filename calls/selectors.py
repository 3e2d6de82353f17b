"""Reads for the call script and the inbox; each in a bounded number of queries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from calls import campaigns
from calls.models import Call, CallTask, Feedback, OutcomeCode, Purpose, Transfer
from calls.outcomes import CallFacts, call_facts
from calls.routing import RouteRule
from clients.debt import DebtCheck, check_debt
from clients.models import Client, ClientType
from clients.selectors import client_status
from orderdesk.models import Department
from orderdesk.presence import effective_presence, is_available
from orders.models import Order, Product
from orders.selectors import last_orders, recent_orders_for
from orders.upsell import traditional_ranking

LAST_ORDERS = 5
TRADITIONAL_PRODUCTS = 5
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
        last_orders=last_orders(client, limit=LAST_ORDERS),
        traditional_products=card_traditional_products(client, on=on),
    )


def card_traditional_products(client: Client, *, on: date) -> list[Product]:
    """The first traditional products for the card: the head of the ranking the upsell
    offers from too (``orders.upsell.traditional_ranking``, in the shared cache)."""
    return traditional_ranking(client, on=on).products[:TRADITIONAL_PRODUCTS]


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
    transfers = list(transfers)
    for transfer in transfers:
        # the rule in words, never its code (an unknown code, e.g. from old data, as stored)
        transfer.rule_label = (
            RouteRule(transfer.rule).label if transfer.rule in RouteRule.values else transfer.rule
        )
    return Inbox(
        transfers=transfers,
        tasks=list(tasks),
        feedback=list(feedback),
        new_orders=recent_orders_for(user),
        outbound=SimpleLazyObject(lambda: campaigns.results_for(user)),  # read when shown
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


def suggested_outcome(call: Call, *, facts: CallFacts | None = None) -> str:
    """The wrap-up outcome what happened on the call points to, preselected for the
    operator ("" when nothing does); always one of ``calls.outcomes.fitting_outcomes``."""
    facts = facts or call_facts(call)
    if facts.order_accepted:
        return OutcomeCode.ORDER_TAKEN
    if facts.transferred:
        return OutcomeCode.TRANSFERRED
    if facts.debt_blocked:
        return OutcomeCode.DEBT_BLOCKED
    return {
        Purpose.REFERENCE: OutcomeCode.INFORMATION_GIVEN,
        Purpose.FEEDBACK: OutcomeCode.COMPLAINT_RECORDED,
    }.get(call.purpose, "")
