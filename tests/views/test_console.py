"""The console and the call script steps: full pages, htmx panels, ownership, query counts."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import Call, CallEvent, CallTask, Feedback, Transfer
from calls.services import start_call
from clients.models import Client
from orderdesk.models import Department
from orderdesk.roles import Role
from tests.conftest import swapped_to
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DepartmentFactory,
    ProductFactory,
    ProductPriceFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def org():
    wholesale_head = make_staff(role=Role.HEAD, first_name="Олег", last_name="Начальников")
    wholesale = DepartmentFactory(name="Опт", kind=Department.Kind.WHOLESALE, head=wholesale_head)
    finance = DepartmentFactory(
        name="Финансы", kind=Department.Kind.FINANCE, head=make_staff(role=Role.FINANCE)
    )
    return {"wholesale": wholesale, "finance": finance, "head": wholesale_head}


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Операторова")


@pytest.fixture
def retail_client(org):
    ctype = ClientTypeFactory(code="retail", department=org["wholesale"])
    manager = make_staff(role=Role.MANAGER, last_name="Менеджеров")
    client = ClientFactory(
        name="ООО «Ромашка»", client_type=ctype, manager=manager, phone="+74951000005"
    )
    ContactFactory(client=client, email="buyer@romashka.example")
    return client


def step(call, name):
    return reverse("calls:step", args=[call.pk, name])


def test_console_full_page_has_the_phone_field_focused(client, operator):
    client.force_login(operator)
    html = client.get(reverse("calls:console")).content.decode()
    assert 'name="phone"' in html and "autofocus" in html
    assert reverse("calls:incoming") in html  # polls for screen pops


def test_start_call_with_a_malformed_phone_shows_the_error_and_creates_nothing(client, operator):
    client.force_login(operator)
    response = client.post(reverse("calls:start"), {"phone": "12-ab"}, **HX)
    assert response.status_code == 200
    assert "not a valid phone number" in response.content.decode()
    assert b"<html" not in response.content
    assert Call.objects.count() == 0


def test_start_call_identifies_the_client_and_opens_its_step(client, operator, retail_client):
    client.force_login(operator)
    response = client.post(reverse("calls:start"), {"phone": "8 (495) 100-00-05"}, **HX)
    call = Call.objects.get()
    assert call.client == retail_client and call.status == Call.Status.OPEN
    assert swapped_to(response) == step(call, call.step)


STEP_PURPOSE = {
    "identify": None,
    "purpose": None,
    "route": "other",
    "reference": "reference",
    "feedback": "feedback",
    "wrap_up": None,
}


@pytest.mark.parametrize("name", list(STEP_PURPOSE))
def test_each_step_renders_as_full_page_and_as_htmx_panel(client, operator, retail_client, name):
    call = start_call(phone="+74951000005", operator=operator)
    if STEP_PURPOSE[name]:
        from calls.services import choose_purpose

        choose_purpose(call=call, purpose=STEP_PURPOSE[name], by=operator)
    client.force_login(operator)
    full = client.get(step(call, name))
    assert full.status_code == 200 and b"<html" in full.content
    assert "ООО «Ромашка»" in full.content.decode()
    panel = client.get(step(call, name), **HX)
    assert panel.status_code == 200 and b"<html" not in panel.content
    assert b'id="call-main"' in panel.content
    assert f'data-step="{name}"'.encode() in panel.content


def test_new_client_step_renders_as_full_page_and_as_htmx_panel(client, operator, org):
    ClientTypeFactory(code="market", department=org["wholesale"])
    call = start_call(phone="+74951000099", operator=operator)
    client.force_login(operator)
    full = client.get(step(call, "new_client"))
    assert b"<html" in full.content and b'data-step="new_client"' in full.content
    panel = client.get(step(call, "new_client"), **HX)
    assert b"<html" not in panel.content and b'name="client_type"' in panel.content


def test_a_step_that_is_not_ready_sends_the_operator_back(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    response = client.get(step(call, "route"))
    assert response.status_code == 302 and response["Location"] == step(call, "purpose")
    panel = client.get(step(call, "route"), **HX)
    assert panel["HX-Push-Url"] == step(call, "purpose")


def test_another_operators_call_is_a_404_and_changes_nothing(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    intruder = make_staff(role=Role.OPERATOR)
    client.force_login(intruder)
    assert client.get(step(call, "purpose")).status_code == 404
    response = client.post(step(call, "purpose"), {"purpose": "other"})
    assert response.status_code == 404
    call.refresh_from_db()
    assert call.purpose == ""


def test_managers_cannot_use_the_console(client, retail_client):
    client.force_login(make_staff(role=Role.MANAGER))
    assert client.get(reverse("calls:console")).status_code == 403
    assert client.post(reverse("calls:start"), {"phone": "+74951000005"}).status_code == 403


def test_purpose_reference_goes_to_the_reference_step(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    response = client.post(step(call, "purpose"), {"purpose": "reference"}, **HX)
    assert response["HX-Push-Url"] == step(call, "reference")
    assert b'data-step="reference"' in response.content


def test_tampered_purpose_is_refused(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    response = client.post(step(call, "purpose"), {"purpose": "steal"}, **HX)
    assert "Choose one of the purposes" in response.content.decode()
    call.refresh_from_db()
    assert call.purpose == ""


def test_key_client_is_transferred_to_its_manager(client, operator, org):
    key_type = ClientTypeFactory(code="key", is_key=True, department=org["wholesale"])
    manager = make_staff(role=Role.MANAGER, kam=True, last_name="Ключевая")
    key = ClientFactory(client_type=key_type, manager=manager, phone="+74951000001")
    call = start_call(phone="+74951000001", operator=operator)
    client.force_login(operator)
    routed = client.post(step(call, "purpose"), {"purpose": "order"}, **HX)
    assert b'data-rule="key_manager"' in routed.content and "Ключевая" in routed.content.decode()
    client.post(step(call, "route"), **HX)
    transfer = Transfer.objects.get()
    assert (transfer.to_user, transfer.rule) == (manager, "key_manager")
    assert transfer.call.client == key


def test_new_client_registration_then_head_assigns_a_manager(client, operator, org):
    ClientTypeFactory(code="market", department=org["wholesale"])
    call = start_call(phone="+74951000099", operator=operator)
    client.force_login(operator)
    assert client.get(step(call, "identify")).status_code == 200
    client.post(
        step(call, "new_client"),
        {
            "name": "ИП Новиков",
            "client_type": Client._meta.get_field("client_type")
            .related_model.objects.get(code="market")
            .pk,
            "region": "Москва",
            "contact_name": "Пётр",
        },
        **HX,
    )
    new = Client.objects.get(name="ИП Новиков")
    assert new.manager is None
    routed = client.post(step(call, "purpose"), {"purpose": "order"}, **HX)
    assert b'data-rule="new_client_head"' in routed.content
    client.post(step(call, "route"), **HX)
    task = CallTask.objects.get(kind=CallTask.Kind.ASSIGN_MANAGER)
    # the head sees it in the inbox and assigns in two clicks
    manager = make_staff(role=Role.MANAGER, last_name="Назначенный")
    client.force_login(org["head"])
    inbox = client.get(reverse("calls:inbox")).content.decode()
    assert "ИП Новиков" in inbox
    client.post(reverse("calls:assign_manager", args=[task.pk]), {"manager": manager.pk}, **HX)
    new.refresh_from_db()
    assert new.manager == manager


def test_feedback_is_recorded_and_routed(client, operator, retail_client, org):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "feedback"}, **HX)
    response = client.post(
        step(call, "feedback"),
        {"kind": "complaint", "text": "Привезли не тот сыр", "departments": [org["wholesale"].pk]},
        **HX,
    )
    assert response["HX-Push-Url"] == step(call, "wrap_up")
    item = Feedback.objects.get()
    assert list(item.departments.all()) == [org["wholesale"]]


def test_empty_feedback_is_refused(client, operator, retail_client, org):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "feedback"}, **HX)
    client.post(
        step(call, "feedback"),
        {"kind": "complaint", "text": "", "departments": [org["wholesale"].pk]},
        **HX,
    )
    assert Feedback.objects.count() == 0


def test_reference_search_shows_prices_in_the_clients_column(client, operator, retail_client):
    product = ProductFactory(name="Сыр Российский", sku="CHS-0001")
    ProductPriceFactory(
        product=product, column=retail_client.client_type.default_price_column, price="512.30"
    )
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "reference"}, **HX)
    response = client.get(reverse("calls:reference_search", args=[call.pk]), {"q": "сыр"}, **HX)
    html = response.content.decode()
    assert "Сыр Российский" in html and ("512,30" in html or "512.30" in html)


def test_price_list_is_emailed(
    client, operator, retail_client, mailoutbox, django_capture_on_commit_callbacks
):
    ProductPriceFactory(column=retail_client.client_type.default_price_column)
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "reference"}, **HX)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("calls:price_list", args=[call.pk]),
            {"email": "buyer@romashka.example", "fmt": "csv"},
            **HX,
        )
    assert "buyer@romashka.example" in response.content.decode()
    assert len(mailoutbox) == 1 and mailoutbox[0].attachments
    assert CallEvent.objects.filter(call=call, kind=CallEvent.Kind.PRICE_LIST_SENT).exists()


def test_wrap_up_with_a_call_back_books_a_task(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        step(call, "wrap_up"),
        {"outcome": "call_back", "notes": "Перезвонить завтра", "callback_at": when},
        **HX,
    )
    assert swapped_to(response) == reverse("calls:console")
    call.refresh_from_db()
    assert call.status == Call.Status.CLOSED and call.outcome.code == "call_back"
    assert CallTask.objects.get(kind=CallTask.Kind.CALL_BACK).assigned_to == operator


def test_wrap_up_twice_changes_nothing(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "wrap_up"), {"outcome": "information_given"})
    ended = Call.objects.get().ended_at
    client.post(step(call, "wrap_up"), {"outcome": "no_answer"})
    call.refresh_from_db()
    assert call.outcome.code == "information_given" and call.ended_at == ended


def test_call_survives_a_reload(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "reference"})
    console = client.get(reverse("calls:console")).content.decode()
    assert step(call, "reference") in console  # "continue it"
    assert client.get(step(call, "reference")).status_code == 200


@pytest.mark.parametrize("n", [2, 20])
def test_step_query_count_does_not_grow_with_data(
    client, operator, retail_client, django_assert_max_num_queries, n
):
    for i in range(n):
        ClientFactory(phone=f"+7916555{i:04d}")
        start_call(phone=f"+7916555{i:04d}", operator=make_staff(role=Role.OPERATOR))
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    with django_assert_max_num_queries(25):
        client.get(step(call, "purpose"), **HX)


def test_identify_and_card_query_counts(
    client, operator, retail_client, django_assert_max_num_queries
):
    # issue 10: numbers that can only go down (a previous call open: it is abandoned)
    client.force_login(operator)
    client.post(reverse("calls:start"), {"phone": "8 (495) 100-00-05"}, **HX)
    with django_assert_max_num_queries(IDENTIFY_QUERIES):
        response = client.post(reverse("calls:start"), {"phone": "8 (495) 100-00-05"}, **HX)
    assert response.status_code == 200 and response["HX-Location"]
    call = Call.objects.get(status=Call.Status.OPEN)
    client.get(step(call, "purpose"))  # the card's cached parts
    with django_assert_max_num_queries(CARD_QUERIES):
        response = client.get(step(call, "purpose"))
    assert response.status_code == 200 and 'id="client-card"' in response.content.decode()


IDENTIFY_QUERIES, CARD_QUERIES = 8, 5


def test_incoming_poll_redirects_to_a_popped_call(client, operator, retail_client):
    client.force_login(operator)
    assert client.get(reverse("calls:incoming"), **HX).status_code == 204
    call = start_call(phone="+74951000005", operator=operator)
    response = client.get(reverse("calls:incoming"), **HX)
    assert response["HX-Redirect"] == step(call, call.step)


def test_due_call_back_is_on_the_console_and_dials_the_client(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    from calls.services import wrap_up

    wrap_up(
        call=call,
        outcome_code="call_back",
        notes="Перезвонить",
        callback_at=timezone.now() + timedelta(minutes=30),
        by=operator,
    )
    task = CallTask.objects.get(kind=CallTask.Kind.CALL_BACK)
    # Due now, whatever the hour: booked 30 min ahead after 23:30 Moscow it falls due
    # tomorrow and is rightly not on today's list.
    CallTask.objects.filter(pk=task.pk).update(due_at=timezone.now())
    client.force_login(operator)
    assert f'id="task-{task.pk}"' in client.get(reverse("calls:console")).content.decode()
    response = client.post(reverse("calls:start_task"), {"task": task.pk})
    callback = Call.objects.exclude(pk=call.pk).get()
    assert (callback.direction, callback.task, callback.client) == ("out", task, retail_client)
    assert response["Location"] == step(callback, callback.step)
    # finishing the call-back closes the task with its result
    client.post(
        step(callback, "wrap_up"), {"outcome": "information_given", "notes": "Договорились"}
    )
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE and "Договорились" in task.result


def test_someone_elses_task_cannot_be_dialled(client, operator, retail_client):
    other = make_staff(role=Role.OPERATOR)
    task = CallTask.objects.create(
        kind=CallTask.Kind.CALL_BACK, client=retail_client, assigned_to=other
    )
    client.force_login(operator)
    client.post(reverse("calls:start_task"), {"task": task.pk})
    assert Call.objects.count() == 0


def test_managers_inbox_shows_a_new_order_of_their_client_at_once(client, retail_client):
    from orders.models import Order
    from tests.factories import OrderFactory

    order = OrderFactory(
        client=retail_client,
        status=Order.Status.ACCEPTED,
        number="ЗК-0000042",
        accepted_at=timezone.now(),
        total="1500.00",
    )
    client.force_login(retail_client.manager)
    html = client.get(reverse("calls:inbox")).content.decode()
    assert f'id="new-order-{order.pk}"' in html and "ЗК-0000042" in html
    client.force_login(make_staff(role=Role.MANAGER))
    assert "ЗК-0000042" not in client.get(reverse("calls:inbox")).content.decode()


def test_inbox_offers_managers_created_after_the_first_request(client, org):
    task_client = ClientFactory(manager=None)
    CallTask.objects.create(
        kind=CallTask.Kind.ASSIGN_MANAGER, client=task_client, assigned_to=org["head"]
    )
    client.force_login(org["head"])
    client.get(reverse("calls:inbox"))
    newcomer = make_staff(role=Role.MANAGER, last_name="Новенький")
    assert "Новенький" in client.get(reverse("calls:inbox")).content.decode()
    assert newcomer.is_active


def test_a_transferred_call_cannot_be_transferred_again(client, operator, org):
    key_type = ClientTypeFactory(code="key", is_key=True, department=org["wholesale"])
    ClientFactory(
        client_type=key_type, manager=make_staff(role=Role.MANAGER, kam=True), phone="+74951000001"
    )
    call = start_call(phone="+74951000001", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "order"}, **HX)
    client.post(step(call, "route"), **HX)
    client.post(step(call, "route"), **HX)  # double submit
    client.post(step(call, "purpose"), {"purpose": "reference"}, **HX)
    client.post(step(call, "route"), {"nonstandard": "1", "why": "просит руководителя"}, **HX)
    assert Transfer.objects.count() == 1


def test_a_colleague_cannot_close_a_transfer_addressed_to_someone_else(client, operator, org):
    addressee = make_staff(role=Role.MANAGER, department=org["wholesale"])
    colleague = make_staff(role=Role.MANAGER, department=org["wholesale"])
    call = start_call(phone="+74951000005", operator=operator)
    transfer = Transfer.objects.create(
        call=call, to_user=addressee, to_department=org["wholesale"], rule="x", reason="y"
    )
    client.force_login(colleague)
    response = client.post(reverse("calls:transfer_handled", args=[transfer.pk]))
    assert response.status_code == 403
    transfer.refresh_from_db()
    assert transfer.handled_at is None
    client.force_login(org["head"])  # the department's head may
    client.post(reverse("calls:transfer_handled", args=[transfer.pk]))
    transfer.refresh_from_db()
    assert transfer.handled_at is not None


def test_finance_closes_feedback_sent_to_the_financial_service(client, org):
    item = Feedback.objects.create(kind="complaint", text="Счёт выставлен дважды")
    item.departments.set([org["finance"]])
    client.force_login(org["finance"].head)
    assert f'id="feedback-{item.pk}"' in client.get(reverse("calls:inbox")).content.decode()
    client.post(reverse("calls:feedback_handled", args=[item.pk]))
    item.refresh_from_db()
    assert item.handled_by == org["finance"].head


def test_a_failing_mail_server_does_not_break_the_price_list_step(
    client, operator, retail_client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.views.test_console.BrokenMailBackend"
    ProductPriceFactory(column=retail_client.client_type.default_price_column)
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "reference"}, **HX)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("calls:price_list", args=[call.pk]),
            {"email": "buyer@romashka.example", "fmt": "csv"},
            **HX,
        )
    assert response.status_code == 200


class BrokenMailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP is down")


# --- issue 12: the script the operator reads, transfers with context -------------------


def key_call(client, operator, org, *, extension="214"):
    key_type = ClientTypeFactory(code="key", is_key=True, department=org["wholesale"])
    kam = make_staff(role=Role.MANAGER, kam=True, first_name="Игорь", last_name="Петров")
    kam.staff_profile.extension = extension
    kam.staff_profile.save()
    ClientFactory(client_type=key_type, manager=kam, phone="+74951000001")
    call = start_call(phone="+74951000001", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "order"}, **HX)
    return call, kam


def test_routing_shows_the_sentence_to_say_and_the_extension(client, operator, org):
    call, _kam = key_call(client, operator, org)
    for headers in ({}, HX):
        html = client.get(step(call, "route"), HTTP_ACCEPT_LANGUAGE="ru", **headers).content
        html = html.decode()
        assert "Соединяю вас с вашим менеджером Игорем Петровым." in html
        assert 'id="route-extension"' in html and "214" in html


def test_nonstandard_transfer_needs_a_line_of_why_and_keeps_it(client, operator, org):
    call, _kam = key_call(client, operator, org)
    # given: no line of why: nothing is transferred, the field is focused again
    response = client.post(step(call, "route"), {"nonstandard": "1", "why": "  "}, **HX)
    html = response.content.decode()
    assert Transfer.objects.count() == 0
    assert 'aria-invalid="true"' in html and "autofocus" in html.split('name="why"')[1][:200]
    # when: with the line
    client.post(step(call, "route"), {"nonstandard": "1", "why": "просит директора"}, **HX)
    # then: the head reads it in the reason
    transfer = Transfer.objects.get()
    assert transfer.to_user == org["head"]
    assert transfer.reason.endswith("просит директора")


def test_after_a_transfer_the_route_step_shows_it_without_the_transfer_button(
    client, operator, org
):
    call, _kam = key_call(client, operator, org)
    client.post(step(call, "route"), **HX)
    for headers in ({}, HX):
        response = client.get(step(call, "route"), follow=True, **headers)
        html = response.content.decode()
        assert 'data-key="t"' not in html
        assert 'data-step="wrap_up"' in html


def test_inbox_shows_the_reason_in_words_and_the_operators_notes_not_the_rule_code(
    client, operator, org
):
    call, kam = key_call(client, operator, org)
    client.post(step(call, "route"), **HX)
    Call.objects.filter(pk=call.pk).update(notes="Просит скидку на сыр")
    client.force_login(kam)
    html = client.get(reverse("calls:inbox"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Просит скидку на сыр" in html
    assert "key_manager" not in html
    assert "Ключевой клиент → его менеджер" in html or "Key client → its manager" in html


def test_feedback_kinds_are_picked_with_alt_and_a_digit(client, operator, retail_client):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "feedback"}, **HX)
    html = client.get(step(call, "feedback"), **HX).content.decode()
    assert 'data-key="Alt+1"' in html and "<kbd>Alt+1</kbd>" in html
    assert 'data-key="1"' not in html  # a bare digit types into the text box


def test_a_repeated_refusal_shows_once_on_the_page(client, operator, org):
    call, _kam = key_call(client, operator, org)
    order_url = reverse("orders:entry", args=[call.pk])
    client.get(order_url)  # the key client's order URL typed by hand, twice
    response = client.get(order_url, follow=True)
    html = response.content.decode()
    messages = re.findall(r'<p class="msg msg-\w+">([^<]*)</p>', html)
    assert messages, "the refusal is shown"
    assert len(messages) == len(set(messages))


def test_assigning_a_manager_by_htmx_refreshes_the_header_badge(
    client, org, django_assert_max_num_queries
):
    task_client = ClientFactory(manager=None)
    task = CallTask.objects.create(
        kind=CallTask.Kind.ASSIGN_MANAGER, client=task_client, assigned_to=org["head"]
    )
    manager = make_staff(role=Role.MANAGER)
    client.force_login(org["head"])
    page = client.get(reverse("calls:inbox")).content.decode()
    badge = re.search(r'<span class="badge" id="inbox-count"[^>]*>(\d+)</span>', page)
    assert badge and badge.group(1) == "1"
    assert 'hx-trigger="inboxChanged from:body"' in badge.group(0)
    response = client.post(
        reverse("calls:assign_manager", args=[task.pk]), {"manager": manager.pk}, **HX
    )
    assert response["HX-Trigger"] == "inboxChanged"
    with django_assert_max_num_queries(6):
        badge = client.get(reverse("calls:inbox_count"), **HX).content.decode()
    assert 'id="inbox-count"' in badge and " hidden" in badge and "<html" not in badge
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(reverse("calls:inbox_count"), **HX).status_code == 403


def test_a_new_client_has_no_preset_type_and_starts_on_prepayment(client, operator, org):
    from decimal import Decimal

    market = ClientTypeFactory(code="market", department=org["wholesale"])
    call = start_call(phone="+74951000099", operator=operator)
    client.force_login(operator)
    form = client.get(step(call, "new_client"), **HX).content.decode()
    select = form.split('name="client_type"')[1].split("</select>")[0]
    assert '<option value="" selected>' in select  # the operator must choose
    # when: no type chosen: refused at the field, nothing created
    response = client.post(step(call, "new_client"), {"name": "ИП Новиков"}, **HX)
    select = re.search(r'<select[^>]*name="client_type"[^>]*>', response.content.decode())
    assert 'aria-invalid="true"' in select.group(0)
    assert not Client.objects.filter(name="ИП Новиков").exists()
    # then: with a type, the client is registered with a zero limit (prepayment)
    client.post(step(call, "new_client"), {"name": "ИП Новиков", "client_type": market.pk}, **HX)
    assert Client.objects.get(name="ИП Новиков").credit_limit == Decimal("0")


def test_shipped_delivery_conditions_show_in_the_interface_language(
    client, operator, retail_client
):
    call = start_call(phone="+74951000005", operator=operator)
    client.force_login(operator)
    client.post(step(call, "purpose"), {"purpose": "reference"}, **HX)
    english = client.get(step(call, "reference"), HTTP_ACCEPT_LANGUAGE="en", **HX)
    assert "Delivery in Moscow and the Moscow region" in english.content.decode()
    russian = client.get(step(call, "reference"), HTTP_ACCEPT_LANGUAGE="ru", **HX)
    assert "Доставка по Москве и области" in russian.content.decode()
