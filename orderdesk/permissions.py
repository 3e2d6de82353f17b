"""Permission sets and role (group) names kept in the shared cache (issue 10: queries on
every request).

``CachedModelBackend`` is Django's ``ModelBackend`` whose per-user permission sets (own and
through groups) are read once and cached; any change of a user's groups or permissions, of
a group's permissions, or of a group, permission or user row bumps a version key, so every
app server sharing the cache reads them again. Cache invalidation only: who may do what is
still decided by the groups and permissions in the database.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "auth:perms-version"
SECONDS = 600


class CachedModelBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        attr = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, attr):
            version = cache.get_or_set(VERSION_KEY, 0, None)
            key = f"auth:perms:{version}:{from_name}:{user_obj.pk}:{int(user_obj.is_superuser)}"
            perms = cache.get(key)
            if perms is None:
                perms = super()._get_permissions(user_obj, obj, from_name)
                cache.set(key, perms, SECONDS)
            setattr(user_obj, attr, perms)
        return getattr(user_obj, attr)


def group_names(user) -> frozenset[str]:
    """The names of ``user``'s groups (their roles), read once and cached like the
    permission sets (same version key, so any change of a user's groups is seen at once);
    kept on the user object for the rest of the request."""
    if not user.is_authenticated:
        return frozenset()
    names = getattr(user, "_orderdesk_group_names", None)
    if names is None:
        version = cache.get_or_set(VERSION_KEY, 0, None)
        key = f"auth:groups:{version}:{user.pk}"
        names = cache.get(key)
        if names is None:
            names = frozenset(user.groups.values_list("name", flat=True))
            cache.set(key, names, SECONDS)
        user._orderdesk_group_names = names
    return names


def forget_permissions(**kwargs) -> None:
    if kwargs.get("signal") is post_save and kwargs.get("update_fields") == frozenset(
        {"last_login"}
    ):
        return  # a sign-in changes no permission

    def bump():
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, None)

    bump()
    transaction.on_commit(bump)


def connect() -> None:
    User = get_user_model()
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(forget_permissions, sender=through, dispatch_uid=f"perms-{through}")
    for model in (User, Group, Permission):
        post_save.connect(forget_permissions, sender=model, dispatch_uid=f"perms-save-{model}")
        post_delete.connect(forget_permissions, sender=model, dispatch_uid=f"perms-del-{model}")
