"""What each role sees in the header and where it lands after login."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from orderdesk.permissions import group_names
from orderdesk.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | tuple[str, ...] | None  # None: staff only; a tuple: any of them
    key: str
    # For a page whose rule is more than a permission: "app.module:function(user)", the
    # page's own rule, asked only of those who hold the permission.
    rule: str | None = None


NAV_ITEMS = [
    NavItem(_("Console"), "calls:console", "calls.use_console", "console"),
    NavItem(_("Inbox"), "calls:inbox", "calls.view_transfer", "inbox"),
    NavItem(
        _("Criteria"),
        "calls:criteria",
        ("calls.review_calls", "calls.view_callevent"),
        "criteria",
        rule="calls.criteria:may_review_criteria",
    ),
    NavItem(_("Call log"), "calls:call_log", "calls.review_calls", "call_log"),
    NavItem(
        _("Campaigns"),
        "campaigns:list",
        "calls.add_calltask",
        "outbound",
        rule="calls.campaigns:may_open_campaigns",  # heads of a sales department, admins
    ),
    NavItem(_("Receivables"), "clients:receivables", "clients.view_all_receivables", "receivables"),
    NavItem(_("Clients"), "clients:review_list", "clients.view_receivable", "clients"),
    NavItem(_("Order log"), "orders:order_log", "orders.review_orders", "order_log"),
    NavItem(_("Administration"), "admin:index", None, "admin"),
]

# Where each role starts (the README's table): its own work first. A person in several
# role groups lands on the first that fits.
LANDING_BY_ROLE = [
    (Role.OPERATOR, "console"),
    (Role.FINANCE, "receivables"),
    (Role.HEAD, "criteria"),  # the head's desk overview: the operators' criteria
    (Role.MANAGER, "call_log"),
    (Role.ADMIN, "admin"),
]
# Someone with permissions but no role group: the first of these they may open.
LANDING_ORDER = ["console", "receivables", "call_log", "order_log", "admin"]


def _predicate(path: str) -> Callable:
    module, _sep, name = path.partition(":")
    return import_string(f"{module}.{name}")


def _may_open(user, item: NavItem) -> bool:
    if item.permission is None:
        allowed = user.is_staff
    elif isinstance(item.permission, tuple):
        allowed = any(user.has_perm(code) for code in item.permission)
    else:
        allowed = user.has_perm(item.permission)
    if allowed and item.rule:
        return bool(_predicate(item.rule)(user))
    return allowed


def nav_items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_orderdesk_nav_items", None)
    if cached is None:
        cached = [item for item in NAV_ITEMS if _may_open(user, item)]
        user._orderdesk_nav_items = cached  # one request's user object
    return cached


def landing_url(user) -> str | None:
    """Operator → console, finance → receivables, head → criteria, manager → call log,
    admin → admin site (superusers too)."""
    allowed = {item.key: item for item in nav_items_for(user)}
    if user.is_superuser and "admin" in allowed:
        return reverse(allowed["admin"].url_name)
    roles = group_names(user)
    for role, key in LANDING_BY_ROLE:
        if role in roles and key in allowed:
            return reverse(allowed[key].url_name)
    for key in LANDING_ORDER:
        if key in allowed:
            return reverse(allowed[key].url_name)
    return None
