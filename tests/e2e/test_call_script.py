"""Whole calls in Chromium, by keyboard, as an operator takes them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from calls.models import Call, CallTask, Feedback, Transfer
from clients.models import Client
from orderdesk.models import Department
from orderdesk.roles import Role
from tests.e2e.conftest import CONSOLE_URL, log_in, screenshot
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    ContactFactory,
    DepartmentFactory,
    ProductFactory,
    ProductPriceFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org():
    head = make_staff(role=Role.HEAD, username="head", first_name="Олег", last_name="Главный")
    wholesale = DepartmentFactory(
        name="Отдел оптовых продаж", kind=Department.Kind.WHOLESALE, head=head
    )
    finance = DepartmentFactory(
        name="Финансовая служба", kind=Department.Kind.FINANCE, head=make_staff(role=Role.FINANCE)
    )
    operator = make_staff(
        role=Role.OPERATOR, username="operator", first_name="Анна", last_name="Смирнова"
    )
    key_type = ClientTypeFactory(
        code="key", name="Ключевой клиент", is_key=True, department=wholesale
    )
    retail = ClientTypeFactory(code="retail", name="Розница", department=wholesale)
    return {
        "head": head,
        "wholesale": wholesale,
        "finance": finance,
        "operator": operator,
        "key_type": key_type,
        "retail": retail,
    }


def start_call(page, phone: str):
    page.goto("/console/")
    phone_field = page.locator("#id_phone")
    expect(phone_field).to_be_focused()
    phone_field.fill(phone)
    phone_field.press("Enter")
    expect(page.locator("#step-panel")).to_be_visible()


def choose_purpose(page, key: str):
    page.keyboard.press(key)
    expect(page.locator("#step-panel")).not_to_have_attribute("data-step", "purpose")


def go_to_purpose(page):
    """A known caller lands straight on the purpose; the card shows who it is."""
    expect(page.locator("#step-panel")).to_have_attribute("data-step", "purpose")


def finish(page, outcome_key: str | None = None):
    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("data-step", "wrap_up")
    if outcome_key:
        page.keyboard.press(outcome_key)
    page.locator("#step-panel button[type=submit]").press("Enter")
    expect(page).to_have_url(CONSOLE_URL)


def test_key_client_is_transferred_to_its_manager(page, org):
    manager = make_staff(
        role=Role.MANAGER,
        kam=True,
        first_name="Мария",
        last_name="Иванова",
        department=org["wholesale"],
    )
    ClientFactory(
        name="ООО «Гастроном-1»", client_type=org["key_type"], manager=manager, phone="+74951000001"
    )
    log_in(page, "operator")
    start_call(page, "8 (495) 100-00-01")
    expect(page.locator("#client-card")).to_contain_text("ООО «Гастроном-1»")
    go_to_purpose(page)
    choose_purpose(page, "1")
    decision = page.locator("#route-decision")
    expect(decision).to_have_attribute("data-rule", "key_manager")
    expect(decision).to_contain_text("Иванова")
    screenshot(page, "call-key-client-route")
    page.keyboard.press("t")
    finish(page)
    transfer = Transfer.objects.get()
    assert (transfer.to_user, transfer.rule) == (manager, "key_manager")
    assert Call.objects.get().outcome.code == "transferred"


def test_absent_manager_falls_back_to_another_key_account_manager(page, org):
    absent = make_staff(
        role=Role.MANAGER,
        kam=True,
        last_name="Петров",
        presence="absent",
        department=org["wholesale"],
    )
    absent.staff_profile.absent_until = timezone.localdate() + timedelta(days=5)
    absent.staff_profile.save()
    other = make_staff(role=Role.MANAGER, kam=True, first_name="Ольга", last_name="Сидорова")
    ClientFactory(client_type=org["key_type"], manager=absent, phone="+74951000002")
    log_in(page, "operator")
    start_call(page, "+7 495 100 00 02")
    go_to_purpose(page)
    choose_purpose(page, "2")
    decision = page.locator("#route-decision")
    expect(decision).to_have_attribute("data-rule", "key_fallback_kam")
    expect(decision).to_contain_text("Сидорова")
    screenshot(page, "call-key-fallback")
    page.keyboard.press("t")
    finish(page)
    assert Transfer.objects.get().to_user == other


def test_unknown_number_becomes_a_new_client_and_the_head_assigns_a_manager(
    page, browser, live_server, org
):
    manager = make_staff(role=Role.MANAGER, username="newmgr", first_name="Илья", last_name="Новый")
    log_in(page, "operator")
    start_call(page, "8 916 555-44-33")
    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("data-step", "new_client")
    expect(page.locator("#id_name")).to_be_focused()
    page.keyboard.type("ИП Кузнецов")
    page.locator("#id_client_type").select_option(label="Розница")
    page.locator("#id_region").fill("Тверь")
    page.locator("#id_contact_name").fill("Павел")
    screenshot(page, "call-new-client-form")
    page.locator("#id_contact_name").press("Enter")
    expect(panel).to_have_attribute("data-step", "purpose")
    choose_purpose(page, "1")
    expect(page.locator("#route-decision")).to_have_attribute("data-rule", "new_client_head")
    page.keyboard.press("t")
    finish(page)
    client = Client.objects.get(name="ИП Кузнецов")
    assert client.manager is None
    # the head, in another browser session, assigns a manager from the inbox
    head_context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    head_page = head_context.new_page()
    log_in(head_page, "head")
    head_page.goto("/inbox/")
    task = CallTask.objects.get(kind=CallTask.Kind.ASSIGN_MANAGER)
    item = head_page.locator(f"#task-{task.pk}")
    expect(item).to_contain_text("ИП Кузнецов")
    screenshot(head_page, "inbox-assign-manager")
    item.locator("select").select_option(str(manager.pk))
    item.get_by_role("button").click()
    expect(head_page.locator(f"#task-{task.pk}")).to_have_count(0)
    head_context.close()
    client.refresh_from_db()
    assert client.manager == manager


def test_reference_call_with_price_list_emailed(page, org):
    client = ClientFactory(
        client_type=org["retail"], manager=make_staff(role=Role.MANAGER), phone="+74951000005"
    )
    ContactFactory(client=client, email="zakupki@example.com")
    cheese = ProductFactory(
        name="Сыр Российский 50%", sku="CHS-0001", certificate_info="Декларация ЕАЭС N RU Д-RU.001"
    )
    ProductPriceFactory(product=cheese, column=org["retail"].default_price_column, price="512.30")
    log_in(page, "operator")
    start_call(page, "84951000005")
    go_to_purpose(page)
    choose_purpose(page, "2")
    search = page.locator("#reference-q")
    expect(search).to_be_focused()
    page.keyboard.type("сыр")
    results = page.locator("#reference-results")
    expect(results).to_contain_text("Сыр Российский 50%")
    expect(results).to_contain_text("512,30")
    screenshot(page, "call-reference")
    page.locator("#step-panel select[name=fmt]").select_option("csv")
    page.locator("#step-panel input[name=email]").press("Enter")
    expect(page.locator("#step-panel")).to_contain_text("zakupki@example.com")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zakupki@example.com"]
    page.keyboard.press("F8")
    finish(page)
    assert Call.objects.get().outcome.code == "information_given"


def test_feedback_is_routed_and_handled(page, browser, live_server, org):
    ClientFactory(
        client_type=org["retail"], manager=make_staff(role=Role.MANAGER), phone="+74951000005"
    )
    log_in(page, "operator")
    start_call(page, "84951000005")
    go_to_purpose(page)
    choose_purpose(page, "3")
    page.keyboard.press("Alt+3")  # complaint
    page.locator("#step-panel textarea[name=text]").fill("Привезли сыр с истекающим сроком")
    page.get_by_label("Отдел оптовых продаж").check()
    screenshot(page, "call-feedback")
    page.locator("#step-panel textarea[name=text]").press("Control+Enter")
    finish(page)
    item = Feedback.objects.get()
    assert item.kind == "complaint" and list(item.departments.all()) == [org["wholesale"]]
    head_context = browser.new_context(base_url=live_server.url, locale="ru-RU")
    head_page = head_context.new_page()
    log_in(head_page, "head")
    head_page.goto("/inbox/")
    row = head_page.locator(f"#feedback-{item.pk}")
    expect(row).to_contain_text("истекающим сроком")
    row.get_by_role("button").click()
    expect(head_page.locator(f"#feedback-{item.pk}")).to_have_count(0)
    head_context.close()
    item.refresh_from_db()
    assert item.handled_by == org["head"]


def test_wrap_up_with_a_call_back(page, org):
    ClientFactory(
        client_type=org["retail"], manager=make_staff(role=Role.MANAGER), phone="+74951000005"
    )
    log_in(page, "operator")
    start_call(page, "84951000005")
    page.keyboard.press("F8")
    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("data-step", "wrap_up")
    page.get_by_label("Перезвонить позже").check()
    tomorrow = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    panel.locator("input[name=callback_at]").fill(tomorrow)
    panel.locator("textarea[name=notes]").fill("Просил перезвонить завтра утром")
    screenshot(page, "call-wrap-up")
    panel.locator("button[type=submit]").click()
    expect(page).to_have_url(CONSOLE_URL)
    task = CallTask.objects.get(kind=CallTask.Kind.CALL_BACK)
    assert task.assigned_to == org["operator"]
    assert timezone.localtime(task.due_at).strftime("%Y-%m-%dT%H:%M") == tomorrow


def test_a_reference_call_cannot_be_wrapped_up_as_order_taken(page, org):
    ClientFactory(
        client_type=org["retail"], manager=make_staff(role=Role.MANAGER), phone="+74951000005"
    )
    log_in(page, "operator")
    start_call(page, "84951000005")
    go_to_purpose(page)
    choose_purpose(page, "2")
    page.keyboard.press("F8")
    panel = page.locator("#step-panel")
    expect(panel).to_have_attribute("data-step", "wrap_up")
    outcomes = page.locator("#wrap-up-outcomes")
    # "order taken" is not offered; the suggestion is preselected
    expect(outcomes).not_to_contain_text("Заказ принят")
    checked = outcomes.locator("input:checked")
    expect(checked).to_have_value("information_given")
    # the next caller's number typed into the page changes nothing; Alt+digit does
    page.keyboard.type("84951000005")
    expect(checked).to_have_value("information_given")
    page.keyboard.press("Alt+2")
    expect(checked).to_have_value("complaint_recorded")
    page.keyboard.press("Alt+1")
    expect(checked).to_have_value("information_given")
    screenshot(page, "call-wrap-up-reference")
    # a forged "order taken" is refused with the reason, and the call stays open
    checked.evaluate("radio => { radio.value = 'order_taken'; }")
    panel.locator("button[type=submit]").press("Enter")
    expect(page.locator("[role=alert]")).to_contain_text("не принят ни один заказ")
    call = Call.objects.get()
    assert call.status == Call.Status.OPEN and call.outcome is None
    # the honest outcome closes it
    page.keyboard.press("Alt+1")
    expect(checked).to_have_value("information_given")
    finish(page)
    assert Call.objects.get().outcome.code == "information_given"
