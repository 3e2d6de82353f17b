"""Login throttling with django-axes: what a locked-out person sees, and the backend.

Failed sign-ins are counted per user name and per IP address (settings
``AXES_LOCKOUT_PARAMETERS``, read from ``LOGIN_LOCKOUT_PARAMETERS``); after
``AXES_FAILURE_LIMIT`` failures the pair is refused until ``AXES_COOLOFF_TIME``
passes or an admin deletes the access attempt in the admin (Axes → Access attempts).
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check for every sign-in that comes with a request (the login pages, the admin).

    ``authenticate()`` without a request is only called by code, not by a person at a
    login form (the test client's ``client.login``, management commands): nothing to
    throttle there, so it passes through instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(request, credentials=None, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: the login page again, with a clear message, status 429."""
    message = _(
        "Too many failed sign-in attempts. Sign-in is blocked for %(minutes)s minutes; "
        "an administrator can unblock it sooner."
    ) % {"minutes": lockout_minutes()}
    if request.path.startswith("/api/") or request.headers.get("Accept") == "application/json":
        return JsonResponse({"error": message}, status=429)
    context = {"lockout_message": message, "next": request.POST.get("next", "")}
    if request.path.startswith("/admin/"):
        from django.contrib import admin

        context |= admin.site.each_context(request) | {"title": _("Log in")}
        return render(request, "admin/login.html", context, status=429)
    return render(request, "registration/login.html", context, status=429)
