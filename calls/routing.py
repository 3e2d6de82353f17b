"""Who takes a call (SPEC F-CALL-4; DESIGN "Routing, exactly").

One table of rules, ``ROUTING_RULES``, evaluated in order. Each rule has a condition on
the situation, a target resolver and an explanation. The first rule whose condition holds
*and* whose resolver finds a target decides; a resolver that finds nobody (the manager is
busy, no key-account manager is free) lets the next rule try. Every decision comes with a
sentence the operator can read out, naming the person and their presence.

Precedence (the order of the table):

1. A key client *with a manager* goes to the key rules whatever the purpose, even when
   the debt check blocks it (the key manager handles the debt): ``key_manager`` →
   ``key_fallback_kam`` → ``key_head_wholesale``.
2. An unknown caller, or a client without a manager (a new client, key type included),
   goes to the head of the department of its type (wholesale when unknown or unset):
   ``new_client_head``. This comes before the debt rules: a new client who owes money
   still needs a manager first, and the head who assigns one sees the debt.
3. An order from a client blocked by the debt check: ``debt_manager`` → ``debt_finance``.
4. Purpose "other": ``other_manager`` → ``other_head``.
5. Everything else (order, reference, feedback in good standing): ``operator``.

Availability is ``orderdesk.presence.is_available``: active, presence ``available``;
busy and absent people are skipped, an absence ends by itself after ``absent_until``.
Heads are the last resort and get the transfer whatever their presence.

Another key-account manager is chosen deterministically: the one with the fewest
transfers received today that are still open, then by last name, first name and id.

Queries are bounded whatever the number of staff: the situation loads each fact once,
lazily, with one query per fact (never one per staff member).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.models import Purpose
from clients.debt import DebtCheck, check_debt
from clients.models import Client
from orderdesk.models import Department, StaffProfile
from orderdesk.money import rub
from orderdesk.presence import Presence, effective_presence, is_available

User = get_user_model()


class RouteRule(models.TextChoices):
    KEY_MANAGER = "key_manager", gettext_lazy("Key client → its manager")
    KEY_FALLBACK_KAM = "key_fallback_kam", gettext_lazy("Key client → another key-account manager")
    KEY_HEAD_WHOLESALE = "key_head_wholesale", gettext_lazy("Key client → head of wholesale")
    NEW_CLIENT_HEAD = "new_client_head", gettext_lazy("New client → head of the department")
    DEBT_MANAGER = "debt_manager", gettext_lazy("Debtor ordering → its manager")
    DEBT_FINANCE = "debt_finance", gettext_lazy("Debtor ordering → financial service")
    OTHER_MANAGER = "other_manager", gettext_lazy("Other question → its manager")
    OTHER_HEAD = "other_head", gettext_lazy("Other question → head of the department")
    OPERATOR = "operator", gettext_lazy("The operator keeps the call")
    NONSTANDARD_HEAD = "nonstandard_head", gettext_lazy("Non-standard situation → head")


# The rules that send an order away because the debt check blocks it.
DEBT_RULES = frozenset({RouteRule.DEBT_MANAGER, RouteRule.DEBT_FINANCE})


@dataclass(frozen=True)
class Route:
    target: User | None
    department: Department | None
    rule: str
    reason: str

    @property
    def is_debt(self) -> bool:
        """Whether the debt check decided this route (the order is blocked by debt)."""
        return self.rule in DEBT_RULES

    @property
    def is_transfer(self) -> bool:
        """Whether the call goes to someone else (the operator does not keep it)."""
        return self.rule != RouteRule.OPERATOR and (
            self.target is not None or self.department is not None
        )


# --- words --------------------------------------------------------------------------


def person_name(user) -> str:
    """ "Иванова Мария": last name first, as the office says it."""
    return f"{user.last_name} {user.first_name}".strip() or user.get_username()


def presence_words(user, *, on: date) -> str:
    """ "available", "busy", "absent until 05.12", …"""
    if not user.is_active:
        return _("no longer active")
    profile = getattr(user, "staff_profile", None)
    presence = effective_presence(profile, on=on)
    if presence == Presence.AVAILABLE:
        return _("available")
    if presence == Presence.BUSY:
        return _("busy")
    if profile is not None and profile.absent_until is not None:
        return _("absent until %(date)s") % {"date": profile.absent_until.strftime("%d.%m")}
    return _("absent")


def _someone(user, *, on: date) -> str:
    return _("%(person)s (%(presence)s)") % {
        "person": person_name(user),
        "presence": presence_words(user, on=on),
    }


def _debt_words(debt: DebtCheck) -> str:
    if debt.overdue > 0 and debt.excess > 0:
        return _("Overdue debt %(overdue)s and credit limit exceeded by %(excess)s") % {
            "overdue": rub(debt.overdue),
            "excess": rub(debt.excess),
        }
    if debt.overdue > 0:
        return _("Overdue debt %(amount)s") % {"amount": rub(debt.overdue)}
    return _("Credit limit exceeded by %(amount)s") % {"amount": rub(debt.excess)}


# --- the situation: each fact loaded once, lazily -----------------------------------


@dataclass(frozen=True)
class Pick:
    """What a resolver found: a person and/or a department."""

    user: User | None
    department: Department | None


class Situation:
    """The facts routing looks at; each is one query at most, computed when first needed."""

    def __init__(
        self, client: Client | None, purpose: str, on: date, debt: DebtCheck | None = None
    ):
        self.client = client
        self.purpose = purpose
        self.on = on
        if debt is not None:  # already checked by the caller (on the same day): not again
            self.__dict__["debt"] = debt

    @cached_property
    def is_key(self) -> bool:
        return self.client is not None and self.client.client_type.is_key

    @cached_property
    def manager(self):
        client = self.client
        if client is None or client.manager_id is None:
            return None
        if Client.manager.is_cached(client) and User.staff_profile.is_cached(client.manager):
            return client.manager
        return (
            User.objects.select_related("staff_profile__department")
            .filter(pk=client.manager_id)
            .first()
        )

    @cached_property
    def manager_available(self) -> bool:
        return is_available(self.manager, on=self.on)

    @cached_property
    def debt(self) -> DebtCheck:
        return check_debt(self.client, on=self.on)

    @cached_property
    def wholesale(self) -> Department | None:
        return (
            Department.objects.filter(kind=Department.Kind.WHOLESALE)
            .select_related("head__staff_profile")
            .order_by("pk")
            .first()
        )

    @cached_property
    def home_department(self) -> Department | None:
        """The department of the client's type; wholesale when unknown or unset."""
        department_id = self.client.client_type.department_id if self.client else None
        if department_id is None:
            return self.wholesale
        return (
            Department.objects.select_related("head__staff_profile")
            .filter(pk=department_id)
            .first()
        )

    @cached_property
    def available_kams(self) -> list:
        """Available key-account managers other than the client's, least loaded first."""
        start_of_day = timezone.make_aware(datetime.combine(self.on, time.min))
        open_today = Count(
            "user__incoming_transfers",
            filter=Q(
                user__incoming_transfers__handled_at__isnull=True,
                user__incoming_transfers__created_at__gte=start_of_day,
            ),
        )
        profiles = (
            StaffProfile.objects.filter(
                is_key_account_manager=True,
                user__is_active=True,
                # A superset of "available": an absence may have ended; is_available decides.
                presence__in=[Presence.AVAILABLE, Presence.ABSENT],
            )
            .exclude(user_id=self.client.manager_id)
            .select_related("user", "department")
            .annotate(open_today=open_today)
            .order_by("open_today", "user__last_name", "user__first_name", "user_id")
        )
        return [profile for profile in profiles if is_available(profile.user, on=self.on)]

    @cached_property
    def finance(self) -> Pick:
        """Head of the financial service if available, else its available staff, else the head."""
        department = (
            Department.objects.filter(kind=Department.Kind.FINANCE)
            .select_related("head__staff_profile")
            .order_by("pk")
            .first()
        )
        if department is None:
            return Pick(None, None)
        head = _active_head(department)
        if is_available(head, on=self.on):
            return Pick(head, department)
        staff = (
            StaffProfile.objects.filter(
                department=department,
                user__is_active=True,
                presence__in=[Presence.AVAILABLE, Presence.ABSENT],
            )
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "user_id")
        )
        for profile in staff:
            if is_available(profile.user, on=self.on):
                return Pick(profile.user, department)
        return Pick(head, department)


