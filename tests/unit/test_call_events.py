"""calls.events: one keyword-only creator per CallEvent kind, each recording who did it."""

import inspect
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from calls import events
from calls.models import CallEvent
from calls.routing import Route, RouteRule
from clients.debt import DebtCheck
from orderdesk.roles import Role
from tests.factories import (
    CallFactory,
    CallTaskFactory,
    ClientFactory,
    DepartmentFactory,
    FeedbackFactory,
    OrderFactory,
    ProductFactory,
    TransferFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

CREATORS = {
    CallEvent.Kind.STARTED: events.call_started,
    CallEvent.Kind.IDENTIFIED: events.caller_identified,
    CallEvent.Kind.CLIENT_CREATED: events.client_registered,
    CallEvent.Kind.PURPOSE: events.purpose_chosen,
    CallEvent.Kind.ROUTED: events.routed,
    CallEvent.Kind.TRANSFERRED: events.transferred,
    CallEvent.Kind.DEBT_CHECKED: events.debt_checked,
    CallEvent.Kind.REFERENCE: events.reference_given,
    CallEvent.Kind.PRICE_LIST_SENT: events.price_list_sent,
    CallEvent.Kind.FEEDBACK: events.feedback_recorded,
    CallEvent.Kind.ORDER_STARTED: events.order_started,
    CallEvent.Kind.ORDER_ACCEPTED: events.order_accepted,
    CallEvent.Kind.OFFER_ANSWERED: events.offer_answered,
    CallEvent.Kind.SURVEY_ANSWERED: events.survey_answered,
    CallEvent.Kind.WRAPPED_UP: events.wrapped_up,
    CallEvent.Kind.ABANDONED: events.abandoned,
}


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, last_name="Операторова")


@pytest.fixture
def call(operator):
    return CallFactory(operator=operator, client=ClientFactory(name="ООО «Ромашка»"))


def stored(event):
    event.refresh_from_db()
    return event


def test_there_is_one_keyword_only_creator_per_kind_and_each_takes_by():
    assert set(CREATORS) == set(CallEvent.Kind)
    for creator in CREATORS.values():
        parameters = inspect.signature(creator).parameters.values()
        assert all(p.kind == p.KEYWORD_ONLY for p in parameters), creator.__name__
        assert "by" in inspect.signature(creator).parameters, creator.__name__


def test_the_generic_record_event_is_gone():
    import calls.services

    assert not hasattr(calls.services, "record_event")


def test_call_started_and_caller_identified(call, operator):
    started = stored(events.call_started(call=call, by=operator))
    assert (started.kind, started.by, started.data) == (
        CallEvent.Kind.STARTED,
        operator,
        {"phone": call.phone, "direction": call.direction},
    )
    identified = stored(events.caller_identified(call=call, by=operator))
    assert identified.data == {
        "known": True,
        "client_id": call.client_id,
        "client": "ООО «Ромашка»",
    }
    call.client = None
    unknown = stored(events.caller_identified(call=call, by=operator))
    assert unknown.data == {"known": False, "client_id": None, "client": None}


def test_client_registered_purpose_and_routed(call, operator):
    registered = stored(events.client_registered(call=call, by=operator, client=call.client))
    assert registered.data == {
        "client_id": call.client_id,
        "client": call.client.name,
        "client_type": call.client.client_type.code,
    }
    purpose = stored(events.purpose_chosen(call=call, by=operator, purpose="order"))
    assert (purpose.kind, purpose.data) == (CallEvent.Kind.PURPOSE, {"purpose": "order"})
    manager = make_staff(role=Role.MANAGER)
    department = DepartmentFactory()
    route = Route(target=manager, department=department, rule=RouteRule.DEBT_MANAGER, reason="x")
    routed = stored(events.routed(call=call, by=operator, route=route))
    assert routed.data == {
        "rule": "debt_manager",
        "reason": "x",
        "target_id": manager.pk,
        "department_id": department.pk,
    }


