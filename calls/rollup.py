"""The daily roll-up of the operator criteria (issue 9): closed days read from a small table.

``roll_up`` computes every day of a range in one grouped pass per criterion group (the
queries of ``calls.criteria``, grouped by operator and local day) and replaces the
``OperatorDay`` rows of those days in one transaction; ``CriteriaDay.rolled_at`` is the
database time taken *before* reading, so a change committed during the roll-up leaves the
day invalid. Only days up to the day before yesterday (``last_rollable_day``) are rolled:
today and yesterday always stay live (calls crossing midnight, orders accepted within
``SLACK`` of their call).

A saved or deleted call, event, transfer, order, offer, call-back task or claim whose own
times fall on a closed day marks the days it can count on as changed
(``CriteriaDay.changed_at``, the database clock) once its transaction commits; a record of
today marks nothing and costs no query. Bulk updates that bypass the signals are listed
in ``BULK_UPDATES_AUDITED`` with why they change no criterion.

``roll_up_pending`` (``manage.py rollup_criteria``, the Celery task
``calls.tasks.roll_up_criteria`` at night) rolls every day not yet rolled or changed since.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial

from django.db import connection, transaction
from django.db.models import Min
from django.db.models.functions import Now
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from calls import criteria
from calls.models import Call, CallEvent, CallTask, CriteriaDay, Feedback, OperatorDay, Transfer
from orders.models import Order, UpsellOffer

LIVE_DAYS = 2  # today and yesterday are never rolled up
_LOCK_KEY = 0x0C417E1A  # PostgreSQL advisory lock: one roll-up at a time


@dataclass(frozen=True)
class RollUp:
    days: int = 0
    rows: int = 0


def last_rollable_day(today: date | None = None) -> date:
    """The newest day that may be rolled up: the day before yesterday (local)."""
    return (today or timezone.localdate()) - timedelta(days=LIVE_DAYS)


def _db_now() -> datetime:
    """The database's clock (the same for every app server), as ``Now()`` writes it."""
    compiler = CriteriaDay.objects.all().query.get_compiler(connection=connection)
    sql, params = compiler.compile(Now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", params)  # noqa: S608 - Now() compiled, no input
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite: text in UTC
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return value


def _day_rows(period: criteria.Period) -> list[OperatorDay]:
    """Every (day, operator) of the period, one grouped query per criterion group."""
    span = criteria.Span((period,))
    rows: dict = {}
    for group in criteria.GROUPS:
        for values in group.grouped(span, None, by_day=True):
            key = (values.pop("_day"), values.pop("_operator"))
            if key not in rows:
                rows[key] = criteria.OperatorCriteria(operator=None)
            criteria.add_values(rows[key], group, values, values.pop("_split", None))
    return [
        OperatorDay(
            day=day,
            operator_id=operator_id,
            **{name: getattr(row, name) for name in criteria.DAY_FIELDS},
            offers_by_reason={k: list(v) for k, v in sorted(row.offers_by_reason.items())},
            transfers_by_rule=dict(sorted(row.transfers_by_rule.items())),
            handling_hist={str(k): n for k, n in sorted(row.handling_hist.items())},
        )
        for (day, operator_id), row in rows.items()
    ]


def roll_up(*, date_from: date, date_to: date) -> RollUp:
    """Roll up the days of the range (both ends inclusive) that may be rolled (up to
    ``last_rollable_day``); valid or not, they are computed again. ``ValueError`` when
    ``date_to`` is before ``date_from``."""
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    date_to = min(date_to, last_rollable_day())
    if date_to < date_from:
        return RollUp()
    period = criteria.Period(date_from, date_to)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        stamp = _db_now()  # before reading: a change committed after it invalidates the day
        rows = _day_rows(period)
        OperatorDay.objects.filter(day__gte=date_from, day__lte=date_to).delete()
        OperatorDay.objects.bulk_create(rows, batch_size=2000)
        CriteriaDay.objects.bulk_create(
            [CriteriaDay(day=day, rolled_at=stamp) for day in period.days()],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["rolled_at"],
        )
    return RollUp(days=len(period.days()), rows=len(rows))


def pending_days(*, since: date | None = None) -> list[date]:
    """The days from ``since`` (default: the day of the first call) up to
    ``last_rollable_day`` that are not validly rolled up."""
    if since is None:
        first = Call.objects.aggregate(first=Min("started_at"))["first"]
        if first is None:
            return []
        since = timezone.localtime(first).date()
    last = last_rollable_day()
    if since > last:
        return []
    period = criteria.Period(since, last)
    valid = criteria.valid_days(period)
    return [day for day in period.days() if day not in valid]


def roll_up_pending(*, since: date | None = None, chunk_days: int = 31) -> RollUp:
    """Roll up every pending day (``pending_days``), runs of consecutive days in chunks of
    at most ``chunk_days``, each chunk in its own transaction. Idempotent: a second run
    finds nothing to do."""
    if chunk_days < 1:
        raise ValueError("chunk_days must be at least 1")
    days = rows = 0
    for run in criteria.Span.of_days(pending_days(since=since)).periods:
        start = run.date_from
        while start <= run.date_to:
            end = min(start + timedelta(days=chunk_days - 1), run.date_to)
            done = roll_up(date_from=start, date_to=end)
            days, rows = days + done.days, rows + done.rows
            start = end + timedelta(days=1)
    return RollUp(days=days, rows=rows)


# --- invalidation ------------------------------------------------------------------------


def mark_changed(days: Iterable[date]) -> None:
    """Something of these days changed: their roll-up is no longer valid (only days that
    may be rolled are written; two queries)."""
    last = last_rollable_day()
    days = sorted({day for day in days if day <= last})
    if not days:
        return
    # The row first (a roll-up running now commits it before this insert goes on), then the
    # stamp, so changed_at is always later than the rolled_at of a roll-up that missed it.
    CriteriaDay.objects.bulk_create([CriteriaDay(day=day) for day in days], ignore_conflicts=True)
    CriteriaDay.objects.filter(day__in=days).update(changed_at=Now())


def days_of(
    *,
    around: Iterable[datetime | None] = (),
    exact: Iterable[datetime | None] = (),
    today: date | None = None,
) -> set[date]:
    """The days a record with these times can count on: the day of an ``exact`` time (a
    call's start, a task's due time), the day of an ``around`` time and the days either
    side (an order or offer counts on its call's day, within ``SLACK`` of its own time);
    only for times before today (``mark_changed`` keeps the days that may be rolled)."""
    today = today or timezone.localdate()
    days = set()
    for stamps, reach in ((exact, 0), (around, 1)):
        for stamp in stamps:
            day = timezone.localtime(stamp).date() if stamp is not None else today
            if day < today:  # a record of today marks nothing: no day near it is rolled
                days.update(day + timedelta(days=n) for n in range(-reach, reach + 1))
    return days


def mark_changed_at(*, around=(), exact=(), using=None) -> None:
    """Mark the days of these times (``days_of``) once the transaction commits; nothing at
    all (no query) when they are all of today."""
    days = days_of(around=around, exact=exact)
    if days:
        transaction.on_commit(partial(mark_changed, days), using=using)


def _cached_call_start(instance) -> tuple:
    """The call's start when the call is already loaded on the record (no query)."""
    call = instance._state.fields_cache.get("call")
    return (call.started_at,) if call is not None else ()


# The times in hand on each record that decide the days its criteria count on:
# model → (around, exact).
STAMPS = {
    Call: lambda call: ((), (call.started_at,)),
    CallEvent: lambda event: ((event.at,), _cached_call_start(event)),
    Transfer: lambda transfer: ((transfer.created_at,), _cached_call_start(transfer)),
    Order: lambda order: ((order.created_at, order.accepted_at), _cached_call_start(order)),
    UpsellOffer: lambda offer: ((offer.offered_at,), ()),
    # A task moved to another day changes the day it was due on too.
    CallTask: lambda task: ((), (task.due_at, getattr(task, "_rollup_due_at", None))),
    Feedback: lambda feedback: ((), (feedback.created_at,)),
}

# Bulk writes on these models that send no signal, and why no criterion changes:
BULK_UPDATES_AUDITED = {
    "calls.services._abandon, _abandon_open_calls": "open → abandoned: neither is handled",
    "calls.services.wrap_up (the task done)": "done now: never on time for a closed day",
    "calls.campaigns.create_campaign, stop_campaign": "campaign tasks are not call-backs",
    "calls.transfers.assign_manager": "handled_at of a transfer is no criterion",
    "calls.events (bulk_create)": "started, identified, abandoned: no debt events",
    "orders.services._write_prices": "lines of drafts only",
}


def _record_changed(sender, instance, raw=False, using=None, **kwargs) -> None:
    if raw:  # loaddata
        return
    around, exact = STAMPS[sender](instance)
    mark_changed_at(around=around, exact=exact, using=using)


def _remember_due_at(sender, instance, **kwargs) -> None:
    # Not through the attribute: a deferred due_at would cost a query per task loaded.
    instance._rollup_due_at = instance.__dict__.get("due_at")


def connect_signals() -> None:
    """Called once from ``CallsConfig.ready``."""
    for model in STAMPS:
        uid = f"calls.rollup.{model.__name__}"
        post_save.connect(_record_changed, sender=model, dispatch_uid=uid + ".save")
        post_delete.connect(_record_changed, sender=model, dispatch_uid=uid + ".delete")
    post_init.connect(_remember_due_at, sender=CallTask, dispatch_uid="calls.rollup.due_at")