def _active_head(department: Department | None):
    head = department.head if department is not None else None
    return head if head is not None and head.is_active else None


# --- conditions ---------------------------------------------------------------------


def _key_client_with_manager(s: Situation) -> bool:
    return s.is_key and s.client.manager_id is not None


def _new_or_unknown(s: Situation) -> bool:
    return s.client is None or s.client.manager_id is None


def _orders_while_blocked(s: Situation) -> bool:
    return s.purpose == Purpose.ORDER and s.debt.blocked


def _other_purpose(s: Situation) -> bool:
    return s.purpose == Purpose.OTHER


def _always(s: Situation) -> bool:
    return True


# --- target resolvers (None: nobody found, the next rule tries) ---------------------


def _manager_if_available(s: Situation) -> Pick | None:
    if not s.manager_available:
        return None
    profile = getattr(s.manager, "staff_profile", None)
    return Pick(s.manager, profile.department if profile else None)


def _another_kam(s: Situation) -> Pick | None:
    if not s.available_kams:
        return None
    profile = s.available_kams[0]
    return Pick(profile.user, profile.department)


def _head_of_wholesale(s: Situation) -> Pick:
    return Pick(_active_head(s.wholesale), s.wholesale)


def _head_of_home_department(s: Situation) -> Pick:
    return Pick(_active_head(s.home_department), s.home_department)


