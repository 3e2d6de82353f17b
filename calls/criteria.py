"""Operator criteria (F-REV-2, job description VI): what each operator did in a period.

A period is a range of local days (``TIME_ZONE``, Moscow), both ends inclusive. Each
criterion is attributed to a day and an operator:

- calls, inbound / outbound, handling time, debt blocks: the call's operator, the day the
  call *started* (a call crossing midnight counts on the day it started);
- orders, order value, lines, value added by offers: orders taken (accepted, in fulfilment
  or delivered; drafts and cancelled orders never count), the order's operator, the day its
  call started (the acceptance day for an order taken without a call);
- offers made and accepted: the order's operator, the day of the order's call (else the day
  the offer was made), whatever became of the order;
- transfers: the call's operator and day, by routing rule;
- call-backs kept: call-back tasks assigned to the operator that fell due in the period,
  kept when done no later than ``CALLBACK_GRACE`` after ``due_at``;
- claims: complaints recorded in the period against an order the operator took, and how
  many of them a head marked justified.

Each criterion group is one aggregate query grouped by operator (``Count(filter=…)``,
``Sum``), also split by the handling time in whole seconds for the calls: the 90th
percentile of handling time is read from that histogram (``hist_percentile``, the
interpolation of PostgreSQL's ``percentile_cont``).

Closed days are rolled up (``calls.rollup``: one ``OperatorDay`` row per operator and day,
a ``CriteriaDay`` saying whether the day is still valid); a period reads its valid rolled
days from there and computes the others (always today and yesterday) live, in one query
per group over all of them. Both give the same figures: every criterion is attributed to
one day by the row itself (an order accepted within ``SLACK`` of its call, not of the
period), so a day counts the same in any period.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    DurationField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallEvent, CallTask, CriteriaDay, Feedback, OperatorDay, Transfer
from orderdesk.roles import Role
from orders.models import Order, OrderLine, UpsellOffer

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
CALLBACK_GRACE = timedelta(minutes=15)
TAKEN_STATUSES = (Order.Status.ACCEPTED, Order.Status.IN_FULFILMENT, Order.Status.DELIVERED)
OFFER_REASONS = list(UpsellOffer.Reason.values)


@dataclass
class OperatorCriteria:
    operator: object | None  # a User; None on the desk-total row
    calls: int = 0
    calls_inbound: int = 0
    calls_outbound: int = 0
    orders: int = 0
    order_value: Decimal = ZERO
    lines: int = 0
    offers_made: int = 0
    offers_accepted: int = 0
    offers_by_reason: dict[str, tuple[int, int]] = field(default_factory=dict)
    value_added_by_offers: Decimal = ZERO
    debt_blocks: int = 0
    transfers: int = 0
    transfers_by_rule: dict[str, int] = field(default_factory=dict)
    handled_calls: int = 0  # closed calls with an end: the base of the handling times
    handling_seconds_total: float = 0.0
    p90_handling_seconds: float | None = None
    callbacks_due: int = 0
    callbacks_kept: int = 0
    claims: int = 0
    claims_justified: int = 0
    # Exact handling time and its histogram {whole seconds: handled calls}: what days add
    # up by, rolled up or live (the seconds total and the 90th percentile come from them).
    handling_microseconds: int = field(default=0, repr=False, compare=False)
    handling_hist: dict[int, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def operator_id(self) -> int | None:
        return self.operator.pk if self.operator is not None else None

    @property
    def avg_order_value(self) -> Decimal | None:
        if not self.orders:
            return None
        return (self.order_value / self.orders).quantize(ZERO, rounding=ROUND_HALF_UP)

    @property
    def lines_per_order(self) -> Decimal | None:
        if not self.orders:
            return None
        return (Decimal(self.lines) / self.orders).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def accept_rate(self) -> Decimal | None:
        """Share of offers accepted, in per cent (one decimal)."""
        if not self.offers_made:
            return None
        rate = Decimal(100 * self.offers_accepted) / self.offers_made
        return rate.quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def avg_handling_seconds(self) -> float | None:
        if not self.handled_calls:
            return None
        return round(self.handling_seconds_total / self.handled_calls, 1)

    @property
    def callbacks_kept_rate(self) -> Decimal | None:
        if not self.callbacks_due:
            return None
        rate = Decimal(100 * self.callbacks_kept) / self.callbacks_due
        return rate.quantize(Decimal("0.1"), ROUND_HALF_UP)


# --- the period ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after ``date_to``."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=self.tz)

    def days(self) -> list[date]:
        n = (self.date_to - self.date_from).days + 1
        return [self.date_from + timedelta(days=i) for i in range(max(n, 0))]

    def q(self, field_name: str, *, widen: timedelta = timedelta(0)) -> Q:
        """A period is a span of one run: the groups' ``base`` takes either."""
        return Span((self,)).q(field_name, widen=widen)


