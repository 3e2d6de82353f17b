from django.utils.functional import SimpleLazyObject

from orderdesk.inbox_badge import cached_inbox_count
from orderdesk.models import StaffProfile
from orderdesk.navigation import nav_items_for
from orderdesk.presence import cached_own_profile


def navigation(request):
    """The header's menu and inbox count, worked out only when a template shows them: an
    htmx answer that renders a fragment (a log's rows) asks neither (issue 10)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        show_inbox = any(item.key == "inbox" for item in nav_items_for(user))
        return cached_inbox_count(user) if show_inbox else 0

    return {
        "nav_items": SimpleLazyObject(lambda: nav_items_for(user)),
        "inbox_count": SimpleLazyObject(count),
        # The header's presence widget: from the shared cache, read only when shown.
        "presence_profile": SimpleLazyObject(lambda: cached_own_profile(user)),
        "presence_choices": StaffProfile.Presence.choices,
        "absence_reasons": StaffProfile.AbsenceReason.choices,
    }


class MessagesOnce:
    """The request's messages for a template, each text once, shown once per response.

    A full page renders the messages both in base.html and inside the screen's own panel
    (which must carry them for htmx swaps), and the same refusal may be queued again by a
    re-post: the operator saw the debt message twice, eight times after re-posts. The first
    place that shows them takes them; later places get nothing.
    """

    def __init__(self, request):
        self._request = request
        self._unique = None
        self._shown = False

    def _load(self) -> list:
        if self._unique is None:
            from django.contrib.messages import get_messages

            seen, self._unique = set(), []
            for message in get_messages(self._request):
                key = (message.level, str(message))
                if key not in seen:
                    seen.add(key)
                    self._unique.append(message)
        return self._unique

    def __bool__(self) -> bool:
        return not self._shown and bool(self._load())

    def __len__(self) -> int:
        return 0 if self._shown else len(self._load())

    def __iter__(self):
        if self._shown:
            return iter(())
        self._shown = True
        return iter(self._load())


def messages_once(request):
    """Replaces django.contrib.messages' ``messages`` (listed after it in settings)."""
    return {"messages": MessagesOnce(request)}
