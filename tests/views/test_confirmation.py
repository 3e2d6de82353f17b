"""/orders/<id>/confirmation/: the printable confirmation and e-mailing it."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from calls.services import choose_purpose, start_call
from orderdesk.models import Department
from orderdesk.roles import Role
from orders import services
from orders.models import Order, UpsellOffer
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DeliveryAddressFactory,
    DepartmentFactory,
    ProductFactory,
    ProductPriceFactory,
    arrange_delivery,
    make_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Операторова")


@pytest.fixture
def manager():
    return make_staff(role=Role.MANAGER, first_name="Пётр", last_name="Менеджеров")


@pytest.fixture
def client_(manager):
    wholesale = DepartmentFactory(
        name="Опт", kind=Department.Kind.WHOLESALE, head=make_staff(role=Role.HEAD)
    )
    ctype = ClientTypeFactory(code="retail", department=wholesale)
    client = ClientFactory(
        name="ООО «Ромашка»", client_type=ctype, manager=manager, phone="+74951000005"
    )
    DeliveryAddressFactory(client=client, address="Москва, ул. Складская, д. 7")
    ContactFactory(client=client, name="Приёмщик Иван", email="ivan@romashka.example")
    return client


def priced(client, name, price):
    product = ProductFactory(name=name)
    ProductPriceFactory(
        product=product, column=client.client_type.default_price_column, price=Decimal(price)
    )
    return product


def draft_in_a_call(client, operator) -> Order:
    call = start_call(phone="+74951000005", operator=operator)
    choose_purpose(call=call, purpose="order", by=operator)
    order = services.start_order(client=client, operator=operator, call=call, by=operator)
    services.set_line(
        order=order, product=priced(client, "Сыр Гауда", "640.00"), quantity="2", by=order.operator
    )
    for i in range(3):
        UpsellOffer.objects.create(
            order=order,
            product=priced(client, f"Предложение {i}", "10.00"),
            reason=UpsellOffer.Reason.NEW,
            response=UpsellOffer.Response.DECLINED,
        )
    return arrange_delivery(order)


@pytest.fixture
def accepted(client_, operator) -> Order:
    order = draft_in_a_call(client_, operator)
    return services.accept_order(
        order, by=operator, idempotency_key=uuid.uuid4(), expected_total=order.total
    )


def confirmation_url(order):
    return reverse("orders:confirmation", args=[order.pk])


def send_url(order):
    return reverse("orders:send_confirmation", args=[order.pk])


# --- who may see it -----------------------------------------------------------------------


def test_the_operator_who_took_the_order_sees_the_confirmation(client, operator, accepted):
    client.force_login(operator)
    response = client.get(confirmation_url(accepted))
    assert response.status_code == 200
    html = response.content.decode()
    assert accepted.number in html and accepted.number.startswith("ЗК-")
    assert "ООО «Ромашка»" in html and "Сыр Гауда" in html
    assert "Москва, ул. Складская, д. 7" in html and "Приёмщик Иван" in html
    assert re.search(r"1\D?280[.,]00", html)  # the total, 2 × 640,00, in any number format


def test_the_clients_manager_sees_the_confirmation(client, manager, accepted):
    client.force_login(manager)
    response = client.get(confirmation_url(accepted))
    assert response.status_code == 200
    assert accepted.number in response.content.decode()


def test_the_head_of_the_clients_department_and_finance_see_it(client, client_, accepted):
    head = client_.client_type.department.head
    for reviewer in (head, make_staff(role=Role.FINANCE)):
        client.force_login(reviewer)
        assert client.get(confirmation_url(accepted)).status_code == 200


def test_another_manager_gets_404(client, accepted):
    client.force_login(make_staff(role=Role.MANAGER))
    assert client.get(confirmation_url(accepted)).status_code == 404


def test_another_operator_gets_404(client, accepted):
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(confirmation_url(accepted)).status_code == 404


def test_a_draft_has_no_confirmation(client, client_, operator, manager):
    draft = draft_in_a_call(client_, operator)
    client.force_login(operator)
    assert client.get(confirmation_url(draft)).status_code == 404
    client.force_login(manager)
    assert client.get(confirmation_url(draft)).status_code == 404


def test_an_unknown_order_is_404(client, operator):
    client.force_login(operator)
    assert client.get(reverse("orders:confirmation", args=[999999])).status_code == 404


def test_anonymous_users_are_sent_to_log_in(client, accepted):
    response = client.get(confirmation_url(accepted))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- e-mailing it -------------------------------------------------------------------------


def test_the_operator_emails_the_confirmation(
    client, operator, accepted, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(accepted), {"email": "buyer@romashka.example"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:done", args=[accepted.call_id])
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["buyer@romashka.example"]
    assert accepted.number in mail.subject
    assert "Сыр Гауда" in mail.body
    shown = client.get(response["Location"]).content.decode()
    assert "The confirmation was sent to buyer@romashka.example." in shown


def test_the_manager_emails_it_from_the_printable_page(
    client, manager, accepted, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(accepted), {"email": "boss@romashka.example"})
    assert response["Location"] == confirmation_url(accepted)
    assert [m.to for m in mailoutbox] == [["boss@romashka.example"]]
    assert accepted.number in mailoutbox[0].subject


@pytest.mark.parametrize("email", ["", "not-an-email", "a@", "@b.ru", "x@y@z.ru"])
def test_a_bad_email_is_refused_and_nothing_is_sent(client, operator, accepted, mailoutbox, email):
    client.force_login(operator)
    response = client.post(send_url(accepted), {"email": email})
    assert response.status_code == 302
    assert mailoutbox == []
    shown = client.get(response["Location"]).content.decode()
    assert "Enter a valid e-mail address." in shown


def test_nobody_else_can_email_it(client, accepted, mailoutbox):
    client.force_login(make_staff(role=Role.MANAGER))
    assert client.post(send_url(accepted), {"email": "a@b.ru"}).status_code == 404
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.post(send_url(accepted), {"email": "a@b.ru"}).status_code == 404
    assert mailoutbox == []


def test_a_draft_cannot_be_emailed(client, client_, operator, mailoutbox):
    draft = draft_in_a_call(client_, operator)
    client.force_login(operator)
    assert client.post(send_url(draft), {"email": "a@b.ru"}).status_code == 404
    assert mailoutbox == []


def test_sending_needs_a_post(client, operator, accepted, mailoutbox):
    client.force_login(operator)
    assert client.get(send_url(accepted), {"email": "a@b.ru"}).status_code == 405
    assert mailoutbox == []
