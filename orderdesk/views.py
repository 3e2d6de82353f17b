from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orderdesk.forms import PresenceForm
from orderdesk.navigation import landing_url
from orderdesk.presence import set_presence


def home(request):
    url = landing_url(request.user)
    if url is None:
        raise PermissionDenied(_("Your account has no role yet. Ask an administrator."))
    return redirect(url)


@require_POST
def presence(request):
    form = PresenceForm(request.POST)
    if form.is_valid():
        try:
            set_presence(
                user=request.user,
                presence=form.cleaned_data["presence"],
                absent_until=form.cleaned_data["absent_until"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Presence updated."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose a valid presence."))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "home"
    if request.htmx:
        return render(request, "orderdesk/presence.html#presence-form", {"next": next_url})
    return redirect(next_url)