def _period(date_from: date, date_to: date) -> Period:
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    return Period(date_from, date_to)


@dataclass(frozen=True)
class Span:
    """The days computed live: runs of consecutive days, read in one query per group as an
    OR of their time ranges (the rolled-up days between the runs are left out)."""

    periods: tuple[Period, ...]

    @classmethod
    def of_days(cls, days) -> Span:
        runs: list[list[date]] = []
        for day in sorted(days):
            if runs and day == runs[-1][1] + timedelta(days=1):
                runs[-1][1] = day
            else:
                runs.append([day, day])
        return cls(tuple(Period(first, last) for first, last in runs))

    def __bool__(self) -> bool:
        return bool(self.periods)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(settings.TIME_ZONE)

    def q(self, field_name: str, *, widen: timedelta = timedelta(0)) -> Q:
        """``field_name`` falls in one of the runs (each widened by ``widen`` both ways)."""
        q = Q()
        for p in self.periods:
            q |= Q(**{f"{field_name}__gte": p.start - widen, f"{field_name}__lt": p.end + widen})
        return q

    def day_q(self, field_name: str = "day") -> Q:
        """A date field on one of the days of the runs."""
        q = Q()
        for p in self.periods:
            q |= Q(**{f"{field_name}__gte": p.date_from, f"{field_name}__lte": p.date_to})
        return q


# --- the aggregate groups --------------------------------------------------------------


class WholeSeconds(Func):
    """A duration in whole seconds, rounded half up: the buckets of the handling-time
    histogram, computed by the same SQL live and in the roll-up, so both give the same
    90th percentile. (On SQLite a difference of two times is in microseconds.)"""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="((%(expressions)s) + 500000) / 1000000", **extra_context
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s) + 0.5)::bigint",
            **extra_context,
        )


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _operators_q(field_name: str, operators) -> Q:
    return Q() if operators is None else Q(**{f"{field_name}__in": operators})


HIST = "_hist"  # the split of the calls group: the handling time in whole seconds


