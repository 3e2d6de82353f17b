from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderdesk.forms import PresenceForm
from orderdesk.models import StaffProfile
from orderdesk.navigation import landing_url
from orderdesk.presence import set_presence
from orderdesk.security.sessions import end_all_sessions


def home(request):
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(_("Your account has no role yet. Ask an administrator."))
    return redirect(url)


@require_POST
def presence(request):
    """Staff set their own presence from the header (F-ORG-2)."""
    form = PresenceForm(request.POST)
    error = None
    if form.is_valid():
        try:
            set_presence(
                user=request.user,
                presence=form.cleaned_data["presence"],
                absent_until=form.cleaned_data["absent_until"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = _("Choose a valid presence and date.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("home")
    if request.htmx:
        profile = StaffProfile.objects.filter(user=request.user).first()
        context = {"next": next_url, "presence_error": error, "presence_profile": profile}
        return render(request, "orderdesk/presence.html#presence-form", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Presence updated."))
    return redirect(next_url)


@require_POST
def sign_out_everywhere(request):
    """End every session of the signed-in person, this one included (all devices)."""
    end_all_sessions(request.user)
    logout(request)
    messages.info(request, _("You are signed out on all devices."))
    return redirect("login")
