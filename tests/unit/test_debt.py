"""clients.debt.check_debt: every edge of DESIGN "Debt gate, exactly"."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.debt import check_debt
from orders.models import Order
from tests.factories import ClientFactory, OrderFactory, ReceivableFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def client_with(*, limit=None, **kwargs):
    return ClientFactory(credit_limit=limit, **kwargs)


def receivable(client, amount, *, due, paid="0.00"):
    return ReceivableFactory(
        client=client,
        amount=Decimal(amount),
        paid_amount=Decimal(paid),
        due_date=TODAY() + timedelta(days=due),
    )


def test_client_without_debt_passes():
    check = check_debt(client_with())
    assert check.outstanding == check.overdue == check.excess == Decimal("0.00")
    assert not check.blocked
    assert check.reasons == []


def test_due_today_is_not_overdue():
    client = client_with()
    receivable(client, "1000.00", due=0)
    check = check_debt(client)
    assert check.outstanding == Decimal("1000.00")
    assert check.overdue == Decimal("0.00")
    assert not check.blocked


def test_due_yesterday_is_overdue():
    client = client_with()
    receivable(client, "1000.00", due=-1)
    check = check_debt(client)
    assert check.overdue == Decimal("1000.00")
    assert check.blocked


def test_overdue_is_judged_on_the_given_day():
    client = client_with()
    receivable(client, "1000.00", due=0)
    assert check_debt(client, on=TODAY() + timedelta(days=1)).blocked


def test_partial_payment_leaves_the_rest_overdue():
    client = client_with()
    receivable(client, "1000.00", due=-5, paid="999.99")
    check = check_debt(client)
    assert check.outstanding == Decimal("0.01")
    assert check.overdue == Decimal("0.01")
    assert check.blocked


def test_fully_paid_old_documents_do_not_count():
    client = client_with(limit=Decimal("0.00"))
    receivable(client, "5000.00", due=-100, paid="5000.00")
    check = check_debt(client)
    assert check.outstanding == check.overdue == Decimal("0.00")
    assert not check.blocked


def test_outstanding_sums_all_open_documents():
    client = client_with()
    receivable(client, "1000.00", due=10, paid="250.00")
    receivable(client, "500.00", due=-3)
    check = check_debt(client)
    assert check.outstanding == Decimal("1250.00")
    assert check.overdue == Decimal("500.00")


def test_no_limit_never_blocks_on_exposure():
    client = client_with(limit=None)
    receivable(client, "9999999.00", due=30)
    check = check_debt(client)
    assert not check.blocked
    assert check.excess == Decimal("0.00")
    assert check.credit_limit is None
    assert check.credit_available is None


def test_zero_limit_means_prepayment_any_exposure_blocks():
    client = client_with(limit=Decimal("0.00"))
    receivable(client, "0.01", due=30)
    check = check_debt(client)
    assert check.blocked
    assert check.excess == Decimal("0.01")


def test_zero_limit_without_exposure_passes():
    check = check_debt(client_with(limit=Decimal("0.00")))
    assert not check.blocked
    assert check.credit_available == Decimal("0.00")


def test_exactly_at_the_limit_passes():
    client = client_with(limit=Decimal("1000.00"))
    receivable(client, "1000.00", due=30)
    check = check_debt(client)
    assert not check.blocked
    assert check.credit_available == Decimal("0.00")


def test_one_kopeck_over_the_limit_blocks():
    client = client_with(limit=Decimal("1000.00"))
    receivable(client, "1000.01", due=30)
    check = check_debt(client)
    assert check.blocked
    assert check.excess == Decimal("0.01")


@pytest.mark.parametrize(
    ("status", "counts"),
    [
        (Order.Status.ACCEPTED, True),
        (Order.Status.IN_FULFILMENT, True),
        (Order.Status.DRAFT, False),
        (Order.Status.CANCELLED, False),
        (Order.Status.DELIVERED, False),
    ],
)
def test_only_accepted_and_in_fulfilment_orders_count(status, counts):
    client = client_with(limit=Decimal("1000.00"))
    OrderFactory(client=client, status=status, total=Decimal("1500.00"))
    check = check_debt(client)
    assert check.blocked is counts
    assert check.open_orders == (Decimal("1500.00") if counts else Decimal("0.00"))


def test_exposure_adds_debt_and_open_orders():
    client = client_with(limit=Decimal("1000.00"))
    receivable(client, "600.00", due=30)
    OrderFactory(client=client, status=Order.Status.ACCEPTED, total=Decimal("400.00"))
    check = check_debt(client)
    assert check.exposure == Decimal("1000.00")
    assert not check.blocked
    OrderFactory(client=client, status=Order.Status.IN_FULFILMENT, total=Decimal("0.01"))
    assert check_debt(client).blocked


def test_another_clients_debt_is_not_mine():
    mine = client_with(limit=Decimal("100.00"))
    other = client_with(limit=Decimal("100.00"))
    receivable(other, "5000.00", due=-10)
    OrderFactory(client=other, status=Order.Status.ACCEPTED, total=Decimal("5000.00"))
    check = check_debt(mine)
    assert not check.blocked
    assert check.outstanding == check.open_orders == Decimal("0.00")


def test_adding_counts_toward_the_limit():
    client = client_with(limit=Decimal("1000.00"))
    receivable(client, "900.00", due=30)
    assert not check_debt(client, adding=Decimal("100.00")).blocked
    check = check_debt(client, adding=Decimal("100.01"))
    assert check.blocked
    assert check.excess == Decimal("0.01")
    assert check.exposure == Decimal("1000.01")


def test_adding_does_not_matter_without_limit():
    assert not check_debt(client_with(limit=None), adding=Decimal("1000000.00")).blocked


def test_negative_adding_raises():
    with pytest.raises(ValueError):
        check_debt(client_with(), adding=Decimal("-0.01"))


def test_reasons_mention_the_amounts():
    client = client_with(limit=Decimal("1000.00"))
    receivable(client, "1500.00", due=-2)
    receivable(client, "12000.00", due=20)
    check = check_debt(client)
    assert check.blocked
    assert check.reasons == [
        "Overdue debt: 1,500.00 ₽ past the due date.",
        "Credit limit exceeded by 12,500.00 ₽: debt and open orders 13,500.00 ₽ against a "
        "limit of 1,000.00 ₽.",
    ]


def test_factory_traits_block():
    assert check_debt(ClientFactory(with_overdue=True)).blocked
    assert check_debt(ClientFactory(over_limit=True)).blocked


def test_prepaid_open_orders_are_not_credit_exposure():
    from orders.models import Order
    from tests.factories import ClientFactory, OrderFactory

    client = ClientFactory(credit_limit=Decimal("0.00"))
    OrderFactory(
        client=client,
        status=Order.Status.ACCEPTED,
        total=Decimal("5000.00"),
        payment_form=Order.PaymentForm.PREPAYMENT,
    )
    assert check_debt(client).blocked is False
    OrderFactory(
        client=client,
        status=Order.Status.ACCEPTED,
        total=Decimal("0.01"),
        payment_form=Order.PaymentForm.BANK_TRANSFER,
    )
    assert check_debt(client).blocked is True


def test_with_order_matches_a_fresh_check_with_adding():
    from clients.debt import with_order
    from tests.factories import ClientFactory, ReceivableFactory

    client = ClientFactory(credit_limit=Decimal("1000.00"))
    ReceivableFactory(client=client, amount=Decimal("800.00"))
    base = check_debt(client)
    for amount in (Decimal("200.00"), Decimal("200.01")):
        assert with_order(base, amount) == check_debt(client, adding=amount)
    with pytest.raises(ValueError):
        with_order(base, Decimal("-1"))


def test_sums_are_exact_to_the_kopeck():
    # Binary fractions would drift (0.1 + 0.2): the sums come out as exact Decimals on
    # every database, kopecks included.
    client = client_with(limit=Decimal("1000.60"))
    for amount, paid in [("0.10", "0.00"), ("0.20", "0.05"), ("333.33", "0.01"), ("666.67", "0")]:
        receivable(client, amount, due=5, paid=paid)
    receivable(client, "0.35", due=-1, paid="0.05")
    OrderFactory(client=client, status=Order.Status.ACCEPTED, total=Decimal("0.01"))

    check = check_debt(client)

    assert check.outstanding == Decimal("1000.54")
    assert check.overdue == Decimal("0.30")
    assert check.open_orders == Decimal("0.01")
    assert check.exposure == Decimal("1000.55")
    assert all(type(v) is Decimal for v in (check.outstanding, check.overdue, check.open_orders))
    assert check.blocked  # the overdue kopecks
