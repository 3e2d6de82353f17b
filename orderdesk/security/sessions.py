"""Sessions for remote work: an idle timeout, and signing out of every session at once.

The last activity is kept in the session and written at most once a minute, so an
active person does not cost a session write per request. Requests in
``SESSION_IDLE_IGNORED_PATHS`` (the console's background poll) are not activity: a
console left open at home still times out.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _

LAST_SEEN = "orderdesk_last_seen"
TOUCH_EVERY = 60  # seconds


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            timed_out = self._check(request)
            if timed_out is not None:
                return timed_out
        return self.get_response(request)

    def _check(self, request):
        now = int(time.time())
        timeout = int(settings.SESSION_IDLE_TIMEOUT)
        last_seen = request.session.get(LAST_SEEN)
        if isinstance(last_seen, int) and now - last_seen > timeout:
            logout(request)
            hours = round(timeout / 3600, 1)
            messages.info(
                request,
                _("You were signed out after %(hours)s h without activity. Sign in again.")
                % {"hours": f"{hours:g}"},
            )
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
                return response
            return None  # LoginRequiredMiddleware sends the person to the login page
        ignored = any(request.path.startswith(p) for p in settings.SESSION_IDLE_IGNORED_PATHS)
        if not ignored and (not isinstance(last_seen, int) or now - last_seen >= TOUCH_EVERY):
            request.session[LAST_SEEN] = now
        return None


def end_all_sessions(user) -> int:
    """Delete every unexpired session of ``user`` (all devices). Returns how many.

    Deleted through the session engine, so a cached copy (``cached_db``) goes too."""
    engine = import_module(settings.SESSION_ENGINE)
    ended = 0
    user_id = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == user_id:
            engine.SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


def mark_signed_in(sender, request, user, **kwargs):
    """Signing in is activity: the idle clock starts now (no extra write on the next page)."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN] = int(time.time())