def _financial_service(s: Situation) -> Pick:
    return s.finance


def _operator_keeps(s: Situation) -> Pick:
    return Pick(None, None)


# --- explanations -------------------------------------------------------------------


def _sentence(situation: str, action: str) -> str:
    return _("%(situation)s: %(action)s.") % {"situation": situation, "action": action}


def _to_head(s: Situation, pick: Pick, *, assigns: bool = False) -> str:
    """The action of a transfer to a department's head, in words."""
    if pick.department is None:
        return _("no department is set up to take it, you keep the call")
    if pick.user is None:
        return _("transfer to %(department)s (no head is set up)") % {
            "department": pick.department.name
        }
    words = {"department": pick.department.name, "head": _someone(pick.user, on=s.on)}
    if assigns:
        return _("transfer to the head of %(department)s, %(head)s, who will assign a manager") % (
            words
        )
    return _("transfer to the head of %(department)s, %(head)s") % words


def _manager_state(s: Situation) -> str:
    if s.manager is None:
        return _("no manager")
    return _("manager %(person)s is %(presence)s") % {
        "person": person_name(s.manager),
        "presence": presence_words(s.manager, on=s.on),
    }


def _explain_key_manager(s: Situation, pick: Pick) -> str:
    return _sentence(
        _("Key client"), _("transfer to %(person)s") % {"person": _someone(pick.user, on=s.on)}
    )


def _explain_key_fallback(s: Situation, pick: Pick) -> str:
    return _sentence(
        _("Key client; %(manager)s") % {"manager": _manager_state(s)},
        _("transfer to key-account manager %(person)s") % {"person": _someone(pick.user, on=s.on)},
    )


def _explain_key_head(s: Situation, pick: Pick) -> str:
    return _sentence(
        _("Key client; %(manager)s and no other key-account manager is available")
        % {"manager": _manager_state(s)},
        _to_head(s, pick),
    )


def _explain_new_client(s: Situation, pick: Pick) -> str:
    situation = _("Unknown caller") if s.client is None else _("New client")
    return _sentence(situation, _to_head(s, pick, assigns=True))


def _explain_debt_manager(s: Situation, pick: Pick) -> str:
    return _sentence(
        _debt_words(s.debt),
        _("transfer to the manager %(person)s") % {"person": _someone(pick.user, on=s.on)},
    )


