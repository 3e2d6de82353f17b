"""/orders/<id>/: the order page, who may see it, and moving the order along from it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import Receivable
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.logs import number_from_text
from orders.models import Order, OrderEvent
from orders.services import order_number
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DepartmentFactory,
    make_staff,
    placed_order,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def head():
    return make_staff(role=Role.HEAD, first_name="Глава", last_name="Оптовый")


@pytest.fixture
def department(head):
    return DepartmentFactory(name="Опт", kind=Department.Kind.WHOLESALE, head=head)


@pytest.fixture
def manager(department):
    return make_staff(role=Role.MANAGER, department=department, first_name="Пётр", last_name="М")


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, first_name="Анна", last_name="О")


@pytest.fixture
def order(department, manager, operator) -> Order:
    """An accepted order of 2 × 640 ₽ for a client with a 10 000 ₽ limit."""
    ctype = ClientTypeFactory(code="retail", department=department)
    client = ClientFactory(
        name="ООО «Ромашка»", client_type=ctype, manager=manager, credit_limit=Decimal("10000")
    )
    ContactFactory(
        client=client, name="Приёмщик Иван", email="ivan@romashka.example", can_receive_goods=True
    )
    return placed_order(client=client, operator=operator)


def page(order):
    return reverse("orders:page", args=[order.pk])


def status_url(order):
    return reverse("orders:page_status", args=[order.pk])


def window(hours_from_now=26, length=3):
    start = timezone.localtime() + timedelta(hours=hours_from_now)
    start = start.replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=length)
    return start.strftime("%Y-%m-%dT%H:%M"), end.strftime("%Y-%m-%dT%H:%M")


# --- who sees it -------------------------------------------------------------------------


def test_the_manager_sees_lines_rules_terms_and_history(client, order, manager):
    client.force_login(manager)
    response = client.get(page(order))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body
    assert order.number in body
    assert "Сыр Гауда" in body
    assert "Приёмщик Иван" in body
    assert "Move the order along" in body


def test_the_htmx_request_gets_only_the_body(client, order, manager):
    client.force_login(manager)
    response = client.get(page(order), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="order-body"' in body


@pytest.mark.parametrize("who", ["operator", "head", "finance", "admin"])
def test_everyone_concerned_may_open_it(client, order, operator, head, who):
    users = {
        "operator": operator,
        "head": head,
        "finance": make_staff(role=Role.FINANCE),
        "admin": make_staff(role=Role.ADMIN),
    }
    client.force_login(users[who])
    assert client.get(page(order)).status_code == 200


def test_the_operator_sees_it_but_cannot_move_it(client, order, operator):
    client.force_login(operator)
    body = client.get(page(order)).content.decode()
    assert "Move the order along" not in body
    response = client.post(status_url(order), {"status": "cancelled", "reason": "просто так"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MANAGER, Role.HEAD])
def test_strangers_get_a_404_and_change_nothing(client, order, role):
    stranger = make_staff(role=role)
    if role == Role.HEAD:
        DepartmentFactory(name="Розница", kind=Department.Kind.RETAIL, head=stranger)
    client.force_login(stranger)
    assert client.get(page(order)).status_code == 404
    response = client.post(status_url(order), {"status": "cancelled", "reason": "x"})
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED


def test_a_draft_has_no_page(client, order, manager):
    Order.objects.filter(pk=order.pk).update(status=Order.Status.DRAFT)
    client.force_login(manager)
    assert client.get(page(order)).status_code == 404


def test_the_page_reads_a_constant_number_of_queries(
    client, order, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    client.post(status_url(order), {"status": "in_fulfilment"})
    with django_assert_max_num_queries(20):
        client.get(page(order))


# --- moving it along ---------------------------------------------------------------------


def test_into_fulfilment_with_a_window_tells_the_consignee(
    client, order, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    start, end = window()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            status_url(order),
            {"status": "in_fulfilment", "arrival_from": start, "arrival_to": end},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert order.arrival_from is not None and order.arrival_to > order.arrival_from
    recipients = {address for message in mail.outbox for address in message.to}
    assert "ivan@romashka.example" in recipients
    assert any(order.number in message.body for message in mail.outbox)
    kinds = list(order.events.values_list("kind", flat=True))
    assert OrderEvent.Kind.STATUS_CHANGED in kinds
    assert OrderEvent.Kind.ARRIVAL_ANNOUNCED in kinds
    assert all(by == manager.pk for by in order.events.values_list("by", flat=True))
    body = response.content.decode()
    assert "In fulfilment" in body
    assert manager.get_full_name() in body  # the timeline says who


def test_a_window_that_ends_before_it_starts_is_refused(client, order, manager):
    client.force_login(manager)
    start, end = window()
    response = client.post(
        status_url(order),
        {"status": "in_fulfilment", "arrival_from": end, "arrival_to": start},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED
    assert mail.outbox == []


def test_delivered_after_fulfilment(client, order, head):
    client.force_login(head)
    client.post(status_url(order), {"status": "in_fulfilment"})
    response = client.post(status_url(order), {"status": "delivered"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
    changes = order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED).order_by("at", "pk")
    assert [(e.data["old"], e.data["new"]) for e in changes] == [
        ("accepted", "in_fulfilment"),
        ("in_fulfilment", "delivered"),
    ]


def test_an_accepted_order_cannot_jump_to_delivered(client, order, manager):
    client.force_login(manager)
    client.post(status_url(order), {"status": "delivered"})
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED


def test_cancel_needs_a_reason_and_records_it(client, order, manager):
    client.force_login(manager)
    response = client.post(
        status_url(order), {"status": "cancelled", "reason": ""}, headers={"HX-Request": "true"}
    )
    assert 'role="alert"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED

    client.post(status_url(order), {"status": "cancelled", "reason": "Клиент передумал"})
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    event = order.events.get(kind=OrderEvent.Kind.CANCELLED)
    assert event.by == manager
    assert event.data["reason"] == "Клиент передумал"
    assert "Клиент передумал" in client.get(page(order)).content.decode()


def test_a_double_submit_changes_the_status_once(client, order, manager):
    client.force_login(manager)
    client.post(status_url(order), {"status": "in_fulfilment"})
    client.post(status_url(order), {"status": "in_fulfilment"})
    assert order.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED).count() == 1


def test_a_tampered_status_is_refused(client, order, manager):
    client.force_login(manager)
    response = client.post(status_url(order), {"status": "draft"}, headers={"HX-Request": "true"})
    assert 'role="alert"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED


# --- quantities after acceptance ---------------------------------------------------------


def line_url(order, product_id):
    return reverse("orders:page_line", args=[order.pk, product_id])


def test_a_quantity_change_reprices_and_is_recorded(client, order, manager):
    client.force_login(manager)
    product_id = order.lines.get().product_id
    response = client.post(
        line_url(order, product_id), {"quantity": "3"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.total == Decimal("1920.00")
    event = order.events.get(kind=OrderEvent.Kind.QUANTITY_CHANGED)
    assert event.by == manager


@pytest.mark.parametrize("bad", ["-1", "0", "abc", "1e9"])
def test_a_bad_quantity_changes_nothing(client, order, manager, bad):
    client.force_login(manager)
    product_id = order.lines.get().product_id
    response = client.post(
        line_url(order, product_id), {"quantity": bad}, headers={"HX-Request": "true"}
    )
    assert 'role="alert"' in response.content.decode()
    order.refresh_from_db()
    assert order.total == Decimal("1280.00")


def test_an_increase_that_breaks_the_limit_is_blocked(client, order, manager):
    Receivable.objects.create(
        client=order.client,
        document_no="Р-1",
        document_date=timezone.localdate(),
        due_date=timezone.localdate() + timedelta(days=10),
        amount=Decimal("8000.00"),
        paid_amount=Decimal("0"),
    )
    client.force_login(manager)
    product_id = order.lines.get().product_id
    response = client.post(
        line_url(order, product_id), {"quantity": "5"}, headers={"HX-Request": "true"}
    )
    assert "blocked" in response.content.decode()
    order.refresh_from_db()
    assert order.total == Decimal("1280.00")


def test_a_line_of_another_order_is_a_clear_error(client, order, manager):
    client.force_login(manager)
    response = client.post(
        line_url(order, 999999), {"quantity": "3"}, headers={"HX-Request": "true"}
    )
    assert "not on this order" in response.content.decode()


# --- the order log links and finds orders by number ---------------------------------------


def test_the_order_log_links_each_number_to_its_page(client, order, manager):
    client.force_login(manager)
    body = client.get(reverse("orders:order_log")).content.decode()
    assert f'href="{page(order)}"' in body


@pytest.mark.parametrize("typed", ["{number}", "{lower}", "{pk}", " {pk} ", "ЗК {pk}"])
def test_the_order_log_finds_an_order_by_number(client, order, manager, typed):
    other = Order.objects.create(
        client=order.client,
        operator=order.operator,
        status=Order.Status.ACCEPTED,
        accepted_at=timezone.now(),
        total=Decimal("1.00"),
    )
    other.number = order_number(other)
    other.save(update_fields=["number"])
    client.force_login(manager)
    text = typed.format(number=order.number, lower=order.number.lower(), pk=order.pk)
    response = client.get(reverse("orders:order_log"), {"number": text})
    body = response.content.decode()
    assert order.number in body
    assert other.number not in body


@pytest.mark.parametrize("text", ["abc", "ЗК-", "12345678901234567890"])
def test_a_number_that_is_not_one_finds_nothing(text):
    assert number_from_text(text) is None


def test_number_from_text_reads_the_usual_spellings():
    assert number_from_text("зк-123") == "ЗК-0000123"
    assert number_from_text("0000123") == "ЗК-0000123"
    assert number_from_text("ZK-123") == "ЗК-0000123"
