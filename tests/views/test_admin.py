"""The Django admin: every screen opens, changelists do not grow queries with rows,
only admins get in, discount rules cannot tie, and price/credit changes are audited."""

import re
from datetime import timedelta
from decimal import Decimal

import factory
import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import BooleanField
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from calls.models import Call, CallEvent, CallOutcome
from clients.models import Client, ClientPhone
from orderdesk.admin import StaffProfileAdminForm
from orderdesk.models import Department, ExportRecord, OutgoingMessage
from orderdesk.roles import Role
from orders.forms import DiscountRuleAdminForm
from orders.models import DiscountRule, Order, OrderLine, Product, ProductPrice, UpsellOffer
from tests.factories import (
    CallFactory,
    CallTaskFactory,
    ClientFactory,
    ClientPhoneFactory,
    ClientTypeFactory,
    ContactFactory,
    DeliveryAddressFactory,
    DepartmentFactory,
    DiscountRuleFactory,
    FeedbackFactory,
    OrderFactory,
    OrderLineFactory,
    PriceColumnFactory,
    ProductCategoryFactory,
    ProductFactory,
    ProductPriceFactory,
    PromotionFactory,
    ReceivableFactory,
    StaffProfileFactory,
    TransferFactory,
    UserFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

# Records of what happened at the console: the admin shows them but never adds them.
NOT_ADDABLE = {Order, OrderLine, UpsellOffer, Call, CallEvent}
# Sign-in attempts are written by django-axes only.
NOT_ADDABLE |= {AccessAttempt, AccessLog, AccessFailureLog}
# Exports are recorded by the export itself.
NOT_ADDABLE |= {ExportRecord}
# Outgoing messages are recorded by orderdesk.outbox when something is sent.
NOT_ADDABLE |= {OutgoingMessage}

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_user():
    return UserFactory(username="boss", role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def world():
    """One row of everything, linked the way the console links them."""
    department = DepartmentFactory(kind=Department.Kind.WHOLESALE)
    manager = make_staff(role=Role.MANAGER, department=department, kam=True)
    department.head = manager
    department.save()
    client = ClientFactory(manager=manager, region="Москва", phone="+74951000001")
    ContactFactory(client=client)
    address = DeliveryAddressFactory(client=client)
    ReceivableFactory(client=client)
    price = ProductPriceFactory()
    rule = DiscountRuleFactory(categories=[price.product.category])
    PromotionFactory(product=price.product, client_types=[client.client_type])
    call = CallFactory(client=client, outcome=CallOutcome.objects.first())
    CallEvent.objects.create(call=call, kind=CallEvent.Kind.STARTED, by=call.operator)
    order = OrderFactory(
        client=client,
        call=call,
        status=Order.Status.ACCEPTED,
        number="З-000001",
        delivery_address=address,
        accepted_at=timezone.now(),
    )
    OrderLineFactory(order=order, product=price.product, price_column=price.column, rule=rule)
    UpsellOffer.objects.create(order=order, product=ProductFactory(), reason=UpsellOffer.Reason.NEW)
    TransferFactory(call=call, to_user=manager, to_department=department)
    feedback = FeedbackFactory(call=call, client=client, order=order)
    feedback.departments.set([department])
    CallTaskFactory(client=client, assigned_to=manager, call=call)
    seen = {"user_agent": "test", "ip_address": "10.0.0.1", "username": "manager"}
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**seen)
    AccessFailureLog.objects.create(**seen)
    ExportRecord.objects.create(by=manager, list_name="call_log", file_format="csv", rows=1)
    OutgoingMessage.objects.create(
        kind="price_list", channel="email", recipient="a@example.com", subject="Price list"
    )
    TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    StaticDevice.objects.create(user=manager, name="backup codes")
    return {"client": client, "price": price, "rule": rule, "order": order}


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_changelist_opens_with_rows(admin_client, world, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_add_page_opens_unless_the_record_comes_from_the_console(admin_client, model):
    response = admin_client.get(admin_url(model, "add"))

    assert response.status_code == (403 if model in NOT_ADDABLE else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_change_page_opens(admin_client, world, model):
    obj = model._default_manager.order_by("pk").first()

    response = admin_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200


def test_admin_site_is_branded(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert b"OrderDesk" in response.content


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MANAGER, Role.HEAD, Role.FINANCE])
def test_other_roles_are_kept_out_of_the_admin(client, role):
    client.force_login(UserFactory(role=role))

    for url in (reverse("admin:index"), admin_url(Client, "changelist")):
        response = client.get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_is_sent_to_a_login_page(client):
    response = client.get(admin_url(Client, "changelist"))

    # LoginRequiredMiddleware answers before the admin does: the site's own login page.
    assert response.status_code == 302
    assert response["Location"].startswith((reverse("login"), reverse("admin:login")))
    assert "next=/admin/clients/client/" in response["Location"]


# --- no N+1 on the big changelists -------------------------------------------------


def _make_clients(n):
    for _i in range(n):
        ClientFactory(
            manager=UserFactory(),
            client_type=ClientTypeFactory(),
            region="Тверь",
        )


def _make_products(n):
    for _i in range(n):
        ProductFactory(category=ProductCategoryFactory())


def _make_orders(n):
    for _i in range(n):
        OrderFactory(
            status=Order.Status.ACCEPTED,
            number=factory.Sequence(lambda k: f"З-{k:06d}"),
            accepted_at=timezone.now(),
        )


def _make_prices(n):
    for _i in range(n):
        ProductPriceFactory(product=ProductFactory(category=ProductCategoryFactory()))


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (Client, _make_clients),
        (Product, _make_products),
        (Order, _make_orders),
        (ProductPrice, _make_prices),
    ],
    ids=["clients", "products", "orders", "prices"],
)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, django_assert_max_num_queries, model, make
):
    url = admin_url(model, "changelist")
    make(3)
    admin_client.get(url)  # warm the session and the content-type cache
    with CaptureQueriesContext(connection) as with_three:
        assert admin_client.get(url).status_code == 200

    make(27)
    with django_assert_max_num_queries(len(with_three)):
        response = admin_client.get(url)

    assert response.context["cl"].result_count == 30


