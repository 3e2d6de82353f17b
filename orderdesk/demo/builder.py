"""Builds the demo data set: plans everything in memory, then writes it with bulk_create.

Deterministic: one ``random.Random(seed)`` drives every choice, and every date is relative
to ``today``, so two runs on the same date (on the same database state) give the same data.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat, LPad
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from calls.models import CallOutcome
from clients.models import Client, ClientPhone, ClientType, Contact, DeliveryAddress, Receivable
from orderdesk.demo import outbound
from orderdesk.demo import people_data as people
from orderdesk.demo.call_history import CallHistory
from orderdesk.demo.catalog_data import CATALOG, MANUFACTURERS
from orderdesk.demo.staff_data import DEMO_PASSWORD, DEPARTMENTS, OPERATORS, STAFF, StaffSpec
from orderdesk.models import Department, StaffProfile
from orderdesk.roles import Role
from orders.models import (
    DiscountRule,
    Order,
    OrderEvent,
    OrderLine,
    PriceColumn,
    Product,
    ProductCategory,
    ProductPrice,
    Promotion,
    UpsellOffer,
)

KOPECK = Decimal("0.01")
# Order numbers as orders.services.order_number makes them: "ЗК-" + the zero-padded id.
ORDER_NUMBER_PREFIX = "ЗК-"
ORDER_NUMBER_DIGITS = 7
HISTORY_DAYS = 180
CHANGE_REASON = "Демо-данные (seed_demo)"

# code, name, position, share of the base price
PRICE_COLUMNS = [
    ("base", "Базовая", 1, Decimal("1.00")),
    ("opt", "Оптовая", 2, Decimal("0.92")),
    ("large_opt", "Крупный опт", 3, Decimal("0.88")),
    ("own", "Собственные точки", 4, Decimal("0.85")),
    ("regional", "Региональная", 5, Decimal("0.95")),
]

# code, name, default column, department kind, asleep after days, is_key, is_regional
CLIENT_TYPES = [
    ("market", "Рыночный торговец", "opt", Department.Kind.WHOLESALE, 30, False, False),
    ("key", "Ключевой клиент", "large_opt", Department.Kind.WHOLESALE, 21, True, False),
    ("own_point", "Собственная точка", "own", Department.Kind.RETAIL, 14, False, False),
    ("retail", "Розница", "base", Department.Kind.RETAIL, 45, False, False),
    ("regional", "Региональный клиент", "regional", Department.Kind.REGIONAL, 60, False, True),
]

# How many ordinary clients of each type (with a manager), and new ones (without).
TYPE_MIX = [("key", 25), ("market", 95), ("own_point", 25), ("retail", 95), ("regional", 50)]
NEW_CLIENT_MIX = [("market", 6), ("retail", 6), ("regional", 3)]

MANAGERS_BY_TYPE = {
    "key": ["manager", "manager2", "manager3"],
    "market": ["manager", "manager2", "manager3", "manager5"],
    "own_point": ["manager4", "manager6"],
    "retail": ["manager4", "manager4", "manager6"],
    "regional": ["manager7", "manager8"],
}
PAYMENT_TERMS = {
    "key": [21, 30, 30, 45],
    "market": [0, 7, 7, 14],
    "own_point": [14],
    "retail": [0, 0, 7, 14],
    "regional": [14, 21, 30],
}
ORDER_INTERVAL_DAYS = {
    "key": (4, 8),
    "market": (6, 13),
    "own_point": (4, 7),
    "retail": (8, 20),
    "regional": (12, 25),
}
QUANTITY_FACTOR = {"key": 2.5, "market": 2.0, "own_point": 1.5, "retail": 1.0, "regional": 3.5}
PREFERRED_CATEGORIES = {
    "key": [c[0] for c in CATALOG],
    "market": [
        "Мясо и птица", "Колбасы и деликатесы", "Сыры", "Молочная продукция",
        "Овощи и фрукты", "Рыба и морепродукты",
    ],
    "own_point": [
        "Молочная продукция", "Сыры", "Колбасы и деликатесы", "Бакалея",
        "Кондитерские изделия", "Напитки", "Чай и кофе", "Замороженные продукты",
    ],
    "retail": [
        "Молочная продукция", "Бакалея", "Крупы", "Макаронные изделия", "Консервы",
        "Кондитерские изделия", "Напитки", "Чай и кофе",
    ],
    "regional": [
        "Бакалея", "Крупы", "Макаронные изделия", "Консервы", "Масла и соусы",
        "Замороженные продукты", "Чай и кофе",
    ],
}  # fmt: skip
DELIVERY_WINDOWS = ["08:00–12:00", "10:00–14:00", "12:00–16:00", "14:00–18:00"]
MARKETS = [
    "Дорогомиловский рынок", "Даниловский рынок", "Черёмушкинский рынок", "Рижский рынок",
    "Преображенский рынок", "Велозаводский рынок", "Бутовский рынок", "Кунцевский рынок",
]  # fmt: skip
CARRIERS = ["ТК «Деловые линии»", "ТК «ПЭК»", "ТК «Байкал-Сервис»", "ТК «Энергия»"]


@dataclass(frozen=True)
class DemoClient:
    """A client with a fixed, memorable phone for trying the console."""

    phone: str
    type_code: str
    name: str
    manager: str
    region: str
    payment_terms_days: int
    situation: str  # "good", "overdue" or "over_limit"
    label: str


DEMO_CLIENTS = [
    DemoClient(
        "+74951000001", "key", "АО «Торговый дом Северный»", "manager", "Москва", 30, "good",
        "key client, manager available (manager) → transfer to its manager",
    ),
    DemoClient(
        "+74951000002", "key", "ООО «Продсеть Радуга»", "manager2", "Москва", 21, "good",
        "key client, manager absent (manager2, vacation) → another key-account manager",
    ),
    DemoClient(
        "+74951000003", "market", "ИП Гасанов Рамиз Алиевич", "manager", "Москва", 14,
        "overdue", "overdue debt → order blocked, transfer to its manager",
    ),
    DemoClient(
        "+74951000004", "market", "ИП Сафарова Лейла Маратовна", "manager3",
        "Московская область", 30, "over_limit",
        "credit limit exceeded (nothing overdue) → order blocked",
    ),
    DemoClient(
        "+74951000005", "retail", "ООО «Магазин У дома»", "manager4", "Москва", 7, "good",
        "retail client in good standing with order history → take an order",
    ),
    DemoClient(
        "+74951000006", "regional", "ООО «Тверьпродукт»", "manager7", "Тверь", 30, "good",
        "regional client → pickup / shipping terms",
    ),
]  # fmt: skip
UNKNOWN_DEMO_PHONE = "+74951000099"
RESERVED_PREFIX = "+749510000"  # +7 495 100-00-xx stays for demo numbers


def display_phone(e164: str) -> str:
    """``+74951000001`` → ``+7 495 100-00-01``."""
    d = e164[2:]
    return f"+7 {d[:3]} {d[3:6]}-{d[6:8]}-{d[8:]}"


def demo_data_loaded() -> bool:
    return ClientPhone.objects.filter(number=DEMO_CLIENTS[0].phone).exists()


class DemoDataError(Exception):
    """The database is not ready for demo data (e.g. migrations not applied)."""


@dataclass
class RuleSpec:
    """A discount rule and its conditions, for pricing the historical orders in memory."""

    rule: DiscountRule
    client_types: set = field(default_factory=set)
    clients: list = field(default_factory=list)
    categories: set = field(default_factory=set)


@dataclass
class ClientPlan:
    client: Client
    type_code: str
    manager: str | None
    phones: list[ClientPhone] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    addresses: list[DeliveryAddress] = field(default_factory=list)
    demo: DemoClient | None = None
    overdue: bool = False
    over_limit: bool = False
    asleep: bool = False
    prepay: bool = False
    no_limit: bool = False
    late_payer: bool = False
    never_ordered: bool = False
    last_order_day: date | None = None
    favourites: list[Product] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    receivables: list[Receivable] = field(default_factory=list)

    @property
    def is_new(self) -> bool:
        return self.manager is None


@dataclass
class Summary:
    counts: dict[str, int]
    staff: list[StaffSpec]
    demo_clients: list[DemoClient]


class DemoBuilder:
    """Plans the whole data set in memory with one seeded ``Random``, then writes it.

    Reference rows (groups must exist; departments, staff, columns, types, categories,
    products) are got-or-created; the bulk (clients and their history) is written once —
    callers check ``demo_data_loaded()`` first and wrap ``build()`` in a transaction.
    """

    def __init__(self, *, today: date, seed: int = 42):
        self.today = today
        self.rng = random.Random(seed)
        self.used_phones: set[str] = {d.phone for d in DEMO_CLIENTS} | {UNKNOWN_DEMO_PHONE}
        self.used_names: set[str] = set()
        self.users = {}
        self.staff = {s.username: s for s in STAFF}
        self.departments: dict[str, Department] = {}
        self.columns: dict[str, PriceColumn] = {}
        self.types: dict[str, ClientType] = {}
        self.type_column: dict[str, str] = {}
        self.products: list[Product] = []
        self.prices: dict[int, dict[str, Decimal]] = {}
        self.category_of: dict[int, str] = {}
        self.by_category: dict[str, list[Product]] = {}
        self.new_products: list[Product] = []
        self.plans: list[ClientPlan] = []
        self.rules: list[RuleSpec] = []
        self.promotions: list[tuple[Promotion, list[str]]] = []
        self.history = CallHistory(self)
        self.lines: list[OrderLine] = []
        self.offers: list[UpsellOffer] = []
        self.outcomes: dict[str, CallOutcome] = {}

    # ------------------------------------------------------------------ entry point
    def build(self) -> Summary:
        self._load_outcomes()
        self._staff()
        self._catalog()
        self._plan_clients()
        self._plan_rules_and_promotions()
        for plan in self.plans:
            self._plan_orders(plan)
        self._plan_receivables()
        for plan in self.plans:
            self._set_credit_limit(plan)
        self.history.plan_side_calls(self.plans)
        self._save()
        counts = self._counts() | outbound.build(self)  # a campaign with a survey, a sweep
        return Summary(counts=counts, staff=STAFF, demo_clients=DEMO_CLIENTS)

    # ------------------------------------------------------------------ helpers
    def moment(self, day: date, *, start_hour: int = 9, end_hour: int = 18) -> datetime:
        seconds = self.rng.randint(start_hour * 3600, end_hour * 3600 - 1)
        naive = datetime.combine(day, time(seconds // 3600, seconds // 60 % 60, seconds % 60))
        return timezone.make_aware(naive)

    @staticmethod
    def working_day_on_or_before(day: date) -> date:
        return day - timedelta(days=max(0, day.weekday() - 4))

    def random_working_day(self, *, days_back_from: int, days_back_to: int) -> date:
        """A weekday between ``today - days_back_from`` and ``today - days_back_to``."""
        day = self.today - timedelta(days=self.rng.randint(days_back_to, days_back_from))
        return self.working_day_on_or_before(day)

    def away(self, username: str, day: date) -> bool:
        spec = self.staff[username]
        if spec.presence != StaffProfile.Presence.ABSENT:
            return False
        return day >= self.today - timedelta(days=spec.absent_since_days)

    def operator_on(self, day: date):
        weights = {"operator": 40, "operator2": 35, "operator3": 15, "operator4": 10}
        names = [n for n in OPERATORS if not self.away(n, day)]
        name = self.rng.choices(names, weights=[weights.get(n, 10) for n in names])[0]
        return self.users[name]

    def _uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _person(self) -> tuple[str, str, str]:
        female = self.rng.random() < 0.5
        first = self.rng.choice(people.FEMALE_FIRST if female else people.MALE_FIRST)
        last = self.rng.choice(people.SURNAMES)[1 if female else 0]
        patronymic = self.rng.choice(people.PATRONYMICS)[1 if female else 0]
        return last, first, patronymic

    def phone(self, region: str, *, mobile: bool = False) -> str:
        while True:
            r = self.rng.random()
            digits7 = str(self.rng.randint(2000000, 9999999))
            if mobile or r < 0.3:
                number = f"+7{self.rng.choice(people.MOBILE_CODES)}{digits7}"
            elif region == "Москва":
                number = f"+7{'495' if r < 0.75 else '499'}{digits7}"
            elif region == "Московская область":
                number = f"+7{'498' if r < 0.65 else '496'}{digits7}"
            else:
                code = people.REGIONAL_CITIES[region][1]
                number = f"+7{code}{self.rng.randint(200000, 999999)}"
            if number in self.used_phones or number.startswith(RESERVED_PREFIX):
                continue
            if not phonenumbers.is_valid_number(phonenumbers.parse(number, None)):
                continue
            self.used_phones.add(number)
            return number

    def _inn(self, region_code: str, *, person: bool) -> str:
        def check(digits: list[int], weights: list[int]) -> int:
            return sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10

        digits = [int(c) for c in region_code]
        digits += [self.rng.randint(0, 9) for _ in range((10 if person else 9) - 2)]
        if not person:
            digits.append(check(digits, [2, 4, 10, 3, 5, 9, 4, 6, 8]))
        else:
            digits.append(check(digits, [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]))
            digits.append(check(digits, [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]))
        return "".join(map(str, digits))

    # ------------------------------------------------------------------ reference data
    def _load_outcomes(self) -> None:
        self.outcomes = CallOutcome.objects.in_bulk(field_name="code")
        groups = set(Group.objects.values_list("name", flat=True))
        missing = [str(r) for r in Role if str(r) not in groups]
        if missing or "order_taken" not in self.outcomes:
            raise DemoDataError(
                "Role groups or call outcomes are missing; run `manage.py migrate` first."
            )

    def _staff(self) -> None:
        groups = {g.name: g for g in Group.objects.all()}
        for kind, name, _head in DEPARTMENTS:
            self.departments[kind], _ = Department.objects.get_or_create(
                name=name, defaults={"kind": kind}
            )
        taken = set(
            StaffProfile.objects.exclude(extension=None).values_list("extension", flat=True)
        )
        password = make_password(DEMO_PASSWORD)  # hashed once: hashing is slow on purpose
        User = get_user_model()
        for spec in STAFF:
            user, created = User.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": spec.email,
                    "password": password,
                    "is_staff": spec.is_admin,
                    "is_superuser": spec.is_admin,
                },
            )
            user.groups.add(*(groups[str(r)] for r in spec.roles))
            absent = spec.presence == StaffProfile.Presence.ABSENT
            StaffProfile.objects.get_or_create(
                user=user,
                defaults={
                    "department": self.departments.get(spec.department),
                    "is_key_account_manager": spec.kam,
                    "presence": spec.presence,
                    "absence_reason": spec.absence_reason,
                    "absent_until": (
                        self.today + timedelta(days=spec.absent_until_days) if absent else None
                    ),
                    "extension": spec.extension if spec.extension not in taken else None,
                },
            )
            self.users[spec.username] = user
        for kind, _name, head in DEPARTMENTS:
            department = self.departments[kind]
            if department.head_id is None:
                department.head = self.users[head]
                department.save(update_fields=["head"])

    def _catalog(self) -> None:
        for code, name, position, _share in PRICE_COLUMNS:
            self.columns[code], _ = PriceColumn.objects.get_or_create(
                code=code, defaults={"name": name, "position": position}
            )
        for code, name, column, kind, asleep, is_key, is_regional in CLIENT_TYPES:
            self.types[code], _ = ClientType.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "default_price_column": self.columns[column],
                    "department": self.departments[kind],
                    "asleep_after_days": asleep,
                    "is_key": is_key,
                    "is_regional": is_regional,
                },
            )
            self.type_column[code] = self.types[code].default_price_column.code

        specs = []
        for index, (category_name, prefix, shelf_life, items) in enumerate(CATALOG):
            category, _ = ProductCategory.objects.get_or_create(name=category_name)
            for n, (name, unit, base) in enumerate(items, start=1):
                specs.append((category, f"{prefix}-{n:04d}", name, unit, base, shelf_life, index))
        marked = self.rng.sample(range(len(specs)), 28)
        new_soon, new_past, inactive = marked[:20], marked[20:25], marked[25:]
        existing = Product.objects.in_bulk([s[1] for s in specs], field_name="sku")
        created, base_prices = [], {}
        for i, (category, sku, name, unit, base, shelf_life, index) in enumerate(specs):
            new_until = None
            if i in new_soon:
                new_until = self.today + timedelta(days=self.rng.randint(10, 60))
            elif i in new_past:
                new_until = self.today - timedelta(days=self.rng.randint(5, 60))
            product = Product(
                sku=sku,
                name=name,
                category=category,
                unit=unit,
                is_weighed=unit == Product.Unit.KG,
                is_active=i not in inactive,
                new_until=new_until,
                stock=self._stock(unit),
                description=f"Производитель: {MANUFACTURERS[index]}.",
                certificate_info=(
                    "Декларация о соответствии ЕАЭС N RU Д-RU."
                    f"РА{self.rng.randint(1, 9):02d}.В.{self.rng.randint(10000, 99999)}"
                    f"/{self.rng.choice(['23', '24', '25'])}"
                ),
                shelf_life=shelf_life,
            )
            if sku not in existing:
                created.append(product)
                base_prices[sku] = Decimal(base)
        Product.objects.bulk_create(created)
        prices = [
            ProductPrice(
                product=product,
                column=self.columns[code],
                price=(base_prices[product.sku] * share).quantize(KOPECK, ROUND_HALF_UP),
            )
            for product in created
            for code, _name, _position, share in PRICE_COLUMNS
        ]
        if prices:
            bulk_create_with_history(prices, ProductPrice, default_change_reason=CHANGE_REASON)

        products = Product.objects.in_bulk([s[1] for s in specs], field_name="sku")
        for pid, code, price in ProductPrice.objects.filter(
            product__sku__in=list(products), column__code__in=list(self.columns)
        ).values_list("product_id", "column__code", "price"):
            self.prices.setdefault(pid, {})[code] = price
        for category, sku, *_rest in specs:
            product = products[sku]
            if not product.is_active or len(self.prices.get(product.pk, {})) < len(self.columns):
                continue
            self.products.append(product)
            self.category_of[product.pk] = category.name
            self.by_category.setdefault(category.name, []).append(product)
            if product.new_until and product.new_until >= self.today:
                self.new_products.append(product)

    def _stock(self, unit: str) -> Decimal | None:
        r = self.rng.random()
        if r < 0.03:
            return None
        if r < 0.08:
            return Decimal("0.000")
        if unit == Product.Unit.KG:
            return Decimal(self.rng.randint(5_000, 800_000)) / 1000
        return Decimal(self.rng.randint(5, 2000))

    # ------------------------------------------------------------------ clients
    def _plan_clients(self) -> None:
        self.used_names.update(d.name for d in DEMO_CLIENTS)
        for demo in DEMO_CLIENTS:
            plan = self._new_plan(demo.type_code, demo.manager, region=demo.region, demo=demo)
            plan.overdue = demo.situation == "overdue"
            plan.over_limit = demo.situation == "over_limit"
            plan.late_payer = plan.overdue
        for type_code, count in TYPE_MIX:
            for _ in range(count):
                manager = self.rng.choice(MANAGERS_BY_TYPE[type_code])
                self._assign_flags(self._new_plan(type_code, manager))
        for type_code, count in NEW_CLIENT_MIX:
            for _ in range(count):
                plan = self._new_plan(type_code, None)
                plan.never_ordered = True
                plan.no_limit = self.rng.random() < 0.3
        for plan in self.plans:
            plan.last_order_day = self._last_order_day(plan)

    def _new_plan(self, type_code, manager, *, region=None, demo=None) -> ClientPlan:
        rng = self.rng
        if region is None:
            if type_code == "regional":
                region = rng.choice(list(people.REGIONAL_CITIES))
            elif type_code == "own_point" or rng.random() < 0.65:
                region = "Москва"
            else:
                region = "Московская область"
        if demo is not None:
            name = demo.name
            person = tuple(name.split()[1:4]) if name.startswith("ИП ") else None
        else:
            name, person = self._company_name(type_code, region)
        inn_region = {"Москва": "77", "Московская область": "50"}.get(region) or (
            people.REGIONAL_CITIES[region][2]
        )
        number = len(self.plans) + 1
        client = Client(
            name=name,
            client_type=self.types[type_code],
            manager=self.users[manager] if manager else None,
            payment_terms_days=rng.choice(PAYMENT_TERMS[type_code]),
            region=region,
            email=f"zakaz{number:03d}@example.com" if rng.random() < 0.7 else "",
            tax_id=self._inn(inn_region, person=person is not None),
            notes=rng.choice(people.CLIENT_NOTES) if rng.random() < 0.2 else "",
        )
        if demo is not None:
            client.payment_terms_days = demo.payment_terms_days
        plan = ClientPlan(client=client, type_code=type_code, manager=manager, demo=demo)
        numbers = [demo.phone if demo else self.phone(region)]
        if rng.random() < 0.3:
            numbers.append(self.phone(region))
        for i, number_ in enumerate(numbers):
            note = "основной" if i == 0 else rng.choice(["склад", "бухгалтерия", "мобильный"])
            plan.phones.append(ClientPhone(client=client, number=number_, note=note))
        self._add_contacts(plan, person)
        for i in range(rng.choice([1, 1, 2])):
            plan.addresses.append(
                DeliveryAddress(
                    client=client, address=self._address(type_code, region), is_default=i == 0
                )
            )
        self.plans.append(plan)
        return plan

    def _company_name(self, type_code: str, region: str) -> tuple[str, tuple | None]:
        """A unique client name and, for a sole trader (ИП), the person."""
        rng = self.rng
        while True:
            person = None
            word = rng.choice(people.COMPANY_WORDS) + rng.choice(people.COMPANY_SUFFIXES)
            if type_code == "key":
                name = rng.choice(
                    [f"АО «{word}»", f"ООО «Торговый дом {word}»", f"ООО «Сеть {word}»"]
                )
            elif type_code == "own_point":
                name = (
                    f"Фирменный магазин № {rng.randint(1, 60)} "
                    f"({rng.choice(people.MOSCOW_LANDMARKS)})"
                )
            elif type_code == "regional":
                name = f"ООО «{word}» ({region})"
            elif rng.random() < (0.7 if type_code == "market" else 0.4):
                person = self._person()
                name = "ИП " + " ".join(person)
            elif type_code == "retail" and rng.random() < 0.4:
                name = f"{rng.choice(people.RETAIL_FORMATS)} «{word}», ООО"
            else:
                name = f"ООО «{word}»"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, person

    def _address(self, type_code: str, region: str) -> str:
        rng = self.rng
        house = f"д. {rng.randint(1, 120)}"
        if rng.random() < 0.3:
            house += f", стр. {rng.randint(1, 5)}"
        if region == "Москва":
            if type_code == "market" and rng.random() < 0.6:
                return f"г. Москва, {rng.choice(MARKETS)}, павильон {rng.randint(1, 140)}"
            return f"г. Москва, {rng.choice(people.MOSCOW_STREETS)}, {house}"
        if region == "Московская область":
            return (
                f"Московская обл., г. {rng.choice(people.MO_CITIES)}, "
                f"{rng.choice(people.TOWN_STREETS)}, {house}"
            )
        oblast = people.REGIONAL_CITIES[region][0]
        return f"{oblast}, г. {region}, {rng.choice(people.TOWN_STREETS)}, {house}"

    def _add_contacts(self, plan: ClientPlan, person: tuple | None) -> None:
        rng = self.rng
        for i in range(rng.randint(1, 3)):
            if i == 0 and person is not None:
                last, first, patronymic = person
                position = "индивидуальный предприниматель"
                receives = True
            else:
                last, first, patronymic = self._person()
                position = rng.choice(people.CONTACT_POSITIONS)
                receives = position in people.RECEIVING_POSITIONS
            plan.contacts.append(
                Contact(
                    client=plan.client,
                    name=f"{last} {first} {patronymic}",
                    position=position,
                    phone=self.phone(plan.client.region, mobile=True),
                    email=(
                        f"{rng.choice(['zakupki', 'sklad', 'buh', 'office'])}."
                        f"{len(self.plans) + 1:03d}.{i + 1}@example.com"
                        if rng.random() < 0.4
                        else ""
                    ),
                    can_receive_goods=receives,
                )
            )
        if not any(c.can_receive_goods for c in plan.contacts):
            plan.contacts[-1].can_receive_goods = True

    def _assign_flags(self, plan: ClientPlan) -> None:
        rng, client = self.rng, plan.client
        plan.late_payer = rng.random() < 0.2
        if rng.random() < 0.02:
            plan.never_ordered = True
            return
        if plan.type_code in ("market", "retail") and rng.random() < 0.06:
            plan.prepay = True
            client.payment_terms_days = 0
            return
        if plan.type_code != "own_point":
            r = rng.random()
            if r < 0.09:
                plan.overdue = True
                client.payment_terms_days = max(client.payment_terms_days, 7)
            elif r < 0.15:
                plan.over_limit = True
                client.payment_terms_days = max(client.payment_terms_days, 21)
        if not plan.over_limit and rng.random() < 0.1:
            plan.asleep = True
        plan.no_limit = plan.type_code == "own_point" or (
            not plan.over_limit and rng.random() < 0.08
        )

    def _last_order_day(self, plan: ClientPlan) -> date | None:
        if plan.never_ordered:
            return None
        rng, today = self.rng, self.today
        threshold = self.types[plan.type_code].asleep_after_days
        terms = plan.client.payment_terms_days
        candidates = []
        if plan.demo and plan.demo.situation == "good":
            candidates.append(today - timedelta(days=1))
        if plan.asleep:
            candidates.append(today - timedelta(days=threshold + rng.randint(5, 40)))
        if plan.overdue:
            candidates.append(today - timedelta(days=terms + rng.randint(5, 25)))
        if plan.over_limit:
            candidates.append(today - timedelta(days=rng.randint(3, 5)))
        if plan.prepay:
            candidates.append(today - timedelta(days=rng.randint(4, 10)))
        if not candidates:
            hi = ORDER_INTERVAL_DAYS[plan.type_code][1]
            candidates.append(today - timedelta(days=rng.randint(1, min(threshold - 5, hi + 3))))
        earliest = today - timedelta(days=HISTORY_DAYS - 10)
        return self.working_day_on_or_before(max(min(candidates), earliest))

    # ------------------------------------------------------------------ rules and promotions
    def _plan_rules_and_promotions(self) -> None:
        today, columns = self.today, self.columns
        self.rules = [
            RuleSpec(
                DiscountRule(
                    name="Крупный заказ от 50 000 ₽ — колонка «Крупный опт»",
                    priority=10,
                    price_column=columns["large_opt"],
                    min_order_amount=Decimal("50000.00"),
                ),
                client_types={"market"},
            ),
            RuleSpec(
                DiscountRule(
                    name="Региональный заказ от 150 000 ₽ — колонка «Крупный опт»",
                    priority=10,
                    price_column=columns["large_opt"],
                    min_order_amount=Decimal("150000.00"),
                ),
                client_types={"regional"},
            ),
            RuleSpec(
                DiscountRule(
                    name="Сыры −5% от 10 кг",
                    priority=20,
                    discount_percent=Decimal("5.00"),
                    min_quantity=Decimal("10.000"),
                ),
                categories={"Сыры"},
            ),
            RuleSpec(
                DiscountRule(
                    name=f"{DEMO_CLIENTS[0].name}: −3% на бакалею и крупы",
                    priority=30,
                    discount_percent=Decimal("3.00"),
                ),
                clients=[self.plans[0].client],
                categories={"Бакалея", "Крупы"},
            ),
            RuleSpec(
                DiscountRule(
                    name="Неделя напитков: −7%",
                    priority=15,
                    discount_percent=Decimal("7.00"),
                    valid_from=today - timedelta(days=10),
                    valid_to=today + timedelta(days=20),
                ),
                categories={"Напитки"},
            ),
            RuleSpec(
                DiscountRule(
                    name="Распродажа консервов −10% (завершена)",
                    priority=15,
                    discount_percent=Decimal("10.00"),
                    valid_from=today - timedelta(days=150),
                    valid_to=today - timedelta(days=120),
                ),
                categories={"Консервы"},
            ),
        ]
        by_sku = {p.sku: p for p in self.products}
        promotions = [
            (
                "CHS-0004", "Маасдам — цена недели",
                "Маасдам дешевле на 10% до конца недели. Предложите к каждому заказу сыров.",
                -3, 4, [],
            ),
            (
                "FRZ-0001", "Пельмени Сибирские: новая рецептура",
                "80% мяса, без сои. На рынках берут коробками — предложите рыночным торговцам.",
                -10, 20, ["market"],
            ),
            (
                "TEA-0010", "Кофе в зёрнах: дегустация для кафе",
                "При заказе от 5 кг — бесплатная дегустация и обучение бариста.",
                -5, 25, ["key", "retail"],
            ),
            (
                "OIL-0002", "Масло подсолнечное 5 л по закупочной цене",
                "Цена ниже рынка, партия ограничена. Хорошо идёт в регионах и на рынках.",
                -1, 13, ["regional", "market"],
            ),
            (
                "VEG-0016", "Мандарины нового урожая",
                "Абхазия, сладкие, калибр 1. Предложите всем к заказу фруктов.",
                0, 30, [],
            ),
            (
                "DRK-0020", "Квас разливной — сезон",
                "Летний сезон: кег 30 л, оборудование для розлива бесплатно.",
                -120, -60, [],
            ),
        ]  # fmt: skip
        for sku, title, talking_point, start, end, type_codes in promotions:
            if sku not in by_sku:
                continue
            promotion = Promotion(
                product=by_sku[sku],
                title=title,
                talking_point=talking_point,
                valid_from=today + timedelta(days=start),
                valid_to=today + timedelta(days=end),
            )
            self.promotions.append((promotion, type_codes))

    def _best_rule(self, plan, product, quantity, amount, day) -> DiscountRule | None:
        best = None
        for spec in self.rules:
            rule = spec.rule
            if spec.client_types and plan.type_code not in spec.client_types:
                continue
            if spec.clients and plan.client not in spec.clients:
                continue
            if spec.categories and self.category_of[product.pk] not in spec.categories:
                continue
            if rule.min_order_amount is not None and amount < rule.min_order_amount:
                continue
            if rule.min_quantity is not None and quantity < rule.min_quantity:
                continue
            if rule.valid_from and day < rule.valid_from or rule.valid_to and day > rule.valid_to:
                continue
            if best is None or rule.priority > best.priority:
                best = rule
        return best

    # ------------------------------------------------------------------ orders
    def _plan_orders(self, plan: ClientPlan) -> None:
        if plan.last_order_day is None:
            return
        rng = self.rng
        pool = [p for c in PREFERRED_CATEGORIES[plan.type_code] for p in self.by_category[c]]
        plan.favourites = rng.sample(pool, min(len(pool), rng.randint(8, 18)))
        lo, hi = ORDER_INTERVAL_DAYS[plan.type_code]
        start = self.today - timedelta(days=HISTORY_DAYS)
        days, day = [], plan.last_order_day
        while day >= start:
            days.append(day)
            day = self.working_day_on_or_before(day - timedelta(days=rng.randint(lo, hi)))
        previous: list[Product] = []
        for i, day in enumerate(reversed(days)):
            previous = self._plan_order(plan, day, pool, previous, last=i == len(days) - 1)

    def _plan_order(self, plan, day, pool, previous, *, last) -> list[Product]:
        rng, client = self.rng, plan.client
        count = rng.randint(2, 8)
        repeat = bool(previous) and rng.random() < 0.25
        if repeat:
            products = list(previous)
        else:
            products = []
            while len(products) < count:
                product = rng.choice(plan.favourites if rng.random() < 0.8 else pool)
                if product not in products:
                    products.append(product)
        promo_products = self._promotions_for(plan, day)
        upsell_at = rng.randrange(1, len(products)) if rng.random() < 0.35 else None
        if upsell_at is not None and promo_products and rng.random() < 0.4:
            promo = rng.choice(promo_products)
            if promo not in products:
                products[upsell_at] = promo
        quantities = [self._quantity(p, plan.type_code) for p in products]
        base_code = self.type_column[plan.type_code]
        amount = sum(
            q * self.prices[p.pk][base_code] for p, q in zip(products, quantities, strict=True)
        )

        accepted_at = self.moment(day)
        delivery = day + timedelta(days=1 if rng.random() < 0.7 else 2)
        if delivery.weekday() == 6:
            delivery += timedelta(days=1)
        if not last and rng.random() < 0.03:
            status = Order.Status.CANCELLED
        elif delivery < self.today:
            status = Order.Status.DELIVERED
        elif delivery == self.today:
            status = Order.Status.IN_FULFILMENT
        else:
            status = Order.Status.ACCEPTED

        operator = self.operator_on(day)
        order = Order(
            client=client,
            operator=operator,
            status=status,
            price_column=self.columns[base_code],
            delivery_date=delivery,
            delivery_window=rng.choice(DELIVERY_WINDOWS),
            delivery_address=plan.addresses[0],
            receiver=next(c for c in plan.contacts if c.can_receive_goods),
            payment_documents=rng.choice(["ТОРГ-12, счёт-фактура", "УПД"]),
            idempotency_key=self._uuid(),
            accepted_at=accepted_at,
        )
        if plan.prepay:
            order.payment_form = Order.PaymentForm.PREPAYMENT
        elif client.payment_terms_days == 0:
            order.payment_form = rng.choice([Order.PaymentForm.CASH, Order.PaymentForm.CARD])
        else:
            order.payment_form = Order.PaymentForm.BANK_TRANSFER
        if plan.type_code == "regional":
            if rng.random() < 0.5:
                order.fulfilment = Order.Fulfilment.PICKUP
                order.pickup_arrival = timezone.make_aware(
                    datetime.combine(delivery, time(rng.choice([8, 9, 10, 11, 14])))
                )
            else:
                order.fulfilment = Order.Fulfilment.SHIPPING
                order.shipping_details = (
                    f"{rng.choice(CARRIERS)}, до терминала в г. {client.region}; "
                    "страховка груза за счёт клиента"
                )
        if rng.random() < 0.1:
            order.comment = rng.choice(
                ["Позвонить за час до приезда.", "Сыры — отдельной накладной.", "Въезд со двора."]
            )

        total = Decimal("0.00")
        for i, (product, quantity) in enumerate(zip(products, quantities, strict=True)):
            rule = self._best_rule(plan, product, quantity, amount, day)
            column = base_code
            unit_price = self.prices[product.pk][base_code]
            if rule is not None and rule.price_column_id:
                column = rule.price_column.code
                unit_price = self.prices[product.pk][column]
            elif rule is not None:
                unit_price = (unit_price * (100 - rule.discount_percent) / 100).quantize(
                    KOPECK, ROUND_HALF_UP
                )
            line_total = (quantity * unit_price).quantize(KOPECK, ROUND_HALF_UP)
            total += line_total
            origin = OrderLine.Origin.REPEAT if repeat else OrderLine.Origin.MANUAL
            if i == upsell_at:
                origin = OrderLine.Origin.UPSELL
            self.lines.append(
                OrderLine(
                    order=order,
                    product=product,
                    quantity=quantity,
                    unit_price=unit_price,
                    price_column=self.columns[column],
                    rule=rule,
                    line_total=line_total,
                    origin=origin,
                )
            )
        order.total = total
        call = self.history.order_call(plan, order, operator)
        order.call = call
        self._plan_offers(
            plan, order, products, pool, upsell_at, day, call.ended_at, promo_products
        )
        plan.orders.append(order)
        return products

    def _quantity(self, product: Product, type_code: str) -> Decimal:
        factor = QUANTITY_FACTOR[type_code]
        rng = self.rng
        if product.unit == Product.Unit.KG:
            return Decimal(max(1, round(rng.uniform(2, 14) * factor * 2))) / 2
        low, high = {"pcs": (6, 36), "box": (1, 4), "pack": (3, 15), "l": (10, 40)}[product.unit]
        return Decimal(max(1, int(rng.randint(low, high) * factor)))

    def _promotions_for(self, plan: ClientPlan, day: date) -> list[Product]:
        return [
            p.product
            for p, type_codes in self.promotions
            if p.valid_from <= day <= p.valid_to
            and (not type_codes or plan.type_code in type_codes)
        ]

    def _plan_offers(self, plan, order, products, pool, upsell_at, day, at, promos) -> None:
        rng = self.rng
        recent = (self.today - day).days <= 30
        offered = set(products)
        offers = []
        if upsell_at is not None:
            product = products[upsell_at]
            offers.append((product, self._offer_reason(plan, product, promos, recent)))
        sources = [
            (UpsellOffer.Reason.SPECIAL, promos),
            (UpsellOffer.Reason.NEW, self.new_products if recent else []),
            (UpsellOffer.Reason.TRADITIONAL, plan.favourites),
            (UpsellOffer.Reason.TYPE_POPULAR, pool),
        ]
        wanted = rng.choice([3, 4, 4])
        while len(offers) < wanted:  # the type's pool never runs out
            for reason, candidates in sources:
                product = self._pick_new(candidates, offered) if len(offers) < wanted else None
                if product is not None:
                    offered.add(product)
                    offers.append((product, reason))
        for i, (product, reason) in enumerate(offers):
            accepted = upsell_at is not None and i == 0
            self.offers.append(
                UpsellOffer(
                    order=order,
                    product=product,
                    reason=reason,
                    response=(
                        UpsellOffer.Response.ACCEPTED if accepted else UpsellOffer.Response.DECLINED
                    ),
                    answered_at=at - timedelta(seconds=10 * (len(offers) - i) + 30),
                )
            )

    def _pick_new(self, candidates: list[Product], taken: set[Product]) -> Product | None:
        """A random candidate not yet taken (a few cheap tries, then an exact scan)."""
        if not candidates:
            return None
        for _ in range(8):
            product = self.rng.choice(candidates)
            if product not in taken:
                return product
        fresh = [p for p in candidates if p not in taken]
        return self.rng.choice(fresh) if fresh else None

    def _offer_reason(self, plan, product, promo_products, recent) -> str:
        if product in promo_products:
            return UpsellOffer.Reason.SPECIAL
        if recent and product in self.new_products:
            return UpsellOffer.Reason.NEW
        if product in plan.favourites:
            return UpsellOffer.Reason.TRADITIONAL
        return UpsellOffer.Reason.TYPE_POPULAR

    # ------------------------------------------------------------------ money
    def _plan_receivables(self) -> None:
        delivered = sorted(
            (
                (order, plan)
                for plan in self.plans
                for order in plan.orders
                if order.status == Order.Status.DELIVERED
            ),
            key=lambda pair: (pair[0].delivery_date, pair[0].accepted_at),
        )
        for seq, (order, plan) in enumerate(delivered, start=1):
            terms = plan.client.payment_terms_days
            receivable = Receivable(
                client=plan.client,
                document_no=f"РН-{seq:06d}",
                document_date=order.delivery_date,
                due_date=order.delivery_date + timedelta(days=terms),
                amount=order.total,
            )
            self._settle(receivable, plan)
            plan.receivables.append(receivable)

    def _settle(self, receivable: Receivable, plan: ClientPlan) -> None:
        rng, today = self.rng, self.today
        doc, due = receivable.document_date, receivable.due_date
        yesterday = today - timedelta(days=1)
        if plan.prepay:
            receivable.paid_amount, receivable.paid_at = receivable.amount, doc
        elif due < today:
            if plan.overdue and due >= plan.last_order_day:
                if rng.random() < 0.4:  # partly paid, the rest overdue
                    share = Decimal(rng.randint(20, 60)) / 100
                    receivable.paid_amount = (receivable.amount * share).quantize(KOPECK)
                    receivable.paid_at = max(doc, due - timedelta(days=1))
                return
            receivable.paid_amount = receivable.amount
            if plan.late_payer and rng.random() < 0.3:
                receivable.paid_at = min(due + timedelta(days=rng.randint(3, 25)), yesterday)
            else:
                receivable.paid_at = max(doc, due - timedelta(days=rng.randint(0, 5)))
        elif rng.random() < 0.15 and doc < today:
            share = Decimal(rng.randint(20, 80)) / 100
            receivable.paid_amount = (receivable.amount * share).quantize(KOPECK)
            receivable.paid_at = yesterday

    def _set_credit_limit(self, plan: ClientPlan) -> None:
        client = plan.client
        outstanding = sum((r.amount - r.paid_amount for r in plan.receivables), Decimal("0"))
        open_orders = sum(
            (o.total for o in plan.orders if o.status in Order.EXPOSURE_STATUSES), Decimal("0")
        )
        exposure = outstanding + open_orders
        step = Decimal("50000")
        if plan.over_limit and exposure <= 0:
            plan.over_limit = False  # nothing outstanding: cannot be over the limit
        if plan.prepay:
            client.credit_limit = Decimal("0.00")
        elif plan.no_limit:
            client.credit_limit = None
        elif plan.over_limit:
            share = Decimal(self.rng.randint(55, 85)) / 100
            limit = (exposure * share / 10000).to_integral_value(ROUND_FLOOR) * 10000
            if limit <= 0 or limit >= exposure:
                limit = (exposure / 2).to_integral_value(ROUND_FLOOR)
            client.credit_limit = limit.quantize(KOPECK)
        else:
            headroom = Decimal(self.rng.randint(120, 300)) / 100
            steps = (exposure * headroom / step).to_integral_value(ROUND_CEILING)
            client.credit_limit = (max(steps, 1) * step).quantize(KOPECK)
        active = [o for o in plan.orders if o.status != Order.Status.CANCELLED]
        client.last_order_at = max((o.accepted_at for o in active), default=None)
        if client.created_at is None:
            first = min((o.accepted_at for o in plan.orders), default=None)
            first = first or self.moment(self.today - timedelta(days=HISTORY_DAYS))
            client.created_at = first - timedelta(days=self.rng.randint(10, 400))

    # ------------------------------------------------------------------ writing
    def _save(self) -> None:
        admin = self.users["admin"]
        clients = [p.client for p in self.plans]
        created_at = [c.created_at for c in clients]
        bulk_create_with_history(
            clients, Client, default_user=admin, default_change_reason=CHANGE_REASON
        )
        for client, moment in zip(clients, created_at, strict=True):
            client.created_at = moment  # auto_now_add overwrote it on insert
        Client.objects.bulk_update(clients, ["created_at"], batch_size=500)
        ClientPhone.objects.bulk_create([x for p in self.plans for x in p.phones])
        Contact.objects.bulk_create([x for p in self.plans for x in p.contacts])
        DeliveryAddress.objects.bulk_create([x for p in self.plans for x in p.addresses])

        for spec in self.rules:
            spec.rule.save()
            if spec.client_types:
                spec.rule.client_types.set([self.types[c] for c in sorted(spec.client_types)])
            if spec.clients:
                spec.rule.clients.set(spec.clients)
            if spec.categories:
                spec.rule.categories.set(ProductCategory.objects.filter(name__in=spec.categories))
        for promotion, type_codes in self.promotions:
            promotion.save()
            if type_codes:
                promotion.client_types.set([self.types[c] for c in type_codes])

        self.history.save()
        orders = sorted((o for p in self.plans for o in p.orders), key=lambda o: o.accepted_at)
        Order.objects.bulk_create(orders, batch_size=1000)
        for order in orders:
            order.number = f"{ORDER_NUMBER_PREFIX}{order.pk:0{ORDER_NUMBER_DIGITS}d}"
        number = Concat(
            Value(ORDER_NUMBER_PREFIX),
            LPad(Cast("id", CharField()), ORDER_NUMBER_DIGITS, Value("0")),
        )
        ids = [o.pk for o in orders]
        for start in range(0, len(ids), 500):  # created_at is auto_now_add: set it afterwards
            Order.objects.filter(pk__in=ids[start : start + 500]).update(
                number=number, created_at=F("accepted_at")
            )
        OrderLine.objects.bulk_create(self.lines, batch_size=2000)
        UpsellOffer.objects.bulk_create(self.offers, batch_size=2000)
        OrderEvent.objects.bulk_create(self._order_history(orders), batch_size=2000)
        for start in range(0, len(ids), 500):  # offered_at is auto_now_add too
            UpsellOffer.objects.filter(order_id__in=ids[start : start + 500]).update(
                offered_at=F("answered_at")
            )
        Receivable.objects.bulk_create(
            [r for p in self.plans for r in p.receivables], batch_size=2000
        )
        self.history.save_dependents()

    def _order_history(self, orders: list[Order]) -> list[OrderEvent]:
        """Each demo order's history as the services write it (orders.events): accepted by
        its operator, then moved along (or cancelled) by the client's manager."""
        events = []
        for order in orders:
            mover = order.client.manager or order.operator
            events.append(
                OrderEvent(
                    order=order,
                    at=order.accepted_at,
                    by=order.operator,
                    kind=OrderEvent.Kind.ACCEPTED,
                    data={"number": order.number, "total": str(order.total)},
                )
            )
            day = order.delivery_date or timezone.localdate(order.accepted_at) + timedelta(days=1)
            morning = timezone.make_aware(datetime.combine(day, time(8, 0)))
            moves = {
                Order.Status.IN_FULFILMENT: [("accepted", "in_fulfilment", morning)],
                Order.Status.DELIVERED: [
                    ("accepted", "in_fulfilment", morning),
                    ("in_fulfilment", "delivered", morning + timedelta(hours=6)),
                ],
            }.get(order.status, [])
            for old, new, at in moves:
                events.append(
                    OrderEvent(
                        order=order,
                        at=at,
                        by=mover,
                        kind=OrderEvent.Kind.STATUS_CHANGED,
                        data={"old": old, "new": new},
                    )
                )
            if order.status == Order.Status.CANCELLED:
                events.append(
                    OrderEvent(
                        order=order,
                        at=order.accepted_at + timedelta(hours=2),
                        by=mover,
                        kind=OrderEvent.Kind.CANCELLED,
                        data={"reason": "Клиент отказался от заказа", "old": "accepted"},
                    )
                )
        return events

    def _counts(self) -> dict[str, int]:
        orders = [o for p in self.plans for o in p.orders]
        return {
            "clients": len(self.plans),
            "new clients (no manager)": sum(p.is_new for p in self.plans),
            "products": Product.objects.count(),
            "products on sale": len(self.products),
            "orders": len(orders),
            "order lines": len(self.lines),
            "upsell offers": len(self.offers),
            "calls": len(self.history.calls),
            "call events": len(self.history.events),
            "receivables": sum(len(p.receivables) for p in self.plans),
            "transfers": len(self.history.transfers),
            "feedback": len(self.history.feedback),
            "call tasks": len(self.history.tasks),
        }
