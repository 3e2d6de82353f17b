"""Cache invalidation for the log filters' options (orderdesk.filters): any change of a
user, a group or someone's groups, a client type or a call outcome bumps the version the
cached options are keyed by, so every app server sharing the cache reads them again."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save

from orderdesk import localcache
from orderdesk.filters import CHOICES_VERSION_KEY


def forget_choices(**kwargs) -> None:
    if kwargs.get("signal") is post_save and kwargs.get("update_fields") == frozenset(
        {"last_login"}
    ):
        return  # a sign-in changes no name, group or activity
    localcache.forget(CHOICES_VERSION_KEY)


def connect() -> None:
    User = get_user_model()
    models = (User, Group, apps.get_model("clients", "ClientType"))
    models += (apps.get_model("calls", "CallOutcome"),)
    for model in models:
        uid = f"{model._meta.label}"
        post_save.connect(forget_choices, sender=model, dispatch_uid=f"log-choices-save-{uid}")
        post_delete.connect(forget_choices, sender=model, dispatch_uid=f"log-choices-del-{uid}")
    m2m_changed.connect(
        forget_choices, sender=User.groups.through, dispatch_uid="log-choices-user-groups"
    )
