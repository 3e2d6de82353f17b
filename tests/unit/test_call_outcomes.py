"""calls.outcomes: a call closes only with an outcome that tells the truth about it."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.utils import timezone

from calls import events
from calls.errors import CallError
from calls.models import Call, CallEvent, CallOutcome, OutcomeCode, Purpose
from calls.outcomes import fitting_outcomes, outcome_problem
from calls.routing import Route, RouteRule
from calls.selectors import suggested_outcome
from calls.services import choose_purpose, start_call, wrap_up
from clients.debt import DebtCheck
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    CallFactory,
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    OrderFactory,
    TransferFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

PHONE = "+74951000005"


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR)


@pytest.fixture
def call(operator):
    wholesale = DepartmentFactory(
        kind=Department.Kind.WHOLESALE, head=make_staff(role=Role.HEAD, last_name="Орлов")
    )
    client_type = ClientTypeFactory(code="retail", department=wholesale)
    ClientFactory(client_type=client_type, manager=make_staff(role=Role.MANAGER), phone=PHONE)
    return start_call(phone=PHONE, operator=operator)


def codes(outcomes):
    return [o.code for o in outcomes]


def outcome(code):
    return CallOutcome.objects.get(code=code)


def accept_order_on(call, status=Order.Status.ACCEPTED):
    return OrderFactory(call=call, client=call.client, operator=call.operator, status=status)


def blocked_check():
    return DebtCheck(
        outstanding=Decimal("100.00"),
        overdue=Decimal("100.00"),
        credit_limit=None,
        excess=Decimal("0.00"),
        blocked=True,
        reasons=["overdue"],
    )


def assert_refused(call, operator, code, message):
    with pytest.raises(CallError, match=message):
        wrap_up(call=call, outcome_code=code, notes="x", by=operator)
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert call.outcome is None and call.notes == ""
    assert not call.events.filter(kind=CallEvent.Kind.WRAPPED_UP).exists()


# --- what the issue saw ---------------------------------------------------------------


def test_a_reference_call_cannot_close_as_order_taken(call, operator):
    choose_purpose(call=call, purpose=Purpose.REFERENCE, by=operator)
    assert_refused(call, operator, OutcomeCode.ORDER_TAKEN, "no order was accepted")


def test_a_client_in_good_standing_cannot_close_as_blocked_by_debt(call, operator):
    choose_purpose(call=call, purpose=Purpose.ORDER, by=operator)
    assert_refused(call, operator, OutcomeCode.DEBT_BLOCKED, "no debt block")


# --- each rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [Order.Status.ACCEPTED, Order.Status.IN_FULFILMENT, Order.Status.DELIVERED]
)
def test_an_accepted_order_allows_order_taken(call, operator, status):
    accept_order_on(call, status)
    wrap_up(call=call, outcome_code=OutcomeCode.ORDER_TAKEN, notes="", by=operator)
    call.refresh_from_db()
    assert call.outcome.code == OutcomeCode.ORDER_TAKEN


@pytest.mark.parametrize("status", [Order.Status.DRAFT, Order.Status.CANCELLED])
def test_a_draft_or_cancelled_order_is_no_sale(call, operator, status):
    accept_order_on(call, status)
    assert_refused(call, operator, OutcomeCode.ORDER_TAKEN, "no order was accepted")


def test_an_order_of_another_call_is_no_sale_on_this_one(call, operator):
    OrderFactory(client=call.client, status=Order.Status.ACCEPTED)
    assert_refused(call, operator, OutcomeCode.ORDER_TAKEN, "no order was accepted")


@pytest.mark.parametrize(
    "code",
    [OutcomeCode.INFORMATION_GIVEN, OutcomeCode.NO_ANSWER, OutcomeCode.TRANSFERRED],
)
def test_a_call_with_an_accepted_order_must_close_as_a_sale(call, operator, code):
    accept_order_on(call)
    TransferFactory(call=call)
    assert_refused(call, operator, code, "An order was accepted")


def test_a_sale_outcome_added_by_an_admin_follows_the_same_rule(call, operator):
    CallOutcome.objects.create(code="big_sale", name="Крупная продажа", is_sale=True)
    assert_refused(call, operator, "big_sale", "no order was accepted")
    accept_order_on(call)
    wrap_up(call=call, outcome_code="big_sale", notes="", by=operator)


def test_transferred_needs_a_transfer(call, operator):
    assert_refused(call, operator, OutcomeCode.TRANSFERRED, "not transferred")
    TransferFactory(call=call)
    wrap_up(call=call, outcome_code=OutcomeCode.TRANSFERRED, notes="", by=operator)


@pytest.mark.parametrize("rule", [RouteRule.DEBT_MANAGER, RouteRule.DEBT_FINANCE])
def test_debt_blocked_when_the_routing_sent_the_order_away_for_debt(call, operator, rule):
    route = Route(target=None, department=None, rule=rule, reason="Долг")
    events.routed(call=call, by=operator, route=route)
    wrap_up(call=call, outcome_code=OutcomeCode.DEBT_BLOCKED, notes="", by=operator)


def test_debt_blocked_when_acceptance_was_blocked(call, operator):
    events.debt_checked(call_id=call.pk, by=operator, check=blocked_check())
    wrap_up(call=call, outcome_code=OutcomeCode.DEBT_BLOCKED, notes="", by=operator)


def test_a_debt_check_that_passed_or_another_route_or_call_is_no_block(call, operator):
    # given: a check that passed, a route that is not about debt, a block on another call
    events.debt_checked(call_id=call.pk, by=operator, check=replace(blocked_check(), blocked=False))
    route = Route(target=None, department=None, rule=RouteRule.KEY_MANAGER, reason="Ключевой")
    events.routed(call=call, by=operator, route=route)
    other = CallFactory(operator=operator, status=Call.Status.CLOSED)
    events.debt_checked(call_id=other.pk, by=operator, check=blocked_check())
    # then
    assert_refused(call, operator, OutcomeCode.DEBT_BLOCKED, "no debt block")


def test_abandoned_is_not_for_the_operator_to_choose(call, operator):
    assert_refused(call, operator, OutcomeCode.ABANDONED, "nobody wrapped up")


# --- the choices offered --------------------------------------------------------------


def test_a_reference_call_is_offered_only_what_fits(call, operator):
    choose_purpose(call=call, purpose=Purpose.REFERENCE, by=operator)
    assert codes(fitting_outcomes(call)) == [
        OutcomeCode.INFORMATION_GIVEN,
        OutcomeCode.COMPLAINT_RECORDED,
        OutcomeCode.NO_ANSWER,
        OutcomeCode.CALL_BACK,
    ]
    assert outcome_problem(call, outcome(OutcomeCode.INFORMATION_GIVEN)) is None
    assert outcome_problem(call, outcome(OutcomeCode.ORDER_TAKEN))


def test_a_call_with_an_accepted_order_is_offered_only_sales(call, operator):
    accept_order_on(call)
    assert codes(fitting_outcomes(call)) == [OutcomeCode.ORDER_TAKEN]


def test_a_transferred_debtor_is_offered_transferred_and_debt_blocked(call, operator):
    route = Route(target=None, department=None, rule=RouteRule.DEBT_MANAGER, reason="Долг")
    events.routed(call=call, by=operator, route=route)
    TransferFactory(call=call, rule=RouteRule.DEBT_MANAGER)
    offered = codes(fitting_outcomes(call))
    assert OutcomeCode.TRANSFERRED in offered and OutcomeCode.DEBT_BLOCKED in offered
    assert OutcomeCode.ORDER_TAKEN not in offered


def test_inactive_outcomes_are_not_offered(call):
    CallOutcome.objects.filter(code=OutcomeCode.NO_ANSWER).update(is_active=False)
    assert OutcomeCode.NO_ANSWER not in codes(fitting_outcomes(call))


def test_fitting_outcomes_take_two_queries(call, operator, django_assert_num_queries):
    accept_order_on(call)
    TransferFactory(call=call)
    with django_assert_num_queries(2):
        fitting_outcomes(call)


# --- the suggestion -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda call: accept_order_on(call), OutcomeCode.ORDER_TAKEN),
        (lambda call: TransferFactory(call=call), OutcomeCode.TRANSFERRED),
        (
            lambda call: events.debt_checked(call_id=call.pk, by=None, check=blocked_check()),
            OutcomeCode.DEBT_BLOCKED,
        ),
    ],
)
def test_the_suggestion_follows_what_happened_and_always_fits(call, setup, expected):
    setup(call)
    suggested = suggested_outcome(call)
    assert suggested == expected
    assert suggested in codes(fitting_outcomes(call))


def test_wrap_up_still_closes_a_fitting_call_with_its_time(call, operator):
    choose_purpose(call=call, purpose=Purpose.REFERENCE, by=operator)
    wrap_up(call=call, outcome_code=OutcomeCode.INFORMATION_GIVEN, notes="", by=operator)
    call.refresh_from_db()
    assert call.status == Call.Status.CLOSED and call.ended_at <= timezone.now()