def test_transferred_names_the_transfer_and_the_task(call, operator):
    manager = make_staff(role=Role.MANAGER, first_name="Мария", last_name="Иванова")
    transfer = TransferFactory(call=call, to_user=manager, rule="key_manager", reason="Ключевой")
    task = CallTaskFactory(client=call.client)
    event = stored(events.transferred(call=call, by=operator, transfer=transfer, task=task))
    assert event.data == {
        "transfer_id": transfer.pk,
        "rule": "key_manager",
        "reason": "Ключевой",
        "to_user_id": manager.pk,
        "to_user": "Иванова Мария",
        "to_department_id": transfer.to_department_id,
        "task_id": task.pk,
    }


def test_debt_checked_records_the_verdict_with_amounts(call, operator):
    check = DebtCheck(
        outstanding=Decimal("12500.00"),
        overdue=Decimal("12500.00"),
        credit_limit=None,
        excess=Decimal("0.00"),
        blocked=True,
        reasons=["Overdue debt 12 500,00 ₽"],
    )
    event = stored(events.debt_checked(call_id=call.pk, by=operator, check=check))
    assert (event.call, event.kind, event.by) == (call, CallEvent.Kind.DEBT_CHECKED, operator)
    assert event.data == {
        "blocked": True,
        "reasons": ["Overdue debt 12 500,00 ₽"],
        "outstanding": "12500.00",
        "overdue": "12500.00",
        "credit_limit": None,
        "excess": "0.00",
    }


def test_reference_price_list_and_feedback(call, operator):
    reference = stored(
        events.reference_given(
            call=call, by=operator, topic="prices", details={"p": Decimal("1.5")}
        )
    )
    assert reference.data == {"topic": "prices", "details": {"p": "1.5"}}
    sent = stored(events.price_list_sent(call=call, by=operator, email="a@b.ru", fmt="csv"))
    assert sent.data == {"email": "a@b.ru", "format": "csv"}
    department = DepartmentFactory()
    feedback = FeedbackFactory(call=call, kind="complaint")
    feedback.departments.set([department])
    recorded = stored(events.feedback_recorded(call=call, by=operator, feedback=feedback))
    assert recorded.data == {
        "feedback_id": feedback.pk,
        "feedback_kind": "complaint",
        "departments": [department.pk],
    }


def test_order_events_take_the_call_id(call, operator):
    order = OrderFactory(call=call, client=call.client, number="ЗК-0000042", total="150.50")
    started = stored(events.order_started(call_id=call.pk, by=operator, order=order))
    assert (started.call, started.data) == (call, {"order": order.pk})
    accepted = stored(events.order_accepted(call_id=call.pk, by=operator, order=order))
    assert accepted.data == {"order": order.pk, "number": "ЗК-0000042", "total": "150.50"}
    product = ProductFactory()
    answered = stored(
        events.offer_answered(
            call_id=call.pk,
            by=operator,
            order=order,
            product=product,
            reason="new",
            response="accepted",
        )
    )
    assert answered.data == {
        "order": order.pk,
        "product": product.pk,
        "reason": "new",
        "response": "accepted",
    }


def test_wrapped_up_and_abandoned(call, operator):
    from calls.models import CallOutcome

    outcome = CallOutcome.objects.get(code="call_back")
    due = timezone.now() + timedelta(hours=1)
    task = CallTaskFactory(client=call.client)
    wrapped = stored(
        events.wrapped_up(
            call=call,
            by=operator,
            outcome=outcome,
            duration_seconds=95,
            callback_at=due,
            callback_task=task,
        )
    )
    assert wrapped.data["outcome"] == "call_back"
    assert wrapped.data["duration_seconds"] == 95
    assert wrapped.data["callback_task_id"] == task.pk
    assert wrapped.data["callback_at"].startswith(due.isoformat()[:19])
    other = CallFactory(operator=operator)
    now = timezone.now()
    created = events.abandoned(call_ids=[call.pk, other.pk], by=None, at=now, note="no activity")
    assert [(e.call_id, e.kind, e.by, e.at, e.data) for e in created] == [
        (call.pk, CallEvent.Kind.ABANDONED, None, now, {"note": "no activity"}),
        (other.pk, CallEvent.Kind.ABANDONED, None, now, {"note": "no activity"}),
    ]
    assert CallEvent.objects.filter(kind=CallEvent.Kind.ABANDONED).count() == 2
