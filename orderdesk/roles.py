"""Roles are Django groups; this module is the one place that says what each may do."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "Operator", _("Operator")
    MANAGER = "Manager", _("Manager")
    HEAD = "Head", _("Head of department")
    FINANCE = "Finance", _("Finance")
    ADMIN = "Admin", _("Admin")


_REVIEW = [
    "calls.review_calls",
    "orders.review_orders",
    "calls.view_call",
    "calls.view_transfer",
    "calls.change_transfer",
    "calls.view_feedback",
    "calls.change_feedback",
    "calls.view_calltask",
    "clients.view_client",
    "clients.view_receivable",
    "orders.view_order",
    "orders.view_product",
    "orderdesk.export_lists",
]

# Every admin-edited model gets full rights for the Admin role.
_ADMIN_MODELS = {
    "orderdesk": ["department", "staffprofile"],
    "clients": ["clienttype", "client", "clientphone", "contact", "deliveryaddress", "receivable"],
    "orders": [
        "productcategory",
        "product",
        "pricecolumn",
        "productprice",
        "discountrule",
        "promotion",
        "order",
        "orderline",
        "upselloffer",
    ],
    "calls": ["calloutcome", "call", "callevent", "transfer", "feedback", "calltask"],
}

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.OPERATOR: [
        "calls.use_console",
        "orders.take_order",
        "clients.view_client",
        "clients.add_client",
        "orders.view_product",
    ],
    Role.MANAGER: _REVIEW,
    Role.HEAD: [
        *_REVIEW,
        "clients.change_client",
        "calls.add_calltask",
        "calls.change_calltask",
    ],
    Role.FINANCE: [
        # "Finance sees everything" (README): the call log too, all clients (review_scope).
        "calls.review_calls",
        "calls.view_call",
        "calls.view_feedback",
        "calls.change_feedback",
        "clients.view_client",
        "clients.view_receivable",
        "clients.view_all_receivables",
        "calls.view_transfer",
        "calls.change_transfer",
        "orders.view_order",
        "orders.review_orders",
        "orderdesk.export_lists",
    ],
    Role.ADMIN: [
        f"{app}.{action}_{model}"
        for app, models_ in _ADMIN_MODELS.items()
        for model in models_
        for action in ("add", "change", "delete", "view")
    ]
    + ["auth.add_user", "auth.change_user", "auth.view_user", "auth.view_group"]
    # Exports: make them (admin import-export) and see who exported what.
    + ["orderdesk.export_lists", "orderdesk.view_exportrecord"]
    # Two-factor devices: see them, and remove a lost one so the person can enrol again.
    + [
        "otp_totp.view_totpdevice",
        "otp_totp.delete_totpdevice",
        "otp_static.view_staticdevice",
        "otp_static.delete_staticdevice",
    ]
    # Sign-in attempts (django-axes): see them, and unblock by deleting the attempt.
    + [
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
        "axes.view_accessfailurelog",
    ]
    # Outgoing mail: see what was sent and what failed, and resend it.
    + ["orderdesk.view_outgoingmessage", "orderdesk.resend_outgoingmessage"],
}


def is_admin(user) -> bool:
    """A superuser, or a member of the Admin role."""
    from orderdesk.permissions import group_names

    return bool(user.is_superuser or Role.ADMIN in group_names(user))


def sync_role_groups(apps, *, verbosity: int = 0) -> None:
    """Create (or refresh) the role groups with their permissions. Safe to run repeatedly."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=verbosity, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role))
        wanted = []
        for code in codes:
            app_label, codename = code.split(".")
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            # An early data migration runs before the model of a later permission exists;
            # the migration that adds that model syncs the groups again.
            if permission is not None:
                wanted.append(permission)
        group.permissions.set(wanted)
