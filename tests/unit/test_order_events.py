"""orders.events: every orders service records who changed the order, and how it reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import override

from calls.models import CallEvent
from orderdesk.roles import Role
from orders import events, services
from orders.errors import OrderInvalid
from orders.models import Order, OrderEvent, UpsellOffer
from orders.notifications import send_confirmation
from tests.factories import (
    CallFactory,
    OrderingClientFactory,
    UserFactory,
)
from tests.unit.test_order_services import (
    accept,
    offerable_product,
    priced,
    ready_order,
)

pytestmark = pytest.mark.django_db

D = Decimal
Kind = OrderEvent.Kind
Status = Order.Status


@pytest.fixture
def operator():
    return UserFactory(role=Role.OPERATOR)


@pytest.fixture
def colleague(client_):
    """Someone other than the operator who took the order: the client's manager, who may
    also move it along after acceptance."""
    return client_.manager


@pytest.fixture
def client_():
    return OrderingClientFactory(credit_limit=None)


def kinds(order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


def last(order) -> OrderEvent:
    return OrderEvent.objects.filter(order=order).order_by("at", "id").last()


def test_starting_records_the_event_with_who_started(client_, operator):
    call = CallFactory(client=client_, operator=operator)
    order = services.start_order(client=client_, operator=operator, call=call, by=operator)

    event = last(order)
    assert (event.kind, event.by, event.data["call"]) == (Kind.STARTED, operator, call.pk)
    call_event = CallEvent.objects.get(call=call, kind=CallEvent.Kind.ORDER_STARTED)
    assert call_event.by == operator


def test_line_changes_are_recorded_with_the_person_acting(client_, operator, colleague):
    order = services.start_order(client=client_, operator=operator, by=operator)
    product = priced("12.50", name="Хлеб")

    services.set_line(order=order, product=product, quantity="2", by=colleague)
    services.set_line(order=order, product=product, quantity="3", by=colleague)
    services.set_line(order=order, product=product, quantity="3", by=colleague)  # no change
    services.remove_line(order=order, product=product, by=colleague)

    rows = list(OrderEvent.objects.filter(order=order).exclude(kind=Kind.STARTED))
    assert [(e.kind, e.by) for e in rows] == [
        (Kind.LINE_SET, colleague),
        (Kind.LINE_SET, colleague),
        (Kind.LINE_REMOVED, colleague),
    ]
    added, changed, removed = (e.data for e in rows)
    assert added == {
        "product": product.pk,
        "product_name": "Хлеб",
        "old": None,
        "new": "2.000",
        "origin": "manual",
    }
    assert (changed["old"], changed["new"]) == ("2.000", "3.000")
    assert removed["old"] == "3.000"


def test_an_offer_answer_is_recorded_by_the_person_acting_not_the_orders_operator(
    client_, operator, colleague
):
    call = CallFactory(client=client_, operator=operator)
    order = services.start_order(client=client_, operator=operator, call=call, by=operator)
    product = offerable_product()

    services.record_offer(
        order=order,
        product=product,
        reason=UpsellOffer.Reason.NEW,
        response=UpsellOffer.Response.DECLINED,
        by=colleague,
    )

    event = last(order)
    assert (event.kind, event.by) == (Kind.OFFER_ANSWERED, colleague)
    assert event.data["response"] == "declined" and event.data["reason"] == "new"
    call_event = CallEvent.objects.get(call=call, kind=CallEvent.Kind.OFFER_ANSWERED)
    assert call_event.by == colleague


def test_repeating_the_last_order_is_recorded(client_, operator):
    previous = accept(ready_order(client_, operator, amount="40.00"), operator)
    order = services.start_order(client=client_, operator=operator, by=operator)

    services.repeat_last_order(order=order, by=operator)

    event = last(order)
    assert event.kind == Kind.REPEATED
    assert event.data["previous_number"] == previous.number
    assert len(event.data["added"]) == 1


def test_delivery_and_acceptance_are_recorded(client_, operator):
    order = ready_order(client_, operator)  # delivery set by order.operator
    accepted = accept(order, operator)

    assert kinds(accepted) == [Kind.STARTED, Kind.LINE_SET, Kind.DELIVERY_SET, Kind.ACCEPTED]
    event = last(accepted)
    assert event.data == {"number": accepted.number, "total": "300.00"}
    assert event.by == operator


def test_status_changes_record_old_and_new(client_, operator, colleague):
    order = accept(ready_order(client_, operator), operator)

    services.change_status(order=order, status=Status.IN_FULFILMENT, by=colleague)
    services.change_status(order=order, status=Status.IN_FULFILMENT, by=colleague)  # no change
    services.change_status(order=order, status=Status.DELIVERED, by=colleague)

    rows = OrderEvent.objects.filter(order=order, kind=Kind.STATUS_CHANGED)
    assert [(e.data["old"], e.data["new"], e.by) for e in rows] == [
        ("accepted", "in_fulfilment", colleague),
        ("in_fulfilment", "delivered", colleague),
    ]


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_without_a_reason_is_refused_and_changes_nothing(
    client_, operator, colleague, reason
):
    order = accept(ready_order(client_, operator), operator)
    before = OrderEvent.objects.count()

    with pytest.raises(OrderInvalid) as error:
        services.change_status(order=order, status=Status.CANCELLED, by=colleague, reason=reason)

    assert "why the order is cancelled" in error.value.message
    assert Order.objects.get(pk=order.pk).status == Status.ACCEPTED
    assert OrderEvent.objects.count() == before


def test_cancelling_records_the_reason_and_the_old_status(client_, operator, colleague):
    order = accept(ready_order(client_, operator), operator)

    services.change_status(
        order=order, status=Status.CANCELLED, by=colleague, reason="  Клиент закрылся  "
    )

    event = last(order)
    assert (event.kind, event.by) == (Kind.CANCELLED, colleague)
    assert event.data == {"reason": "Клиент закрылся", "old": "accepted"}


def test_a_quantity_change_after_acceptance_is_recorded_with_totals(client_, operator, colleague):
    order = accept(ready_order(client_, operator, amount="100.00"), operator)
    product = order.lines.get().product

    services.change_quantity_on_accepted(order=order, product=product, quantity="3", by=colleague)

    event = last(order)
    assert (event.kind, event.by) == (Kind.QUANTITY_CHANGED, colleague)
    assert event.data == {
        "product": product.pk,
        "product_name": product.name,
        "old": "1.000",
        "new": "3.000",
        "old_total": "100.00",
        "new_total": "300.00",
    }


def test_sending_the_confirmation_is_recorded(
    client_, operator, mailoutbox, django_capture_on_commit_callbacks
):
    order = accept(ready_order(client_, operator), operator)

    with django_capture_on_commit_callbacks(execute=True):
        send_confirmation(order=order, to="buh@client.example", by=operator)

    assert mailoutbox[0].to == ["buh@client.example"]
    event = last(order)
    assert (event.kind, event.data, event.by) == (
        Kind.CONFIRMATION_SENT,
        {"to": "buh@client.example"},
        operator,
    )


def test_event_data_is_json_safe_and_orders_keep_their_history_in_time_order(client_, operator):
    order = accept(ready_order(client_, operator), operator)
    rows = list(order.events.all())
    assert [e.kind for e in rows] == kinds(order)
    assert all(
        isinstance(value, str | int | list | type(None)) for e in rows for value in e.data.values()
    )


# --- the sentences ------------------------------------------------------------------------


def event(kind, **data) -> OrderEvent:
    return OrderEvent(kind=kind, data=data, at=timezone.now())


@pytest.mark.parametrize(
    ("kind", "data", "sentence"),
    [
        (Kind.STARTED, {}, "Order started"),
        (
            Kind.LINE_SET,
            {"product_name": "Хлеб", "old": None, "new": "2.000"},
            "Line added: Хлеб × 2",
        ),
        (
            Kind.LINE_SET,
            {"product_name": "Хлеб", "old": "2.000", "new": "3.500"},
            "Quantity of Хлеб: 2 → 3.5",
        ),
        (Kind.LINE_REMOVED, {"product_name": "Хлеб", "old": "1.000"}, "Line removed: Хлеб"),
        (
            Kind.STATUS_CHANGED,
            {"old": "accepted", "new": "in_fulfilment"},
            "Status changed: Accepted → In fulfilment",
        ),
        (
            Kind.CANCELLED,
            {"old": "accepted", "reason": "Клиент передумал"},
            "Cancelled (was accepted): Клиент передумал",
        ),
        (Kind.CONFIRMATION_SENT, {"to": "a@b.example"}, "Confirmation sent to a@b.example"),
        (
            Kind.OFFER_ANSWERED,
            {"product_name": "Сыр", "reason": "assortment", "response": "declined"},
            "Offered Сыр (From our assortment): declined",
        ),
    ],
)
def test_describe_gives_a_sentence_per_kind(kind, data, sentence):
    assert events.describe(event(kind, **data)) == sentence


def test_describe_money_and_the_arrival_window():
    quantity = event(
        Kind.QUANTITY_CHANGED,
        product_name="Сыр",
        old="1.000",
        new="3.000",
        old_total="100.00",
        new_total="300.00",
    )
    assert events.describe(quantity) == (
        "Quantity of Сыр changed after acceptance: 1 → 3; total 100.00 ₽ → 300.00 ₽"
    )
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    arrival = event(
        Kind.ARRIVAL_ANNOUNCED,
        starts_at=start.isoformat(),
        ends_at=(start + timedelta(hours=2)).isoformat(),
        to=["ivan@client.example", "+79161234567"],
        channel="email, sms",
    )
    sentence = events.describe(arrival)
    assert sentence.startswith("Arrival announced: ")
    assert sentence.endswith("sent to ivan@client.example, +79161234567")
    assert timezone.localtime(start).strftime("%H:%M") in sentence


def test_describe_is_translated():
    with override("ru"):
        sentence = events.describe(event(Kind.STATUS_CHANGED, old="accepted", new="in_fulfilment"))
    assert sentence == "Статус изменён: Принят → В работе"


def test_every_kind_has_a_sentence():
    for kind in Kind:
        assert events.describe(event(kind)) != kind.value