# --- searching by phone --------------------------------------------------------------


def test_client_search_finds_a_phone_written_any_way(admin_client):
    owner = ClientFactory(name="ООО «Ромашка»", phone="+74951000001")
    ClientFactory(name="ООО «Лютик»", phone="+74951000002")

    for written in ("8 (495) 100-00-01", "+7 495 100 00 01", "74951000001"):
        response = admin_client.get(admin_url(Client, "changelist"), {"q": written})
        assert list(response.context["cl"].result_list) == [owner], written


def test_client_search_by_name_still_works(admin_client):
    owner = ClientFactory(name="ООО «Ромашка»")
    ClientFactory(name="ООО «Лютик»")

    response = admin_client.get(admin_url(Client, "changelist"), {"q": "Ромашка"})

    assert list(response.context["cl"].result_list) == [owner]


def test_phone_changelist_search_normalises_the_number(admin_client):
    phone = ClientPhoneFactory(number="+74951000001")

    response = admin_client.get(admin_url(ClientPhone, "changelist"), {"q": "8-495-100-00-01"})

    assert list(response.context["cl"].result_list) == [phone]


# --- discount rules cannot tie ------------------------------------------------------


def _rule_post(**overrides):
    data = {
        "name": "Новое правило",
        "priority": "10",
        "is_active": "on",
        "valid_from": "",
        "valid_to": "",
        "min_order_amount": "",
        "min_quantity": "",
        "price_column": "",
        "discount_percent": "3",
    }
    data.update(overrides)
    return data


def test_admin_refuses_a_rule_that_ties_with_another(admin_client):
    DiscountRuleFactory(name="Оптовая скидка", priority=10)

    response = admin_client.post(admin_url(DiscountRule, "add"), _rule_post())

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == [
        "Rule «Оптовая скидка» has the same priority and could match the same lines; "
        "change the priority or narrow the conditions."
    ]
    assert not DiscountRule.objects.filter(name="Новое правило").exists()


def test_admin_accepts_a_rule_that_cannot_tie(admin_client):
    cheese, milk = ProductCategoryFactory(name="Сыры"), ProductCategoryFactory(name="Молоко")
    DiscountRuleFactory(name="Сырная скидка", priority=10, categories=[cheese])

    response = admin_client.post(admin_url(DiscountRule, "add"), _rule_post(categories=[milk.pk]))

    assert response.status_code == 302
    rule = DiscountRule.objects.get(name="Новое правило")
    assert list(rule.categories.all()) == [milk]


