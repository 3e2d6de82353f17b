from orderdesk.models import StaffProfile
from orderdesk.navigation import nav_items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "nav_items": nav_items_for(user),
        "presence_choices": StaffProfile.Presence.choices,
        "absence_reasons": StaffProfile.AbsenceReason.choices,
    }
