"""calls.routing.route_call: every rule and every fallback of DESIGN "Routing, exactly"."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calls.models import Purpose
from calls.routing import RouteRule, route_call, route_nonstandard
from clients.models import Client
from orderdesk.models import Department
from orderdesk.roles import Role
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    OrderFactory,
    ReceivableFactory,
    TransferFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def absent(user, *, until):
    profile = user.staff_profile
    profile.presence = "absent"
    profile.absent_until = until
    profile.save()
    return user


def fresh(client):
    """The client as a view would load it (no cached related objects)."""
    return Client.objects.get(pk=client.pk)


@pytest.fixture
def org():
    """Wholesale, retail and finance departments with heads; a key and a retail client type."""
    wholesale = DepartmentFactory(name="Отдел оптовых продаж", kind=Department.Kind.WHOLESALE)
    retail = DepartmentFactory(name="Отдел розничных продаж", kind=Department.Kind.RETAIL)
    finance = DepartmentFactory(name="Финансовая служба", kind=Department.Kind.FINANCE)
    wholesale.head = make_staff(
        role=Role.HEAD, department=wholesale, last_name="Орлов", first_name="Олег"
    )
    retail.head = make_staff(
        role=Role.HEAD, department=retail, last_name="Кузнецов", first_name="Кирилл"
    )
    finance.head = make_staff(
        role=Role.FINANCE, department=finance, last_name="Смирнова", first_name="Светлана"
    )
    for department in (wholesale, retail, finance):
        department.save()
    key_type = ClientTypeFactory(code="key", name="Ключевой", is_key=True, department=wholesale)
    retail_type = ClientTypeFactory(code="shop", name="Магазин", department=retail)
    return SimpleNamespace(
        wholesale=wholesale,
        retail=retail,
        finance=finance,
        key_type=key_type,
        retail_type=retail_type,
    )


def kam(org, last_name, **kwargs):
    return make_staff(
        role=Role.MANAGER,
        department=org.wholesale,
        kam=True,
        last_name=last_name,
        first_name="Анна",
        **kwargs,
    )


def manager(org, last_name="Петров", **kwargs):
    return make_staff(
        role=Role.MANAGER, department=org.retail, last_name=last_name, first_name="Пётр", **kwargs
    )


def key_client(org, manager_user):
    return fresh(ClientFactory(client_type=org.key_type, manager=manager_user))


def retail_client(org, manager_user=None, **kwargs):
    return fresh(ClientFactory(client_type=org.retail_type, manager=manager_user, **kwargs))


# --- key clients ----------------------------------------------------------------------


def test_key_client_goes_to_its_available_manager(org):
    # given
    ivanova = kam(org, "Иванова")
    client = key_client(org, ivanova)
    # when
    route = route_call(client, Purpose.ORDER)
    # then
    assert route.rule == RouteRule.KEY_MANAGER
    assert route.target == ivanova
    assert route.department == org.wholesale
    assert route.reason == "Key client: transfer to Иванова Анна (available)."
    assert route.is_transfer


@pytest.mark.parametrize("purpose", Purpose.values)
def test_key_client_goes_to_its_manager_whatever_the_purpose(org, purpose):
    ivanova = kam(org, "Иванова")
    assert route_call(key_client(org, ivanova), purpose).rule == RouteRule.KEY_MANAGER


def test_key_client_with_absent_manager_goes_to_another_available_kam(org):
    # given
    petrov = absent(kam(org, "Петров"), until=TODAY() + timedelta(days=3))
    sidorova = kam(org, "Сидорова")
    client = key_client(org, petrov)
    # when
    route = route_call(client, Purpose.ORDER)
    # then
    assert route.rule == RouteRule.KEY_FALLBACK_KAM
    assert route.target == sidorova
    until = (TODAY() + timedelta(days=3)).strftime("%d.%m")
    assert route.reason == (
        f"Key client; manager Петров Анна is absent until {until}: "
        "transfer to key-account manager Сидорова Анна (available)."
    )


def test_key_client_with_busy_manager_goes_to_another_kam(org):
    petrov = kam(org, "Петров", presence="busy")
    sidorova = kam(org, "Сидорова")
    route = route_call(key_client(org, petrov), Purpose.REFERENCE)
    assert route.rule == RouteRule.KEY_FALLBACK_KAM
    assert route.target == sidorova
    assert "manager Петров Анна is busy" in route.reason


def test_absent_and_busy_kams_are_skipped(org):
    petrov = kam(org, "Петров", presence="busy")
    absent(kam(org, "Абрамова"), until=TODAY())  # absent today: still away
    kam(org, "Белова", presence="busy")
    volkova = kam(org, "Волкова")
    route = route_call(key_client(org, petrov), Purpose.ORDER)
    assert route.target == volkova


def test_inactive_kam_is_skipped(org):
    petrov = kam(org, "Петров", presence="busy")
    kam(org, "Абрамова", is_active=False)
    volkova = kam(org, "Волкова")
    assert route_call(key_client(org, petrov), Purpose.ORDER).target == volkova


def test_absence_that_ended_yesterday_counts_as_available(org):
    petrov = absent(kam(org, "Петров"), until=TODAY() - timedelta(days=1))
    route = route_call(key_client(org, petrov), Purpose.ORDER)
    assert route.rule == RouteRule.KEY_MANAGER
    assert route.target == petrov
    assert "(available)" in route.reason


def test_kam_whose_absence_ended_yesterday_is_a_fallback(org):
    petrov = kam(org, "Петров", presence="busy")
    sidorova = absent(kam(org, "Сидорова"), until=TODAY() - timedelta(days=1))
    assert route_call(key_client(org, petrov), Purpose.ORDER).target == sidorova


def test_availability_is_judged_on_the_given_day(org):
    petrov = absent(kam(org, "Петров"), until=TODAY() + timedelta(days=3))
    client = key_client(org, petrov)
    later = route_call(client, Purpose.ORDER, on=TODAY() + timedelta(days=4))
    assert later.rule == RouteRule.KEY_MANAGER


def test_fallback_kam_with_fewest_open_transfers_today_wins_then_name(org):
    # given: Абрамова comes first by name but already has two open transfers today
    petrov = kam(org, "Петров", presence="busy")
    abramova = kam(org, "Абрамова")
    belova = kam(org, "Белова")
    TransferFactory.create_batch(2, to_user=abramova)
    TransferFactory(to_user=belova, handled_at=timezone.now())  # handled: does not count
    TransferFactory(to_user=belova, created_at=timezone.now() - timedelta(days=2))  # not today
    # when
    route = route_call(key_client(org, petrov), Purpose.ORDER)
    # then
    assert route.target == belova


def test_fallback_kams_tie_break_by_name(org):
    petrov = kam(org, "Петров", presence="busy")
    kam(org, "Белова")
    abramova = kam(org, "Абрамова")
    assert route_call(key_client(org, petrov), Purpose.ORDER).target == abramova


def test_key_client_without_any_available_kam_goes_to_head_of_wholesale(org):
    # given
    petrov = kam(org, "Петров", presence="busy")
    absent(kam(org, "Сидорова"), until=TODAY() + timedelta(days=1))
    # when
    route = route_call(key_client(org, petrov), Purpose.ORDER)
    # then
    assert route.rule == RouteRule.KEY_HEAD_WHOLESALE
    assert route.target == org.wholesale.head
    assert route.department == org.wholesale
    assert route.reason == (
        "Key client; manager Петров Анна is busy and no other key-account manager is "
        "available: transfer to the head of Отдел оптовых продаж, Орлов Олег (available)."
    )


def test_head_of_wholesale_gets_the_key_client_even_when_busy(org):
    head = org.wholesale.head
    head.staff_profile.presence = "busy"
    head.staff_profile.save()
    petrov = kam(org, "Петров", presence="busy")
    route = route_call(key_client(org, petrov), Purpose.ORDER)
    assert route.target == head
    assert "Орлов Олег (busy)" in route.reason


def test_key_client_without_wholesale_department_stays_with_the_operator(org):
    petrov = kam(org, "Петров", presence="busy")
    client = key_client(org, petrov)
    Department.objects.filter(pk=org.wholesale.pk).update(kind=Department.Kind.OTHER)
    route = route_call(client, Purpose.ORDER)
    assert route.rule == RouteRule.KEY_HEAD_WHOLESALE
    assert route.target is None and route.department is None
    assert not route.is_transfer
    assert "you keep the call" in route.reason


def test_key_client_with_debt_still_goes_to_its_key_manager(org):
    ivanova = kam(org, "Иванова")
    client = ClientFactory(client_type=org.key_type, manager=ivanova, with_overdue=True)
    route = route_call(fresh(client), Purpose.ORDER)
    assert route.rule == RouteRule.KEY_MANAGER
    assert route.target == ivanova


def test_key_client_without_manager_is_a_new_client(org):
    # Documented precedence: no manager → new_client_head, even for a key type.
    client = fresh(ClientFactory(client_type=org.key_type, manager=None))
    route = route_call(client, Purpose.ORDER)
    assert route.rule == RouteRule.NEW_CLIENT_HEAD
    assert route.target == org.wholesale.head


# --- new clients and unknown callers --------------------------------------------------


def test_new_client_goes_to_head_of_its_types_department(org):
    # given
    client = retail_client(org, manager_user=None)
    # when
    route = route_call(client, Purpose.ORDER)
    # then
    assert route.rule == RouteRule.NEW_CLIENT_HEAD
    assert route.target == org.retail.head
    assert route.department == org.retail
    assert route.reason == (
        "New client: transfer to the head of Отдел розничных продаж, Кузнецов Кирилл "
        "(available), who will assign a manager."
    )


@pytest.mark.parametrize("purpose", Purpose.values)
def test_new_client_goes_to_the_head_whatever_the_purpose(org, purpose):
    assert route_call(retail_client(org), purpose).rule == RouteRule.NEW_CLIENT_HEAD


def test_unknown_caller_goes_to_head_of_wholesale(org):
    route = route_call(None, Purpose.ORDER)
    assert route.rule == RouteRule.NEW_CLIENT_HEAD
    assert route.target == org.wholesale.head
    assert route.department == org.wholesale
    assert route.reason.startswith("Unknown caller: transfer to the head of Отдел оптовых продаж")


def test_new_client_of_a_type_without_department_goes_to_head_of_wholesale(org):
    no_department = ClientTypeFactory(code="market", department=None)
    client = fresh(ClientFactory(client_type=no_department, manager=None))
    route = route_call(client, Purpose.FEEDBACK)
    assert route.rule == RouteRule.NEW_CLIENT_HEAD
    assert route.target == org.wholesale.head


def test_new_client_of_a_department_without_head_goes_to_the_department(org):
    Department.objects.filter(pk=org.retail.pk).update(head=None)
    route = route_call(retail_client(org), Purpose.ORDER)
    assert route.target is None
    assert route.department == org.retail
    assert route.is_transfer
    assert "Отдел розничных продаж (no head is set up)" in route.reason


def test_new_debtor_goes_to_the_head_not_to_finance(org):
    # Documented precedence: new_client_head comes before the debt rules.
    client = fresh(ClientFactory(client_type=org.retail_type, manager=None, with_overdue=True))
    route = route_call(client, Purpose.ORDER)
    assert route.rule == RouteRule.NEW_CLIENT_HEAD
    assert route.target == org.retail.head


# --- debtors ordering -----------------------------------------------------------------


def test_debtor_ordering_goes_to_its_manager(org):
    # given
    petrov = manager(org)
    client = retail_client(org, petrov)
    ReceivableFactory(
        client=client, amount=Decimal("12500.00"), due_date=TODAY() - timedelta(days=1)
    )
    # when
    route = route_call(client, Purpose.ORDER)
    # then
    assert route.rule == RouteRule.DEBT_MANAGER
    assert route.target == petrov
    assert route.department == org.retail
    assert route.reason == (
        "Overdue debt 12,500.00 ₽: transfer to the manager Петров Пётр (available)."
    )


def test_client_over_its_credit_limit_ordering_goes_to_its_manager(org):
    petrov = manager(org)
    client = fresh(ClientFactory(client_type=org.retail_type, manager=petrov, over_limit=True))
    route = route_call(client, Purpose.ORDER)
    assert route.rule == RouteRule.DEBT_MANAGER
    assert route.reason.startswith("Credit limit exceeded by 500.00 ₽:")


def test_debtor_with_absent_manager_goes_to_head_of_finance(org):
    # given
    petrov = absent(manager(org), until=TODAY() + timedelta(days=5))
    client = fresh(ClientFactory(client_type=org.retail_type, manager=petrov, with_overdue=True))
    # when
    route = route_call(client, Purpose.ORDER)
    # then
    assert route.rule == RouteRule.DEBT_FINANCE
    assert route.target == org.finance.head
    assert route.department == org.finance
    assert route.reason == (
        "Overdue debt 5,000.00 ₽: no manager available, transfer to the financial service "
        "(Смирнова Светлана, available)."
    )


def test_debt_finance_falls_back_to_available_finance_staff(org):
    head = org.finance.head
    head.staff_profile.presence = "busy"
    head.staff_profile.save()
    make_staff(role=Role.FINANCE, department=org.finance, last_name="Ястребова", presence="busy")
    zaitseva = make_staff(role=Role.FINANCE, department=org.finance, last_name="Зайцева")
    petrov = manager(org, presence="busy")
    client = fresh(ClientFactory(client_type=org.retail_type, manager=petrov, with_overdue=True))
    route = route_call(client, Purpose.ORDER)
    assert route.rule == RouteRule.DEBT_FINANCE
    assert route.target == zaitseva


def test_debt_finance_goes_to_the_head_anyway_when_nobody_is_available(org):
    head = org.finance.head
    head.staff_profile.presence = "busy"
    head.staff_profile.save()
    petrov = manager(org, presence="busy")
    client = fresh(ClientFactory(client_type=org.retail_type, manager=petrov, with_overdue=True))
    route = route_call(client, Purpose.ORDER)
    assert route.target == head
    assert "(Смирнова Светлана, busy)" in route.reason


@pytest.mark.parametrize("purpose", [Purpose.REFERENCE, Purpose.FEEDBACK])
def test_debtor_asking_for_reference_or_giving_feedback_stays_with_operator(org, purpose):
    client = fresh(
        ClientFactory(client_type=org.retail_type, manager=manager(org), with_overdue=True)
    )
    route = route_call(client, purpose)
    assert route.rule == RouteRule.OPERATOR
    assert route.target is None


def test_open_orders_over_the_limit_block_and_route_to_manager(org):
    petrov = manager(org)
    client = retail_client(org, petrov, credit_limit=Decimal("1000.00"))
    OrderFactory(client=client, status="accepted", total=Decimal("1000.01"))
    assert route_call(client, Purpose.ORDER).rule == RouteRule.DEBT_MANAGER


# --- other purpose ------------------------------------------------------------------


def test_other_purpose_goes_to_the_manager(org):
    petrov = manager(org)
    route = route_call(retail_client(org, petrov), Purpose.OTHER)
    assert route.rule == RouteRule.OTHER_MANAGER
    assert route.target == petrov
    assert route.reason == "Other question: transfer to the manager Петров Пётр (available)."


def test_other_purpose_with_absent_manager_goes_to_head_of_types_department(org):
    petrov = absent(manager(org), until=TODAY() + timedelta(days=2))
    route = route_call(retail_client(org, petrov), Purpose.OTHER)
    assert route.rule == RouteRule.OTHER_HEAD
    assert route.target == org.retail.head
    assert route.department == org.retail
    assert "manager Петров Пётр is absent until" in route.reason
    assert "the head of Отдел розничных продаж, Кузнецов Кирилл (available)" in route.reason


def test_other_purpose_with_inactive_manager_goes_to_the_head(org):
    petrov = manager(org, is_active=False)
    route = route_call(retail_client(org, petrov), Purpose.OTHER)
    assert route.rule == RouteRule.OTHER_HEAD
    assert "is no longer active" in route.reason


def test_other_purpose_of_a_type_without_department_goes_to_head_of_wholesale(org):
    petrov = manager(org, presence="busy")
    no_department = ClientTypeFactory(code="market", department=None)
    client = fresh(ClientFactory(client_type=no_department, manager=petrov))
    route = route_call(client, Purpose.OTHER)
    assert route.rule == RouteRule.OTHER_HEAD
    assert route.target == org.wholesale.head


def test_manager_without_staff_profile_counts_as_absent(org):
    from tests.factories import UserFactory

    nobody = UserFactory(role=Role.MANAGER)
    route = route_call(retail_client(org, nobody), Purpose.OTHER)
    assert route.rule == RouteRule.OTHER_HEAD


# --- the operator keeps the call ------------------------------------------------------


@pytest.mark.parametrize("purpose", [Purpose.ORDER, Purpose.REFERENCE, Purpose.FEEDBACK])
def test_client_in_good_standing_stays_with_the_operator(org, purpose):
    route = route_call(retail_client(org, manager(org)), purpose)
    assert route.rule == RouteRule.OPERATOR
    assert route.target is None
    assert route.department is None
    assert not route.is_transfer
    assert route.reason == "Order, reference or feedback: you keep the call."


def test_unknown_purpose_is_refused(org):
    with pytest.raises(ValueError):
        route_call(None, "gossip")


# --- non-standard situations --------------------------------------------------------


def test_nonstandard_situation_goes_to_head_of_the_sales_department(org):
    route = route_nonstandard(retail_client(org, manager(org)))
    assert route.rule == RouteRule.NONSTANDARD_HEAD
    assert route.target == org.retail.head
    assert route.reason == (
        "Non-standard situation: transfer to the head of Отдел розничных продаж, "
        "Кузнецов Кирилл (available)."
    )


def test_nonstandard_situation_of_unknown_caller_goes_to_head_of_wholesale(org):
    assert route_nonstandard(None).target == org.wholesale.head


# --- bounded queries ------------------------------------------------------------------


def _queries(func):
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured)


@pytest.mark.parametrize("staff", [3, 30])
def test_worst_case_key_routing_uses_a_fixed_number_of_queries(org, staff):
    # given: the manager and every other KAM are away, so all fallbacks are tried
    petrov = kam(org, "Петров", presence="busy")
    for n in range(staff):
        kam(org, f"Кам{n:02d}", presence="busy" if n % 2 else "absent")
        manager(org, last_name=f"Менеджер{n:02d}")
    client = key_client(org, petrov)
    # when
    count = _queries(lambda: route_call(client, Purpose.ORDER))
    # then
    assert route_call(client, Purpose.ORDER).rule == RouteRule.KEY_HEAD_WHOLESALE
    assert count <= 5


def test_query_count_does_not_grow_with_staff(org):
    def scenario(n_staff):
        for n in range(n_staff):
            make_staff(
                role=Role.FINANCE,
                department=org.finance,
                last_name=f"Фин{n_staff}-{n:02d}",
                presence="busy",
            )
            kam(org, f"Кам{n_staff}-{n:02d}", presence="busy")
        petrov = manager(org, last_name=f"Петров{n_staff}", presence="busy")
        debtor = fresh(
            ClientFactory(client_type=org.retail_type, manager=petrov, with_overdue=True)
        )
        key = key_client(org, kam(org, f"Ключ{n_staff}", presence="busy"))
        return (
            _queries(lambda: route_call(debtor, Purpose.ORDER)),
            _queries(lambda: route_call(key, Purpose.ORDER)),
        )

    head = org.finance.head
    head.staff_profile.presence = "busy"
    head.staff_profile.save()
    assert scenario(3) == scenario(30)
