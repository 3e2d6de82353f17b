"""Landing pages and the header: each role starts where the README says, and the header
offers exactly the pages the role may open."""

import pytest
from django.urls import reverse

from orderdesk.navigation import landing_url, nav_items_for
from orderdesk.roles import Role
from tests.factories import DepartmentFactory, UserFactory, make_staff

pytestmark = pytest.mark.django_db

HEADER = {
    Role.OPERATOR: {"console"},
    Role.MANAGER: {"inbox", "criteria", "call_log", "clients", "order_log"},
    Role.HEAD: {"inbox", "criteria", "call_log", "outbound", "clients", "order_log"},
    Role.FINANCE: {"inbox", "call_log", "receivables", "clients", "order_log"},
    Role.ADMIN: {"inbox", "criteria", "outbound", "clients", "admin"},
}
LANDING = {
    Role.OPERATOR: "calls:console",
    Role.MANAGER: "calls:call_log",
    Role.HEAD: "calls:criteria",  # the head's desk overview
    Role.FINANCE: "clients:receivables",
    Role.ADMIN: "admin:index",
}


def _user(role):
    user = make_staff(role=role, is_staff=role == Role.ADMIN)
    if role == Role.HEAD:
        DepartmentFactory(name="Опт", kind="wholesale", head=user)
    return user


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_where_the_readme_says(client, role):
    user = _user(role)
    assert landing_url(user) == reverse(LANDING[role])
    client.force_login(user)
    assert client.get(reverse("home"))["Location"] == reverse(LANDING[role])


@pytest.mark.parametrize("role", list(Role))
def test_the_header_offers_what_the_role_may_open_and_each_opens(client, role):
    user = _user(role)
    items = nav_items_for(user)
    assert {item.key for item in items} == HEADER[role]
    client.force_login(user)
    for item in items:
        assert client.get(reverse(item.url_name)).status_code == 200, item.key


def test_finance_is_not_offered_the_criteria_it_may_not_open(client):
    client.force_login(_user(Role.FINANCE))
    html = client.get(reverse("clients:receivables")).content.decode()
    assert reverse("calls:criteria") not in html
    assert client.get(reverse("calls:criteria")).status_code == 403


def test_a_superuser_lands_on_the_admin_site():
    assert landing_url(UserFactory(is_superuser=True, is_staff=True)) == reverse("admin:index")


def test_someone_in_two_roles_lands_on_the_first_that_fits():
    user = make_staff(role=Role.MANAGER)
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=str(Role.FINANCE)))
    assert landing_url(user) == reverse("clients:receivables")


def test_a_head_of_finance_is_not_offered_campaigns_it_may_not_open(client):
    # the demo's finance user heads the finance department: Head and Finance groups
    user = make_staff(role=Role.FINANCE)
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name=str(Role.HEAD)))
    DepartmentFactory(name="Финансы", kind="finance", head=user)
    keys = {item.key for item in nav_items_for(user)}
    assert "outbound" not in keys and "criteria" not in keys
    assert landing_url(user) == reverse("clients:receivables")
    client.force_login(user)
    for item in nav_items_for(user):
        assert client.get(reverse(item.url_name)).status_code == 200, item.key
