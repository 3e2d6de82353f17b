"""Operator criteria on hand-made data; every expected number is worked out in the comments."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from calls.criteria import Criterion, daily_trend, desk_total, operator_criteria, percentile
from calls.models import Call, CallEvent, CallTask, Feedback
from orderdesk.roles import Role
from orders.models import Order, OrderLine, UpsellOffer
from tests.factories import (
    CallFactory,
    CallTaskFactory,
    ClientFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    TransferFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
D = date(2026, 3, 10)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=MSK)


NEXT = D + timedelta(days=1)
PREV = D - timedelta(days=1)


def closed_call(operator, start, seconds, direction=Call.Direction.INBOUND):
    return CallFactory(
        operator=operator,
        started_at=start,
        ended_at=start + timedelta(seconds=seconds),
        status=Call.Status.CLOSED,
        direction=direction,
    )


def taken(operator, *, call, accepted_at, total, status=Order.Status.ACCEPTED, lines=()):
    order = OrderFactory(
        operator=operator,
        client=ClientFactory(),
        call=call,
        status=status,
        accepted_at=accepted_at,
        total=Decimal(total),
    )
    for line_total, origin in lines:
        OrderLineFactory(
            order=order, unit_price=Decimal(line_total), quantity=Decimal("1"), origin=origin
        )
    return order


def offer(order, reason, response, offered_at):
    made = UpsellOffer.objects.create(
        order=order, product=ProductFactory(), reason=reason, response=response
    )
    UpsellOffer.objects.filter(pk=made.pk).update(offered_at=offered_at)
    return made


@pytest.fixture
def desk():
    a = make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Андреева")
    b = make_staff(role=Role.OPERATOR, first_name="Борис", last_name="Борисов")
    c = make_staff(role=Role.OPERATOR, first_name="Вера", last_name="Васильева")
    manual, upsell = OrderLine.Origin.MANUAL, OrderLine.Origin.UPSELL

    # A, call 1: inbound, 300 s; order o1 1000 (700 entered + 300 from an accepted offer)
    call1 = closed_call(a, at(D, 10), 300)
    o1 = taken(
        a, call=call1, accepted_at=at(D, 10, 4), total="1000", lines=[(700, manual), (300, upsell)]
    )
    offer(o1, "new", UpsellOffer.Response.ACCEPTED, at(D, 10, 2))
    offer(o1, "special", UpsellOffer.Response.DECLINED, at(D, 10, 2))
    # A, call 2: OUTBOUND, 600 s; a delivered order o2 of 500 taken on it; a debt check that
    # did not block (not a debt block)
    call2 = closed_call(a, at(D, 12), 600, direction=Call.Direction.OUTBOUND)
    o2 = taken(
        a,
        call=call2,
        accepted_at=at(D, 12, 5),
        total="500",
        status=Order.Status.DELIVERED,
        lines=[(500, manual)],
    )
    offer(o2, "assortment", UpsellOffer.Response.DECLINED, at(D, 12, 3))
    CallEvent.objects.create(
        call=call2, kind=CallEvent.Kind.DEBT_CHECKED, data={"blocked": False}, at=at(D, 12, 1)
    )
    # A, call 3 crosses midnight: 23:50 → 00:10 (1200 s), counts on D; its order o3 (2000,
    # in fulfilment) is accepted after midnight and still counts on D
    call3 = closed_call(a, at(D, 23, 50), 1200)
    taken(
        a,
        call=call3,
        accepted_at=at(NEXT, 0, 5),
        total="2000",
        status=Order.Status.IN_FULFILMENT,
        lines=[(2000, manual)],
    )
    # A, call 4: still open (no handling time); routed to a manager for debt (a debt block),
    # transferred; the order of 9999 was cancelled (no value)
    call4 = CallFactory(operator=a, started_at=at(D, 15))
    CallEvent.objects.create(
        call=call4, kind=CallEvent.Kind.ROUTED, data={"rule": "debt_manager"}, at=at(D, 15, 1)
    )
    # … and a blocking debt check on the same call: still one debt block
    CallEvent.objects.create(
        call=call4, kind=CallEvent.Kind.DEBT_CHECKED, data={"blocked": True}, at=at(D, 15, 2)
    )
    TransferFactory(call=call4, rule="debt_manager")
    taken(a, call=call4, accepted_at=at(D, 15, 2), total="9999", status=Order.Status.CANCELLED)
    # A: an order taken with no call on D (100, one line) counts on its acceptance day
    o6 = taken(a, call=None, accepted_at=at(D, 11), total="100", lines=[(100, manual)])
    # A: a call of the day before whose order was accepted after midnight counts on PREV
    call0 = closed_call(a, at(PREV, 23, 59), 60)
    taken(a, call=call0, accepted_at=at(D, 0, 2), total="50", lines=[(50, manual)])
    # A: call-backs due on D: one kept (10 min late), one 30 min late, one still open
    for due, done in ((16, at(D, 16, 10)), (17, at(D, 17, 30)), (18, None)):
        CallTaskFactory(
            assigned_to=a,
            due_at=at(D, due),
            done_at=done,
            status=CallTask.Status.DONE if done else CallTask.Status.OPEN,
        )
    # A: two complaints against A's orders (one justified), a comment (not a claim)
    Feedback.objects.create(
        kind=Feedback.Kind.COMPLAINT,
        text="Не тот товар",
        order=o1,
        justified=True,
        created_at=at(D, 20),
    )
    Feedback.objects.create(
        kind=Feedback.Kind.COMPLAINT, text="Опоздали", order=o6, created_at=at(D, 21)
    )
    Feedback.objects.create(
        kind=Feedback.Kind.COMMENT, text="Спасибо", order=o2, created_at=at(D, 21)
    )

    # B: one inbound call of 60 s, nothing else
    closed_call(b, at(D, 9), 60)
    # C: no call on D (one on the next day), though an order of C's is accepted on D
    closed_call(c, at(NEXT, 10), 30)
    taken(c, call=None, accepted_at=at(D, 11), total="700", lines=[(700, manual)])
    return a, b, c


def test_one_row_per_operator_with_a_call_in_the_period(desk):
    a, b, c = desk
    rows = operator_criteria(date_from=D, date_to=D)
    assert [row.operator for row in rows] == [a, b]  # C had no call on D: absent


def test_operator_figures_computed_by_hand(desk):
    a, _b, _c = desk
    row = operator_criteria(date_from=D, date_to=D)[0]
    assert row.operator == a
    assert (row.calls, row.calls_inbound, row.calls_outbound) == (4, 3, 1)
    # o1 1000 + o2 500 (delivered, outbound call) + o3 2000 (after midnight) + o6 100;
    # the cancelled 9999 and the previous day's 50 do not count
    assert row.orders == 4
    assert row.order_value == Decimal("3600.00")
    assert row.avg_order_value == Decimal("900.00")
    assert row.lines == 5 and row.lines_per_order == Decimal("1.3")  # 5 / 4 = 1.25
    assert (row.offers_made, row.offers_accepted) == (3, 1)
    assert row.accept_rate == Decimal("33.3")
    assert row.offers_by_reason == {"new": (1, 1), "special": (1, 0), "assortment": (1, 0)}
    assert row.value_added_by_offers == Decimal("300.00")
    assert row.debt_blocks == 1
    assert row.transfers == 1 and row.transfers_by_rule == {"debt_manager": 1}
    # closed calls: 300, 600, 1200 s; the open call has no handling time
    assert row.handled_calls == 3
    assert row.avg_handling_seconds == 700.0
    # percentile_cont(0.9) of 300, 600, 1200: rank 1.8 → 600 + 0.8 × 600 = 1080
    assert row.p90_handling_seconds == 1080.0
    assert (row.callbacks_due, row.callbacks_kept) == (3, 1)
    assert (row.claims, row.claims_justified) == (2, 1)


def test_an_operator_with_calls_only(desk):
    _a, b, _c = desk
    row = operator_criteria(date_from=D, date_to=D)[1]
    assert row.operator == b
    assert (row.calls, row.orders, row.order_value) == (1, 0, Decimal("0.00"))
    assert row.avg_order_value is None and row.accept_rate is None
    assert row.avg_handling_seconds == 60.0 and row.p90_handling_seconds == 60.0


def test_desk_total_adds_up_the_rows(desk):
    total = desk_total(date_from=D, date_to=D)
    assert total.operator is None
    assert (total.calls, total.orders, total.order_value) == (5, 4, Decimal("3600.00"))
    # 60, 300, 600, 1200 s: average 540; p90 at rank 2.7 → 600 + 0.7 × 600 = 1020
    assert total.avg_handling_seconds == 540.0
    assert total.p90_handling_seconds == 1020.0
    assert total.offers_by_reason["new"] == (1, 1)


def test_only_the_operators_asked_for(desk):
    _a, b, _c = desk
    rows = operator_criteria(date_from=D, date_to=D, operators=[b.pk])
    assert [row.operator for row in rows] == [b]


def test_the_call_crossing_midnight_belongs_to_the_day_it_started(desk):
    a, _b, _c = desk
    next_day = operator_criteria(date_from=NEXT, date_to=NEXT, operators=[a])
    assert next_day == []  # A's only activity that day is the end of call 3


def test_a_longer_period_includes_the_day_before(desk):
    a, _b, _c = desk
    row = operator_criteria(date_from=PREV, date_to=D, operators=[a])[0]
    assert row.calls == 5 and row.order_value == Decimal("3650.00")


def test_daily_trend_has_a_point_per_day(desk):
    calls = daily_trend(date_from=PREV, date_to=NEXT, criterion="calls")
    assert calls == [(PREV, 1), (D, 5), (NEXT, 1)]
    value = daily_trend(date_from=PREV, date_to=NEXT, criterion="order_value")
    # D: A's 3600 + C's 700 (the trend is the desk's, whoever had calls)
    assert value == [(PREV, Decimal("50.00")), (D, Decimal("4300.00")), (NEXT, Decimal("0.00"))]
    handling = daily_trend(
        date_from=D, date_to=D, criterion="avg_handling_seconds", operators=[desk[0]]
    )
    assert handling == [(D, 700.0)]


def test_unknown_criterion_and_reversed_period_are_refused():
    with pytest.raises(ValueError):
        daily_trend(date_from=D, date_to=D, criterion="salary")
    with pytest.raises(ValueError):
        operator_criteria(date_from=D, date_to=PREV)


def test_empty_period_has_no_rows_and_an_empty_total():
    assert operator_criteria(date_from=D, date_to=D) == []
    total = desk_total(date_from=D, date_to=D)
    assert total.calls == 0 and total.avg_handling_seconds is None


def test_percentile_interpolates_like_postgresql():
    assert percentile([]) is None
    assert percentile([5.0]) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]) == pytest.approx(9.1)


def test_constant_number_of_queries(desk, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        operator_criteria(date_from=PREV, date_to=NEXT)


@pytest.mark.parametrize("criterion", list(Criterion.LABELS))
def test_every_criterion_has_a_daily_trend_matching_the_rows(desk, criterion):
    a, _b, _c = desk
    points = daily_trend(date_from=D, date_to=D, operators=[a], criterion=criterion)
    row = operator_criteria(date_from=D, date_to=D, operators=[a])[0]
    assert points == [(D, getattr(row, criterion))]
