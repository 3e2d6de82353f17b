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
``Sum``); the 90th percentile of handling time is PostgreSQL's ``percentile_cont`` inside
the calls query, with one extra query and the same interpolation in Python elsewhere.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    DurationField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallEvent, CallTask, Feedback, Transfer
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


def _period(date_from: date, date_to: date) -> Period:
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    return Period(date_from, date_to)


# --- the aggregate groups --------------------------------------------------------------


class Percentile90(Aggregate):
    """PostgreSQL ``percentile_cont(0.9)`` of a duration, in seconds."""

    function = "percentile_cont"
    name = "Percentile90"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


def _on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _operators_q(field_name: str, operators) -> Q:
    return Q() if operators is None else Q(**{f"{field_name}__in": operators})


@dataclass(frozen=True)
class _Group:
    name: str
    operator_field: str
    criteria: tuple[str, ...]

    def base(self, period: Period, operators):  # pragma: no cover - overridden
        raise NotImplementedError

    def day_expr(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def aggregates(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError


def _handled() -> Q:
    return Q(status=Call.Status.CLOSED, ended_at__isnull=False)


class _Calls(_Group):
    def base(self, period, operators):
        return Call.objects.filter(
            _operators_q("operator", operators),
            started_at__gte=period.start,
            started_at__lt=period.end,
        )

    def day_expr(self):
        return F("started_at")

    def aggregates(self):
        aggs = {
            "calls": Count("id"),
            "calls_inbound": Count("id", filter=Q(direction=Call.Direction.INBOUND)),
            "calls_outbound": Count("id", filter=Q(direction=Call.Direction.OUTBOUND)),
            "handled_calls": Count("id", filter=_handled()),
            "handling_total": Sum(
                F("ended_at") - F("started_at"), filter=_handled(), output_field=DurationField()
            ),
        }
        # The 90th percentile is its own query (_p90): an ordered-set aggregate here would
        # force a sort of every call of the period instead of a hash of 20 operators.
        return aggs


SLACK = timedelta(days=1)  # an order is accepted (an offer made) within a day of its call


def _call_started_in(period: Period, call_field: str) -> Exists:
    """The call in ``call_field`` started in the period: one primary-key probe per row (a
    hashed ``IN (subquery)`` over a year of calls outgrows work_mem and PostgreSQL then
    rescans the list for every order)."""
    return Exists(
        Call.objects.filter(
            pk=OuterRef(call_field), started_at__gte=period.start, started_at__lt=period.end
        )
    )


def _taken_in(period: Period, *, prefix: str) -> Q:
    """Orders of the period: on a call started in it, or with no call, accepted in it. The
    ±1 day bound on accepted_at lets PostgreSQL start from its index."""
    return Q(
        Q(_call_started_in(period, f"{prefix}call_id"))
        | Q(
            **{
                f"{prefix}call__isnull": True,
                f"{prefix}accepted_at__gte": period.start,
                f"{prefix}accepted_at__lt": period.end,
            }
        ),
        **{
            f"{prefix}accepted_at__gte": period.start - SLACK,
            f"{prefix}accepted_at__lt": period.end + SLACK,
        },
    )


class _DebtBlocks(_Group):
    """Calls routed by a debt rule or with a blocking debt check, counted once each; read
    from the events (index on kind, at), not probed call by call."""

    def base(self, period, operators):
        return CallEvent.objects.filter(
            Q(kind=CallEvent.Kind.ROUTED, data__rule__startswith="debt_")
            | Q(kind=CallEvent.Kind.DEBT_CHECKED, data__blocked=True),
            _operators_q("call__operator", operators),
            at__gte=period.start,
            at__lt=period.end + SLACK,
            call__started_at__gte=period.start,
            call__started_at__lt=period.end,
        )

    def day_expr(self):
        return F("call__started_at")

    def aggregates(self):
        return {"debt_blocks": Count("call", distinct=True)}


def _order_day():
    return Coalesce("call__started_at", "accepted_at")


class _Orders(_Group):
    def base(self, period, operators):
        return Order.objects.filter(
            _operators_q("operator", operators),
            _taken_in(period, prefix=""),
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
    def base(self, period, operators):
        return OrderLine.objects.filter(
            _operators_q("order__operator", operators),
            _taken_in(period, prefix="order__"),
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

    def base(self, period, operators):
        return UpsellOffer.objects.filter(
            _operators_q("order__operator", operators),
            Q(_call_started_in(period, "order__call_id"))
            | Q(order__call__isnull=True, offered_at__gte=period.start, offered_at__lt=period.end),
            offered_at__gte=period.start - SLACK,
            offered_at__lt=period.end + SLACK,
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

    def base(self, period, operators):
        return Transfer.objects.filter(
            _operators_q("call__operator", operators),
            call__started_at__gte=period.start,
            call__started_at__lt=period.end,
        )

    def day_expr(self):
        return F("call__started_at")

    def aggregates(self):
        return {"transfers": Count("id")}


class _Callbacks(_Group):
    def base(self, period, operators):
        return CallTask.objects.filter(
            _operators_q("assigned_to", operators),
            kind=CallTask.Kind.CALL_BACK,
            due_at__gte=period.start,
            due_at__lt=period.end,
        ).exclude(status=CallTask.Status.CANCELLED)

    def day_expr(self):
        return F("due_at")

    def aggregates(self):
        kept = Q(status=CallTask.Status.DONE, done_at__lte=F("due_at") + CALLBACK_GRACE)
        return {"callbacks_due": Count("id"), "callbacks_kept": Count("id", filter=kept)}


class _Claims(_Group):
    def base(self, period, operators):
        return Feedback.objects.filter(
            _operators_q("order__operator", operators),
            kind=Feedback.Kind.COMPLAINT,
            order__isnull=False,
            created_at__gte=period.start,
            created_at__lt=period.end,
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


# --- rows ------------------------------------------------------------------------------


def _apply(row: OperatorCriteria, values: dict, split_key: str | None = None) -> None:
    handling = values.pop("handling_total", None)
    if handling is not None:
        row.handling_seconds_total += handling.total_seconds()
    if split_key is not None:
        if "transfers" in values:
            row.transfers += values["transfers"]
            row.transfers_by_rule[split_key] = values["transfers"]
        else:
            row.offers_made += values["offers_made"]
            row.offers_accepted += values["offers_accepted"]
            row.offers_by_reason[split_key] = (values["offers_made"], values["offers_accepted"])
        return
    for name, value in values.items():
        if name == "p90_handling_seconds":
            row.p90_handling_seconds = round(value, 1) if value is not None else None
        elif name in ("order_value", "value_added_by_offers"):
            setattr(row, name, Decimal(value).quantize(ZERO))
        else:
            setattr(row, name, value)


def percentile(values: list[float], q: float = 0.9) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _p90(period: Period, operators, *, by_operator: bool) -> dict:
    """90th percentile of handling time per operator (or ``None`` for all): PostgreSQL's
    ``percentile_cont`` over the closed calls only; elsewhere the same interpolation in
    Python over one query of durations."""
    handled = _Calls("calls", "operator", ()).base(period, operators).filter(_handled())
    if _on_postgresql():
        duration = Percentile90(F("ended_at") - F("started_at"))
        if by_operator:
            rows = handled.order_by().values("operator_id").annotate(p90=duration)
            return {row["operator_id"]: row["p90"] for row in rows}
        return {None: handled.aggregate(p90=duration)["p90"]}
    durations: dict = defaultdict(list)
    for operator_id, started_at, ended_at in handled.values_list(
        "operator_id", "started_at", "ended_at"
    ):
        key = operator_id if by_operator else None
        durations[key].append((ended_at - started_at).total_seconds())
    return {key: percentile(values) for key, values in durations.items()}


def _collect(period: Period, operators) -> dict:
    rows: dict = {}

    def row_for(key) -> OperatorCriteria:
        if key not in rows:
            rows[key] = OperatorCriteria(operator=None)
        return rows[key]

    for group in GROUPS:
        qs = group.base(period, operators)
        split = getattr(group, "split", None)
        keys = [group.operator_field] + ([split] if split else [])
        for values in qs.order_by().values(*keys).annotate(**group.aggregates()):
            key = values.pop(group.operator_field)
            split_key = values.pop(split) if split else None
            if group.name != "calls" and key not in rows:
                continue  # only operators who handled a call in the period
            _apply(row_for(key), values, split_key)
    if rows:
        for key, p90 in _p90(period, operators, by_operator=True).items():
            if key in rows:
                rows[key].p90_handling_seconds = round(p90, 1)
    return rows


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
    total always adds up to the table; the 90th percentile over all their calls."""
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
    p90 = _p90(_period(date_from, date_to), operators, by_operator=False).get(None)
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
    if criterion not in Criterion.LABELS:
        raise ValueError(f"unknown criterion {criterion!r}")
    period = _period(date_from, date_to)
    needed = {
        "avg_order_value": ("orders", "order_value"),
        "accept_rate": ("offers_made", "offers_accepted"),
        "avg_handling_seconds": ("calls",),
    }.get(criterion, (criterion,))
    tz = period.tz
    by_day: dict[date, OperatorCriteria] = {day: OperatorCriteria(None) for day in period.days()}
    for group in GROUPS:
        if not set(needed) & set(group.criteria):
            continue
        aggs = {
            k: v
            for k, v in group.aggregates().items()
            if k != "p90_handling_seconds"
            and (k in needed or (criterion == "avg_handling_seconds" and k.startswith("handl")))
        }
        qs = (
            group.base(period, operators)
            .order_by()
            .annotate(_trend_day=TruncDate(group.day_expr(), tzinfo=tz))
            .values("_trend_day")
            .annotate(**aggs)
        )
        for values in qs:
            day = values.pop("_trend_day")
            if day in by_day:
                _apply(by_day[day], values)
    points = []
    for day, row in by_day.items():
        value = getattr(row, criterion)
        points.append((day, value))
    return points


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

    return (
        user.groups.filter(name=Role.HEAD).exists() or Department.objects.filter(head=user).exists()
    )


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