@dataclass(frozen=True)
class _Group:
    name: str
    operator_field: str
    criteria: tuple[str, ...]
    split = None  # a field (or HIST) the rows are also split by

    def base(self, span: Span, operators):  # pragma: no cover - overridden
        raise NotImplementedError

    def day_expr(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def aggregates(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    def split_expr(self):
        return F(self.split)

    def grouped(self, span: Span, operators, *, by_operator=True, by_day=False, split=True):
        """The aggregates over the span, one row per operator (``_operator``) and/or local
        day (``_day``), and per split value (``_split``) when asked: the one query the live
        criteria, the daily trend and the roll-up all read."""
        keys: dict = {}
        if by_operator:
            keys["_operator"] = F(self.operator_field)
        if by_day:
            keys["_day"] = TruncDate(self.day_expr(), tzinfo=span.tz)
        if split and self.split:
            keys["_split"] = self.split_expr()
        qs = self.base(span, operators).order_by().annotate(**keys)
        return qs.values(*keys).annotate(**self.aggregates())


def _handled() -> Q:
    return Q(status=Call.Status.CLOSED, ended_at__isnull=False)


class _Calls(_Group):
    split = HIST

    def base(self, span, operators):
        return Call.objects.filter(_operators_q("operator", operators), span.q("started_at"))

    def day_expr(self):
        return F("started_at")

    def split_expr(self):
        return Case(
            When(_handled(), then=WholeSeconds(F("ended_at") - F("started_at"))),
            default=None,
            output_field=BigIntegerField(),
        )

    def aggregates(self):
        return {
            "calls": Count("id"),
            "calls_inbound": Count("id", filter=Q(direction=Call.Direction.INBOUND)),
            "calls_outbound": Count("id", filter=Q(direction=Call.Direction.OUTBOUND)),
            "handled_calls": Count("id", filter=_handled()),
            "handling_total": Sum(
                F("ended_at") - F("started_at"), filter=_handled(), output_field=DurationField()
            ),
        }


SLACK = timedelta(days=1)  # an order is accepted (an offer made) within a day of its call


def _call_started_in(span: Span, call_field: str, at_field: str) -> Exists:
    """The call in ``call_field`` started in the span, within ``SLACK`` of ``at_field`` (the
    order's acceptance, the offer): one primary-key probe per row (a hashed ``IN
    (subquery)`` over a year of calls outgrows work_mem and PostgreSQL then rescans the
    list for every order). The bound is the row's own, not the period's, so a day counts
    the same whatever period it is read in (and rolled up in)."""
    return Exists(
        Call.objects.filter(
            span.q("started_at"),
            pk=OuterRef(call_field),
            started_at__gt=OuterRef(at_field) - SLACK,
            started_at__lte=OuterRef(at_field) + SLACK,
        )
    )


def _taken_in(span: Span, *, prefix: str) -> Q:
    """Orders of the span: on a call started in it (and accepted within ``SLACK`` of it),
    or with no call, accepted in it. The ±``SLACK`` bound on accepted_at lets PostgreSQL
    start from its index."""
    accepted_at = f"{prefix}accepted_at"
    return Q(
        Q(_call_started_in(span, f"{prefix}call_id", accepted_at))
        | Q(span.q(accepted_at), **{f"{prefix}call__isnull": True}),
        span.q(accepted_at, widen=SLACK),
    )


class _DebtBlocks(_Group):
    """Calls routed by a debt rule or with a blocking debt check (within ``SLACK`` of the
    call's start), counted once each; read from the events (index on kind, at), not
    probed call by call."""

    def base(self, span, operators):
        return CallEvent.objects.filter(
            Q(kind=CallEvent.Kind.ROUTED, data__rule__startswith="debt_")
            | Q(kind=CallEvent.Kind.DEBT_CHECKED, data__blocked=True),
            _operators_q("call__operator", operators),
            span.q("at", widen=SLACK),
            span.q("call__started_at"),
            at__gt=F("call__started_at") - SLACK,
            at__lt=F("call__started_at") + SLACK,
        )

    def day_expr(self):
        return F("call__started_at")

    def aggregates(self):
        return {"debt_blocks": Count("call", distinct=True)}


def _order_day():
    return Coalesce("call__started_at", "accepted_at")


class _Orders(_Group):
    def base(self, span, operators):
        return Order.objects.filter(
            _operators_q("operator", operators),
            _taken_in(span, prefix=""),
            status__in=TAKEN_STATUSES,
        )

    def day_expr(self):
        return _order_day()

    def aggregates(self):
        return {
            "orders": Count("id"),
            "order_value": Coalesce(Sum("total"), Value(ZERO), output_field=MONEY),
        }


class _Lines(_Group):
    def base(self, span, operators):
        return OrderLine.objects.filter(
            _operators_q("order__operator", operators),
            _taken_in(span, prefix="order__"),
            order__status__in=TAKEN_STATUSES,
        )

    def day_expr(self):
        return Coalesce("order__call__started_at", "order__accepted_at")

    def aggregates(self):
        return {
            "lines": Count("id"),
            "value_added_by_offers": Coalesce(
                Sum("line_total", filter=Q(origin=OrderLine.Origin.UPSELL)),
                Value(ZERO),
                output_field=MONEY,
            ),
        }


class _Offers(_Group):
    split = "reason"

    def base(self, span, operators):
        return UpsellOffer.objects.filter(
            Q(_call_started_in(span, "order__call_id", "offered_at"))
            | Q(span.q("offered_at"), order__call__isnull=True),
            _operators_q("order__operator", operators),
            span.q("offered_at", widen=SLACK),
        )

    def day_expr(self):
        return Coalesce("order__call__started_at", "offered_at")

    def aggregates(self):
        return {
            "offers_made": Count("id"),
            "offers_accepted": Count("id", filter=Q(response=UpsellOffer.Response.ACCEPTED)),
        }


class _Transfers(_Group):
    split = "rule"

    def base(self, span, operators):
        return Transfer.objects.filter(
            _operators_q("call__operator", operators), span.q("call__started_at")
        )

    def day_expr(self):
        return F("call__started_at")

    def aggregates(self):
        return {"transfers": Count("id")}


class _Callbacks(_Group):
    def base(self, span, operators):
        return CallTask.objects.filter(
            _operators_q("assigned_to", operators),
            span.q("due_at"),
            kind=CallTask.Kind.CALL_BACK,
        ).exclude(status=CallTask.Status.CANCELLED)

    def day_expr(self):
        return F("due_at")

    def aggregates(self):
        kept = Q(status=CallTask.Status.DONE, done_at__lte=F("due_at") + CALLBACK_GRACE)
        return {"callbacks_due": Count("id"), "callbacks_kept": Count("id", filter=kept)}


class _Claims(_Group):
    def base(self, span, operators):
        return Feedback.objects.filter(
            _operators_q("order__operator", operators),
            span.q("created_at"),
            kind=Feedback.Kind.COMPLAINT,
            order__isnull=False,
        )

    def day_expr(self):
        return F("created_at")

    def aggregates(self):
        return {
            "claims": Count("id"),
            "claims_justified": Count("id", filter=Q(justified=True)),
        }


GROUPS: list[_Group] = [
    _Calls("calls", "operator", ("calls", "calls_inbound", "calls_outbound")),
    _DebtBlocks("debt_blocks", "call__operator", ("debt_blocks",)),
    _Orders("orders", "operator", ("orders", "order_value")),
    _Lines("lines", "order__operator", ("lines", "value_added_by_offers")),
    _Offers("offers", "order__operator", ("offers_made", "offers_accepted")),
    _Transfers("transfers", "call__operator", ("transfers",)),
    _Callbacks("callbacks", "assigned_to", ("callbacks_due", "callbacks_kept")),
    _Claims("claims", "order__operator", ("claims", "claims_justified")),
]

# What a day of an operator adds up to: the fields of OperatorCriteria and OperatorDay
# summed over days (handling time as exact microseconds; splits and histogram aside).
DAY_FIELDS = (
    "calls",
    "calls_inbound",
    "calls_outbound",
    "handled_calls",
    "handling_microseconds",
    "orders",
    "order_value",
    "lines",
    "value_added_by_offers",
    "offers_made",
    "offers_accepted",
    "debt_blocks",
    "transfers",
    "callbacks_due",
    "callbacks_kept",
    "claims",
    "claims_justified",
)
MONEY_FIELDS = ("order_value", "value_added_by_offers")
_MICROSECOND = timedelta(microseconds=1)


# --- rows ------------------------------------------------------------------------------


def add_values(row: OperatorCriteria, group: _Group, values: dict, split_key=None) -> None:
    """Add one grouped row of ``group`` (its aggregates in ``values``) to ``row``."""
    handling = values.pop("handling_total", None)
    if handling is not None:
        row.handling_microseconds += handling // _MICROSECOND
    for name, value in values.items():
        if name in MONEY_FIELDS:
            value = Decimal(value).quantize(ZERO)
        setattr(row, name, getattr(row, name) + value)
    if split_key is None:
        return
    if group.split == HIST:
        hist = row.handling_hist
        hist[int(split_key)] = hist.get(int(split_key), 0) + values["handled_calls"]
    elif group.split == "rule":
        by_rule = row.transfers_by_rule
        by_rule[split_key] = by_rule.get(split_key, 0) + values["transfers"]
    elif group.split == "reason":
        made, accepted = row.offers_by_reason.get(split_key, (0, 0))
        row.offers_by_reason[split_key] = (
            made + values["offers_made"],
            accepted + values["offers_accepted"],
        )


def percentile(values: list[float], q: float = 0.9) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def hist_percentile(hist: dict[int, int], q: float = 0.9) -> float | None:
    """``percentile`` of the values a histogram {value: count} stands for."""
    n = sum(hist.values())
    if not n:
        return None
    position = (n - 1) * q
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    return low + (high - low) * (position - low_rank)


def _finish(row: OperatorCriteria) -> OperatorCriteria:
    row.handling_seconds_total = row.handling_microseconds / 10**6
    p90 = hist_percentile(row.handling_hist)
    row.p90_handling_seconds = round(p90, 1) if p90 is not None else None
    return row


# --- rolled-up days --------------------------------------------------------------------

_LIVE_ONLY: ContextVar[bool] = ContextVar("criteria_live_only", default=False)


@contextmanager
def computed_live():
    """Compute every day live, reading nothing from the roll-up (the benchmark compares)."""
    token = _LIVE_ONLY.set(True)
    try:
        yield
    finally:
        _LIVE_ONLY.reset(token)


def valid_days(period: Period) -> set[date]:
    """The days of the period whose roll-up is valid: rolled up, and nothing of the day
    changed since (``CriteriaDay.is_valid``)."""
    stamps = CriteriaDay.objects.filter(
        day__gte=period.date_from, day__lte=period.date_to, rolled_at__isnull=False
    ).values_list("day", "rolled_at", "changed_at")
    return {
        day for day, rolled_at, changed_at in stamps if changed_at is None or changed_at < rolled_at
    }


def rolled_days(period: Period) -> set[date]:
    """The days of the period read from the roll-up: the valid ones, none when computing
    live (``computed_live``)."""
    return set() if _LIVE_ONLY.get() else valid_days(period)


_ROLLED_SPLITS_SQL = """
WITH od AS ({rows})
SELECT od.operator_id, 'h', h.key, SUM(h.value::bigint), 0
  FROM od CROSS JOIN LATERAL jsonb_each_text(od.handling_hist) h GROUP BY 1, 3
UNION ALL
SELECT od.operator_id, 'r', r.key, SUM((r.value->>0)::bigint), SUM((r.value->>1)::bigint)
  FROM od CROSS JOIN LATERAL jsonb_each(od.offers_by_reason) r GROUP BY 1, 3
UNION ALL
SELECT od.operator_id, 't', t.key, SUM(t.value::bigint), 0
  FROM od CROSS JOIN LATERAL jsonb_each_text(od.transfers_by_rule) t GROUP BY 1, 3
"""


def _add_rolled(row_for, days: Span, operators) -> None:
    """Add the rolled-up days to the operators' rows: one query for the sums, one for the
    splits and the histograms (summed in SQL on PostgreSQL, in Python elsewhere)."""
    qs = OperatorDay.objects.filter(days.day_q(), _operators_q("operator", operators)).order_by()
    sums = qs.values("operator_id").annotate(**{name: Sum(name) for name in DAY_FIELDS})
    for values in sums:
        row = row_for(values.pop("operator_id"))
        for name, value in values.items():
            if name in MONEY_FIELDS:
                value = Decimal(value).quantize(ZERO)
            setattr(row, name, getattr(row, name) + value)
    if _on_postgresql():
        inner, params = qs.values(
            "operator_id", "handling_hist", "offers_by_reason", "transfers_by_rule"
        ).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(_ROLLED_SPLITS_SQL.format(rows=inner), params)
            splits = cursor.fetchall()
    else:
        splits = []
        for operator_id, hist, by_reason, by_rule in qs.values_list(
            "operator_id", "handling_hist", "offers_by_reason", "transfers_by_rule"
        ):
            splits += [(operator_id, "h", k, n, 0) for k, n in hist.items()]
            splits += [(operator_id, "r", k, m, a) for k, (m, a) in by_reason.items()]
            splits += [(operator_id, "t", k, n, 0) for k, n in by_rule.items()]
    for operator_id, kind, key, n, accepted in splits:
        row = row_for(operator_id)
        if kind == "h":
            row.handling_hist[int(key)] = row.handling_hist.get(int(key), 0) + int(n)
        elif kind == "t":
            row.transfers_by_rule[key] = row.transfers_by_rule.get(key, 0) + int(n)
        else:
            made, acc = row.offers_by_reason.get(key, (0, 0))
            row.offers_by_reason[key] = (made + int(n), acc + int(accepted))


def _collect(period: Period, operators) -> dict:
    """The operators' rows of the period: valid rolled-up days read from ``OperatorDay``,
    the others computed live in one query per group; only operators with a call."""
    rows: dict = {}

    def row_for(key) -> OperatorCriteria:
        if key not in rows:
            rows[key] = OperatorCriteria(operator=None)
        return rows[key]

    rolled = rolled_days(period)
    if rolled:
        _add_rolled(row_for, Span.of_days(rolled), operators)
    live = Span.of_days(day for day in period.days() if day not in rolled)
    if live:
        for group in GROUPS:
            for values in group.grouped(live, operators):
                key = values.pop("_operator")
                add_values(row_for(key), group, values, values.pop("_split", None))
    # Only operators who handled a call in the period.
    return {key: _finish(row) for key, row in rows.items() if row.calls}


def operator_criteria(*, date_from: date, date_to: date, operators=None) -> list[OperatorCriteria]:
    """One row per operator who handled a call in the period, by name.

    ``operators``: users, ids or a queryset of either; ``None`` for the whole desk.
    """
    period = _period(date_from, date_to)
    rows = _collect(period, operators)
    users = get_user_model().objects.in_bulk(list(rows))
    result = []
    for pk, row in rows.items():
        row.operator = users[pk]
        result.append(row)
    result.sort(
        key=lambda r: (r.operator.get_full_name() or r.operator.get_username(), r.operator.pk)
    )
    return result


def desk_total(
    *, date_from: date, date_to: date, operators=None, rows: list[OperatorCriteria] | None = None
) -> OperatorCriteria:
    """The desk as a whole: the sum of the operators' rows (``operator`` is ``None``), so the
    total always adds up to the table; the 90th percentile over all their calls (their
    histograms merged)."""
    _period(date_from, date_to)
    if rows is None:
        rows = operator_criteria(date_from=date_from, date_to=date_to, operators=operators)
    total = OperatorCriteria(operator=None)
    if not rows:
        return total
    for row in rows:
        for name in _SUMMED:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for reason, (made, accepted) in row.offers_by_reason.items():
            old = total.offers_by_reason.get(reason, (0, 0))
            total.offers_by_reason[reason] = (old[0] + made, old[1] + accepted)
        for rule, n in row.transfers_by_rule.items():
            total.transfers_by_rule[rule] = total.transfers_by_rule.get(rule, 0) + n
        for seconds, n in row.handling_hist.items():
            total.handling_hist[seconds] = total.handling_hist.get(seconds, 0) + n
    p90 = hist_percentile(total.handling_hist)
    total.p90_handling_seconds = round(p90, 1) if p90 is not None else None
    return total


_SUMMED = (
    "calls",
    "calls_inbound",
    "calls_outbound",
    "orders",
    "order_value",
    "lines",
    "offers_made",
    "offers_accepted",
    "value_added_by_offers",
    "debt_blocks",
    "transfers",
    "handled_calls",
    "handling_seconds_total",
    "handling_microseconds",
    "callbacks_due",
    "callbacks_kept",
    "claims",
    "claims_justified",
)


# --- daily trend -----------------------------------------------------------------------


class Criterion:
    """The criteria a chart can show: code → label."""

    LABELS = {
        "calls": _("Calls handled"),
        "orders": _("Orders taken"),
        "order_value": _("Order value"),
        "avg_order_value": _("Average order value"),
        "offers_made": _("Offers made"),
        "offers_accepted": _("Offers accepted"),
        "accept_rate": _("Offers accepted, %"),
        "value_added_by_offers": _("Value added by offers"),
        "debt_blocks": _("Debt blocks"),
        "transfers": _("Transfers"),
        "avg_handling_seconds": _("Average handling time"),
        "callbacks_kept": _("Call-backs kept on time"),
        "claims": _("Claims"),
    }
    MONEY = {"order_value", "avg_order_value", "value_added_by_offers"}


def criterion_label(code: str) -> str:
    return Criterion.LABELS[code]


def daily_trend(
    *, date_from: date, date_to: date, operators=None, criterion: str
) -> list[tuple[date, Decimal | float | int | None]]:
    """One point per local day of the period (zero or ``None`` on a day with nothing)."""
    return daily_trends(
        date_from=date_from, date_to=date_to, operators=operators, criteria=[criterion]
    )[criterion]


_TREND_NEEDS = {
    "avg_order_value": ("orders", "order_value"),
    "accept_rate": ("offers_made", "offers_accepted"),
    "avg_handling_seconds": ("calls",),
}


def daily_trends(
    *, date_from: date, date_to: date, operators=None, criteria: list[str]
) -> dict[str, list[tuple[date, Decimal | float | int | None]]]:
    """``daily_trend`` of several criteria at once, by criterion: the valid rolled-up days
    summed from ``OperatorDay`` (one query), the others live (one query per group
    needed)."""
    for criterion in criteria:
        if criterion not in Criterion.LABELS:
            raise ValueError(f"unknown criterion {criterion!r}")
    period = _period(date_from, date_to)
    needed = {name for c in criteria for name in _TREND_NEEDS.get(c, (c,))}
    by_day: dict[date, OperatorCriteria] = {day: OperatorCriteria(None) for day in period.days()}
    rolled = rolled_days(period)
    if rolled:
        qs = (
            OperatorDay.objects.filter(
                Span.of_days(rolled).day_q(), _operators_q("operator", operators)
            )
            .order_by()
            .values("day")
            .annotate(**{name: Sum(name) for name in DAY_FIELDS})
        )
        for values in qs:
            row = by_day[values.pop("day")]
            for name, value in values.items():
                if name in MONEY_FIELDS:
                    value = Decimal(value).quantize(ZERO)
                setattr(row, name, getattr(row, name) + value)
    live = Span.of_days(day for day in period.days() if day not in rolled)
    for group in GROUPS if live else ():
        if not needed & set(group.criteria):
            continue
        for values in group.grouped(live, operators, by_operator=False, by_day=True, split=False):
            day = values.pop("_day")
            if day in by_day:
                add_values(by_day[day], group, values)
    rows = {day: _finish(row) for day, row in by_day.items()}
    return {c: [(day, getattr(row, c)) for day, row in rows.items()] for c in criteria}


def operators_for_manager(user, *, date_from: date, date_to: date):
    """The operators who handled a call of the manager's clients in the period (a subquery,
    not evaluated)."""
    period = _period(date_from, date_to)
    return (
        Call.objects.filter(
            client__manager=user, started_at__gte=period.start, started_at__lt=period.end
        )
        .order_by()
        .values("operator_id")
        .distinct()
    )


# --- who sees what ---------------------------------------------------------------------


def _is_head(user) -> bool:
    from orderdesk.models import Department
    from orderdesk.permissions import group_names

    return Role.HEAD in group_names(user) or Department.objects.filter(head=user).exists()


def criteria_operators(user, *, date_from: date, date_to: date):
    """Whose criteria ``user`` may see: ``None`` for every operator (heads, including the
    head of sales support, and admins), the operators who handled a call of their clients
    in the period for a manager; ``PermissionDenied`` for anyone else (operators, finance)."""
    from django.core.exceptions import PermissionDenied

    if not may_review_criteria(user):
        raise PermissionDenied(_("Operator criteria are for heads, managers and admins."))
    if user.is_superuser or user.has_perm("calls.view_callevent") or _is_head(user):
        return None
    return operators_for_manager(user, date_from=date_from, date_to=date_to)


def may_review_criteria(user) -> bool:
    """Heads (the head of sales support too), managers and admins; not operators, not
    finance. The header asks this too, so it shows the page only to those it opens for.

    Asked of permissions only (no query: the header asks on every page): admins hold
    ``view_callevent``; reviewers of calls who do not hold finance's
    ``view_all_receivables`` are managers and heads."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm("calls.view_callevent"):  # admins
        return True
    return user.has_perm("calls.review_calls") and not user.has_perm("clients.view_all_receivables")


# --- the period a reviewer picks --------------------------------------------------------


class PeriodKind:
    TODAY = "today"
    WEEK = "week"
    MONTH = "month"
    LAST_MONTH = "last_month"
    CUSTOM = "custom"
    CHOICES = [
        (TODAY, _("Today")),
        (WEEK, _("This week")),
        (MONTH, _("This month")),
        (LAST_MONTH, _("Last month")),
        (CUSTOM, _("Custom")),
    ]


MAX_PERIOD_DAYS = 366


def period_dates(kind: str, *, today: date, date_from=None, date_to=None) -> tuple[date, date]:
    """The days of a named period; a custom one is checked (ordered, at most a year)."""
    if kind == PeriodKind.TODAY:
        return today, today
    if kind == PeriodKind.WEEK:
        return today - timedelta(days=today.weekday()), today
    if kind == PeriodKind.LAST_MONTH:
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day
    if kind == PeriodKind.CUSTOM:
        from django.core.exceptions import ValidationError

        if date_from is None or date_to is None:
            raise ValidationError(_("Give both dates of the period."))
        if date_to < date_from:
            raise ValidationError(_("The period ends before it starts."))
        if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
            raise ValidationError(_("A period is at most a year."))
        return date_from, date_to
    return today.replace(day=1), today
