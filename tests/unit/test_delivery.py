"""orders.delivery: the delivery and payment rules, storing the terms, the next delivery day."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.delivery import DeliveryTerms, delivery_problems, next_delivery_day, set_delivery
from orders.errors import OrderInvalid
from orders.models import Order, UpsellOffer
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DeliveryAddressFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)

pytestmark = pytest.mark.django_db

Fulfilment = Order.Fulfilment
Payment = Order.PaymentForm
# a Monday within the delivery horizon (orderdesk.bounds: at most 60 days ahead)
MONDAY = date.today() + timedelta(days=7 - date.today().weekday())
assert MONDAY.weekday() == 0


@pytest.fixture
def every_day(settings):
    """Deliveries run every day, so that "tomorrow" is always a delivery day."""
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [0, 1, 2, 3, 4, 5, 6]}


@pytest.fixture
def client_():
    client = ClientFactory(credit_limit=Decimal("100000.00"))
    DeliveryAddressFactory(client=client, address="Москва, ул. Складская, д. 1")
    ContactFactory(client=client, name="Приёмщик Иван", can_receive_goods=True)
    return client


@pytest.fixture
def regional_client():
    ctype = ClientTypeFactory(code="regional", is_regional=True)
    return ClientFactory(client_type=ctype, credit_limit=Decimal("100000.00"))


def at_delivery(order):
    """A line and three answered offers: the order may reach the delivery stage."""
    OrderLineFactory(order=order, price_column=order.client.client_type.default_price_column)
    for _ in range(3):
        UpsellOffer.objects.create(
            order=order,
            product=ProductFactory(),
            reason=UpsellOffer.Reason.NEW,
            response=UpsellOffer.Response.DECLINED,
        )
    return order


@pytest.fixture
def order(client_):
    return at_delivery(OrderFactory(client=client_))


def delivery(order, **changes) -> DeliveryTerms:
    """Valid delivery terms for ``order``'s client, with ``changes``."""
    client = order.client
    terms = {
        "fulfilment": Fulfilment.DELIVERY,
        "delivery_date": timezone.localdate() + timedelta(days=1),
        "delivery_window": "08:00-12:00",
        "delivery_address": client.addresses.first(),
        "receiver": client.contacts.filter(can_receive_goods=True).first(),
        "payment_form": Payment.BANK_TRANSFER,
        "payment_documents": "Счёт и ТОРГ-12",
    }
    terms.update(changes)
    return DeliveryTerms(**terms)


def future(**kwargs):
    return timezone.now() + timedelta(**kwargs)


# --- delivery_problems: delivery ----------------------------------------------------------


def test_valid_delivery_terms_have_no_problems(order, every_day):
    assert delivery_problems(order, delivery(order)) == []


def test_delivery_date_is_required(order, every_day):
    problems = delivery_problems(order, delivery(order, delivery_date=None))
    assert problems == ["Choose the delivery date."]


def test_delivery_date_in_the_past_is_refused(order, every_day):
    yesterday = timezone.localdate() - timedelta(days=1)
    problems = delivery_problems(order, delivery(order, delivery_date=yesterday))
    assert problems == ["The delivery date cannot be in the past."]


def test_delivery_beyond_the_horizon_is_refused(order, every_day, settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "MAX_DAYS_AHEAD": 60}
    far = timezone.localdate() + timedelta(days=61)
    problems = delivery_problems(order, delivery(order, delivery_date=far))
    assert len(problems) == 1 and "too far ahead" in problems[0]
    last = timezone.localdate() + timedelta(days=60)
    assert delivery_problems(order, delivery(order, delivery_date=last)) == []


def test_delivery_on_a_non_delivery_weekday_is_refused(order, settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [0, 1, 2, 3, 4]}
    sunday = MONDAY - timedelta(days=1)
    problems = delivery_problems(order, delivery(order, delivery_date=sunday))
    assert problems == ["We do not deliver on that day of the week."]
    assert delivery_problems(order, delivery(order, delivery_date=MONDAY)) == []


