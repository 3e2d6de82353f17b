"""Staff presence (SPEC F-ORG-2): who can take a transfer right now."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orderdesk.models import StaffProfile

Presence = StaffProfile.Presence


def effective_presence(profile: StaffProfile | None, *, on: date | None = None) -> str:
    """Presence as it stands on ``on``: an absence ends by itself after ``absent_until``."""
    if profile is None:
        return Presence.ABSENT
    on = on or timezone.localdate()
    if (
        profile.presence == Presence.ABSENT
        and profile.absent_until is not None
        and profile.absent_until < on
    ):
        return Presence.AVAILABLE
    return profile.presence


def is_available(user, *, on: date | None = None) -> bool:
    """Available for a transfer: active and presence ``available`` (busy and absent are skipped)."""
    if user is None or not user.is_active:
        return False
    profile = getattr(user, "staff_profile", None)
    return effective_presence(profile, on=on) == Presence.AVAILABLE


@transaction.atomic
def set_presence(
    *, user, presence: str, absent_until: date | None = None, reason: str = ""
) -> StaffProfile:
    """Set one's own presence; an absence needs its last day, which is not in the past."""
    if presence not in Presence.values:
        raise ValidationError(_("Unknown presence."))
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    if presence == Presence.ABSENT:
        if absent_until is None:
            raise ValidationError(_("Say until which day you are away."))
        if absent_until < timezone.localdate():
            raise ValidationError(_("The last day of absence cannot be in the past."))
    else:
        absent_until, reason = None, ""
    profile.presence = presence
    profile.absent_until = absent_until
    profile.absence_reason = reason
    profile.full_clean()
    profile.save()
    return profile


# --- the header's own presence, kept in the shared cache (issue 10) ------------------
# Every full page shows the operator's presence widget (templates/base.html): one query
# for the staff profile. The profile is kept per user under a version that any save or
# delete of a staff profile bumps (on save and again on commit); a bulk ``update()``
# sends no signal, so an entry lives at most ``PROFILE_SECONDS``. Display only: every
# decision (routing, transfers) reads the profile from the database.

PROFILE_VERSION_KEY = "presence:profile-version"
PROFILE_SECONDS = 30
_NO_PROFILE = "none"


def cached_own_profile(user) -> StaffProfile | None:
    """``user``'s staff profile for the header, or ``None`` when it has none."""
    from django.core.cache import cache

    from orderdesk import localcache

    key = f"presence:profile:{localcache.version(PROFILE_VERSION_KEY)}:{user.pk}"
    profile = cache.get(key)
    if profile is None:
        profile = StaffProfile.objects.filter(user_id=user.pk).first() or _NO_PROFILE
        cache.set(key, profile, PROFILE_SECONDS)
    return None if profile == _NO_PROFILE else profile


def forget_profiles(**kwargs) -> None:
    from orderdesk import localcache

    localcache.forget(PROFILE_VERSION_KEY)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(forget_profiles, sender=StaffProfile, dispatch_uid="presence-profile-save")
    post_delete.connect(forget_profiles, sender=StaffProfile, dispatch_uid="presence-profile-del")