def test_rule_form_does_not_conflict_with_the_rule_itself():
    rule = DiscountRuleFactory(priority=10)
    data = _rule_post(name=rule.name)
    data["is_active"] = True

    form = DiscountRuleAdminForm(data=data, instance=rule)

    assert form.is_valid(), form.errors


def test_rule_form_ignores_inactive_rules():
    DiscountRuleFactory(priority=10, is_active=False)

    form = DiscountRuleAdminForm(data=_rule_post(is_active=True))

    assert form.is_valid(), form.errors


def test_rule_form_conflicts_only_within_overlapping_dates():
    today = timezone.localdate()
    DiscountRuleFactory(priority=10, valid_to=today - timedelta(days=1))

    form = DiscountRuleAdminForm(data=_rule_post(is_active=True, valid_from=today))

    assert form.is_valid(), form.errors


def test_rule_form_needs_exactly_one_effect():
    column = PriceColumnFactory(code="vip")

    neither = DiscountRuleAdminForm(data=_rule_post(discount_percent=""))
    both = DiscountRuleAdminForm(data=_rule_post(price_column=column.pk))

    assert not neither.is_valid()
    assert "price_column" in neither.errors
    assert not both.is_valid()
    assert "discount_percent" in both.errors


@pytest.mark.parametrize("percent", ["0", "100", "-5"])
def test_rule_form_refuses_a_discount_out_of_range(percent):
    form = DiscountRuleAdminForm(data=_rule_post(discount_percent=percent))

    assert not form.is_valid()
    assert "discount_percent" in form.errors


# --- history: who, when, old → new --------------------------------------------------


