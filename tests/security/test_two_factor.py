"""Two-factor sign-in (django-otp): enrolment with a QR code and backup codes, the code at
every sign-in once enrolled, required for admins and finance (or everyone with
REQUIRE_2FA), off for the local demo."""

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from orderdesk.roles import Role
from orderdesk.security.two_factor import device_from_setup
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PASSWORD = "pass-12345"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def setup_field(page) -> str:
    return re.search(r'name="setup" value="([^"]+)"', page.content.decode()).group(1)


def enrol(client):
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    signed = setup_field(page)
    user = page.wsgi_request.user
    preview = device_from_setup(user, signed)
    done = client.post(reverse("two_factor_setup"), {"token": code_for(preview), "setup": signed})
    assert done.status_code == 200
    return TOTPDevice.objects.get(user=user), re.findall(r"<li>(\w+)</li>", done.content.decode())


@pytest.fixture
def required_for_finance(settings):
    settings.REQUIRE_2FA = False
    settings.TWO_FACTOR_REQUIRED_ROLES = ["Admin", "Finance"]


def test_the_setup_page_writes_nothing_on_get(client):
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(reverse("two_factor_setup")).status_code == 200
    assert not TOTPDevice.objects.exists()


def test_a_setup_signed_for_someone_else_is_refused(client):
    other = make_staff(role=Role.OPERATOR)
    client.force_login(other)
    signed = setup_field(client.get(reverse("two_factor_setup")))
    me = make_staff(role=Role.OPERATOR)
    client.force_login(me)
    device = device_from_setup(other, signed)
    response = client.post(
        reverse("two_factor_setup"), {"token": code_for(device), "setup": signed}
    )
    assert "The code is not right" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_the_demo_needs_no_second_factor(client, settings):
    assert settings.TWO_FACTOR_REQUIRED_ROLES == [] and settings.REQUIRE_2FA is False
    make_staff(role=Role.FINANCE, username="finance2")
    sign_in(client, "finance2")
    assert client.get(reverse("clients:receivables")).status_code == 200


def test_finance_must_enrol_before_anything_else(client, required_for_finance):
    make_staff(role=Role.FINANCE, username="finance2")
    sign_in(client, "finance2")

    response = client.get(reverse("clients:receivables"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    assert "Your role signs in with a second factor" in html


def test_enrolment_gives_backup_codes_and_opens_the_desk(client, required_for_finance):
    make_staff(role=Role.FINANCE, username="finance2")
    sign_in(client, "finance2")
    device, codes = enrol(client)

    device.refresh_from_db()
    assert device.confirmed
    assert len(codes) == 10
    assert StaticDevice.objects.get().token_set.count() == 10
    assert client.get(reverse("clients:receivables")).status_code == 200


def test_a_wrong_first_code_enrols_nothing(client, required_for_finance):
    make_staff(role=Role.FINANCE, username="finance2")
    sign_in(client, "finance2")
    signed = setup_field(client.get(reverse("two_factor_setup")))
    for token in ("000000x", "000000"):
        response = client.post(reverse("two_factor_setup"), {"token": token, "setup": signed})
        assert "The code is not right" in response.content.decode()
    forged = client.post(reverse("two_factor_setup"), {"token": "123456", "setup": "x:y:z"})
    assert "The code is not right" in forged.content.decode()
    assert not TOTPDevice.objects.exists()
    assert client.get(reverse("clients:receivables")).status_code == 302


def test_once_enrolled_every_sign_in_asks_for_the_code(required_for_finance):
    make_staff(role=Role.FINANCE, username="finance2")
    first = sign_in(HttpClient(), "finance2")
    device, codes = enrol(first)

    later = sign_in(HttpClient(), "finance2")
    response = later.get(reverse("clients:receivables"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))
    wrong = later.post(reverse("two_factor_verify"), {"token": "123"})
    assert "The code is not right" in wrong.content.decode()
    assert later.get(reverse("clients:receivables")).status_code == 302

    device.refresh_from_db()
    device.last_t = -1  # the same 30-second window as the enrolment code
    device.throttle_reset(commit=False)  # the wrong code above delays the next try
    device.save()
    ok = later.post(
        reverse("two_factor_verify"),
        {"token": code_for(device), "next": reverse("clients:receivables")},
    )
    assert ok.status_code == 302 and ok["Location"] == reverse("clients:receivables")
    assert later.get(reverse("clients:receivables")).status_code == 200


def test_a_backup_code_works_once(required_for_finance):
    make_staff(role=Role.FINANCE, username="finance2")
    _device, codes = enrol(sign_in(HttpClient(), "finance2"))

    again = sign_in(HttpClient(), "finance2")
    assert again.post(reverse("two_factor_verify"), {"token": codes[0]}).status_code == 302
    assert again.get(reverse("clients:receivables")).status_code == 200

    third = sign_in(HttpClient(), "finance2")
    reused = third.post(reverse("two_factor_verify"), {"token": codes[0]})
    assert reused.status_code == 200
    assert third.get(reverse("clients:receivables")).status_code == 302


def test_anyone_who_enrolled_is_asked_even_when_not_required(settings):
    make_staff(role=Role.OPERATOR, username="anna")
    enrol(sign_in(HttpClient(), "anna"))
    later = sign_in(HttpClient(), "anna")
    assert later.get(reverse("calls:console")).status_code == 302


def test_require_2fa_covers_every_role(client, settings):
    settings.REQUIRE_2FA = True
    make_staff(role=Role.OPERATOR, username="anna")
    sign_in(client, "anna")
    response = client.get(reverse("calls:console"))
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_htmx_requests_are_redirected_with_hx_redirect(client, settings):
    settings.REQUIRE_2FA = True
    make_staff(role=Role.OPERATOR, username="anna")
    sign_in(client, "anna")
    response = client.get(reverse("calls:console"), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("two_factor_setup"))


def test_the_admin_is_guarded_too(client, required_for_finance):
    make_staff(role=Role.ADMIN, username="boss", is_staff=True)
    sign_in(client, "boss")
    response = client.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("two_factor_setup"))


def test_machine_endpoints_are_not_affected(client, settings):
    settings.REQUIRE_2FA = True
    response = client.post(reverse("calls:telephony_incoming"))
    assert response.status_code == 401


def test_the_verify_page_refuses_an_unsafe_next(required_for_finance):
    make_staff(role=Role.FINANCE, username="finance2")
    _device, codes = enrol(sign_in(HttpClient(), "finance2"))
    later = sign_in(HttpClient(), "finance2")
    response = later.post(
        reverse("two_factor_verify"), {"token": codes[1], "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_a_superuser_counts_as_admin(client, required_for_finance):
    make_staff(username="root", is_superuser=True, is_staff=True)
    sign_in(client, "root")
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("two_factor_setup"))


def test_a_person_without_a_device_costs_no_device_query_per_request(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(make_staff(role=Role.OPERATOR))  # the sign-in notes "no device"
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("calls:console")).status_code == 200
    assert not [q for q in queries if "otp_" in q["sql"]]