@pytest.mark.parametrize("window", ["", "07:00-08:00", "08:00-12:00 "])
def test_delivery_window_must_be_one_of_the_list(order, every_day, window):
    problems = delivery_problems(order, delivery(order, delivery_window=window))
    assert problems == ["Choose a delivery time window."]


def test_delivery_address_is_required(order, every_day):
    problems = delivery_problems(order, delivery(order, delivery_address=None))
    assert problems == ["Choose the delivery address."]


def test_address_of_another_client_is_refused(order, every_day):
    foreign = DeliveryAddressFactory(client=ClientFactory())
    problems = delivery_problems(order, delivery(order, delivery_address=foreign))
    assert problems == ["That address belongs to another client."]


def test_receiver_is_required(order, every_day):
    problems = delivery_problems(order, delivery(order, receiver=None))
    assert problems == ["Name who will receive the goods."]


def test_receiver_of_another_client_is_refused(order, every_day):
    stranger = ContactFactory(client=ClientFactory(), can_receive_goods=True)
    problems = delivery_problems(order, delivery(order, receiver=stranger))
    assert problems == ["That person is not this client's contact."]


def test_receiver_not_authorised_to_receive_goods_is_refused(order, every_day):
    buyer = ContactFactory(client=order.client, name="Закупщик Пётр", can_receive_goods=False)
    problems = delivery_problems(order, delivery(order, receiver=buyer))
    assert problems == ["Закупщик Пётр is not authorised to receive goods."]


def test_every_problem_is_listed_at_once(order, every_day):
    terms = DeliveryTerms(fulfilment=Fulfilment.DELIVERY)
    problems = delivery_problems(order, terms)
    assert problems == [
        "Choose the payment form.",
        "Choose the delivery date.",
        "Choose a delivery time window.",
        "Choose the delivery address.",
        "Name who will receive the goods.",
    ]


def test_without_terms_the_orders_own_fields_are_checked(order, every_day):
    assert "Choose the delivery date." in delivery_problems(order)
    set_delivery(order=order, terms=delivery(order), by=order.operator)
    order.refresh_from_db()
    assert delivery_problems(order) == []


# --- delivery_problems: payment -----------------------------------------------------------


@pytest.mark.parametrize("payment", ["", "barter"])
def test_payment_form_is_required(order, every_day, payment):
    problems = delivery_problems(order, delivery(order, payment_form=payment))
    assert problems == ["Choose the payment form."]


def test_prepayment_only_client_cannot_pay_by_bank_transfer(every_day):
    client = ClientFactory(credit_limit=Decimal("0"))
    DeliveryAddressFactory(client=client)
    ContactFactory(client=client, can_receive_goods=True)
    order = OrderFactory(client=client)
    problems = delivery_problems(order, delivery(order, payment_form=Payment.BANK_TRANSFER))
    assert problems == ["This client works on prepayment only."]
    assert delivery_problems(order, delivery(order, payment_form=Payment.PREPAYMENT)) == []


def test_client_without_a_limit_may_pay_by_bank_transfer(every_day):
    client = ClientFactory(credit_limit=None)
    DeliveryAddressFactory(client=client)
    ContactFactory(client=client, can_receive_goods=True)
    order = OrderFactory(client=client)
    assert delivery_problems(order, delivery(order)) == []


# --- delivery_problems: pickup and shipping -------------------------------------------------


def test_unknown_fulfilment_is_refused(order, every_day):
    problems = delivery_problems(order, delivery(order, fulfilment="teleport"))
    assert problems == ["Choose how the goods travel."]


@pytest.mark.parametrize("fulfilment", [Fulfilment.PICKUP, Fulfilment.SHIPPING])
def test_non_regional_client_cannot_collect_or_ship(order, fulfilment):
    terms = DeliveryTerms(
        fulfilment=fulfilment,
        payment_form=Payment.BANK_TRANSFER,
        pickup_arrival=future(days=1),
        shipping_details="ТК «Деловые линии», ИП Петров, Тверь",
    )
    problems = delivery_problems(order, terms)
    assert problems == ["Only regional clients collect with their own transport or by carrier."]


