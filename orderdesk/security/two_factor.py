"""Two-factor sign-in with django-otp: TOTP (an authenticator app, QR code) and backup codes.

Who must use it (``two_factor_required``): everyone when ``REQUIRE_2FA=1``; otherwise the
roles in ``TWO_FACTOR_REQUIRED_ROLES`` (Admin and Finance in production; none in the
local demo, so ``make run`` works with the demo logins), superusers counting as Admin.
Anyone may enrol.

``TwoFactorMiddleware`` sends a signed-in person who has a device but has not entered a
code in this session to the verify page, and a person who must use it but has no device
yet to the enrolment page; machine endpoints (``/api/``) use tokens and are left alone.
"""

import base64
import io
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from orderdesk.permissions import group_names

BACKUP_CODES = 10
# Reachable before the second factor: the 2FA pages themselves, signing out, languages.
OPEN_PATHS = ("/account/two-factor/", "/logout/", "/i18n/", "/static/", "/api/")


def two_factor_required(user) -> bool:
    if not user.is_authenticated:
        return False
    if settings.REQUIRE_2FA:
        return True
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if not required:
        return False
    if user.is_superuser and "Admin" in required:
        return True
    return bool(required & group_names(user))


def _to(request, name: str):
    url = reverse(name) + "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    """After django_otp's OTPMiddleware (``request.user.is_verified()``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PATHS)
            and not user.is_verified()
        ):
            if _has_device(request):
                return _to(request, "two_factor_verify")
            if two_factor_required(user):
                return _to(request, "two_factor_setup")
        return self.get_response(request)


# Whether the person has no device, read at sign-in and kept in the session, so the
# console's requests do not ask every device table each time; enrolling clears it.
NO_DEVICE = "orderdesk.two_factor.no_device"


def remember_devices(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: note in the new session whether ``user`` has a device."""
    if request is not None and hasattr(request, "session"):
        request.session[NO_DEVICE] = not user_has_device(user)


def _has_device(request) -> bool:
    if request.session.get(NO_DEVICE):
        return False
    return user_has_device(request.user)


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("home")


def _qr_data_uri(text: str) -> str:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def _secret(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


SETUP_SALT = "orderdesk.two_factor.setup"
SETUP_MAX_AGE = 15 * 60


def new_setup(user) -> tuple[TOTPDevice, str]:
    """A fresh, unsaved TOTP device and its key signed for the form (GET writes nothing)."""
    device = TOTPDevice(user=user, name=_("Authenticator app"), confirmed=False)
    signed = signing.dumps({"user": user.pk, "key": device.key}, salt=SETUP_SALT)
    return device, signed


def device_from_setup(user, signed: str) -> TOTPDevice | None:
    try:
        data = signing.loads(signed, salt=SETUP_SALT, max_age=SETUP_MAX_AGE)
    except signing.BadSignature:
        return None
    if data.get("user") != user.pk:
        return None
    return TOTPDevice(user=user, name=_("Authenticator app"), key=data["key"], confirmed=False)


@transaction.atomic
def enrol_totp(user, *, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm ``device`` with a first code; on success it replaces the person's other
    devices and fresh backup codes are returned (shown once). A wrong code saves nothing."""
    if not token.isdigit() or not device.verify_token(token):
        if device.pk is not None:
            device.delete()
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save()
    StaticDevice.objects.filter(user=user).delete()
    backup = StaticDevice.objects.create(user=user, name=_("Backup codes"))
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in codes)
    return codes


@require_http_methods(["GET", "POST"])
def setup(request):
    """Enrol an authenticator app: QR code and key, then the first code confirms it."""
    user = request.user
    error = None
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        device = device_from_setup(user, request.POST.get("setup", ""))
        codes = enrol_totp(user, device=device, token=token) if device else None
        if codes is not None:
            request.session.pop(NO_DEVICE, None)
            otp_login(request, device)
            return render(
                request,
                "orderdesk/two_factor/backup_codes.html",
                {"codes": codes, "next": _next(request)},
            )
        error = _("The code is not right. Enter the six digits the app shows now.")
        signed = request.POST.get("setup", "")
        if device is None:
            device, signed = new_setup(user)
    else:
        device, signed = new_setup(user)
    context = {
        "qr": _qr_data_uri(device.config_url),
        "secret": _secret(device),
        "setup": signed,
        "error": error,
        "next": _next(request),
        "has_device": user_has_device(user),
        "required": two_factor_required(user),
    }
    return render(request, "orderdesk/two_factor/setup.html", context)


@require_http_methods(["GET", "POST"])
def verify(request):
    """The second step of sign-in: a code from the app, or one backup code."""
    if not user_has_device(request.user):
        return redirect("two_factor_setup")
    error = None
    if request.method == "POST":
        token = request.POST.get("token", "").strip().replace(" ", "")
        device = match_token(request.user, token) if token else None
        if device is not None:
            request.session.pop(NO_DEVICE, None)
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You used a backup code; %(left)s left.") % {"left": left},
                )
            return redirect(_next(request))
        error = _("The code is not right. Try again, or use a backup code.")
    return render(
        request, "orderdesk/two_factor/verify.html", {"error": error, "next": _next(request)}
    )
