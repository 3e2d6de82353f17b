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


def test_group_names_are_read_once_then_cached():
    from orderdesk.permissions import group_names

    user = get_user_model().objects.create_user("roles", password="x-12345-x")
    user.groups.add(Group.objects.get_or_create(name="Finance")[0])
    assert group_names(fresh(user)) == {"Finance"}  # reads and caches

    again = fresh(user)
    with CaptureQueriesContext(connection) as ctx:
        assert group_names(again) == {"Finance"}
        assert group_names(again) == {"Finance"}  # kept on the object for the request

    assert ctx.captured_queries == []


@pytest.mark.parametrize("change", ["joined", "left"])
def test_a_changed_role_is_seen_at_once(change):
    from orderdesk.permissions import group_names
    from orderdesk.roles import is_admin

    user = get_user_model().objects.create_user("admin-ish", password="x-12345-x")
    admins = Group.objects.get_or_create(name="Admin")[0]
    if change == "left":
        user.groups.add(admins)
    assert is_admin(fresh(user)) is (change == "left")  # cached

    if change == "joined":
        user.groups.add(admins)
    else:
        user.groups.remove(admins)

    assert is_admin(fresh(user)) is (change == "joined")
    assert group_names(fresh(user)) == ({"Admin"} if change == "joined" else set())