def test_regional_client_pickup_needs_the_arrival(regional_client):
    order = OrderFactory(client=regional_client)
    terms = DeliveryTerms(fulfilment=Fulfilment.PICKUP, payment_form=Payment.BANK_TRANSFER)
    assert delivery_problems(order, terms) == ["Say when the client's transport arrives."]


def test_regional_client_pickup_arrival_must_be_in_the_future(regional_client):
    order = OrderFactory(client=regional_client)
    past = DeliveryTerms(
        fulfilment=Fulfilment.PICKUP,
        payment_form=Payment.BANK_TRANSFER,
        pickup_arrival=future(hours=-1),
    )
    assert delivery_problems(order, past) == ["The transport's arrival cannot be in the past."]
    coming = DeliveryTerms(
        fulfilment=Fulfilment.PICKUP,
        payment_form=Payment.BANK_TRANSFER,
        pickup_arrival=future(hours=3),
    )
    assert delivery_problems(order, coming) == []
    in_a_year = DeliveryTerms(
        fulfilment=Fulfilment.PICKUP,
        payment_form=Payment.BANK_TRANSFER,
        pickup_arrival=future(hours=24 * 365),
    )
    assert "too far ahead" in delivery_problems(order, in_a_year)[0]


@pytest.mark.parametrize("details", ["", "   \n "])
def test_regional_client_shipping_needs_details(regional_client, details):
    order = OrderFactory(client=regional_client)
    terms = DeliveryTerms(
        fulfilment=Fulfilment.SHIPPING,
        payment_form=Payment.BANK_TRANSFER,
        shipping_details=details,
    )
    assert delivery_problems(order, terms) == [
        "Give the shipping details: carrier, consignee and address."
    ]


def test_regional_client_shipping_with_details_is_fine(regional_client):
    order = OrderFactory(client=regional_client)
    terms = DeliveryTerms(
        fulfilment=Fulfilment.SHIPPING,
        payment_form=Payment.CASH,
        shipping_details="ТК «ПЭК», получатель ИП Петров, Тверь, ул. Лесная, 5",
    )
    assert delivery_problems(order, terms) == []


# --- set_delivery -------------------------------------------------------------------------


def test_set_delivery_stores_the_terms(order, every_day):
    terms = delivery(order)
    set_delivery(order=order, terms=terms, by=order.operator)
    order.refresh_from_db()
    assert order.fulfilment == Fulfilment.DELIVERY
    assert order.delivery_date == terms.delivery_date
    assert order.delivery_window == "08:00-12:00"
    assert order.delivery_address == terms.delivery_address
    assert order.receiver == terms.receiver
    assert order.payment_form == Payment.BANK_TRANSFER
    assert order.payment_documents == "Счёт и ТОРГ-12"
    assert delivery_problems(order) == []


def test_set_delivery_for_pickup_clears_the_delivery_and_shipping_fields(regional_client):
    DeliveryAddressFactory(client=regional_client)
    ContactFactory(client=regional_client, can_receive_goods=True)
    order = OrderFactory(
        client=regional_client,
        fulfilment=Fulfilment.DELIVERY,
        delivery_date=timezone.localdate() + timedelta(days=1),
        delivery_window="08:00-12:00",
        delivery_address=regional_client.addresses.first(),
        receiver=regional_client.contacts.first(),
        shipping_details="old details",
    )
    arrival = future(days=1)
    terms = DeliveryTerms(
        fulfilment=Fulfilment.PICKUP,
        # stale values the form may still carry; they must not be stored
        delivery_date=timezone.localdate() + timedelta(days=2),
        delivery_window="12:00-16:00",
        delivery_address=regional_client.addresses.first(),
        receiver=regional_client.contacts.first(),
        shipping_details="ТК «ПЭК»",
        payment_form=Payment.BANK_TRANSFER,
        pickup_arrival=arrival,
    )
    at_delivery(order)
    set_delivery(order=order, terms=terms, by=order.operator)
    order.refresh_from_db()
    assert order.fulfilment == Fulfilment.PICKUP
    assert order.pickup_arrival == arrival
    assert order.delivery_date is None and order.delivery_window == ""
    assert order.delivery_address is None and order.receiver is None
    assert order.shipping_details == ""


