"""What each role sees in the header and where it lands after login."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | tuple[str, ...] | None  # None: staff only; a tuple: any of them
    key: str


NAV_ITEMS = [
    NavItem(_("Console"), "calls:console", "calls.use_console", "console"),
    NavItem(_("Inbox"), "calls:inbox", "calls.view_transfer", "inbox"),
    NavItem(_("Call log"), "calls:call_log", "calls.review_calls", "call_log"),
    NavItem(_("Campaigns"), "campaigns:list", "calls.add_calltask", "outbound"),
    NavItem(_("Receivables"), "clients:receivables", "clients.view_all_receivables", "receivables"),
    NavItem(_("Order log"), "orders:order_log", "orders.review_orders", "order_log"),
    NavItem(_("Administration"), "admin:index", None, "admin"),
    # Reviewers' pages (issue 9); after the landing pages so that no role lands on them.
    NavItem(
        _("Criteria"), "calls:criteria", ("calls.review_calls", "calls.view_callevent"), "criteria"
    ),
    NavItem(_("Clients"), "clients:review_list", "clients.view_receivable", "clients"),
]

# Where each role starts: its own work first (finance also sees the call log).
LANDING_ORDER = ["console", "receivables", "call_log", "order_log", "admin"]


def _may_open(user, item: NavItem) -> bool:
    if item.permission is None:
        return user.is_staff
    if isinstance(item.permission, tuple):
        return any(user.has_perm(code) for code in item.permission)
    return user.has_perm(item.permission)


def nav_items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if _may_open(user, item)]


def landing_url(user) -> str | None:
    """Operator → console, manager/head → call log, finance → receivables, admin → admin."""
    allowed = {item.key: item for item in nav_items_for(user)}
    for key in LANDING_ORDER:
        if key in allowed:
            return reverse(allowed[key].url_name)
    return None
