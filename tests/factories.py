"""factory_boy factories for every model; traits for the debt situations tests need."""

import itertools
from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from calls.models import Call, CallTask, Feedback, Transfer
from clients.models import Client, ClientPhone, ClientType, Contact, DeliveryAddress, Receivable
from orderdesk.models import Department, StaffProfile
from orderdesk.roles import Role
from orders.models import (
    DiscountRule,
    Order,
    OrderLine,
    PriceColumn,
    Product,
    ProductCategory,
    ProductPrice,
    Promotion,
)

_phone_seq = itertools.count(1000000)


def next_mobile() -> str:
    """A fresh valid Russian mobile number in E.164."""
    return f"+7916{next(_phone_seq):07d}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"Имя{n}")
    last_name = factory.Sequence(lambda n: f"Фамилия{n}")
    password = factory.django.Password("pass-12345")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))
            if extracted == Role.ADMIN:
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Отдел {n}")
    kind = Department.Kind.WHOLESALE
    head = None


class StaffProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffProfile

    user = factory.SubFactory(UserFactory)
    department = None
    presence = StaffProfile.Presence.AVAILABLE


def make_staff(*, role=None, department=None, presence="available", kam=False, **user_kwargs):
    user = UserFactory(role=role, **user_kwargs)
    StaffProfileFactory(
        user=user, department=department, presence=presence, is_key_account_manager=kam
    )
    return user


class PriceColumnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceColumn
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"col{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    position = factory.Sequence(int)


class ClientTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())
    default_price_column = factory.SubFactory(PriceColumnFactory, code="base")
    asleep_after_days = 60


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"ООО «Клиент {n}»")
    client_type = factory.SubFactory(ClientTypeFactory, code="retail")
    credit_limit = Decimal("100000.00")
    payment_terms_days = 14

    class Params:
        with_overdue = factory.Trait(
            overdue_receivable=factory.RelatedFactory(
                "tests.factories.ReceivableFactory",
                factory_related_name="client",
                amount=Decimal("5000.00"),
                due_date=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=10)),
            )
        )
        over_limit = factory.Trait(
            credit_limit=Decimal("1000.00"),
            excess_receivable=factory.RelatedFactory(
                "tests.factories.ReceivableFactory",
                factory_related_name="client",
                amount=Decimal("1500.00"),
                due_date=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10)),
            ),
        )

    @factory.post_generation
    def phone(self, create, extracted, **kwargs):
        if create and extracted:
            ClientPhone.objects.create(client=self, number=extracted)


class OrderingClientFactory(ClientFactory):
    """A client the operator takes orders from: not a key client and it has a manager
    (new clients and key clients are routed away: calls.routing, orders.start_order)."""

    manager = factory.SubFactory(UserFactory, role=Role.MANAGER)


class ClientPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientPhone

    client = factory.SubFactory(ClientFactory)
    number = factory.LazyFunction(next_mobile)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Контакт {n}")
    can_receive_goods = True
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


class DeliveryAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryAddress

    client = factory.SubFactory(ClientFactory)
    address = factory.Sequence(lambda n: f"Москва, ул. Складская, д. {n}")
    is_default = True


class ReceivableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Receivable

    client = factory.SubFactory(ClientFactory)
    document_no = factory.Sequence(lambda n: f"РН-{n:06d}")
    document_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=20))
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    amount = Decimal("1000.00")
    paid_amount = Decimal("0.00")


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Категория {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"Товар {n}")
    category = factory.SubFactory(ProductCategoryFactory, name="Бакалея")
    unit = Product.Unit.PIECE


class ProductPriceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductPrice

    product = factory.SubFactory(ProductFactory)
    column = factory.SubFactory(PriceColumnFactory, code="base")
    price = Decimal("100.00")


class DiscountRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiscountRule
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Правило {n}")
    priority = 10
    discount_percent = Decimal("5.00")

    @factory.post_generation
    def client_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.client_types.set(extracted)

    @factory.post_generation
    def clients(self, create, extracted, **kwargs):
        if create and extracted:
            self.clients.set(extracted)

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create and extracted:
            self.categories.set(extracted)

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    title = factory.Sequence(lambda n: f"Акция {n}")
    talking_point = "Скидка недели — предложите обязательно."
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    valid_to = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))

    @factory.post_generation
    def client_types(self, create, extracted, **kwargs):
        if create and extracted:
            self.client_types.set(extracted)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    phone = factory.LazyFunction(next_mobile)
    operator = factory.SubFactory(UserFactory, role=Role.OPERATOR)
    client = None


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    client = factory.SubFactory(ClientFactory)
    operator = factory.SubFactory(UserFactory, role=Role.OPERATOR)
    status = Order.Status.DRAFT
    total = Decimal("0.00")


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = Decimal("1")
    unit_price = Decimal("100.00")
    price_column = factory.SubFactory(PriceColumnFactory, code="base")
    line_total = factory.LazyAttribute(
        lambda o: (o.quantity * o.unit_price).quantize(Decimal("0.01"))
    )


class TransferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transfer

    call = factory.SubFactory(CallFactory)
    rule = "key_manager"
    reason = "Ключевой клиент"


class FeedbackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feedback

    kind = Feedback.Kind.COMMENT
    text = "Просят расширить ассортимент сыров"


class CallTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallTask

    kind = CallTask.Kind.CALL_BACK


def arrange_delivery(order: Order) -> Order:
    """Fill in delivery and payment so that the order may be accepted."""
    from orders.delivery import proposed_terms, set_delivery

    client = order.client
    if not client.addresses.exists():
        DeliveryAddressFactory(client=client)
    if not client.contacts.filter(can_receive_goods=True).exists():
        ContactFactory(client=client)
    return set_delivery(order=order, terms=proposed_terms(order), by=order.operator)


def placed_order(*, client, operator, price="640.00", quantity="2", **fields) -> Order:
    """An accepted order of one line (``quantity`` × ``price`` of "Сыр Гауда") for ``client``,
    delivered tomorrow to its address and receiver (created when missing), numbered as the
    services number it — without going through the call script."""
    from orders.services import order_number

    address = client.addresses.first() or DeliveryAddressFactory(
        client=client, address="Москва, ул. Складская, д. 7"
    )
    receiver = client.contacts.filter(can_receive_goods=True).first() or ContactFactory(
        client=client, name="Приёмщик Иван", can_receive_goods=True
    )
    column = client.client_type.default_price_column
    product = ProductFactory(name="Сыр Гауда")
    ProductPriceFactory(product=product, column=column, price=Decimal(price))
    total = (Decimal(price) * Decimal(quantity)).quantize(Decimal("0.01"))
    values = {
        "status": Order.Status.ACCEPTED,
        "price_column": column,
        "total": total,
        "delivery_date": timezone.localdate() + timedelta(days=1),
        "delivery_window": "10:00–14:00",
        "delivery_address": address,
        "receiver": receiver,
        "payment_form": Order.PaymentForm.BANK_TRANSFER,
        "accepted_at": timezone.now(),
        **fields,
    }
    order = Order.objects.create(client=client, operator=operator, **values)
    order.number = order_number(order)
    order.save(update_fields=["number"])
    OrderLine.objects.create(
        order=order,
        product=product,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        price_column=column,
        line_total=total,
    )
    return order
