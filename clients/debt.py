"""The debt gate: overdue and excess receivables block orders (SPEC F-ORD-1)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Receivable
from orderdesk.money import rub

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DebtCheck:
    outstanding: Decimal
    overdue: Decimal
    credit_limit: Decimal | None
    excess: Decimal
    blocked: bool
    reasons: list[str] = field(default_factory=list)
    open_orders: Decimal = ZERO
    exposure: Decimal = ZERO

    @property
    def credit_available(self) -> Decimal | None:
        """What can still be ordered; ``None`` means no limit."""
        if self.credit_limit is None:
            return None
        return max(self.credit_limit - self.exposure, ZERO)


def check_debt(client: Client, *, on: date | None = None, adding: Decimal = ZERO) -> DebtCheck:
    """Check the client's receivables and open orders against the debt gate.

    outstanding = Σ(amount − paid); overdue = outstanding on documents due before ``on``
    (due today is not overdue); exposure = outstanding + accepted/in-fulfilment orders
    (+ ``adding``, the order being accepted); for a prepayment-only client (limit 0) its
    prepaid orders are not credit and do not count. Blocked when overdue > 0
    or, where a credit limit is set, exposure exceeds it.
    """
    from orders.models import Order  # orders depends on clients, not the other way

    if adding < 0:
        raise ValueError("adding must not be negative")
    on = on or timezone.localdate()
    excluded = Order.PaymentForm.PREPAYMENT if client.credit_limit == 0 else None
    outstanding, overdue, open_orders = _sums(client.pk, on, excluded)
    return _verdict(
        outstanding=outstanding,
        overdue=overdue,
        open_orders=open_orders,
        adding=adding,
        limit=client.credit_limit,
    )


@cache
def _sums_sql(prepayment_excluded: bool) -> str:
    """Three sums in one statement of three scalar subqueries (receivables owed, of them
    overdue, the open orders' total). Written out once: every step of the console asks
    this, and building it with the ORM cost twenty times its execution (2 ms vs 0.1 ms)."""
    from orders.models import Order

    def name(model, field: str) -> str:
        return connection.ops.quote_name(model._meta.get_field(field).column)

    receivables = connection.ops.quote_name(Receivable._meta.db_table)
    orders = connection.ops.quote_name(Order._meta.db_table)
    owed = f"{name(Receivable, 'amount')} - {name(Receivable, 'paid_amount')}"
    mine = f"{name(Receivable, 'client')} = %(client)s"
    statuses = ", ".join(f"%(s{i})s" for i in range(len(Order.EXPOSURE_STATUSES)))
    open_orders = f"{name(Order, 'client')} = %(client)s AND {name(Order, 'status')} "
    open_orders += f"IN ({statuses})"
    if prepayment_excluded:
        open_orders += f" AND {name(Order, 'payment_form')} <> %(excluded)s"
    return (
        f"SELECT COALESCE((SELECT SUM({owed}) FROM {receivables} WHERE {mine}), 0), "
        f"COALESCE((SELECT SUM({owed}) FROM {receivables} WHERE {mine} "
        f"AND {name(Receivable, 'due_date')} < %(on)s), 0), "
        f"COALESCE((SELECT SUM({name(Order, 'total')}) FROM {orders} WHERE {open_orders}), 0)"
    )


def _sums(client_id: int, on: date, excluded: str | None) -> tuple[Decimal, Decimal, Decimal]:
    from orders.models import Order

    params = {
        "client": client_id,
        "on": connection.ops.adapt_datefield_value(on),
        "excluded": excluded and str(excluded),
        **{f"s{i}": str(status) for i, status in enumerate(Order.EXPOSURE_STATUSES)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_sums_sql(excluded is not None), params)
        row = cursor.fetchone()
    # Decimal from PostgreSQL; SQLite may answer a float or an int: through str, to kopecks.
    return tuple(Decimal(str(value)).quantize(ZERO) for value in row)


def with_order(check: DebtCheck, amount: Decimal) -> DebtCheck:
    """The same check with ``amount`` more on the account (the order on the screen),
    without asking the database again."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    return _verdict(
        outstanding=check.outstanding,
        overdue=check.overdue,
        open_orders=check.open_orders,
        adding=check.exposure - check.outstanding - check.open_orders + amount,
        limit=check.credit_limit,
    )


def _verdict(
    *,
    outstanding: Decimal,
    overdue: Decimal,
    open_orders: Decimal,
    adding: Decimal,
    limit: Decimal | None,
) -> DebtCheck:
    exposure = outstanding + open_orders + adding
    excess = max(exposure - limit, ZERO) if limit is not None else ZERO
    reasons = []
    if overdue > 0:
        reasons.append(_("Overdue debt: %(amount)s past the due date.") % {"amount": rub(overdue)})
    if excess > 0:
        reasons.append(
            _(
                "Credit limit exceeded by %(excess)s: debt and open orders %(exposure)s "
                "against a limit of %(limit)s."
            )
            % {"excess": rub(excess), "exposure": rub(exposure), "limit": rub(limit)}
        )
    return DebtCheck(
        outstanding=outstanding,
        overdue=overdue,
        credit_limit=limit,
        excess=excess,
        blocked=bool(reasons),
        reasons=reasons,
        open_orders=open_orders,
        exposure=exposure,
    )
