"""calls.services (and the selectors they feed): each service, its bad input and its events."""

import csv
import io
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from calls import events
from calls.errors import CallError, StepNotReady
from calls.feedback import mark_feedback_handled, record_feedback
from calls.flow import Step
from calls.models import Call, CallEvent, CallTask, Feedback, Purpose, Transfer
from calls.routing import RouteRule
from calls.selectors import client_card, inbox_count, inbox_for, open_call_for
from calls.services import (
    choose_purpose,
    close_abandoned_calls,
    record_reference,
    register_client,
    send_price_list,
    start_call,
    wrap_up,
)
from calls.transfers import assign_manager, mark_transfer_handled, transfer_call
from clients.models import Client, ClientPhone
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order
from orders.selectors import price_list_rows
from tests.factories import (
    CallFactory,
    CallTaskFactory,
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    FeedbackFactory,
    OrderFactory,
    OrderLineFactory,
    PriceColumnFactory,
    ProductFactory,
    ProductPriceFactory,
    TransferFactory,
    UserFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

KNOWN = "+74951234567"
UNKNOWN = "+74957654321"


def kinds(call):
    return list(call.events.values_list("kind", flat=True))


@pytest.fixture
def org():
    wholesale = DepartmentFactory(name="Отдел оптовых продаж", kind=Department.Kind.WHOLESALE)
    retail = DepartmentFactory(name="Отдел розничных продаж", kind=Department.Kind.RETAIL)
    quality = DepartmentFactory(name="Отдел качества", kind=Department.Kind.SUPPORT)
    wholesale.head = make_staff(role=Role.HEAD, department=wholesale, last_name="Орлов")
    retail.head = make_staff(role=Role.HEAD, department=retail, last_name="Кузнецов")
    quality.head = make_staff(role=Role.HEAD, department=quality, last_name="Качалова")
    for department in (wholesale, retail, quality):
        department.save()
    shop_column = PriceColumnFactory(code="shop", name="Магазины")
    shop = ClientTypeFactory(code="shop", department=retail, default_price_column=shop_column)
    manager = make_staff(role=Role.MANAGER, department=retail, last_name="Петров")
    return SimpleNamespace(
        wholesale=wholesale,
        retail=retail,
        quality=quality,
        shop=shop,
        shop_column=shop_column,
        manager=manager,
        operator=make_staff(role=Role.OPERATOR, last_name="Операторова"),
        other_operator=make_staff(role=Role.OPERATOR, last_name="Другая"),
    )


@pytest.fixture
def client(org):
    return ClientFactory(client_type=org.shop, manager=org.manager, phone=KNOWN)


@pytest.fixture
def call(org, client):
    return start_call(phone="8 (495) 123-45-67", operator=org.operator)


# --- start_call ---------------------------------------------------------------------


def test_start_call_identifies_a_known_caller(org, client):
    # when
    call = start_call(phone="8 (495) 123-45-67", operator=org.operator)
    # then
    call.refresh_from_db()
    assert call.phone == KNOWN
    assert call.client == client
    assert call.status == Call.Status.OPEN
    assert call.direction == Call.Direction.INBOUND
    assert call.step == Step.PURPOSE
    assert kinds(call) == [CallEvent.Kind.STARTED, CallEvent.Kind.IDENTIFIED]
    identified = call.events.get(kind=CallEvent.Kind.IDENTIFIED)
    assert identified.data["known"] is True
    assert identified.data["client_id"] == client.pk


def test_start_call_with_unknown_number_starts_the_new_client_path(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    assert call.client is None
    assert call.step == Step.NEW_CLIENT
    assert call.events.get(kind=CallEvent.Kind.IDENTIFIED).data["known"] is False


@pytest.mark.parametrize("phone", ["abc", "", "123", "+7 495 123 45 678", "9" * 200])
def test_start_call_refuses_a_malformed_number(org, phone):
    with pytest.raises(CallError, match="is not a valid phone number"):
        start_call(phone=phone, operator=org.operator)
    assert not Call.objects.exists()


def test_start_call_message_quotes_the_number(org):
    with pytest.raises(CallError) as error:
        start_call(phone="abc", operator=org.operator)
    assert str(error.value) == "“abc” is not a valid phone number."


def test_start_call_refuses_an_unknown_direction(org):
    with pytest.raises(CallError):
        start_call(phone=KNOWN, operator=org.operator, direction="sideways")


def test_start_call_closes_the_operators_other_open_calls_as_abandoned(org):
    # given
    earlier = start_call(phone=UNKNOWN, operator=org.operator)
    colleagues = start_call(phone=UNKNOWN, operator=org.other_operator)
    # when
    start_call(phone=KNOWN, operator=org.operator)
    # then
    earlier.refresh_from_db()
    assert earlier.status == Call.Status.ABANDONED
    assert earlier.ended_at is not None
    assert earlier.outcome.code == "abandoned"
    assert kinds(earlier)[-1] == CallEvent.Kind.ABANDONED
    colleagues.refresh_from_db()
    assert colleagues.status == Call.Status.OPEN


def test_outbound_call_from_a_task_uses_the_tasks_client(org, client):
    task = CallTaskFactory(client=client, assigned_to=org.operator)
    call = start_call(phone=UNKNOWN, operator=org.operator, direction="out", task=task)
    assert call.client == client
    assert call.task == task
    assert call.direction == Call.Direction.OUTBOUND


def test_start_call_refuses_someone_elses_task(org, client):
    task = CallTaskFactory(client=client, assigned_to=org.other_operator)
    with pytest.raises(PermissionDenied):
        start_call(phone=KNOWN, operator=org.operator, direction="out", task=task)


def test_open_call_for_finds_the_operators_open_call(org, call):
    assert open_call_for(org.operator) == call
    assert open_call_for(org.other_operator) is None


# --- register_client ----------------------------------------------------------------


def test_register_client_creates_a_new_client_with_the_calls_number(org):
    # given
    call = start_call(phone=UNKNOWN, operator=org.operator)
    # when
    client = register_client(
        call=call,
        name="  ИП Сидоров  ",
        client_type=org.shop,
        region="Москва",
        contact_name="Сидоров Семён",
        by=org.operator,
    )
    # then
    client.refresh_from_db()
    assert client.name == "ИП Сидоров"
    assert client.manager is None
    assert client.client_type == org.shop
    assert list(client.phones.values_list("number", flat=True)) == [UNKNOWN]
    contact = client.contacts.get()
    assert (contact.name, contact.phone.as_e164) == ("Сидоров Семён", UNKNOWN)
    call.refresh_from_db()
    assert call.client == client
    assert call.step == Step.PURPOSE
    assert kinds(call)[-1] == CallEvent.Kind.CLIENT_CREATED


def test_register_client_with_a_separate_contact_number(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    client = register_client(
        call=call,
        name="ИП Сидоров",
        client_type=org.shop,
        region="",
        contact_name="Сидоров",
        contact_phone="8 916 000-00-01",
        by=org.operator,
    )
    assert client.contacts.get().phone.as_e164 == "+79160000001"


def test_register_client_refuses_a_bad_contact_number(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    with pytest.raises(CallError, match="is not a valid phone number"):
        register_client(
            call=call,
            name="ИП Сидоров",
            client_type=org.shop,
            region="",
            contact_name="Сидоров",
            contact_phone="12",
            by=org.operator,
        )
    assert not Client.objects.filter(name="ИП Сидоров").exists()


def test_register_client_refuses_a_number_that_already_has_a_client(org):
    # given: the number was registered (e.g. in another call) after this call started
    call = start_call(phone=UNKNOWN, operator=org.operator)
    ClientFactory(name="ООО «Первые»", phone=UNKNOWN)
    # when / then
    with pytest.raises(CallError) as error:
        register_client(
            call=call,
            name="ИП Вторые",
            client_type=org.shop,
            region="",
            contact_name="",
            by=org.operator,
        )
    assert str(error.value) == (f"The number {UNKNOWN} already belongs to the client ООО «Первые».")
    assert ClientPhone.objects.filter(number=UNKNOWN).count() == 1


def test_register_client_refuses_an_empty_name(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    with pytest.raises(CallError, match="Enter the client's name"):
        register_client(
            call=call, name="   ", client_type=org.shop, region="", contact_name="", by=org.operator
        )


def test_register_client_when_already_identified_is_not_ready(org, call):
    with pytest.raises(StepNotReady) as error:
        register_client(
            call=call, name="X", client_type=org.shop, region="", contact_name="", by=org.operator
        )
    assert error.value.step == Step.PURPOSE


def test_register_client_on_another_operators_call_changes_nothing(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    with pytest.raises(PermissionDenied):
        register_client(
            call=call,
            name="ИП Чужой",
            client_type=org.shop,
            region="",
            contact_name="",
            by=org.other_operator,
        )
    call.refresh_from_db()
    assert call.client is None
    assert not Client.objects.filter(name="ИП Чужой").exists()


# --- choose_purpose -------------------------------------------------------------------


def test_choose_purpose_stores_it_and_routes(org, call):
    # when
    route = choose_purpose(call=call, purpose=Purpose.ORDER, by=org.operator)
    # then
    assert route.rule == RouteRule.OPERATOR
    call.refresh_from_db()
    assert call.purpose == Purpose.ORDER
    assert call.step == Step.ORDER
    assert kinds(call)[-2:] == [CallEvent.Kind.PURPOSE, CallEvent.Kind.ROUTED]
    routed = call.events.get(kind=CallEvent.Kind.ROUTED)
    assert routed.data["rule"] == "operator"
    assert routed.data["reason"] == "Order, reference or feedback: you keep the call."


def test_choose_purpose_that_needs_a_transfer_shows_the_route(org, call):
    route = choose_purpose(call=call, purpose=Purpose.OTHER, by=org.operator)
    assert route.rule == RouteRule.OTHER_MANAGER
    assert route.target == org.manager
    call.refresh_from_db()
    assert call.step == Step.ROUTE


def test_choose_purpose_refuses_an_unknown_purpose(org, call):
    with pytest.raises(CallError):
        choose_purpose(call=call, purpose="gossip", by=org.operator)


def test_choose_purpose_needs_a_client(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    with pytest.raises(StepNotReady) as error:
        choose_purpose(call=call, purpose=Purpose.ORDER, by=org.operator)
    assert error.value.step == Step.NEW_CLIENT


def test_tampered_call_of_another_operator_is_refused_and_nothing_changes(org, call):
    # given
    events_before = kinds(call)
    # when
    with pytest.raises(PermissionDenied):
        choose_purpose(call=call, purpose=Purpose.ORDER, by=org.other_operator)
    # then
    call.refresh_from_db()
    assert call.purpose == ""
    assert kinds(call) == events_before


@pytest.mark.parametrize(
    "service",
    [
        lambda call, by: choose_purpose(call=call, purpose=Purpose.ORDER, by=by),
        lambda call, by: record_reference(call=call, topic="delivery", data={}, by=by),
        lambda call, by: record_feedback(
            call=call, kind="comment", text="x", departments=list(Department.objects.all()), by=by
        ),
        lambda call, by: send_price_list(call=call, contact_email="a@example.com", by=by),
        lambda call, by: wrap_up(call=call, outcome_code="information_given", notes="", by=by),
    ],
)
def test_every_call_service_checks_the_operator(org, call, service):
    events_before = kinds(call)
    with pytest.raises(PermissionDenied):
        service(call, org.other_operator)
    assert kinds(call) == events_before
    assert not Feedback.objects.exists()


def test_services_refuse_a_closed_call(org, call):
    wrap_up(call=call, outcome_code="information_given", notes="", by=org.operator)
    with pytest.raises(CallError, match="already ended"):
        choose_purpose(call=call, purpose=Purpose.ORDER, by=org.operator)


def test_services_read_the_calls_current_state_not_a_stale_copy(org, call):
    stale = Call.objects.get(pk=call.pk)
    wrap_up(call=call, outcome_code="information_given", notes="", by=org.operator)
    with pytest.raises(CallError):
        record_reference(call=stale, topic="delivery", data={}, by=org.operator)


# --- transfer_call --------------------------------------------------------------------


def test_transfer_call_records_the_transfer_with_its_reason(org, call):
    # given
    route = choose_purpose(call=call, purpose=Purpose.OTHER, by=org.operator)
    # when
    transfer = transfer_call(call=call, by=org.operator)
    # then
    transfer.refresh_from_db()
    assert transfer.to_user == org.manager
    assert transfer.to_department == org.retail
    assert transfer.rule == RouteRule.OTHER_MANAGER
    assert transfer.reason == route.reason
    assert transfer.created_by == org.operator
    assert transfer.handled_at is None
    call.refresh_from_db()
    assert call.step == Step.WRAP_UP
    event = call.events.get(kind=CallEvent.Kind.TRANSFERRED)
    assert event.data["transfer_id"] == transfer.pk
    assert event.data["rule"] == "other_manager"
    assert not CallTask.objects.exists()


def test_transfer_call_refuses_when_the_operator_keeps_the_call(org, call):
    choose_purpose(call=call, purpose=Purpose.ORDER, by=org.operator)
    with pytest.raises(CallError, match="you keep this call"):
        transfer_call(call=call, by=org.operator)
    assert not Transfer.objects.exists()


def test_transfer_call_decides_the_route_itself_nonstandard_goes_to_the_head(org, call):
    # given: the routing keeps an order call with the operator
    choose_purpose(call=call, purpose=Purpose.ORDER, by=org.operator)
    # when: the operator calls it a non-standard situation
    transfer = transfer_call(call=call, by=org.operator, nonstandard=True, why="жалоба")
    # then: the head of the client's department gets it, as route_nonstandard says
    assert (transfer.rule, transfer.to_user) == (RouteRule.NONSTANDARD_HEAD, org.retail.head)


def test_transfer_call_needs_a_purpose(org, call):
    with pytest.raises(StepNotReady):
        transfer_call(call=call, by=org.operator)


# --- the new client: transfer to the head, who assigns a manager ----------------------


def new_client_transferred(org):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    client = register_client(
        call=call,
        name="ИП Новиков",
        client_type=org.shop,
        region="Москва",
        contact_name="Новиков",
        by=org.operator,
    )
    route = choose_purpose(call=call, purpose=Purpose.ORDER, by=org.operator)
    transfer = transfer_call(call=call, by=org.operator)
    return call, client, route, transfer


def test_new_client_transfer_gives_the_head_a_task_to_assign_a_manager(org):
    # when
    call, client, route, transfer = new_client_transferred(org)
    # then
    assert route.rule == RouteRule.NEW_CLIENT_HEAD
    assert transfer.to_user == org.retail.head
    task = CallTask.objects.get()
    assert task.kind == CallTask.Kind.ASSIGN_MANAGER
    assert (task.client, task.assigned_to, task.created_by, task.call) == (
        client,
        org.retail.head,
        org.operator,
        call,
    )
    assert task.status == CallTask.Status.OPEN
    assert call.events.get(kind=CallEvent.Kind.TRANSFERRED).data["task_id"] == task.pk


def test_head_assigns_a_manager_from_the_inbox(org):
    # given
    call, client, route, transfer = new_client_transferred(org)
    head = org.retail.head
    inbox = inbox_for(head)
    assert [t.pk for t in inbox.transfers] == [transfer.pk]
    task = inbox.tasks[0]
    assert inbox_count(head) == 2
    # when
    assign_manager(task=task, manager=org.manager, by=head)
    # then
    client.refresh_from_db()
    assert client.manager == org.manager
    task.refresh_from_db()
    assert task.status == CallTask.Status.DONE
    assert task.done_at is not None
    transfer.refresh_from_db()
    assert transfer.handled_at is not None
    assert inbox_count(head) == 0
    assert inbox_for(head).total == 0


def test_another_user_may_not_assign_the_manager(org):
    _call, client, _route, _transfer = new_client_transferred(org)
    task = CallTask.objects.get()
    with pytest.raises(PermissionDenied):
        assign_manager(task=task, manager=org.manager, by=org.manager)
    client.refresh_from_db()
    assert client.manager is None
    task.refresh_from_db()
    assert task.status == CallTask.Status.OPEN


def test_another_head_may_not_assign_the_manager_but_a_superuser_may(org):
    _call, client, _route, _transfer = new_client_transferred(org)
    task = CallTask.objects.get()
    other_head = org.wholesale.head  # a Head too (clients.change_client), not the assignee
    with pytest.raises(PermissionDenied):
        assign_manager(task=task, manager=org.manager, by=other_head)
    client.refresh_from_db()
    assert client.manager is None
    admin = make_staff(is_superuser=True)
    assign_manager(task=task, manager=org.manager, by=admin)
    client.refresh_from_db()
    assert client.manager == org.manager


def test_the_manager_must_be_an_active_manager_or_head(org):
    new_client_transferred(org)
    task = CallTask.objects.get()
    head = org.retail.head
    with pytest.raises(CallError):
        assign_manager(task=task, manager=org.operator, by=head)
    with pytest.raises(CallError):
        assign_manager(task=task, manager=make_staff(role=Role.MANAGER, is_active=False), by=head)
    assign_manager(task=task, manager=head, by=head)  # a head may take the client


def test_assigning_twice_is_refused(org):
    new_client_transferred(org)
    task = CallTask.objects.get()
    assign_manager(task=task, manager=org.manager, by=org.retail.head)
    with pytest.raises(CallError, match="already closed"):
        assign_manager(task=task, manager=org.retail.head, by=org.retail.head)
    assert Client.objects.get(name="ИП Новиков").manager == org.manager


# --- feedback -----------------------------------------------------------------------


@pytest.fixture
def feedback_call(org, call):
    """A call whose caller wants to leave a comment or a complaint."""
    choose_purpose(call=call, purpose=Purpose.FEEDBACK, by=org.operator)
    return call


def test_record_feedback_routes_it_to_the_departments(org, feedback_call):
    # when
    feedback = record_feedback(
        call=feedback_call,
        kind=Feedback.Kind.COMPLAINT,
        text="  Привезли мятые коробки  ",
        departments=[org.quality, org.retail],
        by=org.operator,
    )
    # then
    feedback.refresh_from_db()
    assert feedback.text == "Привезли мятые коробки"
    assert feedback.client == feedback_call.client
    assert feedback.created_by == org.operator
    assert set(feedback.departments.all()) == {org.quality, org.retail}
    event = feedback_call.events.get(kind=CallEvent.Kind.FEEDBACK)
    assert event.data["feedback_id"] == feedback.pk
    assert sorted(event.data["departments"]) == sorted([org.quality.pk, org.retail.pk])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "   "}, "Write down what the caller said."),
        ({"text": "x" * 5001}, "at most 5000 characters"),
        ({"departments": []}, "at least one department"),
        ({"kind": "rant"}, "comment, a wish or a complaint"),
    ],
)
def test_record_feedback_refuses_bad_input(org, feedback_call, kwargs, message):
    arguments = {"kind": "comment", "text": "Спасибо", "departments": [org.quality]}
    with pytest.raises(CallError, match=message):
        record_feedback(call=feedback_call, by=org.operator, **{**arguments, **kwargs})
    assert not Feedback.objects.exists()
    assert CallEvent.Kind.FEEDBACK not in kinds(feedback_call)


def test_record_feedback_accepts_exactly_5000_characters(org, feedback_call):
    feedback = record_feedback(
        call=feedback_call, kind="wish", text="я" * 5000, departments=[org.quality], by=org.operator
    )
    assert len(feedback.text) == 5000


def test_feedback_lands_in_the_departments_inboxes(org, feedback_call):
    feedback = record_feedback(
        call=feedback_call,
        kind="comment",
        text="Хвалят",
        departments=[org.quality],
        by=org.operator,
    )
    staff = make_staff(role=Role.MANAGER, department=org.quality)
    assert [f.pk for f in inbox_for(staff).feedback] == [feedback.pk]
    assert [f.pk for f in inbox_for(org.quality.head).feedback] == [feedback.pk]
    assert inbox_for(org.manager).feedback == []
    assert inbox_count(staff) == 1


def test_feedback_is_recorded_once_per_call(org, feedback_call):
    arguments = {"kind": "comment", "text": "Спасибо", "departments": [org.quality]}
    record_feedback(call=feedback_call, by=org.operator, **arguments)
    with pytest.raises(CallError):
        record_feedback(call=feedback_call, by=org.operator, **arguments)
    assert Feedback.objects.count() == 1


def test_department_staff_marks_feedback_handled_once(org):
    # given
    feedback = FeedbackFactory()
    feedback.departments.set([org.quality])
    first = make_staff(role=Role.MANAGER, department=org.quality)
    # when
    mark_feedback_handled(feedback=feedback, by=first)
    handled_at = Feedback.objects.get().handled_at
    mark_feedback_handled(feedback=feedback, by=org.quality.head)
    # then
    feedback.refresh_from_db()
    assert feedback.handled_by == first
    assert feedback.handled_at == handled_at
    assert inbox_count(first) == 0


def test_head_of_the_department_may_mark_feedback_handled(org):
    feedback = FeedbackFactory()
    feedback.departments.set([org.quality])
    mark_feedback_handled(feedback=feedback, by=org.quality.head)
    feedback.refresh_from_db()
    assert feedback.handled_by == org.quality.head


def test_outsiders_may_not_mark_feedback_handled(org):
    feedback = FeedbackFactory()
    feedback.departments.set([org.quality])
    with pytest.raises(PermissionDenied):
        mark_feedback_handled(feedback=feedback, by=org.manager)
    feedback.refresh_from_db()
    assert feedback.handled_at is None


# --- mark_transfer_handled ----------------------------------------------------------


def test_receiver_marks_a_transfer_handled_once(org):
    transfer = TransferFactory(to_user=org.manager)
    assert inbox_count(org.manager) == 1
    mark_transfer_handled(transfer=transfer, by=org.manager)
    first = Transfer.objects.get().handled_at
    mark_transfer_handled(transfer=transfer, by=org.manager)
    transfer.refresh_from_db()
    assert transfer.handled_at == first is not None
    assert inbox_count(org.manager) == 0


def test_department_staff_handle_transfers_to_the_department(org):
    transfer = TransferFactory(to_user=None, to_department=org.retail)
    assert [t.pk for t in inbox_for(org.manager).transfers] == [transfer.pk]
    mark_transfer_handled(transfer=transfer, by=org.manager)
    transfer.refresh_from_db()
    assert transfer.handled_at is not None


def test_others_may_not_mark_a_transfer_handled(org):
    transfer = TransferFactory(to_user=org.manager, to_department=org.retail)
    with pytest.raises(PermissionDenied):
        mark_transfer_handled(transfer=transfer, by=org.operator)
    transfer.refresh_from_db()
    assert transfer.handled_at is None


# --- reference and the price list ---------------------------------------------------


@pytest.fixture
def products(org):
    base = PriceColumnFactory(code="base")
    cheese = ProductFactory(name="Сыр Российский", sku="CH-1")
    butter = ProductFactory(name="Масло сливочное", sku="BT-1")
    retired = ProductFactory(name="Снятый товар", sku="OLD-1", is_active=False)
    for product, shop_price, base_price in [
        (cheese, "450.00", "500.00"),
        (butter, "190.50", "210.00"),
        (retired, "1.00", "1.00"),
    ]:
        ProductPriceFactory(product=product, column=org.shop_column, price=Decimal(shop_price))
        ProductPriceFactory(product=product, column=base, price=Decimal(base_price))
    ProductPriceFactory(product=ProductFactory(name="Только база", sku="B-ONLY"), column=base)
    return SimpleNamespace(cheese=cheese, butter=butter)


def test_price_list_rows_use_the_clients_column(client, products):
    rows = price_list_rows(client)
    assert [(r.sku, r.price) for r in rows] == [
        ("BT-1", Decimal("190.50")),
        ("CH-1", Decimal("450.00")),
    ]


def test_price_list_rows_for_unknown_callers_use_the_base_column(products):
    rows = price_list_rows(None)
    assert {r.sku: r.price for r in rows} == {
        "BT-1": Decimal("210.00"),
        "CH-1": Decimal("500.00"),
        "B-ONLY": Decimal("100.00"),
    }


def read_csv(attachment):
    _name, content, mimetype = attachment
    assert mimetype == "text/csv"
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    assert text.startswith("\ufeff")  # so that spreadsheets read it as UTF-8
    text = text.removeprefix("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_send_price_list_emails_a_csv_after_commit(
    org, call, products, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        send_price_list(call=call, contact_email="buyer@example.com", fmt="csv", by=org.operator)
    # then
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["buyer@example.com"]
    assert message.subject.startswith("Price list of ")
    rows = read_csv(message.attachments[0])
    assert rows[0] == ["SKU", "Product", "Category", "Unit", "Price, ₽"]
    assert ["CH-1", "Сыр Российский", "Бакалея", "pcs", "450.00"] in rows
    assert len(rows) == 3
    event = call.events.get(kind=CallEvent.Kind.PRICE_LIST_SENT)
    assert event.data == {"email": "buyer@example.com", "format": "csv"}


def test_send_price_list_to_an_unknown_caller_uses_base_prices(
    org, products, mailoutbox, django_capture_on_commit_callbacks
):
    call = start_call(phone=UNKNOWN, operator=org.operator)
    with django_capture_on_commit_callbacks(execute=True):
        send_price_list(call=call, contact_email="new@example.com", by=org.operator)
    rows = read_csv(mailoutbox[0].attachments[0])
    assert ["CH-1", "Сыр Российский", "Бакалея", "pcs", "500.00"] in rows


def test_send_price_list_as_pdf_with_cyrillic_text(
    org, call, products, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_price_list(call=call, contact_email="buyer@example.com", fmt="pdf", by=org.operator)
    _name, content, mimetype = mailoutbox[0].attachments[0]
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF-")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Сыр Российский" in text
    assert "450.00 ₽" in text or "450,00 ₽" in text


@pytest.mark.parametrize(
    ("email", "fmt", "message"),
    [
        ("not-an-email", "csv", "is not a valid e-mail address"),
        ("", "csv", "is not a valid e-mail address"),
        ("a@example.com", "xlsx", "Choose CSV or PDF"),
    ],
)
def test_send_price_list_refuses_bad_input(
    org, call, email, fmt, message, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CallError, match=message):
        send_price_list(call=call, contact_email=email, fmt=fmt, by=org.operator)
    assert mailoutbox == []
    assert CallEvent.Kind.PRICE_LIST_SENT not in kinds(call)


def test_record_reference_notes_what_was_told(org, call):
    event = record_reference(
        call=call, topic="certificate", data={"product_id": 7}, by=org.operator
    )
    assert event.kind == CallEvent.Kind.REFERENCE
    assert event.data == {"topic": "certificate", "details": {"product_id": 7}}


def test_record_reference_refuses_an_unknown_topic(org, call):
    with pytest.raises(CallError):
        record_reference(call=call, topic="weather", data={}, by=org.operator)


# --- wrap_up --------------------------------------------------------------------------


def test_wrap_up_closes_the_call_with_outcome_and_duration(org, call):
    # given
    Call.objects.filter(pk=call.pk).update(started_at=timezone.now() - timedelta(seconds=95))
    # when
    wrapped = wrap_up(
        call=call,
        outcome_code="information_given",
        notes=" Спрашивали про доставку ",
        by=org.operator,
    )
    # then
    wrapped.refresh_from_db()
    assert wrapped.status == Call.Status.CLOSED
    assert wrapped.outcome.code == "information_given"
    assert wrapped.notes == "Спрашивали про доставку"
    assert wrapped.ended_at is not None
    event = wrapped.events.get(kind=CallEvent.Kind.WRAPPED_UP)
    assert 95 <= event.data["duration_seconds"] <= 100
    assert event.data["outcome"] == "information_given"
    assert open_call_for(org.operator) is None


def test_wrapping_up_twice_is_refused_and_changes_nothing(org, call):
    wrap_up(call=call, outcome_code="information_given", notes="first", by=org.operator)
    before = Call.objects.get(pk=call.pk)
    with pytest.raises(CallError, match="already wrapped up"):
        wrap_up(call=call, outcome_code="order_taken", notes="second", by=org.operator)
    after = Call.objects.get(pk=call.pk)
    assert (after.outcome_id, after.notes, after.ended_at) == (
        before.outcome_id,
        before.notes,
        before.ended_at,
    )
    assert kinds(call).count(CallEvent.Kind.WRAPPED_UP) == 1


def test_wrap_up_refuses_an_unknown_outcome(org, call):
    with pytest.raises(CallError, match="outcomes offered"):
        wrap_up(call=call, outcome_code="lunch", notes="", by=org.operator)


def test_call_back_outcome_books_a_call_back_task(org, call):
    due = timezone.now() + timedelta(hours=2)
    wrap_up(
        call=call,
        outcome_code="call_back",
        notes="Перезвонить после обеда",
        callback_at=due,
        by=org.operator,
    )
    task = CallTask.objects.get()
    assert task.kind == CallTask.Kind.CALL_BACK
    assert (task.client, task.assigned_to, task.due_at, task.call) == (
        call.client,
        org.operator,
        due,
        call,
    )


@pytest.mark.parametrize(
    ("callback_at", "message"),
    [
        (None, "Say when to call back."),
        (timezone.now() - timedelta(minutes=1), "must be in the future"),
    ],
)
def test_call_back_needs_a_time_in_the_future(org, call, callback_at, message):
    with pytest.raises(CallError, match=message):
        wrap_up(
            call=call, outcome_code="call_back", notes="", callback_at=callback_at, by=org.operator
        )
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert not CallTask.objects.exists()


def test_a_call_back_beyond_the_horizon_is_refused(org, call):
    in_a_year = timezone.now() + timedelta(days=365)
    with pytest.raises(CallError, match="at most 90 days ahead"):
        wrap_up(
            call=call, outcome_code="call_back", notes="", callback_at=in_a_year, by=org.operator
        )
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN
    assert not CallTask.objects.exists()


def test_notes_longer_than_the_cap_are_refused(org, call):
    with pytest.raises(CallError, match="too long"):
        wrap_up(
            call=call,
            outcome_code="call_back",
            notes="x" * 100_000,
            callback_at=timezone.now() + timedelta(hours=1),
            by=org.operator,
        )
    call.refresh_from_db()
    assert (call.status, call.notes) == (Call.Status.OPEN, "")


def test_call_back_time_without_call_back_outcome_is_refused(org, call):
    with pytest.raises(CallError):
        wrap_up(
            call=call,
            outcome_code="information_given",
            notes="",
            callback_at=timezone.now() + timedelta(hours=1),
            by=org.operator,
        )


def test_wrap_up_of_another_operators_call_changes_nothing(org, call):
    with pytest.raises(PermissionDenied):
        wrap_up(call=call, outcome_code="information_given", notes="x", by=org.other_operator)
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN


# --- abandoned calls ----------------------------------------------------------------


def started(operator, *, minutes_ago, last_event_minutes_ago=None):
    call = CallFactory(
        operator=operator, started_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    if last_event_minutes_ago is not None:
        event = events.call_started(call=call, by=operator)
        CallEvent.objects.filter(pk=event.pk).update(
            at=timezone.now() - timedelta(minutes=last_event_minutes_ago)
        )
    return call


def test_close_abandoned_calls_closes_only_stale_open_calls(org):
    # given
    stale = started(org.operator, minutes_ago=180, last_event_minutes_ago=170)
    busy = started(org.other_operator, minutes_ago=180, last_event_minutes_ago=5)
    fresh = started(org.manager, minutes_ago=30)
    closed = started(org.operator, minutes_ago=300)
    Call.objects.filter(pk=closed.pk).update(status=Call.Status.CLOSED)
    # when
    count = close_abandoned_calls(older_than=timedelta(minutes=120))
    # then
    assert count == 1
    stale.refresh_from_db()
    assert stale.status == Call.Status.ABANDONED
    assert stale.outcome.code == "abandoned"
    assert stale.ended_at is not None
    assert kinds(stale)[-1] == CallEvent.Kind.ABANDONED
    for call in (busy, fresh):
        call.refresh_from_db()
        assert call.status == Call.Status.OPEN
    closed.refresh_from_db()
    assert closed.status == Call.Status.CLOSED


def test_close_abandoned_calls_command(org, capsys):
    started(org.operator, minutes_ago=200)
    started(org.other_operator, minutes_ago=50)
    call_command("close_abandoned_calls", "--minutes", "60")
    assert "Closed 1 abandoned call(s)." in capsys.readouterr().out
    call_command("close_abandoned_calls")  # default: 120 minutes
    assert Call.objects.filter(status=Call.Status.OPEN).count() == 1


# --- the client card ------------------------------------------------------------------


def test_client_card_shows_the_client_at_a_glance(org, client, django_assert_max_num_queries):
    # given
    today = timezone.localdate()
    cheese = ProductFactory(name="Сыр")
    for days_ago in (10, 20, 30):
        order = OrderFactory(
            client=client,
            status=Order.Status.DELIVERED,
            accepted_at=timezone.now() - timedelta(days=days_ago),
        )
        OrderLineFactory(order=order, product=cheese, quantity=Decimal("5"))
    old = OrderFactory(
        client=client,
        status=Order.Status.DELIVERED,
        accepted_at=timezone.now() - timedelta(days=400),
    )
    OrderLineFactory(order=old, product=ProductFactory(name="Давно забытое"))
    OrderFactory(client=client, status=Order.Status.DRAFT)
    OrderFactory(client=client, status=Order.Status.CANCELLED)
    OrderFactory(client=client, status=Order.Status.ACCEPTED, total=Decimal("700.00"))
    from clients.selectors import find_client_by_phone

    found = find_client_by_phone(KNOWN)
    # when
    with django_assert_max_num_queries(5):
        card = client_card(found, on=today)
    # then
    assert card.client_type == org.shop
    assert card.manager == org.manager
    assert card.manager_presence == "available"
    assert card.manager_available
    assert card.status == "new"  # last_order_at is set by accept_order, not by factories
    assert not card.debt.blocked
    assert card.credit_available == Decimal("99300.00")
    assert len(card.last_orders) == 5
    assert all(o.status != Order.Status.DRAFT for o in card.last_orders)
    assert card.last_orders[0].status == Order.Status.ACCEPTED  # newest first
    assert [p.name for p in card.traditional_products] == ["Сыр"]
    assert card.traditional_products[0].times_ordered == 3


def test_client_card_of_a_client_without_manager(org):
    client = ClientFactory(client_type=org.shop, manager=None, credit_limit=None)
    card = client_card(client)
    assert card.manager is None
    assert card.manager_presence is None
    assert not card.manager_available
    assert card.credit_available is None
    assert card.last_orders == []
    assert card.traditional_products == []


def test_inbox_count_uses_one_query(org, django_assert_max_num_queries):
    # given: one item of each kind, and the same pk in two tables counted twice
    TransferFactory(to_user=org.manager)
    CallTaskFactory(kind=CallTask.Kind.ASSIGN_MANAGER, assigned_to=org.manager)
    feedback = FeedbackFactory()
    feedback.departments.set([org.retail])
    # when / then
    with django_assert_max_num_queries(1):
        assert inbox_count(org.manager) == 3


def test_inbox_ignores_other_peoples_items(org):
    TransferFactory(to_user=org.retail.head)
    CallTaskFactory(kind=CallTask.Kind.ASSIGN_MANAGER, assigned_to=org.retail.head)
    CallTaskFactory(kind=CallTask.Kind.CALL_BACK, assigned_to=org.manager)
    assert inbox_count(org.manager) == 0
    assert inbox_count(UserFactory()) == 0


def test_inbox_gives_each_item_in_a_bounded_number_of_queries(org, django_assert_max_num_queries):
    for _ in range(5):
        TransferFactory(to_user=org.retail.head)
        CallTaskFactory(kind=CallTask.Kind.ASSIGN_MANAGER, assigned_to=org.retail.head)
        feedback = FeedbackFactory()
        feedback.departments.set([org.retail])
    with django_assert_max_num_queries(8):
        inbox = inbox_for(org.retail.head)
        for transfer in inbox.transfers:
            str(transfer.call.operator), transfer.to_department
        for feedback in inbox.feedback:
            list(feedback.departments.all())
    assert (len(inbox.transfers), len(inbox.tasks), len(inbox.feedback)) == (5, 5, 5)


def test_head_role_may_change_clients_and_manager_role_may_not(org):
    # guard for the assign-manager rule: Head carries clients.change_client, Manager does not
    assert Permission.objects.filter(codename="change_client", group__name=Role.HEAD).exists()
    assert not org.manager.has_perm("clients.change_client")


def test_a_call_back_for_an_unknown_caller_dials_the_number_that_called(org):
    from calls.services import start_task_call

    first = start_call(phone=UNKNOWN, operator=org.operator)
    wrap_up(
        call=first,
        outcome_code="call_back",
        notes="",
        callback_at=timezone.now() + timedelta(hours=1),
        by=org.operator,
    )
    task = CallTask.objects.get(kind=CallTask.Kind.CALL_BACK)
    again = start_task_call(task=task, operator=org.operator)
    assert (again.phone, again.direction, again.task) == (first.phone, "out", task)


def test_a_price_list_that_cannot_be_sent_is_kept_failed_and_resent_with_its_file(
    org, call, products, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """Issue 11: the mail server is down; the call goes on, the message is retried, then
    failed in the admin list; a resend builds the file again and sends it."""
    from orderdesk import outbox
    from orderdesk.models import OutgoingMessage

    settings.EMAIL_BACKEND = "tests.unit.test_call_services.DownMailBackend"
    settings.ORDERDESK = {**settings.ORDERDESK, "MAIL_MAX_ATTEMPTS": 2}
    with django_capture_on_commit_callbacks(execute=True):
        send_price_list(call=call, contact_email="buyer@example.com", fmt="csv", by=org.operator)
    message = OutgoingMessage.objects.get()
    assert (message.kind, message.status, message.attempts) == ("price_list", "failed", 2)
    assert "SMTPConnectError" in message.last_error
    assert message.payload == {
        "attachment": "calls.services.price_list_attachment",
        "args": {"client_id": call.client_id, "fmt": "csv"},
    }
    assert call.events.filter(kind=CallEvent.Kind.PRICE_LIST_SENT).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        outbox.resend([message])
    message.refresh_from_db()
    assert message.status == "sent"
    rows = read_csv(mailoutbox[0].attachments[0])
    assert ["CH-1", "Сыр Российский", "Бакалея", "pcs", "450.00"] in rows


class DownMailBackend:
    """Django e-mail backend of a mail server that refuses connections."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPConnectError(421, "mail server down")
