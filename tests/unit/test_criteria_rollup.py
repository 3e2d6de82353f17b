# ruff: noqa: F811 - the `desk` fixture of test_criteria is imported and requested by name
"""The daily roll-up of the operator criteria (calls.rollup): the same figures rolled up or
live, invalidation of a closed day when something of it changes, today and yesterday live."""

from dataclasses import fields
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calls import rollup
from calls.criteria import (
    Criterion,
    OperatorCriteria,
    computed_live,
    daily_trend,
    desk_total,
    operator_criteria,
)
from calls.models import Call, CallTask, CriteriaDay, Feedback, OperatorDay
from calls.tasks import roll_up_criteria
from orderdesk.roles import Role
from orders.models import Order, UpsellOffer
from tests.factories import CallFactory, CallTaskFactory, DepartmentFactory, make_staff
from tests.unit.test_criteria import NEXT, PREV, D, at, closed_call, desk  # noqa: F401

pytestmark = pytest.mark.django_db

WIDE = (D - timedelta(days=3), NEXT + timedelta(days=2))
PERIODS = [(D, D), (PREV, NEXT), WIDE]


def figures(row: OperatorCriteria) -> dict:
    """Every field, the exact handling time and the histogram included."""
    values = {f.name: getattr(row, f.name) for f in fields(row)}
    values["operator"] = row.operator_id
    return values


def everything(date_from, date_to) -> list:
    rows = operator_criteria(date_from=date_from, date_to=date_to)
    trends = [
        daily_trend(date_from=date_from, date_to=date_to, criterion=code)
        for code in Criterion.LABELS
    ]
    total = desk_total(date_from=date_from, date_to=date_to, rows=rows)
    return [[figures(row) for row in rows], figures(total), trends]


def assert_same_as_live(date_from, date_to):
    rolled = everything(date_from, date_to)
    with computed_live():
        live = everything(date_from, date_to)
    assert rolled == live
    return rolled


def roll_all():
    return rollup.roll_up_pending(since=WIDE[0])


def days_since(first) -> int:
    """How many days roll_up_pending(since=first) rolls: up to the day before yesterday."""
    return (rollup.last_rollable_day() - first).days + 1


@pytest.fixture
def odd_seconds(desk):
    """B's calls of 59.6 s and 120.4 s: the histogram rounds them to 60 and 120."""
    _a, b, _c = desk
    closed_call(b, at(D, 13), 59.6)
    closed_call(b, at(D, 14), 120.4)
    return desk


@pytest.mark.parametrize(("date_from", "date_to"), PERIODS)
def test_rolled_up_days_give_the_live_figures(odd_seconds, date_from, date_to):
    # given every day of the data rolled up
    done = roll_all()
    assert done.days == days_since(WIDE[0]) and done.rows > 0
    assert rollup.pending_days(since=WIDE[0]) == []
    # then every figure, the 90th percentile and the trends equal the live ones
    rows, total, _trends = assert_same_as_live(date_from, date_to)
    if date_from == date_to == D:
        a_row = rows[0]
        assert (a_row["calls"], a_row["order_value"]) == (4, Decimal("3600.00"))
        assert a_row["p90_handling_seconds"] == 1080.0  # as in test_criteria
        assert a_row["offers_by_reason"] == {"new": (1, 1), "special": (1, 0), "assortment": (1, 0)}
        # B: 60, 59.6 → 60, 120.4 → 120: rank 1.8 → 60 + 0.8 × 60 = 108
        assert rows[1]["p90_handling_seconds"] == 108.0
        assert total["transfers_by_rule"] == {"debt_manager": 1}


def test_a_period_partly_rolled_up_reads_both(odd_seconds):
    rollup.roll_up(date_from=D, date_to=D)  # PREV and NEXT stay live
    assert rollup.pending_days(since=PREV)[:1] == [PREV]
    rows, _total, trends = assert_same_as_live(PREV, NEXT)
    assert rows[0]["calls"] == 5 and rows[0]["order_value"] == Decimal("3650.00")
    assert trends[0] == [(PREV, 1), (D, 7), (NEXT, 1)]


def test_an_operator_whose_calls_are_on_rolled_days_and_orders_on_live_ones(desk):
    _a, _b, c = desk  # C: a call on NEXT, an order without a call accepted on D
    rollup.roll_up(date_from=NEXT, date_to=NEXT)
    rows, _total, _trends = assert_same_as_live(D, NEXT)
    row = next(r for r in rows if r["operator"] == c.pk)
    assert (row["calls"], row["orders"], row["order_value"]) == (1, 1, Decimal("700.00"))


