"""Every page needs a login; each role reaches its own pages and gets 403 elsewhere."""

import pytest
from django.urls import reverse

from orderdesk.roles import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PAGES = {
    "calls:console": {Role.OPERATOR},
    "calls:call_log": {Role.MANAGER, Role.HEAD, Role.FINANCE},
    "orders:order_log": {Role.MANAGER, Role.HEAD, Role.FINANCE},
    "clients:receivables": {Role.FINANCE},
}
LANDING = {
    Role.OPERATOR: "calls:console",
    Role.MANAGER: "calls:call_log",
    Role.HEAD: "calls:criteria",
    Role.FINANCE: "clients:receivables",
    Role.ADMIN: "admin:index",
}


@pytest.mark.parametrize("url_name", [*PAGES, "home", "calls:inbox"])
def test_every_page_needs_a_login(client, url_name):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_login_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="username"' in response.content


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url_name", list(PAGES))
def test_role_reaches_its_pages_and_gets_403_elsewhere(client, role, url_name):
    client.force_login(make_staff(role=role))
    response = client.get(reverse(url_name))
    expected = 200 if role in PAGES[url_name] else 403
    assert response.status_code == expected


@pytest.mark.parametrize("role", list(Role))
def test_each_role_lands_on_its_page(client, role):
    client.force_login(make_staff(role=role))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(LANDING[role])


def test_user_without_role_gets_a_clear_403(client):
    client.force_login(make_staff())
    response = client.get(reverse("home"))
    assert response.status_code == 403


def test_admin_site_refuses_operators(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_navigation_shows_only_what_the_role_may_open(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    html = client.get(reverse("calls:console")).content.decode()
    assert reverse("calls:console") in html
    assert reverse("calls:call_log") not in html
    assert reverse("admin:index") not in html


def test_base_layout_carries_htmx_csrf_header_and_language_switch(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    html = client.get(reverse("calls:console")).content.decode()
    assert "htmx" in html and "X-CSRFToken" in html
    assert f'action="{reverse("set_language")}"' in html
    assert 'value="ru"' in html and 'value="en"' in html


def test_language_switch_sets_russian(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    client.post(reverse("set_language"), {"language": "ru", "next": "/console/"})
    html = client.get(reverse("calls:console")).content.decode()
    assert '<html lang="ru">' in html
