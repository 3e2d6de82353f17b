from orderdesk.models import StaffProfile
from orderdesk.navigation import nav_items_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from calls.selectors import inbox_count

    items = nav_items_for(user)
    show_inbox = any(item.key == "inbox" for item in items)
    return {
        "nav_items": items,
        "inbox_count": inbox_count(user) if show_inbox else 0,
        "presence_choices": StaffProfile.Presence.choices,
        "absence_reasons": StaffProfile.AbsenceReason.choices,
    }