def test_an_order_cancelled_after_the_roll_up_invalidates_its_day(
    desk, django_capture_on_commit_callbacks
):
    roll_all()
    order = Order.objects.get(total=Decimal("1000"))
    with django_capture_on_commit_callbacks(execute=True):
        order.status = Order.Status.CANCELLED
        order.save(update_fields=["status"])
    day = CriteriaDay.objects.get(day=D)
    assert not day.is_valid and day.changed_at > day.rolled_at
    assert D in rollup.pending_days(since=WIDE[0])
    rows, _total, _trends = assert_same_as_live(D, D)
    assert rows[0]["order_value"] == Decimal("2600.00")  # 3600 − 1000
    # the next roll-up rolls those days again (its acceptance day and either side): valid
    assert rollup.roll_up_pending(since=WIDE[0]).days == 3
    assert CriteriaDay.objects.get(day=D).is_valid
    assert operator_criteria(date_from=D, date_to=D)[0].order_value == Decimal("2600.00")


def test_a_claim_judged_later(desk, django_capture_on_commit_callbacks):
    roll_all()
    claim = Feedback.objects.get(text="Опоздали")
    with django_capture_on_commit_callbacks(execute=True):
        claim.justified = True
        claim.save(update_fields=["justified"])
    rows, _total, _trends = assert_same_as_live(D, D)
    assert (rows[0]["claims"], rows[0]["claims_justified"]) == (2, 2)


def test_a_call_back_cancelled_or_moved_later(desk, django_capture_on_commit_callbacks):
    a, _b, _c = desk
    roll_all()
    task = CallTask.objects.get(assigned_to=a, due_at=at(D, 18))
    with django_capture_on_commit_callbacks(execute=True):
        task.status = CallTask.Status.CANCELLED
        task.save(update_fields=["status"])
    rows, _total, _trends = assert_same_as_live(D, D)
    assert rows[0]["callbacks_due"] == 2
    # moved to a later day: the day it was due on changes too
    roll_all()
    moved = CallTask.objects.get(assigned_to=a, due_at=at(D, 16))
    with django_capture_on_commit_callbacks(execute=True):
        moved.due_at = at(D + timedelta(days=20), 16)
        moved.save(update_fields=["due_at"])
    assert not CriteriaDay.objects.get(day=D).is_valid
    rows, _total, _trends = assert_same_as_live(D, D)
    assert (rows[0]["callbacks_due"], rows[0]["callbacks_kept"]) == (1, 0)


def test_an_offer_answered_later(desk, django_capture_on_commit_callbacks):
    roll_all()
    declined = UpsellOffer.objects.get(reason="special")
    with django_capture_on_commit_callbacks(execute=True):
        declined.response = UpsellOffer.Response.ACCEPTED
        declined.save(update_fields=["response"])
    rows, _total, _trends = assert_same_as_live(D, D)
    assert rows[0]["offers_by_reason"]["special"] == (1, 1)


def test_a_deleted_call_invalidates_its_day(desk, django_capture_on_commit_callbacks):
    _a, b, _c = desk
    roll_all()
    with django_capture_on_commit_callbacks(execute=True):
        Call.objects.get(operator=b, started_at=at(D, 9)).delete()
    rows, _total, _trends = assert_same_as_live(D, D)
    assert [r["operator"] for r in rows] == [desk[0].pk]


def test_today_and_yesterday_are_never_rolled_up():
    operator = make_staff(role=Role.OPERATOR)
    now = timezone.localtime()
    for days_ago in (0, 1, 2):
        closed_call(operator, now - timedelta(days=days_ago, minutes=5), 60)
    today = timezone.localdate()
    assert rollup.roll_up(date_from=today - timedelta(days=1), date_to=today).days == 0
    done = rollup.roll_up_pending()
    assert done.days in (1, 2)  # the day before yesterday (and the day before, near midnight)
    rolled = set(CriteriaDay.objects.values_list("day", flat=True))
    assert today not in rolled and today - timedelta(days=1) not in rolled
    assert today - timedelta(days=2) in rolled
    week = (today - timedelta(days=6), today)
    rows = operator_criteria(date_from=week[0], date_to=week[1])
    assert rows[0].calls == 3
    with computed_live():
        assert figures(operator_criteria(date_from=week[0], date_to=week[1])[0]) == figures(rows[0])


def test_rolling_up_twice_changes_nothing(odd_seconds):
    first = roll_all()
    rows = list(OperatorDay.objects.order_by("day", "operator").values())
    assert roll_all().days == 0  # nothing pending
    again = rollup.roll_up(date_from=WIDE[0], date_to=rollup.last_rollable_day())  # forced
    assert again == first
    assert [{k: v for k, v in r.items() if k != "id"} for r in rows] == [
        {k: v for k, v in r.items() if k != "id"}
        for r in OperatorDay.objects.order_by("day", "operator").values()
    ]


