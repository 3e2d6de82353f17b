"""calls.flow: the call-script steps, their guards and where an unready step sends you."""

import pytest

from calls.errors import StepNotReady
from calls.flow import GUARDS, Step, first_unready_step, guard, next_step, require_step
from calls.models import Call, Purpose
from calls.routing import Route, RouteRule
from tests.factories import CallFactory, ClientFactory, TransferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unknown_call():
    return CallFactory(client=None)


@pytest.fixture
def identified_call():
    return CallFactory(client=ClientFactory())


def with_purpose(call, purpose):
    call.purpose = purpose
    call.save()
    return call


def test_steps_are_the_call_script():
    assert Step.values == [
        "identify",
        "new_client",
        "purpose",
        "route",
        "reference",
        "feedback",
        "order",
        "survey",  # issue 8: an outbound campaign's survey is a step of the script
        "wrap_up",
    ]
    assert set(GUARDS) == set(Step)


def test_every_step_of_an_open_call_has_a_guard_function(identified_call):
    with_purpose(identified_call, Purpose.ORDER)
    for step, step_guard in GUARDS.items():
        expected = "The caller is already identified as" if step == Step.NEW_CLIENT else None
        message = step_guard(identified_call)
        assert (message is None) if expected is None else message.startswith(expected)


def test_unknown_caller_may_register_but_not_choose_a_purpose(unknown_call):
    assert guard(unknown_call, Step.IDENTIFY) is None
    assert guard(unknown_call, Step.NEW_CLIENT) is None
    assert guard(unknown_call, Step.PURPOSE) == (
        "Identify the caller or register a new client first."
    )


def test_purpose_needs_a_client(unknown_call):
    assert first_unready_step(unknown_call, Step.PURPOSE) == Step.NEW_CLIENT


def test_registered_new_client_may_choose_a_purpose(unknown_call):
    unknown_call.client = ClientFactory(manager=None)
    assert guard(unknown_call, Step.PURPOSE) is None
    assert first_unready_step(unknown_call, Step.PURPOSE) is None


def test_identified_caller_skips_registration(identified_call):
    assert guard(identified_call, Step.NEW_CLIENT).startswith("The caller is already identified as")
    assert first_unready_step(identified_call, Step.NEW_CLIENT) == Step.PURPOSE


def test_route_needs_a_purpose(identified_call):
    assert guard(identified_call, Step.ROUTE) == "Choose the purpose of the call first."
    assert first_unready_step(identified_call, Step.ROUTE) == Step.PURPOSE
    with_purpose(identified_call, Purpose.OTHER)
    assert guard(identified_call, Step.ROUTE) is None


def test_route_of_unknown_caller_sends_back_to_registration(unknown_call):
    assert first_unready_step(unknown_call, Step.ROUTE) == Step.NEW_CLIENT


@pytest.mark.parametrize("step", [Step.REFERENCE, Step.FEEDBACK, Step.ORDER])
def test_purpose_steps_need_a_purpose(identified_call, step):
    assert first_unready_step(identified_call, step) == Step.PURPOSE


def test_order_needs_the_order_purpose(identified_call):
    with_purpose(identified_call, Purpose.REFERENCE)
    assert guard(identified_call, Step.ORDER) == (
        "The caller did not call about an order; change the purpose first."
    )
    assert first_unready_step(identified_call, Step.ORDER) == Step.PURPOSE
    with_purpose(identified_call, Purpose.ORDER)
    assert first_unready_step(identified_call, Step.ORDER) is None


@pytest.mark.parametrize("step", [Step.REFERENCE, Step.FEEDBACK, Step.ORDER])
def test_after_a_transfer_only_wrap_up_is_left(identified_call, step):
    with_purpose(identified_call, Purpose.ORDER)
    TransferFactory(call=identified_call)
    assert guard(identified_call, step) == "The call was transferred; wrap it up."
    assert first_unready_step(identified_call, step) == Step.WRAP_UP


@pytest.mark.parametrize("step", [s for s in Step if s != Step.WRAP_UP])
def test_a_closed_call_only_shows_wrap_up(identified_call, step):
    with_purpose(identified_call, Purpose.ORDER)
    identified_call.status = Call.Status.CLOSED
    assert guard(identified_call, step) == "This call has ended."
    assert first_unready_step(identified_call, step) == Step.WRAP_UP


def test_closed_unknown_call_does_not_loop(unknown_call):
    unknown_call.status = Call.Status.ABANDONED
    assert first_unready_step(unknown_call, Step.NEW_CLIENT) == Step.WRAP_UP
    assert first_unready_step(unknown_call, Step.PURPOSE) == Step.WRAP_UP


@pytest.mark.parametrize("status", Call.Status.values)
def test_wrap_up_is_always_ready_once_started(unknown_call, status):
    unknown_call.status = status
    assert guard(unknown_call, Step.WRAP_UP) is None
    assert first_unready_step(unknown_call, Step.WRAP_UP) is None


def test_require_step_raises_with_the_step_to_go_back_to(unknown_call):
    with pytest.raises(StepNotReady) as error:
        require_step(unknown_call, Step.ROUTE)
    assert error.value.step == Step.NEW_CLIENT
    assert str(error.value) == "Identify the caller or register a new client first."


def test_require_step_passes_when_ready(identified_call):
    require_step(identified_call, Step.PURPOSE)


# --- next_step ------------------------------------------------------------------------


def test_next_step_of_unknown_caller_is_registration(unknown_call):
    assert next_step(unknown_call) == Step.NEW_CLIENT


def test_next_step_of_identified_caller_is_purpose(identified_call):
    assert next_step(identified_call) == Step.PURPOSE


@pytest.mark.parametrize(
    ("purpose", "step"),
    [
        (Purpose.ORDER, Step.ORDER),
        (Purpose.REFERENCE, Step.REFERENCE),
        (Purpose.FEEDBACK, Step.FEEDBACK),
        (Purpose.OTHER, Step.ROUTE),
    ],
)
def test_next_step_follows_the_purpose(identified_call, purpose, step):
    assert next_step(with_purpose(identified_call, purpose)) == step


def test_next_step_shows_the_route_when_the_call_is_to_be_transferred(identified_call):
    with_purpose(identified_call, Purpose.ORDER)
    transfer = Route(target=None, department=None, rule=RouteRule.KEY_MANAGER, reason="x")
    keep = Route(target=None, department=None, rule=RouteRule.OPERATOR, reason="x")
    assert next_step(identified_call, route=keep) == Step.ORDER
    # a transfer without anyone to take it is no transfer
    assert next_step(identified_call, route=transfer) == Step.ORDER
    transfer = Route(
        target=identified_call.operator, department=None, rule=RouteRule.KEY_MANAGER, reason="x"
    )
    assert next_step(identified_call, route=transfer) == Step.ROUTE


def test_next_step_after_transfer_is_wrap_up(identified_call):
    with_purpose(identified_call, Purpose.ORDER)
    TransferFactory(call=identified_call)
    assert next_step(identified_call) == Step.WRAP_UP


def test_next_step_of_closed_call_is_wrap_up(identified_call):
    identified_call.status = Call.Status.CLOSED
    assert next_step(identified_call) == Step.WRAP_UP


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [("reference", "information_given"), ("feedback", "complaint_recorded"), ("other", "")],
)
def test_suggested_outcome_follows_the_purpose(purpose, expected):
    from calls.selectors import suggested_outcome
    from tests.factories import CallFactory

    call = CallFactory(purpose=purpose)
    assert suggested_outcome(call) == expected
