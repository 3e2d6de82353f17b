"""Clients for managers and heads: scope, status, money columns and credit history by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clients.debt import check_debt
from clients.review import ClientFilters, client_list, client_timeline, decorate
from orderdesk.roles import Role
from orders.models import Order
from tests.factories import (
    CallFactory,
    ClientFactory,
    ClientPhoneFactory,
    ClientTypeFactory,
    DepartmentFactory,
    OrderFactory,
    ReceivableFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db


def listed(user, **filters):
    rows = list(client_list(user, filters=ClientFilters(**filters)))
    return decorate(rows)


def names(rows):
    return sorted(row.name for row in rows)


@pytest.fixture
def manager():
    return make_staff(role=Role.MANAGER)


def test_manager_sees_own_clients_head_the_department_finance_all(manager):
    head = make_staff(role=Role.HEAD)
    dept = DepartmentFactory(name="Опт", head=head)
    colleague = make_staff(role=Role.MANAGER, department=dept)
    ClientFactory(manager=manager, name="Мой")
    ClientFactory(manager=colleague, name="Отдела")
    ClientFactory(manager=make_staff(role=Role.MANAGER), name="Чужой")
    assert names(listed(manager)) == ["Мой"]
    assert names(listed(head)) == ["Отдела"]
    assert names(listed(make_staff(role=Role.FINANCE))) == ["Мой", "Отдела", "Чужой"]
    assert names(listed(make_staff(role=Role.ADMIN))) == ["Мой", "Отдела", "Чужой"]
    with pytest.raises(PermissionDenied):
        listed(make_staff(role=Role.OPERATOR))


def test_money_columns_match_check_debt(manager):
    today = timezone.localdate()
    client = ClientFactory(manager=manager, credit_limit=Decimal("5000.00"))
    # 3000 outstanding of which 1000 overdue (due yesterday); 2500 in an accepted order
    ReceivableFactory(client=client, amount=Decimal("1000.00"), due_date=today - timedelta(days=1))
    ReceivableFactory(
        client=client,
        amount=Decimal("2500.00"),
        paid_amount=Decimal("500.00"),
        due_date=today + timedelta(days=5),
    )
    OrderFactory(client=client, status=Order.Status.ACCEPTED, total=Decimal("2500.00"))
    OrderFactory(client=client, status=Order.Status.CANCELLED, total=Decimal("9999.00"))
    row = listed(manager)[0]
    check = check_debt(client)
    assert row.outstanding == check.outstanding == Decimal("3000.00")
    assert row.overdue == check.overdue == Decimal("1000.00")
    assert row.exposure == check.exposure == Decimal("5500.00")
    assert row.credit_left == Decimal("0.00") and row.is_over_limit
    assert [r.pk for r in listed(manager, over_limit=True)] == [client.pk]
    assert [r.pk for r in listed(manager, overdue=True)] == [client.pk]


def test_prepayment_only_client_prepaid_orders_are_not_exposure(manager):
    client = ClientFactory(manager=manager, credit_limit=Decimal("0"))
    OrderFactory(
        client=client,
        status=Order.Status.ACCEPTED,
        total=Decimal("700.00"),
        payment_form=Order.PaymentForm.PREPAYMENT,
    )
    row = listed(manager)[0]
    assert row.exposure == check_debt(client).exposure == Decimal("0.00")
    assert not row.is_over_limit


def test_no_limit_means_no_credit_left_column(manager):
    ClientFactory(manager=manager, credit_limit=None)
    row = listed(manager)[0]
    assert row.credit_left is None and not row.is_over_limit


def test_credit_history_counts_late_payments_of_the_last_twelve_months(manager):
    today = timezone.localdate()
    client = ClientFactory(manager=manager)

    def paid(due_ago, late_days):
        due = today - timedelta(days=due_ago)
        ReceivableFactory(
            client=client,
            amount=Decimal("100.00"),
            paid_amount=Decimal("100.00"),
            due_date=due,
            paid_at=due + timedelta(days=late_days),
        )

    paid(100, 12)  # late 12 days
    paid(50, 3)  # late 3 days
    paid(40, 0)  # on the due date: not late
    paid(30, -5)  # early
    paid(500, 30)  # more than a year ago: not counted
    row = listed(manager)[0]
    assert row.late_payments == 2 and row.longest_delay_days == 12


def test_status_filter_matches_client_status(manager):
    now = timezone.now()
    kind = ClientTypeFactory(code="shop30", asleep_after_days=30)
    ClientFactory(manager=None, name="Без менеджера", client_type=kind)
    ClientFactory(manager=manager, name="Активный", client_type=kind, last_order_at=now)
    ClientFactory(
        manager=manager,
        name="Спящий",
        client_type=kind,
        last_order_at=now - timedelta(days=40),
    )
    finance = make_staff(role=Role.FINANCE)
    for status, expected in (
        ("new", "Без менеджера"),
        ("active", "Активный"),
        ("asleep", "Спящий"),
    ):
        rows = listed(finance, status=status)
        assert names(rows) == [expected] and rows[0].status == status


def test_search_by_phone_in_any_form_or_by_name(manager):
    client = ClientFactory(manager=manager, name="ООО «Ромашка»")
    ClientPhoneFactory(client=client, number="+74951234567")
    ClientFactory(manager=manager, name="ИП Васильев")
    assert names(listed(manager, q="8 (495) 123-45-67")) == ["ООО «Ромашка»"]
    assert names(listed(manager, q="Ромаш")) == ["ООО «Ромашка»"]


def test_timeline_merges_orders_calls_newest_first(manager):
    client = ClientFactory(manager=manager)
    now = timezone.now()
    CallFactory(client=client, started_at=now - timedelta(hours=2))
    OrderFactory(
        client=client,
        status=Order.Status.ACCEPTED,
        number="A-1",
        accepted_at=now - timedelta(hours=1),
    )
    OrderFactory(client=client, status=Order.Status.DRAFT)  # drafts are not history
    kinds = [entry.kind for entry in client_timeline(client)]
    assert kinds == ["order", "call"]
