"""orderdesk.presence: effective presence, availability and set_presence."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orderdesk.models import StaffProfile
from orderdesk.presence import effective_presence, is_available, set_presence
from tests.factories import UserFactory, make_staff

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
Presence = StaffProfile.Presence


def profile_of(user, **fields):
    profile = user.staff_profile
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()
    return profile


def test_no_profile_counts_as_absent():
    assert effective_presence(None) == Presence.ABSENT


@pytest.mark.parametrize("presence", [Presence.AVAILABLE, Presence.BUSY])
def test_available_and_busy_are_taken_as_they_are(presence):
    assert effective_presence(profile_of(make_staff(presence=presence))) == presence


def test_absence_lasts_through_its_last_day():
    profile = profile_of(make_staff(), presence=Presence.ABSENT, absent_until=TODAY())
    assert effective_presence(profile) == Presence.ABSENT


def test_absence_ends_by_itself_the_day_after():
    profile = profile_of(
        make_staff(), presence=Presence.ABSENT, absent_until=TODAY() - timedelta(days=1)
    )
    assert effective_presence(profile) == Presence.AVAILABLE


def test_absence_is_judged_on_the_given_day():
    profile = profile_of(make_staff(), presence=Presence.ABSENT, absent_until=TODAY())
    assert effective_presence(profile, on=TODAY() + timedelta(days=1)) == Presence.AVAILABLE


def test_open_ended_absence_stays():
    profile = profile_of(make_staff(), presence=Presence.ABSENT, absent_until=None)
    assert effective_presence(profile, on=TODAY() + timedelta(days=365)) == Presence.ABSENT


def test_available_means_active_and_available():
    assert is_available(make_staff())
    assert not is_available(make_staff(presence=Presence.BUSY))
    assert not is_available(make_staff(presence=Presence.ABSENT))
    assert not is_available(make_staff(is_active=False))
    assert not is_available(UserFactory())  # no staff profile
    assert not is_available(None)


def test_is_available_after_absence_ended():
    user = make_staff()
    profile_of(user, presence=Presence.ABSENT, absent_until=TODAY() - timedelta(days=1))
    assert is_available(user)


def test_set_presence_absent_with_last_day():
    user = make_staff()
    until = TODAY() + timedelta(days=7)
    profile = set_presence(
        user=user, presence=Presence.ABSENT, absent_until=until, reason="vacation"
    )
    profile.refresh_from_db()
    assert (profile.presence, profile.absent_until, profile.absence_reason) == (
        Presence.ABSENT,
        until,
        "vacation",
    )


def test_set_presence_absent_until_today_is_allowed():
    profile = set_presence(user=make_staff(), presence=Presence.ABSENT, absent_until=TODAY())
    assert profile.absent_until == TODAY()


def test_set_presence_back_clears_the_absence():
    user = make_staff()
    set_presence(
        user=user,
        presence=Presence.ABSENT,
        absent_until=TODAY() + timedelta(days=1),
        reason="illness",
    )
    profile = set_presence(user=user, presence=Presence.BUSY)
    profile.refresh_from_db()
    assert (profile.presence, profile.absent_until, profile.absence_reason) == (
        Presence.BUSY,
        None,
        "",
    )


def test_set_presence_creates_a_missing_profile():
    user = UserFactory()
    set_presence(user=user, presence=Presence.BUSY)
    assert StaffProfile.objects.get(user=user).presence == Presence.BUSY


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"presence": "sleeping"}, "Unknown presence."),
        ({"presence": Presence.ABSENT}, "Say until which day you are away."),
        (
            {"presence": Presence.ABSENT, "absent_until": "yesterday"},
            "The last day of absence cannot be in the past.",
        ),
    ],
)
def test_set_presence_refuses_bad_input(kwargs, message):
    user = make_staff()
    if kwargs.get("absent_until") == "yesterday":
        kwargs = {**kwargs, "absent_until": TODAY() - timedelta(days=1)}
    with pytest.raises(ValidationError) as error:
        set_presence(user=user, **kwargs)
    assert message in error.value.messages
    user.staff_profile.refresh_from_db()
    assert user.staff_profile.presence == Presence.AVAILABLE


def test_set_presence_refuses_an_unknown_reason():
    with pytest.raises(ValidationError):
        set_presence(
            user=make_staff(),
            presence=Presence.ABSENT,
            absent_until=TODAY(),
            reason="holiday-on-mars",
        )
