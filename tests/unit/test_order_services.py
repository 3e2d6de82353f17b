"""orders.services: drafts, lines, offers, acceptance and the life cycle after it."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from calls.models import CallEvent
from clients.debt import check_debt
from orderdesk.roles import Role
from orders import services
from orders.errors import (
    OrderBlocked,
    OrderInvalid,
    OrderNotForOperator,
    PriceMissing,
    PricesChanged,
    UpsellIncomplete,
)
from orders.models import Order, OrderLine, Product, ProductPrice, UpsellOffer
from orders.pricing import quote
from orders.selectors import last_order, product_search
from tests.factories import (
    CallFactory,
    DiscountRuleFactory,
    OrderFactory,
    OrderingClientFactory,
    OrderLineFactory,
    PriceColumnFactory,
    ProductFactory,
    ProductPriceFactory,
    ReceivableFactory,
    UserFactory,
    arrange_delivery,
)

pytestmark = pytest.mark.django_db

D = Decimal
Status = Order.Status


@pytest.fixture
def operator():
    return UserFactory(role=Role.OPERATOR)


@pytest.fixture
def client_():
    return OrderingClientFactory(credit_limit=None)


@pytest.fixture
def draft(client_, operator):
    return services.start_order(client=client_, operator=operator, by=operator)


def priced(price="100.00", **kwargs) -> Product:
    product = ProductFactory(**kwargs)
    ProductPriceFactory(product=product, column=PriceColumnFactory(code="base"), price=D(price))
    return product


def offerable_product(price="100.00") -> Product:
    """A priced product that is new in the range, so the upsell may offer it."""
    return priced(price, new_until=timezone.localdate() + timedelta(days=30))


def satisfy_upsell(order):
    """Three offers declined: the upsell is done."""
    for _ in range(3):
        UpsellOffer.objects.create(
            order=order,
            product=priced(),
            reason=UpsellOffer.Reason.NEW,
            response=UpsellOffer.Response.DECLINED,
        )


def ready_order(client, operator, *, amount="300.00", call=None) -> Order:
    """A draft of ``amount`` ₽ (one line) with the upsell done."""
    order = services.start_order(client=client, operator=operator, call=call, by=operator)
    order = services.set_line(
        order=order, product=priced(amount), quantity=D("1"), by=order.operator
    )
    satisfy_upsell(order)
    return arrange_delivery(order)


def read_back_total(order) -> Decimal:
    """The total the read-back screen shows: today's quote of the lines (never the stored
    prices)."""
    lines = [(line.product, line.quantity) for line in order.lines.select_related("product")]
    return quote(order.client, lines).total


def accept(order, operator, key=None):
    return services.accept_order(
        order,
        by=operator,
        idempotency_key=key or uuid.uuid4(),
        expected_total=read_back_total(order),
    )


# --- start_order ---------------------------------------------------------------------


def test_start_order_opens_a_draft_in_the_clients_column(client_, operator):
    call = CallFactory(client=client_, operator=operator)

    order = services.start_order(client=client_, operator=operator, call=call, by=operator)

    assert (order.status, order.client, order.operator, order.call) == (
        Status.DRAFT,
        client_,
        operator,
        call,
    )
    assert order.price_column == client_.client_type.default_price_column
    assert order.total == D("0.00")


def test_start_order_refuses_a_client_with_overdue_debt(operator):
    client = OrderingClientFactory(with_overdue=True)

    with pytest.raises(OrderBlocked) as error:
        services.start_order(client=client, operator=operator, by=operator)

    assert error.value.check.overdue == D("5000.00")
    assert "Overdue" in error.value.message
    assert not Order.objects.exists()


def test_a_blocked_start_is_recorded_on_the_call(operator):
    client = OrderingClientFactory(with_overdue=True)
    call = CallFactory(client=client, operator=operator)

    with pytest.raises(OrderBlocked):
        services.start_order(client=client, operator=operator, call=call, by=operator)

    event = CallEvent.objects.get(call=call, kind=CallEvent.Kind.DEBT_CHECKED)
    assert (event.data["blocked"], event.by) == (True, operator)
    assert event.data["overdue"] == "5000.00"


def test_a_blocked_acceptance_is_recorded_on_the_call_after_the_rollback(operator):
    client = OrderingClientFactory(credit_limit=D("500.00"))
    call = CallFactory(client=client, operator=operator)
    order = ready_order(client, operator, amount="300.00", call=call)
    ReceivableFactory(client=client, amount=D("400.00"))

    with pytest.raises(OrderBlocked):
        accept(order, operator)

    assert CallEvent.objects.filter(
        call=call, kind=CallEvent.Kind.DEBT_CHECKED, data__blocked=True
    ).exists()
    assert Order.objects.get(pk=order.pk).status == Status.DRAFT


def test_start_order_reuses_the_draft_of_the_same_call(client_, operator):
    call = CallFactory(client=client_, operator=operator)
    first = services.start_order(client=client_, operator=operator, call=call, by=operator)

    again = services.start_order(client=client_, operator=operator, call=call, by=operator)

    assert again == first
    assert Order.objects.count() == 1


# --- set_line / remove_line ----------------------------------------------------------


def test_set_line_prices_the_line_on_the_server(draft):
    product = priced("123.45")

    order = services.set_line(order=draft, product=product, quantity=D("2"), by=draft.operator)

    line = order.lines.get()
    assert (line.quantity, line.unit_price, line.line_total) == (D("2"), D("123.45"), D("246.90"))
    assert line.origin == OrderLine.Origin.MANUAL
    assert order.total == D("246.90")
    assert Order.objects.get(pk=draft.pk).total == D("246.90")


def test_set_line_changes_the_quantity_of_an_existing_line(draft):
    product = priced("10.00")
    services.set_line(order=draft, product=product, quantity=D("2"), by=draft.operator)

    order = services.set_line(order=draft, product=product, quantity="5", by=draft.operator)

    assert order.lines.get().quantity == D("5")
    assert order.total == D("50.00")


def test_set_line_reprices_the_whole_order_when_a_threshold_is_crossed(draft):
    # given a 10 % rule from 1000 ₽ and a first line of 500 ₽
    DiscountRuleFactory(min_order_amount=D("1000"), discount_percent=D("10"))
    first = priced("100.00")
    services.set_line(order=draft, product=first, quantity=D("5"), by=draft.operator)

    # when a second line brings the order to 1000 ₽
    order = services.set_line(
        order=draft, product=priced("100.00"), quantity=D("5"), by=draft.operator
    )

    # then both lines get the discount
    assert [line.unit_price for line in order.lines.all()] == [D("90.00"), D("90.00")]
    assert order.total == D("900.00")


@pytest.mark.parametrize(
    "quantity",
    ["-1", "0", D("0"), "10001", "1e9", "abc", "", None, "NaN", D("NaN"), "Infinity", "1.5", True],
)
def test_set_line_refuses_bad_quantities(draft, quantity):
    with pytest.raises(OrderInvalid):
        services.set_line(order=draft, product=priced(), quantity=quantity, by=draft.operator)

    assert not OrderLine.objects.exists()


def test_fractional_quantity_is_fine_for_weighed_goods(draft):
    cheese = priced("700.00", unit=Product.Unit.KG, is_weighed=True)

    order = services.set_line(order=draft, product=cheese, quantity="1.255", by=draft.operator)

    assert order.total == D("878.50")


def test_at_most_three_decimals(draft):
    cheese = priced(is_weighed=True)

    with pytest.raises(OrderInvalid) as error:
        services.set_line(order=draft, product=cheese, quantity="1.2555", by=draft.operator)

    assert error.value.messages == ["The quantity can have at most three decimal places."]


def test_fractional_quantity_of_piece_goods_says_why(draft):
    with pytest.raises(OrderInvalid) as error:
        services.set_line(
            order=draft, product=priced(name="Хлеб"), quantity="1.5", by=draft.operator
        )

    assert "Хлеб is sold in whole units" in error.value.message


def test_inactive_product_cannot_be_added(draft):
    with pytest.raises(OrderInvalid):
        services.set_line(
            order=draft, product=priced(is_active=False), quantity="1", by=draft.operator
        )


def test_product_without_a_price_cannot_be_added(draft):
    with pytest.raises(PriceMissing):
        services.set_line(order=draft, product=ProductFactory(), quantity="1", by=draft.operator)

    assert not OrderLine.objects.exists()


def test_lines_of_an_accepted_order_cannot_be_edited(client_, operator):
    order = accept(ready_order(client_, operator), operator)

    with pytest.raises(OrderInvalid):
        services.set_line(order=order, product=priced(), quantity="1", by=order.operator)
    with pytest.raises(OrderInvalid):
        services.remove_line(order=order, product=order.lines.first().product, by=order.operator)


def test_set_line_takes_no_price():
    with pytest.raises(TypeError):
        services.set_line(order=None, product=None, quantity="1", unit_price=D("1"))


def test_a_forged_stored_price_is_ignored_at_acceptance(client_, operator):
    # given a line whose stored price was tampered with
    order = ready_order(client_, operator, amount="300.00")
    OrderLine.objects.filter(order=order).update(unit_price=D("1.00"), line_total=D("1.00"))
    Order.objects.filter(pk=order.pk).update(total=D("1.00"))

    accepted = accept(order, operator)

    assert accepted.total == D("300.00")
    assert accepted.lines.get().unit_price == D("300.00")


def test_remove_line_reprices(draft):
    keep, drop = priced("10.00"), priced("20.00")
    services.set_line(order=draft, product=keep, quantity="1", by=draft.operator)
    services.set_line(order=draft, product=drop, quantity="1", by=draft.operator)

    order = services.remove_line(order=draft, product=drop, by=draft.operator)

    assert [line.product for line in order.lines.all()] == [keep]
    assert order.total == D("10.00")


# --- repeat_last_order ---------------------------------------------------------------


def test_repeat_last_order_copies_lines_at_todays_prices(client_, operator, draft):
    # given a delivered order bought at an old price, and products gone since
    bread, gone, unpriced = priced("55.00"), priced(is_active=False), ProductFactory()
    previous = OrderFactory(
        client=client_, status=Status.DELIVERED, accepted_at=timezone.now() - timedelta(days=3)
    )
    OrderLineFactory(order=previous, product=bread, quantity=D("4"), unit_price=D("40.00"))
    OrderLineFactory(order=previous, product=gone)
    OrderLineFactory(order=previous, product=unpriced)

    # when
    order = services.repeat_last_order(order=draft, by=draft.operator)

    # then
    line = order.lines.get()
    assert (line.product, line.quantity, line.unit_price) == (bread, D("4"), D("55.00"))
    assert line.origin == OrderLine.Origin.REPEAT
    assert order.total == D("220.00")
    assert set(order.repeat_skipped) == {gone, unpriced}


def test_repeat_uses_the_most_recent_placed_order(client_, draft):
    old, recent = priced(), priced()
    for product, days in ((old, 30), (recent, 2)):
        placed = OrderFactory(
            client=client_,
            status=Status.ACCEPTED,
            accepted_at=timezone.now() - timedelta(days=days),
        )
        OrderLineFactory(order=placed, product=product)
    cancelled = OrderFactory(client=client_, status=Status.CANCELLED, accepted_at=timezone.now())
    OrderLineFactory(order=cancelled, product=priced())

    order = services.repeat_last_order(order=draft, by=draft.operator)

    assert [line.product for line in order.lines.all()] == [recent]


def test_repeat_without_a_previous_order_says_so(draft):
    with pytest.raises(OrderInvalid) as error:
        services.repeat_last_order(order=draft, by=draft.operator)

    assert "no previous order" in error.value.message


# --- record_offer --------------------------------------------------------------------


def test_accepted_offer_adds_one_unit(draft):
    product = offerable_product("80.00")

    offer = services.record_offer(
        order=draft,
        product=product,
        reason=UpsellOffer.Reason.SPECIAL,
        response=UpsellOffer.Response.ACCEPTED,
        by=draft.operator,
    )

    assert offer.answered_at is not None
    line = draft.lines.get()
    assert (line.product, line.quantity, line.origin) == (product, D("1"), OrderLine.Origin.UPSELL)
    assert Order.objects.get(pk=draft.pk).total == D("80.00")


def test_declined_offer_adds_nothing(draft):
    services.record_offer(
        order=draft,
        product=offerable_product(),
        reason=UpsellOffer.Reason.NEW,
        response=UpsellOffer.Response.DECLINED,
        by=draft.operator,
    )

    assert not draft.lines.exists()
    assert draft.offers.get().response == UpsellOffer.Response.DECLINED


def test_taking_an_acceptance_back_removes_its_line(draft):
    product = offerable_product()
    kwargs = {
        "order": draft,
        "product": product,
        "reason": UpsellOffer.Reason.NEW,
        "by": draft.operator,
    }
    services.record_offer(**kwargs, response=UpsellOffer.Response.ACCEPTED)

    services.record_offer(**kwargs, response=UpsellOffer.Response.DECLINED)

    assert not draft.lines.exists()
    assert draft.offers.count() == 1


def test_an_offer_takes_the_reason_the_server_gives_not_the_posted_one(draft):
    offer = services.record_offer(
        order=draft,
        product=offerable_product(),
        reason=UpsellOffer.Reason.SPECIAL,  # forged: it is a new product, not a promotion
        response=UpsellOffer.Response.DECLINED,
        by=draft.operator,
    )
    assert offer.reason == UpsellOffer.Reason.NEW


@pytest.mark.parametrize("which", ["inactive", "on_the_order"])
def test_only_what_the_upsell_would_offer_counts(draft, which):
    # (An ordinary priced product now counts too: the upsell falls back to the assortment.)
    product = {
        "inactive": lambda: priced(new_until=timezone.localdate(), is_active=False),
        "on_the_order": lambda: offerable_product(),
    }[which]()
    if which == "on_the_order":
        services.set_line(order=draft, product=product, quantity=D("2"), by=draft.operator)
    with pytest.raises(OrderInvalid):
        services.record_offer(
            order=draft,
            product=product,
            reason=UpsellOffer.Reason.NEW,
            response=UpsellOffer.Response.DECLINED,
            by=draft.operator,
        )
    assert not draft.offers.exists()


def test_offers_only_on_drafts(client_, operator):
    order = accept(ready_order(client_, operator), operator)

    with pytest.raises(OrderInvalid):
        services.record_offer(
            order=order,
            product=offerable_product(),
            reason=UpsellOffer.Reason.NEW,
            response=UpsellOffer.Response.DECLINED,
            by=order.operator,
        )


# --- accept_order --------------------------------------------------------------------


def test_accept_numbers_and_stamps_the_order(client_, operator):
    call = CallFactory(client=client_, operator=operator)
    order = ready_order(client_, operator, call=call)
    key = uuid.uuid4()

    accepted = accept(order, operator, key)

    accepted.refresh_from_db()
    client_.refresh_from_db()
    assert accepted.status == Status.ACCEPTED
    assert accepted.number == f"ЗК-{accepted.pk:07d}"
    assert accepted.idempotency_key == key
    assert accepted.accepted_at is not None
    assert accepted.total == D("300.00")
    assert client_.last_order_at == accepted.accepted_at
    event = CallEvent.objects.get(call=call, kind=CallEvent.Kind.ORDER_ACCEPTED)
    assert (event.kind, event.by, event.data["number"]) == (
        CallEvent.Kind.ORDER_ACCEPTED,
        operator,
        accepted.number,
    )


def test_accept_is_blocked_by_overdue_debt(operator):
    client = OrderingClientFactory(credit_limit=None)
    order = ready_order(client, operator)
    ReceivableFactory(client=client, due_date=timezone.localdate() - timedelta(days=1))

    with pytest.raises(OrderBlocked) as error:
        accept(order, operator)

    assert error.value.check.overdue == D("1000.00")
    assert Order.objects.get(pk=order.pk).status == Status.DRAFT


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [("300.00", False), ("200.01", False), ("200.00", True)],
)
def test_credit_limit_counts_this_order(operator, amount, accepted):
    # given a 1000 ₽ limit with 800 ₽ owed (not yet due)
    client = OrderingClientFactory(credit_limit=D("1000.00"))
    ReceivableFactory(client=client, amount=D("800.00"))
    order = ready_order(client, operator, amount=amount)

    # when / then: exactly at the limit passes, a kopeck over is blocked
    if accepted:
        assert accept(order, operator).status == Status.ACCEPTED
    else:
        with pytest.raises(OrderBlocked) as error:
            accept(order, operator)
        assert error.value.check.excess == D(amount) - D("200.00")
        assert "Credit limit exceeded" in error.value.message


def test_accepted_orders_count_towards_the_limit(operator):
    client = OrderingClientFactory(credit_limit=D("500.00"))
    accept(ready_order(client, operator, amount="300.00"), operator)

    with pytest.raises(OrderBlocked):
        accept(ready_order(client, operator, amount="300.00"), operator)


def test_accept_needs_the_upsell_done(client_, operator, draft):
    services.set_line(order=draft, product=priced(), quantity="1", by=draft.operator)
    for _ in range(5):
        priced(new_until=timezone.localdate() + timedelta(days=30))

    with pytest.raises(UpsellIncomplete) as error:
        accept(draft, operator)

    assert (error.value.needed, error.value.answered) == (3, 0)


def test_accept_needs_a_line(client_, operator, draft):
    satisfy_upsell(draft)

    with pytest.raises(OrderInvalid) as error:
        accept(draft, operator)

    assert "no lines" in error.value.message


def test_same_key_twice_returns_the_same_order_stored_once(client_, operator):
    call = CallFactory(client=client_, operator=operator)
    order = ready_order(client_, operator, call=call)
    key = uuid.uuid4()

    first = accept(order, operator, key)
    second = accept(order, operator, str(key))

    assert first.pk == second.pk
    assert Order.objects.filter(idempotency_key=key).count() == 1
    assert CallEvent.objects.filter(kind=CallEvent.Kind.ORDER_ACCEPTED).count() == 1


def test_a_key_used_for_another_order_is_refused(client_, operator):
    key = uuid.uuid4()
    accept(ready_order(client_, operator), operator, key)

    with pytest.raises(OrderInvalid):
        accept(ready_order(client_, operator), operator, key)


def test_an_accepted_order_cannot_be_accepted_again_with_a_new_key(client_, operator):
    order = accept(ready_order(client_, operator), operator)

    with pytest.raises(OrderInvalid):
        accept(order, operator)


def test_a_malformed_key_is_refused(client_, operator):
    with pytest.raises(OrderInvalid):
        accept(ready_order(client_, operator), operator, "not-a-uuid")


# --- change_status / change_quantity_on_accepted -------------------------------------


def test_life_cycle_accepted_fulfilment_delivered(client_, operator):
    order = accept(ready_order(client_, operator), operator)

    order = services.change_status(
        order=order, status=Status.IN_FULFILMENT, by=order.client.manager
    )
    order = services.change_status(order=order, status=Status.DELIVERED, by=order.client.manager)

    assert Order.objects.get(pk=order.pk).status == Status.DELIVERED


def test_a_delivered_order_cannot_be_cancelled(client_, operator):
    order = accept(ready_order(client_, operator), operator)
    services.change_status(order=order, status=Status.IN_FULFILMENT, by=order.client.manager)
    services.change_status(order=order, status=Status.DELIVERED, by=order.client.manager)

    with pytest.raises(OrderInvalid):
        services.change_status(
            order=order, status=Status.CANCELLED, by=order.client.manager, reason="Клиент передумал"
        )


def test_a_draft_cannot_skip_acceptance(draft, operator):
    with pytest.raises(OrderInvalid):
        services.change_status(order=draft, status=Status.ACCEPTED, by=draft.client.manager)


def test_reopening_a_cancelled_order_rechecks_the_debt_gate(operator):
    # given an order cancelled, then other orders that use up the limit
    client = OrderingClientFactory(credit_limit=D("500.00"))
    order = accept(ready_order(client, operator, amount="300.00"), operator)
    services.change_status(
        order=order, status=Status.CANCELLED, by=order.client.manager, reason="Клиент передумал"
    )
    accept(ready_order(client, operator, amount="300.00"), operator)

    with pytest.raises(OrderBlocked):
        services.change_status(order=order, status=Status.ACCEPTED, by=order.client.manager)

    assert Order.objects.get(pk=order.pk).status == Status.CANCELLED


def test_reopening_within_the_limit_works(client_, operator):
    order = accept(ready_order(client_, operator), operator)
    services.change_status(
        order=order, status=Status.CANCELLED, by=order.client.manager, reason="Клиент передумал"
    )

    order = services.change_status(order=order, status=Status.ACCEPTED, by=order.client.manager)

    assert order.status == Status.ACCEPTED


def test_increasing_an_accepted_order_past_the_limit_is_blocked(operator):
    client = OrderingClientFactory(credit_limit=D("500.00"))
    order = accept(ready_order(client, operator, amount="100.00"), operator)
    product = order.lines.get().product

    with pytest.raises(OrderBlocked):
        services.change_quantity_on_accepted(
            order=order, product=product, quantity="6", by=order.client.manager
        )

    assert services.change_quantity_on_accepted(
        order=order, product=product, quantity="5", by=order.client.manager
    ).total == D("500.00")


def test_decreasing_an_accepted_order_is_allowed_even_when_overdue(operator):
    client = OrderingClientFactory(credit_limit=None)
    order = ready_order(client, operator, amount="100.00")
    product = order.lines.get().product
    order = services.set_line(order=order, product=product, quantity="3", by=order.operator)
    order = accept(order, operator)
    ReceivableFactory(client=client, due_date=timezone.localdate() - timedelta(days=5))

    order = services.change_quantity_on_accepted(
        order=order, product=product, quantity="1", by=order.client.manager
    )

    assert order.total == D("100.00")


# --- selectors -----------------------------------------------------------------------


def test_product_search_needs_two_characters():
    priced(name="Сыр")

    assert product_search(q="С") == []


def test_product_search_ranks_prefix_then_stock_then_name(client_):
    # given
    starts = priced("20.00", name="Сыр Российский")
    out_of_stock = priced("30.00", name="Абрикосовый сыр", stock=D("0"))
    in_stock = priced("40.00", name="Брынза, сыр", stock=D("5"))
    unknown_stock = priced("50.00", name="Вкусный сыр")
    priced(name="Сыр снят", is_active=False)

    # when
    found = product_search(q="сыр", client=client_)

    # then
    assert found == [starts, in_stock, unknown_stock, out_of_stock]
    assert [p.price for p in found] == [D("20.00"), D("40.00"), D("50.00"), D("30.00")]


def test_product_search_puts_the_exact_sku_first():
    priced(sku="XAB12", name="Аб")
    exact = priced(sku="AB12", name="Яблоки")

    assert product_search(q="ab12")[0] == exact


def test_product_search_is_one_query(client_, django_assert_num_queries):
    for i in range(5):
        priced(name=f"Сыр {i}")

    with django_assert_num_queries(1):
        assert len(product_search(q="сыр", client=client_)) == 5


def test_last_order_is_the_latest_placed(client_):
    OrderFactory(client=client_, status=Status.DELIVERED, accepted_at=timezone.now())
    latest = OrderFactory(client=client_, status=Status.ACCEPTED, accepted_at=timezone.now())
    OrderFactory(client=client_, status=Status.DRAFT)

    assert last_order(client_) == latest


def test_prepayment_only_client_orders_on_prepayment(operator):
    # given a client with limit 0 = prepayment only, and no debt
    client = OrderingClientFactory(credit_limit=D("0.00"))
    order = ready_order(client, operator, amount="700.00")
    assert order.payment_form == Order.PaymentForm.PREPAYMENT
    # when
    accepted = accept(order, operator)
    # then the prepaid order went through and adds nothing to the exposure
    assert accepted.status == Status.ACCEPTED
    assert check_debt(client).exposure == D("0.00")


def test_pending_exposure_is_a_drafts_total(client_, operator):
    order = ready_order(client_, operator, amount="250.00")
    assert services.pending_exposure(order) == D("250.00")
    order.payment_form = Order.PaymentForm.PREPAYMENT  # a client with a credit line: counts
    assert services.pending_exposure(order) == D("250.00")
    order.payment_form = Order.PaymentForm.BANK_TRANSFER
    accepted = accept(order, operator)
    assert services.pending_exposure(accepted) == D("0.00")


def test_prepayment_does_not_lift_a_credit_limit(operator):
    # given a client with a credit line, nearly used up
    client = OrderingClientFactory(credit_limit=D("1000.00"))
    ReceivableFactory(client=client, amount=D("900.00"))
    order = ready_order(client, operator, amount="500.00")
    order.payment_form = Order.PaymentForm.PREPAYMENT
    order.save(update_fields=["payment_form"])
    # then choosing prepayment does not get the order past the gate
    with pytest.raises(OrderBlocked):
        accept(order, operator)


def test_acceptance_refuses_a_total_other_than_the_one_read_back(client_, operator):
    order = ready_order(client_, operator, amount="300.00")
    ProductPrice.objects.filter(product=order.lines.get().product).update(price=D("450.00"))
    with pytest.raises(PricesChanged):
        services.accept_order(
            order, by=operator, idempotency_key=uuid.uuid4(), expected_total=D("300.00")
        )
    assert Order.objects.get(pk=order.pk).status == Status.DRAFT
    accepted = services.accept_order(
        order, by=operator, idempotency_key=uuid.uuid4(), expected_total=D("450.00")
    )
    assert accepted.total == D("450.00")


def test_an_answered_offer_keeps_the_servers_reason(draft):
    product = offerable_product()
    kwargs = {"order": draft, "product": product, "by": draft.operator}
    services.record_offer(**kwargs, reason="new", response=UpsellOffer.Response.DECLINED)
    offer = services.record_offer(
        **kwargs, reason="traditional", response=UpsellOffer.Response.ACCEPTED
    )
    assert offer.reason == UpsellOffer.Reason.NEW


@pytest.mark.parametrize("who", ["operator", "another manager"])
def test_only_the_clients_people_move_a_placed_order(client_, operator, who):
    order = accept(ready_order(client_, operator), operator)
    by = operator if who == "operator" else UserFactory(role=Role.MANAGER)

    with pytest.raises(PermissionDenied):
        services.change_status(order=order, status=Status.CANCELLED, by=by, reason="Передумали")
    with pytest.raises(PermissionDenied):
        services.change_quantity_on_accepted(
            order=order, product=order.lines.first().product, quantity="2", by=by
        )

    order.refresh_from_db()
    assert order.status == Status.ACCEPTED
    assert not order.events.filter(kind__in=["cancelled", "quantity_changed"]).exists()


def test_an_admin_may_move_any_order(client_, operator):
    order = accept(ready_order(client_, operator), operator)
    admin = UserFactory(role=Role.ADMIN)

    services.change_status(order=order, status=Status.IN_FULFILMENT, by=admin)

    assert order.events.get(kind="status_changed").by == admin


# --- acceptance re-checks what may have changed since the draft was opened -------------


def test_acceptance_refuses_a_client_that_became_key_meanwhile(client_, operator):
    order = ready_order(client_, operator)
    client_.client_type.is_key = True
    client_.client_type.save()

    with pytest.raises(OrderNotForOperator) as refused:
        accept(order, operator)

    assert refused.value.route.rule != "operator"
    assert Order.objects.get(pk=order.pk).status == Status.DRAFT


def test_acceptance_refuses_a_call_wrapped_up_meanwhile(operator):
    from calls.models import OutcomeCode
    from calls.services import start_call, wrap_up

    client = OrderingClientFactory(credit_limit=None, phone="+74951230077")
    call = start_call(phone="+74951230077", operator=operator)
    order = ready_order(client, operator, call=call)
    wrap_up(call=call, outcome_code=OutcomeCode.NO_ANSWER, notes="", by=operator)

    with pytest.raises(OrderInvalid, match="call has ended"):
        accept(order, operator)

    assert Order.objects.get(pk=order.pk).status == Status.DRAFT