def _explain_debt_finance(s: Situation, pick: Pick) -> str:
    if pick.department is None:
        action = _("no manager available and no financial service is set up, you keep the call")
    else:
        whom = (
            _("%(person)s, %(presence)s")
            % {"person": person_name(pick.user), "presence": presence_words(pick.user, on=s.on)}
            if pick.user
            else pick.department.name
        )
        action = _("no manager available, transfer to the financial service (%(whom)s)") % {
            "whom": whom
        }
    return _sentence(_debt_words(s.debt), action)


def _explain_other_manager(s: Situation, pick: Pick) -> str:
    return _sentence(
        _("Other question"),
        _("transfer to the manager %(person)s") % {"person": _someone(pick.user, on=s.on)},
    )


def _explain_other_head(s: Situation, pick: Pick) -> str:
    return _sentence(
        _("Other question; %(manager)s") % {"manager": _manager_state(s)}, _to_head(s, pick)
    )


def _explain_operator(s: Situation, pick: Pick) -> str:
    return _("Order, reference or feedback: you keep the call.")


def _explain_nonstandard(s: Situation, pick: Pick) -> str:
    return _sentence(_("Non-standard situation"), _to_head(s, pick))


# --- the table ----------------------------------------------------------------------


@dataclass(frozen=True)
class RoutingRule:
    rule: RouteRule
    applies: Callable[[Situation], bool]
    resolve: Callable[[Situation], Pick | None]
    explain: Callable[[Situation, Pick], str]


ROUTING_RULES: tuple[RoutingRule, ...] = (
    RoutingRule(
        RouteRule.KEY_MANAGER, _key_client_with_manager, _manager_if_available, _explain_key_manager
    ),
    RoutingRule(
        RouteRule.KEY_FALLBACK_KAM, _key_client_with_manager, _another_kam, _explain_key_fallback
    ),
    RoutingRule(
        RouteRule.KEY_HEAD_WHOLESALE,
        _key_client_with_manager,
        _head_of_wholesale,
        _explain_key_head,
    ),
    RoutingRule(
        RouteRule.NEW_CLIENT_HEAD, _new_or_unknown, _head_of_home_department, _explain_new_client
    ),
    RoutingRule(
        RouteRule.DEBT_MANAGER, _orders_while_blocked, _manager_if_available, _explain_debt_manager
    ),
    RoutingRule(
        RouteRule.DEBT_FINANCE, _orders_while_blocked, _financial_service, _explain_debt_finance
    ),
    RoutingRule(
        RouteRule.OTHER_MANAGER, _other_purpose, _manager_if_available, _explain_other_manager
    ),
    RoutingRule(
        RouteRule.OTHER_HEAD, _other_purpose, _head_of_home_department, _explain_other_head
    ),
    RoutingRule(RouteRule.OPERATOR, _always, _operator_keeps, _explain_operator),
)

NONSTANDARD_RULES: tuple[RoutingRule, ...] = (
    RoutingRule(
        RouteRule.NONSTANDARD_HEAD, _always, _head_of_home_department, _explain_nonstandard
    ),
)


def _decide(rules: tuple[RoutingRule, ...], situation: Situation) -> Route:
    for rule in rules:
        if not rule.applies(situation):
            continue
        pick = rule.resolve(situation)
        if pick is None:
            continue
        return Route(
            target=pick.user,
            department=pick.department,
            rule=rule.rule,
            reason=rule.explain(situation, pick),
        )
    raise AssertionError("the last routing rule always applies")  # pragma: no cover


def route_call(
    client: Client | None,
    purpose: str,
    *,
    on: date | None = None,
    debt: DebtCheck | None = None,
) -> Route:
    """Decide who takes the call of ``client`` (``None``: unknown caller) about ``purpose``.

    ``debt``: the client's ``check_debt`` the caller already holds (same client, same
    day, nothing added), so the debt rules do not ask the database again.
    """
    if purpose not in Purpose.values:
        raise ValueError(f"unknown purpose {purpose!r}")
    return _decide(ROUTING_RULES, Situation(client, purpose, on or timezone.localdate(), debt))


def route_nonstandard(client: Client | None, *, on: date | None = None) -> Route:
    """A non-standard situation goes to the head of the client's sales department."""
    return _decide(NONSTANDARD_RULES, Situation(client, "", on or timezone.localdate()))
