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
from django.db.models.signals import m2m_changed, post_delete, post_save

from orderdesk import localcache

VERSION_KEY = "auth:perms-version"
SECONDS = 600


class CachedModelBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return _access(user_obj, from_name)


_PARTS = {
    "user": lambda user: ModelBackend._get_permissions(_BACKEND, user, None, "user"),
    "group": lambda user: ModelBackend._get_permissions(_BACKEND, user, None, "group"),
    "names": lambda user: frozenset(user.groups.values_list("name", flat=True)),
}
_BACKEND = ModelBackend()


def _access(user, part: str):
    """One of the user's own permissions, group permissions or group names, from one
    cache entry read once per request and kept on the user object; a part not in it yet
    is read from the database and added."""
    access = getattr(user, "_orderdesk_access", None)
    if access is None:
        key = f"auth:access:{localcache.version(VERSION_KEY)}:{user.pk}:{int(user.is_superuser)}"
        access = cache.get(key) or {}
        user._orderdesk_access, user._orderdesk_access_key = access, key
    if part not in access:
        access[part] = _PARTS[part](user)
        cache.set(user._orderdesk_access_key, access, SECONDS)
    return access[part]


def group_names(user) -> frozenset[str]:
    """The names of ``user``'s groups (their roles), cached with the permission sets (same
    version key, so any change of a user's groups is seen at once)."""
    if not user.is_authenticated:
        return frozenset()
    return _access(user, "names")


def forget_permissions(**kwargs) -> None:
    if kwargs.get("signal") is post_save and kwargs.get("update_fields") == frozenset(
        {"last_login"}
    ):
        return  # a sign-in changes no permission
    localcache.forget(VERSION_KEY)


def connect() -> None:
    User = get_user_model()
    for through in (User.groups.through, User.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(forget_permissions, sender=through, dispatch_uid=f"perms-{through}")
    for model in (User, Group, Permission):
        post_save.connect(forget_permissions, sender=model, dispatch_uid=f"perms-save-{model}")
        post_delete.connect(forget_permissions, sender=model, dispatch_uid=f"perms-del-{model}")