def test_records_of_today_cost_no_query_and_old_ones_mark_their_days(
    django_capture_on_commit_callbacks,
):
    operator = make_staff(role=Role.OPERATOR)
    today_call = CallFactory(operator=operator)
    old_call = CallFactory(operator=operator, started_at=at(D, 10))
    # the operator's hot path: saving a record of today runs exactly its own UPDATE
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        today_call.notes = "перезвонить"
        today_call.save(update_fields=["notes"])
    assert len(queries) == 1 and callbacks == []
    assert not CriteriaDay.objects.exists()
    # a record of a closed day marks its day and the day before, after the commit
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        old_call.notes = "исправлено"
        old_call.save(update_fields=["notes"])
    assert len(callbacks) == 1
    marked = CriteriaDay.objects.order_by("day")
    assert [(d.day, d.rolled_at, d.changed_at is not None) for d in marked] == [(D, None, True)]


def test_the_days_a_record_can_count_on():
    # a call counts on the day it started; an order or offer on its call's day, within a
    # day of its own time
    assert rollup.days_of(exact=[at(D, 10)]) == {D}
    assert rollup.days_of(around=[at(D, 10)], exact=[None]) == {PREV, D, NEXT}
    today = timezone.localdate()
    yesterday = timezone.localtime() - timedelta(days=1)
    assert rollup.days_of(around=[yesterday]) == {
        today - timedelta(days=2),
        yesterday.date(),
        today,  # left out by mark_changed: today is never rolled
    }


def test_mark_changed_ignores_days_that_are_never_rolled():
    today = timezone.localdate()
    rollup.mark_changed([today, today - timedelta(days=1)])
    assert not CriteriaDay.objects.exists()
    assert rollup.days_of(around=[timezone.now(), None], exact=[timezone.now()]) == set()


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        rollup.roll_up(date_from=D, date_to=PREV)
    with pytest.raises(ValueError):
        rollup.roll_up_pending(since=D, chunk_days=0)
    future = timezone.localdate() + timedelta(days=3)
    assert rollup.roll_up_pending(since=future) == rollup.RollUp(0, 0)
    assert rollup.roll_up(date_from=future, date_to=future) == rollup.RollUp(0, 0)
    assert rollup.roll_up_pending() == rollup.RollUp(0, 0)  # no calls at all
    assert not CriteriaDay.objects.exists()


def test_chunks_cover_every_pending_day(desk):
    done = rollup.roll_up_pending(since=WIDE[0], chunk_days=2)
    assert done.days == days_since(WIDE[0])
    assert rollup.pending_days(since=WIDE[0]) == []


def test_the_command_and_the_celery_task(desk, capsys):
    call_command("rollup_criteria", since=WIDE[0].isoformat())
    out = capsys.readouterr().out
    assert f"Rolled up {days_since(WIDE[0])} day(s)" in out
    assert CriteriaDay.objects.get(day=D).is_valid
    with pytest.raises(CommandError):
        call_command("rollup_criteria", since="10.03.2026")
    call_command("rollup_criteria", since=(timezone.localdate() + timedelta(days=1)).isoformat())
    assert "Rolled up 0 day(s)" in capsys.readouterr().out
    CriteriaDay.objects.all().delete()
    roll_up_criteria()  # from the day of the first call (PREV)
    assert CriteriaDay.objects.get(day=D).is_valid


def test_the_criteria_page_writes_nothing(client, desk):
    roll_all()
    head = make_staff(role=Role.HEAD, first_name="Глава", last_name="Отдела")
    DepartmentFactory(name="Поддержка продаж", head=head)
    client.force_login(head)
    url = reverse("calls:criteria") + f"?period=custom&date_from={PREV}&date_to={NEXT}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]
    assert writes == []


def test_a_call_back_task_with_nobody_assigned_counts_in_the_desk_trend():
    CallTaskFactory(assigned_to=None, kind=CallTask.Kind.CALL_BACK, due_at=at(D, 12))
    rollup.roll_up(date_from=D, date_to=D)
    assert OperatorDay.objects.get(day=D).operator is None
    assert daily_trend(date_from=D, date_to=D, criterion="debt_blocks") == [(D, 0)]
    points = daily_trend(date_from=D, date_to=D, criterion="callbacks_kept")
    with computed_live():
        assert daily_trend(date_from=D, date_to=D, criterion="callbacks_kept") == points
