"""The call script's rules held by the orders services (issue 7): routing, stages, read-back."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from calls.routing import RouteRule
from clients.models import Client
from orders import services
from orders.errors import (
    OrderBlocked,
    OrderError,
    OrderInvalid,
    OrderNotForOperator,
    StageNotReady,
    UpsellIncomplete,
)
from orders.flow import Stage, first_unready_stage, guard, require_stage
from orders.models import Order, OrderEvent
from tests.factories import ReceivableFactory, UserFactory, arrange_delivery
from tests.unit import test_routing as routing_tests
from tests.unit.test_order_services import accept, priced, ready_order, satisfy_upsell
from tests.unit.test_routing import absent, kam, key_client, manager, retail_client

pytestmark = pytest.mark.django_db

org = routing_tests.org  # the departments, heads and client types of the routing tests

TODAY = timezone.localdate
D = Decimal


@pytest.fixture
def operator():
    from orderdesk.roles import Role

    return UserFactory(role=Role.OPERATOR)


# --- routing: the operator takes orders from everyone except key and new clients ------------


def refused_route(client, operator) -> RouteRule:
    with pytest.raises(OrderNotForOperator) as error:
        services.start_order(client=client, operator=operator, by=operator)
    assert isinstance(error.value, OrderError)
    assert error.value.route.reason in error.value.message
    assert not Order.objects.exists() and not OrderEvent.objects.exists()
    return error.value.route.rule


def test_key_client_with_its_manager_present_is_refused(org, operator):
    client = key_client(org, kam(org, "Петров"))
    assert refused_route(client, operator) == RouteRule.KEY_MANAGER


def test_key_client_with_its_manager_absent_is_refused(org, operator):
    petrov = absent(kam(org, "Петров"), until=TODAY() + timedelta(days=3))
    kam(org, "Сидорова")
    assert refused_route(key_client(org, petrov), operator) == RouteRule.KEY_FALLBACK_KAM


def test_key_client_with_no_kam_available_is_refused(org, operator):
    petrov = absent(kam(org, "Петров"), until=TODAY() + timedelta(days=3))
    assert refused_route(key_client(org, petrov), operator) == RouteRule.KEY_HEAD_WHOLESALE


def test_new_client_without_a_manager_is_refused(org, operator):
    assert refused_route(retail_client(org), operator) == RouteRule.NEW_CLIENT_HEAD


def test_unknown_caller_cannot_order(org):
    refusal = services.order_refusal(None)
    assert isinstance(refusal, OrderNotForOperator)
    assert refusal.route.rule == RouteRule.NEW_CLIENT_HEAD


def test_a_client_with_a_manager_in_good_standing_may_order(org, operator):
    client = retail_client(org, manager(org))
    assert services.order_refusal(client) is None
    order = services.start_order(client=client, operator=operator, by=operator)
    assert order.status == Order.Status.DRAFT


def test_a_debtor_is_blocked_not_routed(org, operator):
    client = retail_client(org, manager(org))
    ReceivableFactory(client=client, amount=D("500.00"), due_date=TODAY() - timedelta(days=3))
    with pytest.raises(OrderBlocked):
        services.start_order(client=client, operator=operator, by=operator)


def test_a_key_client_in_debt_is_blocked_first(org, operator):
    client = key_client(org, kam(org, "Петров"))
    ReceivableFactory(client=client, amount=D("500.00"), due_date=TODAY() - timedelta(days=3))
    assert isinstance(services.order_refusal(Client.objects.get(pk=client.pk)), OrderBlocked)


# --- the read-back is required ------------------------------------------------------------


@pytest.fixture
def client_(org):
    return retail_client(org, manager(org), credit_limit=None)


def test_acceptance_without_the_read_back_total_is_refused(client_, operator):
    order = ready_order(client_, operator)
    with pytest.raises(OrderInvalid) as error:
        services.accept_order(order, by=operator, idempotency_key=uuid.uuid4())
    assert "Read the order back first" in error.value.message
    assert Order.objects.get(pk=order.pk).status == Order.Status.DRAFT


# --- the stages ----------------------------------------------------------------------------


def test_a_new_draft_is_at_the_entry(client_, operator):
    order = services.start_order(client=client_, operator=operator, by=operator)
    assert first_unready_stage(order, Stage.ENTRY) is None
    assert first_unready_stage(order, Stage.DELIVERY) == Stage.ENTRY
    assert guard(order, Stage.DELIVERY) == ["Add at least one line first."]
    assert first_unready_stage(order, Stage.REVIEW) == Stage.ENTRY
    assert first_unready_stage(order, Stage.DONE) == Stage.ENTRY


def test_delivery_needs_the_offers_answered(client_, operator):
    order = services.start_order(client=client_, operator=operator, by=operator)
    services.set_line(order=order, product=priced(), quantity="1", by=operator)
    priced(), priced(), priced()  # enough to offer
    assert first_unready_stage(order, Stage.DELIVERY) == Stage.ENTRY
    assert "0 of 3 answered" in guard(order, Stage.DELIVERY)[0]
    satisfy_upsell(order)
    assert first_unready_stage(order, Stage.DELIVERY) is None
    assert first_unready_stage(order, Stage.REVIEW) == Stage.DELIVERY


def test_set_delivery_refuses_an_order_not_at_the_delivery_stage(client_, operator):
    order = services.start_order(client=client_, operator=operator, by=operator)
    with pytest.raises(StageNotReady) as error:
        arrange_delivery(order)
    assert error.value.stage == Stage.ENTRY
    assert not Order.objects.get(pk=order.pk).delivery_date
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.DELIVERY_SET).exists()


def test_review_needs_the_delivery(client_, operator):
    order = ready_order(client_, operator)
    assert first_unready_stage(order, Stage.REVIEW) is None
    Order.objects.filter(pk=order.pk).update(delivery_date=None)
    order.refresh_from_db()
    with pytest.raises(StageNotReady) as error:
        require_stage(order, Stage.REVIEW)
    assert error.value.stage == Stage.DELIVERY
    assert "Choose the delivery date." in error.value.messages


def test_acceptance_enforces_the_review_stage(client_, operator):
    order = ready_order(client_, operator)
    Order.objects.filter(pk=order.pk).update(delivery_date=None)
    with pytest.raises(StageNotReady) as error:
        accept(order, operator)
    assert error.value.stage == Stage.DELIVERY
    assert Order.objects.get(pk=order.pk).status == Order.Status.DRAFT


def test_acceptance_without_the_offers_is_upsell_incomplete(client_, operator):
    order = ready_order(client_, operator)
    order.offers.all().delete()
    priced(), priced(), priced()
    with pytest.raises(UpsellIncomplete):
        accept(order, operator)


def test_done_only_when_accepted(client_, operator):
    order = ready_order(client_, operator)
    assert first_unready_stage(order, Stage.DONE) == Stage.REVIEW
    accepted = accept(order, operator)
    assert first_unready_stage(accepted, Stage.DONE) is None
    for stage in (Stage.ENTRY, Stage.DELIVERY, Stage.REVIEW):
        assert first_unready_stage(accepted, stage) == Stage.DONE
