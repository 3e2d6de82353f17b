"""The debt gate: overdue and excess receivables block orders (SPEC F-ORD-1)."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
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
    money = DecimalField(max_digits=16, decimal_places=2)
    outstanding_expr = F("amount") - F("paid_amount")
    # One query: the client's row with three scalar subqueries (receivables owed, of
    # them overdue, and the open orders' total) — every step of the console asks this.
    receivables = Receivable.objects.filter(client=OuterRef("pk")).order_by().values("client")
    open_orders = Order.objects.filter(client=OuterRef("pk"), status__in=Order.EXPOSURE_STATUSES)
    if client.credit_limit == 0:  # prepayment only: prepaid orders are not credit
        open_orders = open_orders.exclude(payment_form=Order.PaymentForm.PREPAYMENT)
    open_orders = open_orders.order_by().values("client")

    def total(qs, expr, **filters):
        return Coalesce(
            Subquery(qs.filter(**filters).annotate(s=Sum(expr, output_field=money)).values("s")),
            Value(ZERO),
            output_field=money,
        )

    rows = Client.objects.filter(pk=client.pk).values(
        outstanding=total(receivables, outstanding_expr),
        overdue=total(receivables, outstanding_expr, due_date__lt=on),
        open_orders=total(open_orders, F("total")),
    )[:1]
    debt = next(iter(rows), {"outstanding": ZERO, "overdue": ZERO, "open_orders": ZERO})
    open_orders = debt["open_orders"]

    return _verdict(
        outstanding=Decimal(debt["outstanding"]).quantize(ZERO),
        overdue=Decimal(debt["overdue"]).quantize(ZERO),
        open_orders=Decimal(open_orders).quantize(ZERO),
        adding=adding,
        limit=client.credit_limit,
    )


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