def test_price_history_shows_old_and_new_price_and_who(admin_client, admin_user):
    price = ProductPriceFactory(price=Decimal("100.00"))

    response = admin_client.post(
        admin_url(ProductPrice, "change", price.pk),
        {"product": price.product_id, "column": price.column_id, "price": "120.50"},
    )
    assert response.status_code == 302

    latest = price.history.latest()
    assert latest.history_user == admin_user
    assert latest.price == Decimal("120.50")
    page = admin_client.get(admin_url(ProductPrice, "history", price.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "100.00" in html
    assert "120.50" in html
    assert "&rarr;" in html
    assert admin_user.username in html


def test_price_changed_from_the_product_page_records_the_user(admin_client, admin_user):
    price = ProductPriceFactory(price=Decimal("100.00"))
    product = price.product
    page = admin_client.get(admin_url(Product, "change", product.pk))

    data = _form_data(page)
    data["prices-0-price"] = "99.90"
    response = admin_client.post(admin_url(Product, "change", product.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert price.history.latest().history_user == admin_user
    assert price.history.latest().price == Decimal("99.90")


def test_credit_limit_history_records_the_user(admin_client, admin_user):
    client = ClientFactory(credit_limit=Decimal("100000.00"), phone="+74951000001")
    page = admin_client.get(admin_url(Client, "change", client.pk))

    data = _form_data(page)
    data["credit_limit"] = "50000.00"
    response = admin_client.post(admin_url(Client, "change", client.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    latest = client.history.latest()
    assert latest.history_user == admin_user
    assert latest.credit_limit == Decimal("50000.00")
    html = admin_client.get(admin_url(Client, "history", client.pk)).content.decode()
    assert "100000.00" in html
    assert "50000.00" in html


def test_rule_history_is_shown(admin_client, admin_user):
    rule = DiscountRuleFactory(priority=10)
    data = _rule_post(name=rule.name, priority="15")

    response = admin_client.post(admin_url(DiscountRule, "change", rule.pk), data)

    assert response.status_code == 302
    assert rule.history.latest().history_user == admin_user
    assert rule.history.latest().priority == 15


# --- orders are read-mostly ----------------------------------------------------------


def test_the_status_cannot_be_typed_in_the_admin(admin_client):
    order = OrderFactory()
    page = admin_client.get(admin_url(Order, "change", order.pk))

    data = _form_data(page)
    data["status"] = Order.Status.ACCEPTED
    admin_client.post(admin_url(Order, "change", order.pk), data)

    order.refresh_from_db()
    assert order.status == Order.Status.DRAFT


def _order_action(admin_client, action, *orders):
    return admin_client.post(
        admin_url(Order, "changelist"),
        {"action": action, "_selected_action": [o.pk for o in orders]},
        follow=True,
    )


def test_admin_actions_move_orders_along_the_life_cycle(admin_client):
    order = OrderFactory(status=Order.Status.ACCEPTED, number="ЗК-1", accepted_at=timezone.now())
    _order_action(admin_client, "mark_in_fulfilment", order)
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    response = _order_action(admin_client, "reopen", order)  # not allowed from in fulfilment
    order.refresh_from_db()
    assert order.status == Order.Status.IN_FULFILMENT
    assert "cannot become" in response.content.decode()


def test_reopening_a_cancelled_order_goes_through_the_debt_gate(admin_client):
    client = ClientFactory(credit_limit=Decimal("1000.00"))
    ReceivableFactory(client=client, amount=Decimal("900.00"))
    order = OrderFactory(
        client=client,
        status=Order.Status.CANCELLED,
        number="ЗК-2",
        accepted_at=timezone.now(),
        total=Decimal("500.00"),
    )
    response = _order_action(admin_client, "reopen", order)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert "blocked" in response.content.decode()


def test_order_delivery_address_choices_are_the_clients_own(admin_client):
    order = OrderFactory()
    own = DeliveryAddressFactory(client=order.client)
    DeliveryAddressFactory()

    page = admin_client.get(admin_url(Order, "change", order.pk))

    field = page.context["adminform"].form.fields["delivery_address"]
    assert list(field.queryset) == [own]


# --- import through the admin: dry run shows the bad row ----------------------------


def test_product_import_dry_run_in_the_admin_shows_row_errors(admin_client):
    ProductCategoryFactory(name="Бакалея")
    content = "sku,name,category,unit\nA-1,Гречка,Бакалея,kg\nA-2,Сыр,Сыры,kg\n"

    response = _upload(admin_client, Product, "products.csv", content)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Unknown category “Сыры”" in html
    assert "confirm_form" not in response.context or not response.context["confirm_form"]
    assert not Product.objects.filter(sku__in=["A-1", "A-2"]).exists()


def _upload(admin_client, model, name, content):
    model_admin = admin.site._registry[model]
    csv_index = [f().get_title() for f in model_admin.get_import_formats()].index("csv")
    return admin_client.post(
        admin_url(model, "import"),
        {
            "resource": "0",
            "format": str(csv_index),
            "import_file": SimpleUploadedFile(name, content.encode(), "text/csv"),
        },
    )


def test_price_import_confirmed_in_the_admin_is_audited_with_the_user(admin_client, admin_user):
    price = ProductPriceFactory(product__sku="G-001", column__code="base", price=Decimal("100"))

    preview = _upload(
        admin_client, ProductPrice, "prices.csv", "sku,column,price\nG-001,base,120\n"
    )
    confirm = preview.context["confirm_form"]
    assert confirm is not None
    price.refresh_from_db()
    assert price.price == Decimal("100.00")  # the dry run wrote nothing

    response = admin_client.post(
        admin_url(ProductPrice, "process_import"),
        {name: confirm[name].value() for name in confirm.fields},
    )

    assert response.status_code == 302
    price.refresh_from_db()
    assert price.price == Decimal("120.00")
    latest = price.history.latest()
    assert (latest.history_user, latest.price) == (admin_user, Decimal("120.00"))


def test_client_export_from_the_admin_lists_phones(admin_client):
    ClientFactory(name="ООО «Ромашка»", phone="+74951000001")
    model_admin = admin.site._registry[Client]
    csv_index = [f().get_title() for f in model_admin.get_export_formats()].index("csv")

    form = admin_client.get(admin_url(Client, "export")).context["form"]
    data = {name: "on" for name, f in form.fields.items() if isinstance(f, BooleanField)}
    data.update(resource="0", format=str(csv_index))

    response = admin_client.post(admin_url(Client, "export"), data)

    assert response.status_code == 200
    body = b"".join(response.streaming_content if response.streaming else [response.content])
    assert "+74951000001" in body.decode("utf-8-sig")


# --- staff -----------------------------------------------------------------------------


def test_staff_absence_needs_its_last_day():
    user = UserFactory()

    form = StaffProfileAdminForm(data={"user": user.pk, "presence": "absent"})

    assert not form.is_valid()
    assert "absent_until" in form.errors


def test_staff_back_at_work_forgets_the_absence():
    profile = StaffProfileFactory(
        presence="absent", absent_until=timezone.localdate(), absence_reason="vacation"
    )

    form = StaffProfileAdminForm(
        data={"user": profile.user_id, "presence": "available", "absent_until": "2030-01-01"},
        instance=profile,
    )

    assert form.is_valid(), form.errors
    saved = form.save()
    assert (saved.absent_until, saved.absence_reason) == (None, "")


def _form_data(response):
    """POST data that resubmits a rendered admin change form (with its inlines) unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data


def test_admin_cancel_needs_a_reason_and_records_who_and_why(admin_client, admin_user):
    from orders.models import OrderEvent

    order = OrderFactory(status=Order.Status.ACCEPTED, number="ЗК-7", accepted_at=timezone.now())
    response = _order_action(admin_client, "cancel", order)
    order.refresh_from_db()
    assert order.status == Order.Status.ACCEPTED
    assert "Say why the order is cancelled." in response.content.decode()
    assert not OrderEvent.objects.exists()

    admin_client.post(
        admin_url(Order, "changelist"),
        {"action": "cancel", "_selected_action": [order.pk], "reason": "Дубль заказа ЗК-6"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.by, event.data) == (
        "cancelled",
        admin_user,
        {"reason": "Дубль заказа ЗК-6", "old": "accepted"},
    )


def test_admin_status_actions_leave_a_trace(admin_client, admin_user):
    from orders.models import OrderEvent

    order = OrderFactory(status=Order.Status.ACCEPTED, number="ЗК-8", accepted_at=timezone.now())
    _order_action(admin_client, "mark_in_fulfilment", order)
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.by, event.data) == (
        "status_changed",
        admin_user,
        {"old": "accepted", "new": "in_fulfilment"},
    )
    page = admin_client.get(admin_url(Order, "change", order.pk)).content.decode()
    assert "status_changed" in page or "Status changed" in page


# --- issue 12: the admin's words in Russian -------------------------------------------


def test_admin_titles_use_the_accusative_case(admin_client):
    price = ProductPriceFactory(price=Decimal("100.00"))
    ru = {"HTTP_ACCEPT_LANGUAGE": "ru"}
    listing = admin_client.get(admin_url(ProductPrice, "changelist"), **ru).content.decode()
    assert "Выберите цену для изменения" in listing
    assert "Добавить цену" in listing
    assert "Выберите цена" not in listing and "Добавить цена" not in listing
    add = admin_client.get(admin_url(ProductPrice, "add"), **ru).content.decode()
    assert "Добавить цену" in add
    change = admin_client.get(admin_url(ProductPrice, "change", price.pk), **ru).content.decode()
    assert "Изменить цену" in change
    clients = admin_client.get(admin_url(Client, "changelist"), **ru).content.decode()
    assert "Выберите клиента для изменения" in clients


def test_history_columns_are_translated_and_a_missing_reason_is_not_none(admin_client):
    price = ProductPriceFactory(price=Decimal("100.00"))
    admin_client.post(
        admin_url(ProductPrice, "change", price.pk),
        {"product": price.product_id, "column": price.column_id, "price": "120.50"},
    )
    html = admin_client.get(
        admin_url(ProductPrice, "history", price.pk), HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert "Изменения" in html and "Причина изменения" in html
    assert ">Changes<" not in html
    cells = [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", html, flags=re.S)]
    assert "None" not in cells


def test_a_semicolon_separated_csv_imports_like_a_comma_separated_one(admin_client):
    # issue 12: what Russian Excel saves (and our exports write) failed with InvalidDimensions
    ProductCategoryFactory(name="Бакалея")
    content = "sku;name;category;unit\nA-1;Гречка, ядрица;Бакалея;kg\n"
    response = _upload(admin_client, Product, "products.csv", content)
    html = response.content.decode()
    assert response.status_code == 200
    assert "InvalidDimensions" not in html and "Invalid" not in html
    assert response.context["confirm_form"]  # the dry run found no errors


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("sku;name;price", ";"), ("sku,name,price", ","), ("sku\tname", "\t"), ("sku", ",")],
)
def test_the_csv_delimiter_is_detected_from_the_header(header, delimiter):
    from orderdesk.import_formats import detect_delimiter

    assert detect_delimiter(header + "\nA;b,c;1\n") == delimiter
