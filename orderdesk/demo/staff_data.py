"""The demo organisation: departments, staff and their fixed logins."""

from dataclasses import dataclass

from orderdesk.models import Department, StaffProfile
from orderdesk.roles import Role

DEMO_PASSWORD = "demo12345"  # demo only; printed by seed_demo

Kind = Department.Kind
Presence = StaffProfile.Presence
Reason = StaffProfile.AbsenceReason

# kind, name, username of the head
DEPARTMENTS = [
    (Kind.WHOLESALE, "Отдел оптовых продаж", "head"),
    (Kind.RETAIL, "Отдел розничных продаж", "head_retail"),
    (Kind.REGIONAL, "Отдел региональных продаж", "head_regional"),
    (Kind.SUPPORT, "Отдел сопровождения продаж", "head_support"),
    (Kind.FINANCE, "Финансовая служба", "finance"),
]


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    department: str | None  # Department.Kind
    sees: str
    extension: str | None = None
    kam: bool = False
    presence: str = Presence.AVAILABLE
    absence_reason: str = ""
    absent_since_days: int = 0  # absence began this many days before today
    absent_until_days: int = 0  # …and lasts until today + this many days

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


STAFF = [
    StaffSpec(
        "operator", "Анна", "Соколова", (Role.OPERATOR,), Kind.SUPPORT,
        "operator console: calls, orders, call tasks", extension="101",
    ),
    StaffSpec(
        "operator2", "Дмитрий", "Кузнецов", (Role.OPERATOR,), Kind.SUPPORT,
        "operator console (second operator)", extension="102",
    ),
    StaffSpec(
        "operator3", "Ольга", "Морозова", (Role.OPERATOR,), Kind.SUPPORT,
        "operator console; presence: busy", extension="103", presence=Presence.BUSY,
    ),
    StaffSpec(
        "operator4", "Марина", "Волкова", (Role.OPERATOR,), Kind.SUPPORT,
        "operator console; absent (illness)", extension="104", presence=Presence.ABSENT,
        absence_reason=Reason.ILLNESS, absent_since_days=2, absent_until_days=3,
    ),
    StaffSpec(
        "manager", "Игорь", "Петров", (Role.MANAGER,), Kind.WHOLESALE,
        "key-account manager, available: own clients, transfers, call/order logs",
        extension="201", kam=True,
    ),
    StaffSpec(
        "manager2", "Елена", "Смирнова", (Role.MANAGER,), Kind.WHOLESALE,
        "key-account manager, ABSENT (vacation): her key clients go to another KAM",
        extension="202", kam=True, presence=Presence.ABSENT, absence_reason=Reason.VACATION,
        absent_since_days=7, absent_until_days=7,
    ),
    StaffSpec(
        "manager3", "Сергей", "Васильев", (Role.MANAGER,), Kind.WHOLESALE,
        "key-account manager, available", extension="203", kam=True,
    ),
    StaffSpec(
        "manager4", "Наталья", "Попова", (Role.MANAGER,), Kind.RETAIL,
        "retail account manager: own clients and their calls/orders", extension="204",
    ),
    StaffSpec(
        "manager5", "Алексей", "Новиков", (Role.MANAGER,), Kind.WHOLESALE,
        "wholesale account manager; presence: busy", extension="205", presence=Presence.BUSY,
    ),
    StaffSpec(
        "manager6", "Татьяна", "Фёдорова", (Role.MANAGER,), Kind.RETAIL,
        "retail account manager; absent (business trip)", extension="206",
        presence=Presence.ABSENT, absence_reason=Reason.BUSINESS_TRIP, absent_since_days=4,
        absent_until_days=5,
    ),
    StaffSpec(
        "manager7", "Андрей", "Михайлов", (Role.MANAGER,), Kind.REGIONAL,
        "regional account manager", extension="207",
    ),
    StaffSpec(
        "manager8", "Юлия", "Лебедева", (Role.MANAGER,), Kind.REGIONAL,
        "regional account manager", extension="208",
    ),
    StaffSpec(
        "head", "Виктор", "Орлов", (Role.HEAD,), Kind.WHOLESALE,
        "head of wholesale sales: department's clients, new-client inbox, call tasks",
        extension="301",
    ),
    StaffSpec(
        "head_retail", "Ирина", "Козлова", (Role.HEAD,), Kind.RETAIL,
        "head of retail sales", extension="302",
    ),
    StaffSpec(
        "head_regional", "Павел", "Егоров", (Role.HEAD,), Kind.REGIONAL,
        "head of regional sales", extension="303",
    ),
    StaffSpec(
        "head_support", "Светлана", "Николаева", (Role.HEAD,), Kind.SUPPORT,
        "head of sales support (the operators): feedback, operator criteria",
        extension="304",
    ),
    StaffSpec(
        "finance", "Людмила", "Павлова", (Role.FINANCE, Role.HEAD), Kind.FINANCE,
        "head of the financial service: receivables of all clients, debt transfers",
        extension="401",
    ),
    StaffSpec(
        "finance2", "Артём", "Семёнов", (Role.FINANCE,), Kind.FINANCE,
        "financial service: receivables, debt transfers", extension="402",
    ),
    StaffSpec(
        "admin", "Максим", "Григорьев", (Role.ADMIN,), None,
        "administration: client types, price columns, prices, rules, promotions, staff",
    ),
]  # fmt: skip

OPERATORS = [s.username for s in STAFF if Role.OPERATOR in s.roles]
