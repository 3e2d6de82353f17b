"""``manage.py seed_demo``: the demo data set is complete, consistent and loaded only once."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import StringIO

import phonenumbers
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.test import override_settings
from django.utils import timezone

from calls.models import Call, CallEvent, CallTask, Feedback, Purpose, Transfer
from calls.routing import RouteRule, route_call
from clients.debt import check_debt
from clients.models import Client, ClientPhone, Contact, DeliveryAddress, Receivable
from clients.selectors import ClientStatus, client_status, find_client_by_phone
from orderdesk.models import Department, StaffProfile
from orderdesk.roles import Role
from orders.models import (
    DiscountRule,
    Order,
    OrderEvent,
    OrderLine,
    PriceColumn,
    Product,
    ProductPrice,
    Promotion,
    UpsellOffer,
)
from orders.pricing import quote

pytestmark = pytest.mark.django_db

KOPECK = Decimal("0.01")
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
COUNTED = [
    get_user_model(),
    Department,
    StaffProfile,
    PriceColumn,
    Product,
    ProductPrice,
    DiscountRule,
    Promotion,
    Client,
    ClientPhone,
    Contact,
    DeliveryAddress,
    Receivable,
    Order,
    OrderLine,
    UpsellOffer,
    Call,
    CallEvent,
    Transfer,
    Feedback,
    CallTask,
]


@pytest.fixture(scope="module", autouse=True)
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module inside a transaction that is rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        call_command("seed_demo", verbosity=0)
        # Fire the deferred FK checks now, once: otherwise PostgreSQL re-runs them after
        # every test's savepoint rollback (about a second each).
        connection.check_constraints()
        yield
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_five_departments_each_with_a_head():
    departments = {d.kind: d for d in Department.objects.select_related("head")}

    assert {k: d.name for k, d in departments.items()} == {
        "wholesale": "Отдел оптовых продаж",
        "retail": "Отдел розничных продаж",
        "regional": "Отдел региональных продаж",
        "support": "Отдел сопровождения продаж",
        "finance": "Финансовая служба",
    }
    assert all(d.head is not None for d in departments.values())
    finance_head = departments["finance"].head
    assert set(finance_head.groups.values_list("name", flat=True)) == {Role.FINANCE, Role.HEAD}


def test_every_role_has_a_user_with_a_profile_and_the_demo_password():
    User = get_user_model()

    for role in Role:
        assert User.objects.filter(groups__name=role).exists(), role
    assert not User.objects.filter(staff_profile=None).exclude(username="admin").exists()
    operator = User.objects.get(username="operator")
    assert operator.check_password("demo12345")
    assert operator.staff_profile.extension == "101"
    assert operator.email.endswith("@example.com") and operator.first_name
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert admin.groups.filter(name=Role.ADMIN).exists()


def test_staff_presence_is_mixed():
    today = timezone.localdate()
    absent = StaffProfile.objects.filter(presence=StaffProfile.Presence.ABSENT)

    assert absent.exists()
    assert not absent.filter(Q(absent_until__lte=today) | Q(absence_reason="")).exists()
    assert StaffProfile.objects.filter(presence=StaffProfile.Presence.BUSY).exists()
    manager2 = StaffProfile.objects.get(user__username="manager2")
    assert manager2.is_key_account_manager
    assert manager2.absent_until == today + timedelta(days=7)
    assert manager2.absence_reason == StaffProfile.AbsenceReason.VACATION
    manager = StaffProfile.objects.get(user__username="manager")
    assert manager.is_key_account_manager
    assert manager.presence == StaffProfile.Presence.AVAILABLE


def test_catalogue_has_products_with_prices_in_all_five_columns():
    assert set(PriceColumn.objects.values_list("code", flat=True)) == {
        "base",
        "opt",
        "large_opt",
        "own",
        "regional",
    }
    assert Product.objects.count() >= 250
    assert not Product.objects.annotate(n=Count("prices")).exclude(n=5).exists()
    base = dict(ProductPrice.objects.filter(column__code="base").values_list("product", "price"))
    assert all(p.price <= base[p.product_id] for p in ProductPrice.objects.all())
    assert Product.objects.filter(new_until__gt=timezone.localdate()).exists()
    assert not Product.objects.filter(unit=Product.Unit.KG, is_weighed=False).exists()


def test_clients_have_valid_unique_phones_and_one_default_address():
    phones = list(ClientPhone.objects.values_list("number", flat=True))

    assert Client.objects.count() >= 250
    assert len(phones) == len(set(phones))
    assert all(phonenumbers.is_valid_number(number) for number in phones)
    assert not Client.objects.filter(phones=None).exists()
    assert (
        not Client.objects.annotate(
            defaults=Count("addresses", filter=Q(addresses__is_default=True))
        )
        .exclude(defaults=1)
        .exists()
    )
    assert not Client.objects.exclude(contacts__can_receive_goods=True).exists()


def test_some_new_clients_have_no_manager_and_key_clients_have_key_account_managers():
    new = Client.objects.filter(manager=None)

    assert new.count() >= 10
    assert not new.filter(orders__isnull=False).exists()
    key = Client.objects.filter(client_type__is_key=True)
    assert key.exists()
    assert not key.exclude(manager__staff_profile__is_key_account_manager=True).exists()


def test_clients_cover_every_status_and_debt_state():
    clients = list(Client.objects.select_related("client_type"))
    statuses = {client_status(c) for c in clients}
    checks = [check_debt(c) for c in clients]

    assert statuses == {ClientStatus.NEW, ClientStatus.ACTIVE, ClientStatus.ASLEEP}
    assert sum(c.overdue > 0 for c in checks) >= 5
    assert sum(c.overdue == 0 and c.excess > 0 for c in checks) >= 5
    assert sum(not c.blocked for c in checks) > 0.8 * len(checks)
    assert Client.objects.filter(credit_limit=None).exists()
    assert Client.objects.filter(credit_limit=0).exists()


@pytest.mark.parametrize(
    ("phone", "blocked"),
    [
        ("+7 495 100-00-01", False),
        ("+7 495 100-00-02", False),
        ("+7 495 100-00-03", True),
        ("+7 495 100-00-04", True),
        ("+7 495 100-00-05", False),
        ("+7 495 100-00-06", False),
    ],
)
def test_demo_phones_show_their_debt_state(phone, blocked):
    client = find_client_by_phone(phone)

    assert client is not None
    assert check_debt(client).blocked is blocked
    assert client_status(client) == ClientStatus.ACTIVE


def test_demo_phone_situations():
    key_available = find_client_by_phone("+74951000001")
    key_absent = find_client_by_phone("+74951000002")
    overdue = check_debt(find_client_by_phone("+74951000003"))
    over_limit = check_debt(find_client_by_phone("+74951000004"))

    assert key_available.client_type.is_key and key_available.manager.username == "manager"
    assert key_absent.client_type.is_key and key_absent.manager.username == "manager2"
    assert overdue.overdue > 0
    assert over_limit.overdue == 0 and over_limit.excess > 0
    assert find_client_by_phone("+74951000006").client_type.is_regional
    assert find_client_by_phone("+7 495 100-00-99") is None


def test_orders_are_consistent_with_lines_and_clients():
    orders = Order.objects.annotate(n=Count("lines"))
    totals = dict(orders.values_list("id", "total"))
    line_sums = {}
    for line in OrderLine.objects.all():
        assert line.line_total == (line.quantity * line.unit_price).quantize(KOPECK, ROUND_HALF_UP)
        line_sums[line.order_id] = line_sums.get(line.order_id, 0) + line.line_total

    assert len(totals) > 1000
    assert totals == line_sums  # compared in Python: SQLite sums decimals as floats
    assert not orders.filter(Q(n__lt=2) | Q(n__gt=8)).exists()
    assert not Order.objects.filter(Q(number=None) | Q(accepted_at=None) | Q(call=None)).exists()
    assert not Order.objects.exclude(operator__groups__name=Role.OPERATOR).exists()
    latest = Client.objects.annotate(
        latest=Max("orders__accepted_at", filter=~Q(orders__status=Order.Status.CANCELLED))
    )
    assert all(c.latest == c.last_order_at for c in latest)
    statuses = set(Order.objects.values_list("status", flat=True))
    assert {Order.Status.DELIVERED, Order.Status.CANCELLED} <= statuses
    assert statuses & {Order.Status.ACCEPTED, Order.Status.IN_FULFILMENT}


def test_every_order_has_its_history():
    accepted = OrderEvent.objects.filter(kind=OrderEvent.Kind.ACCEPTED)
    assert accepted.count() == Order.objects.count()
    assert not accepted.exclude(by=F("order__operator")).exists()
    delivered = Order.objects.filter(status=Order.Status.DELIVERED).first()
    moves = delivered.events.filter(kind=OrderEvent.Kind.STATUS_CHANGED).order_by("at")
    assert [(e.data["old"], e.data["new"]) for e in moves] == [
        ("accepted", "in_fulfilment"),
        ("in_fulfilment", "delivered"),
    ]
    cancelled = Order.objects.filter(status=Order.Status.CANCELLED).first()
    assert cancelled.events.get(kind=OrderEvent.Kind.CANCELLED).data["reason"]


def test_historical_prices_agree_with_the_pricing_rules():
    orders = Order.objects.select_related("client__client_type__default_price_column")
    for order in orders.prefetch_related("lines__product").order_by("-accepted_at")[:150]:
        lines = list(order.lines.all())
        on = timezone.localdate(order.accepted_at)

        quoted = quote(order.client, [(line.product, line.quantity) for line in lines], on=on)

        assert quoted.total == order.total
        prices = {q.product.pk: (q.unit_price, q.column.pk, q.rule) for q in quoted.lines}
        for line in lines:
            assert prices[line.product_id] == (line.unit_price, line.price_column_id, line.rule)


@pytest.mark.parametrize(
    ("phone", "purpose", "rule", "target"),
    [
        ("+74951000001", Purpose.ORDER, RouteRule.KEY_MANAGER, "manager"),
        ("+74951000002", Purpose.ORDER, RouteRule.KEY_FALLBACK_KAM, "manager3"),
        ("+74951000003", Purpose.ORDER, RouteRule.DEBT_MANAGER, "manager"),
        ("+74951000004", Purpose.ORDER, RouteRule.DEBT_MANAGER, "manager3"),
        ("+74951000005", Purpose.ORDER, RouteRule.OPERATOR, None),
        ("+74951000006", Purpose.ORDER, RouteRule.OPERATOR, None),
        ("+74951000099", Purpose.ORDER, RouteRule.NEW_CLIENT_HEAD, "head"),
    ],
)
def test_demo_phones_route_as_the_guide_says(phone, purpose, rule, target):
    route = route_call(find_client_by_phone(phone), purpose)

    assert route.rule == rule
    assert (route.target.username if route.target else None) == target


def test_every_order_offered_at_least_three_positions():
    assert not Order.objects.annotate(n=Count("offers")).filter(n__lt=3).exists()


def test_receivables_include_late_payments_within_a_year():
    year_ago = timezone.localdate() - timedelta(days=365)

    assert Receivable.objects.filter(paid_at__gt=F("due_date"), paid_at__gte=year_ago).exists()
    assert not Receivable.objects.filter(paid_amount__gt=F("amount")).exists()
    assert not Receivable.objects.exclude(document_no__startswith="РН-").exists()


def test_calls_have_events_and_outcomes():
    assert Call.objects.count() >= Order.objects.count()
    assert not Call.objects.filter(events=None).exists()
    assert not Call.objects.filter(outcome=None).exists()
    outcomes = set(Call.objects.values_list("outcome__code", flat=True))
    assert {"order_taken", "information_given", "transferred", "debt_blocked"} <= outcomes


def test_second_run_adds_nothing_and_says_so():
    before = counts()
    out = StringIO()

    call_command("seed_demo", stdout=out)

    assert counts() == before
    assert "already loaded" in out.getvalue()
    assert "demo12345" in out.getvalue()
    assert "+7 495 100-00-01" in out.getvalue()


def test_demo_has_a_running_campaign_with_answers_and_an_asleep_sweep():
    from calls import campaigns
    from calls.models import Campaign

    running = Campaign.objects.get(kind=Campaign.Kind.INSTRUCTED, survey__isnull=False)
    progress = campaigns.campaign_progress(running)
    assert progress["done"] >= 4 and progress["open"] > 0 and progress["unreachable"] == 1
    assert running.survey.responses.count() >= 4
    sweep = Campaign.objects.get(kind=Campaign.Kind.SWEEP)
    assert sweep.tasks.count() > 0
    assert {t.kind for t in sweep.tasks.all()} == {CallTask.Kind.ASLEEP}
