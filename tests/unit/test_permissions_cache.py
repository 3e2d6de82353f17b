"""orderdesk.permissions: permission sets cached across requests, dropped on any change."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as the next request loads it (no per-object permission cache)."""
    return get_user_model().objects.get(pk=user.pk)


def test_permissions_are_read_once_then_cached():
    user = get_user_model().objects.create_user("cached", password="x-12345-x")
    assert not fresh(user).has_perm("orders.take_order")  # reads and caches

    with CaptureQueriesContext(connection) as ctx:
        assert not fresh(user).has_perm("orders.take_order")

    assert len(ctx.captured_queries) == 1  # the user row only


@pytest.mark.parametrize("how", ["group joined", "group granted", "user granted"])
def test_a_changed_permission_is_seen_at_once(how):
    user = get_user_model().objects.create_user("changing", password="x-12345-x")
    group = Group.objects.create(name="takers")
    permission = Permission.objects.get(codename="take_order", content_type__app_label="orders")
    assert not fresh(user).has_perm("orders.take_order")

    if how == "group joined":
        group.permissions.add(permission)
        fresh(user).has_perm("orders.take_order")  # cached again, still without the group
        user.groups.add(group)
    elif how == "group granted":
        user.groups.add(group)
        fresh(user).has_perm("orders.take_order")
        group.permissions.add(permission)
    else:
        user.user_permissions.add(permission)

    assert fresh(user).has_perm("orders.take_order")


def test_a_removed_permission_is_gone_at_once():
    user = get_user_model().objects.create_user("losing", password="x-12345-x")
    group = Group.objects.create(name="takers")
    group.permissions.add(
        Permission.objects.get(codename="take_order", content_type__app_label="orders")
    )
    user.groups.add(group)
    assert fresh(user).has_perm("orders.take_order")

    user.groups.remove(group)

    assert not fresh(user).has_perm("orders.take_order")