def test_set_delivery_for_shipping_keeps_only_the_shipping_details(regional_client):
    order = OrderFactory(client=regional_client, pickup_arrival=future(days=1))
    terms = DeliveryTerms(
        fulfilment=Fulfilment.SHIPPING,
        payment_form=Payment.BANK_TRANSFER,
        pickup_arrival=future(days=2),
        shipping_details="  ТК «ПЭК», ИП Петров, Тверь  ",
    )
    at_delivery(order)
    set_delivery(order=order, terms=terms, by=order.operator)
    order.refresh_from_db()
    assert order.fulfilment == Fulfilment.SHIPPING
    assert order.shipping_details == "ТК «ПЭК», ИП Петров, Тверь"
    assert order.pickup_arrival is None and order.delivery_date is None


def test_set_delivery_for_delivery_clears_pickup_and_shipping(regional_client, every_day):
    DeliveryAddressFactory(client=regional_client)
    ContactFactory(client=regional_client, can_receive_goods=True)
    order = OrderFactory(
        client=regional_client,
        fulfilment=Fulfilment.SHIPPING,
        shipping_details="ТК «ПЭК»",
        pickup_arrival=future(days=1),
    )
    at_delivery(order)
    set_delivery(order=order, terms=delivery(order), by=order.operator)
    order.refresh_from_db()
    assert order.fulfilment == Fulfilment.DELIVERY
    assert order.shipping_details == "" and order.pickup_arrival is None


def test_set_delivery_with_problems_lists_them_and_changes_nothing(order, every_day):
    set_delivery(order=order, terms=delivery(order), by=order.operator)
    before = Order.objects.values().get(pk=order.pk)
    bad = delivery(order, delivery_date=None, delivery_window="whenever")
    with pytest.raises(OrderInvalid) as error:
        set_delivery(order=order, terms=bad, by=order.operator)
    assert error.value.messages == [
        "Choose the delivery date.",
        "Choose a delivery time window.",
    ]
    assert Order.objects.values().get(pk=order.pk) == before


@pytest.mark.parametrize(
    "status", [Order.Status.ACCEPTED, Order.Status.IN_FULFILMENT, Order.Status.CANCELLED]
)
def test_set_delivery_refuses_an_order_that_is_not_a_draft(client_, every_day, status):
    order = OrderFactory(client=client_, status=status, number=f"ЗК-{status}")
    before = Order.objects.values().get(pk=order.pk)
    with pytest.raises(OrderInvalid) as error:
        set_delivery(order=order, terms=delivery(order), by=order.operator)
    assert error.value.message == "Delivery can be changed only before the order is accepted."
    assert Order.objects.values().get(pk=order.pk) == before


# --- next_delivery_day --------------------------------------------------------------------


def test_next_delivery_day_is_the_next_day_when_it_is_a_working_day(settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [0, 1, 2, 3, 4, 5]}
    assert next_delivery_day(after=MONDAY) == MONDAY + timedelta(days=1)


def test_next_delivery_day_skips_days_without_deliveries(settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [0, 1, 2, 3, 4, 5]}
    saturday = MONDAY + timedelta(days=5)
    assert next_delivery_day(after=saturday) == MONDAY + timedelta(days=7)  # Sunday skipped
    friday = MONDAY + timedelta(days=4)
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [0, 2]}
    assert next_delivery_day(after=friday) == MONDAY + timedelta(days=7)
    assert next_delivery_day(after=MONDAY) == MONDAY + timedelta(days=2)


def test_next_delivery_day_defaults_to_after_today(settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [0, 1, 2, 3, 4, 5, 6]}
    assert next_delivery_day() == timezone.localdate() + timedelta(days=1)


def test_next_delivery_day_is_accepted_by_the_rules(order, settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "DELIVERY_WEEKDAYS": [3]}
    day = next_delivery_day()
    assert day.weekday() == 3 and day > timezone.localdate()
    assert delivery_problems(order, delivery(order, delivery_date=day)) == []
