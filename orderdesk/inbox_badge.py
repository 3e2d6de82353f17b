"""The header's inbox count, kept in the shared cache per user (issue 10: a COUNT over a
UNION of three subqueries on every page).

Any change of what calls.selectors.inbox_count reads (transfers, assign-manager tasks,
feedback and its departments, departments and their heads, staff profiles' departments)
bumps one version the cached counts are keyed by, on save and again on commit. A count
also lives at most ``SECONDS``: a bulk ``update()`` sends no signal.
"""

from django.apps import apps
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

from orderdesk import localcache

VERSION_KEY = "inbox:count-version"
SECONDS = 30


def cached_inbox_count(user) -> int:
    from calls.selectors import inbox_count

    key = f"inbox:count:{localcache.version(VERSION_KEY)}:{user.pk}"
    count = cache.get(key)
    if count is None:
        count = inbox_count(user)
        cache.set(key, count, SECONDS)
    return count


def forget_counts(**kwargs) -> None:
    localcache.forget(VERSION_KEY)


def connect() -> None:
    labels = (
        "calls.Transfer",
        "calls.CallTask",
        "calls.Feedback",
        "orderdesk.Department",
        "orderdesk.StaffProfile",
    )
    for label in labels:
        model = apps.get_model(label)
        post_save.connect(forget_counts, sender=model, dispatch_uid=f"inbox-count-save-{label}")
        post_delete.connect(forget_counts, sender=model, dispatch_uid=f"inbox-count-del-{label}")
    feedback_departments = apps.get_model("calls.Feedback").departments.through
    m2m_changed.connect(
        forget_counts, sender=feedback_departments, dispatch_uid="inbox-count-feedback-departments"
    )
