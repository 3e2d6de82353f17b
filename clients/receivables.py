"""Finance's receivables list (F-CLI-3): open documents, most overdue first, with each
client's limit and excess, and the totals of exactly what the filters show.

The client money columns (exposure, limit, excess) come from clients.review.with_money,
the SQL twin of clients.debt.check_debt, for the clients of one page only (one query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client, Receivable
from clients.phones import normalize_phone
from clients.review import with_money

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)


@dataclass(frozen=True)
class ReceivableFilters:
    q: str = ""  # the client's name, or a phone written any way
    overdue: bool = False
    over_limit: bool = False


@dataclass(frozen=True)
class ReceivableTotals:
    documents: int
    amount: Decimal
    outstanding: Decimal
    overdue: Decimal


def over_limit_clients(*, on: date) -> QuerySet:
    """Ids of clients whose exposure (debt + open orders) exceeds a set credit limit."""
    return (
        with_money(Client.objects.filter(credit_limit__isnull=False), on=on)
        .filter(exposure__gt=F("credit_limit"))
        .values("pk")
    )


def open_receivables(*, filters: ReceivableFilters, on: date | None = None) -> QuerySet:
    """Unpaid documents matching ``filters`` (not ordered: the pager orders them)."""
    on = on or timezone.localdate()
    rows = Receivable.objects.filter(paid_amount__lt=F("amount")).select_related(
        "client__manager", "client__client_type"
    )
    if filters.overdue:
        rows = rows.filter(due_date__lt=on)
    q = filters.q.strip()
    if q:
        number = normalize_phone(q)
        rows = (
            rows.filter(client__phones__number=number)
            if number
            else rows.filter(client__name__icontains=q)
        )
    if filters.over_limit:
        rows = rows.filter(client__in=over_limit_clients(on=on))
    return rows


def receivable_totals(rows: QuerySet, *, on: date | None = None) -> ReceivableTotals:
    """Documents, Σ amount, Σ outstanding and Σ overdue of ``rows``: one aggregate query."""
    on = on or timezone.localdate()
    unpaid = F("amount") - F("paid_amount")

    def total(expression, **kwargs):
        return Coalesce(
            Sum(expression, output_field=MONEY, **kwargs), Value(ZERO), output_field=MONEY
        )

    sums = rows.order_by().aggregate(
        n_documents=Count("pk"),
        sum_amount=total(F("amount")),
        sum_outstanding=total(unpaid),
        sum_overdue=total(unpaid, filter=Q(due_date__lt=on)),
    )
    return ReceivableTotals(
        documents=sums["n_documents"],
        amount=sums["sum_amount"],
        outstanding=sums["sum_outstanding"],
        overdue=sums["sum_overdue"],
    )


def decorate(rows: list[Receivable], *, on: date | None = None) -> list[Receivable]:
    """Mark overdue documents and give each row its client's limit, exposure and excess
    (one query for all the clients of the page)."""
    on = on or timezone.localdate()
    ids = {row.client_id for row in rows}
    money = (
        {
            c.pk: c
            for c in with_money(Client.objects.filter(pk__in=ids), on=on).only("pk", "credit_limit")
        }
        if ids
        else {}
    )
    for row in rows:
        row.is_overdue = row.due_date < on
        client = money.get(row.client_id)
        row.exposure = client.exposure if client else ZERO
        limit = row.client.credit_limit
        row.excess = max(row.exposure - limit, ZERO) if limit is not None else ZERO
    return rows


def export_row(row: Receivable) -> list:
    """One typed export row (CSV and XLSX)."""
    client = row.client
    return [
        client.name,
        client.client_type.name,
        client.manager.get_full_name() if client.manager else "",
        row.document_no,
        row.document_date,
        row.due_date,
        row.amount,
        row.outstanding,
        client.credit_limit,
    ]
