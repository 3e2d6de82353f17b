"""Brute force on /login/ and /admin/login/: locked out after the limit, an admin unblocks."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from orderdesk.roles import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 3


def _fail(client, url, username, times, ip="10.0.0.1"):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong"}, REMOTE_ADDR=ip)
    return response


@pytest.mark.parametrize("url_name", ["login", "admin:login"])
def test_the_right_password_after_too_many_wrong_ones_is_refused(client, url_name):
    user = make_staff(role=Role.MANAGER, username="manager", is_staff=True)
    url = reverse(url_name)
    _fail(client, url, "manager", 3)

    response = client.post(
        url, {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert AccessAttempt.objects.filter(username=user.username).exists()


def test_lockout_message_is_translated(client):
    make_staff(role=Role.MANAGER, username="manager")
    _fail(client, reverse("login"), "manager", 3)
    response = client.post(
        reverse("login"),
        {"username": "manager", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in response.content.decode()


def test_the_user_name_is_locked_from_another_address_too(client):
    make_staff(role=Role.MANAGER, username="manager")
    _fail(client, reverse("login"), "manager", 3, ip="10.0.0.1")
    response = client.post(
        reverse("login"), {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 429


def test_the_address_is_locked_for_other_user_names_too(client):
    make_staff(role=Role.MANAGER, username="manager")
    make_staff(role=Role.OPERATOR, username="anna")
    for name in ("x1", "x2", "x3"):
        _fail(client, reverse("login"), name, 1, ip="10.0.0.9")
    response = client.post(
        reverse("login"), {"username": "anna", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429


def test_a_combination_only_locks_the_pair(client, settings):
    settings.AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
    make_staff(role=Role.MANAGER, username="manager")
    _fail(client, reverse("login"), "manager", 3, ip="10.0.0.1")
    other = client.post(
        reverse("login"), {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2"
    )
    assert other.status_code == 302


def test_fewer_failures_than_the_limit_still_let_the_right_password_in(client):
    make_staff(role=Role.MANAGER, username="manager")
    _fail(client, reverse("login"), "manager", 2)
    response = client.post(
        reverse("login"), {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
    assert SESSION_KEY in client.session
    # A success resets the count.
    assert not AccessAttempt.objects.filter(username="manager").exists()


def test_an_admin_sees_the_attempts_and_unblocks_by_deleting_them(client):
    make_staff(role=Role.MANAGER, username="manager")
    _fail(client, reverse("login"), "manager", 3)
    admin_user = make_staff(role=Role.ADMIN, is_staff=True)
    admin_client = client.__class__()
    admin_client.force_login(admin_user)

    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200
    assert "manager" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="manager")
    deleted = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert admin_client.get(reverse("admin:axes_accesslog_changelist")).status_code == 200

    response = client.post(
        reverse("login"), {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302


def test_client_login_without_a_request_still_works(client):
    make_staff(role=Role.MANAGER, username="manager")
    assert client.login(username="manager", password=PASSWORD)
    assert not AccessAttempt.objects.exists()
