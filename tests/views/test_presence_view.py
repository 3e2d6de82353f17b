from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orderdesk.models import StaffProfile
from orderdesk.roles import Role
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def test_staff_set_themselves_busy_with_htmx(client):
    user = make_staff(role=Role.MANAGER)
    client.force_login(user)
    response = client.post(reverse("presence"), {"presence": "busy"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="presence-form"' in response.content and b"<html" not in response.content
    assert StaffProfile.objects.get(user=user).presence == "busy"


def test_absence_needs_an_end_date_and_changes_nothing_without_it(client):
    user = make_staff(role=Role.MANAGER)
    client.force_login(user)
    response = client.post(reverse("presence"), {"presence": "absent"}, HTTP_HX_REQUEST="true")
    assert b"Say until which day" in response.content
    assert StaffProfile.objects.get(user=user).presence == "available"


def test_absence_with_a_date_is_recorded(client):
    user = make_staff(role=Role.MANAGER)
    client.force_login(user)
    until = timezone.localdate() + timedelta(days=5)
    response = client.post(
        reverse("presence"),
        {"presence": "absent", "absent_until": until.isoformat(), "reason": "vacation"},
    )
    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=user)
    assert (profile.presence, profile.absent_until, profile.absence_reason) == (
        "absent",
        until,
        "vacation",
    )


def test_presence_rejects_unknown_values_and_foreign_redirects(client):
    user = make_staff(role=Role.MANAGER)
    client.force_login(user)
    response = client.post(
        reverse("presence"), {"presence": "on-the-moon", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")
    assert StaffProfile.objects.get(user=user).presence == "available"


def test_presence_needs_post(client):
    client.force_login(make_staff(role=Role.MANAGER))
    assert client.get(reverse("presence")).status_code == 405


def _header_presence(client) -> str:
    html = client.get(reverse("home"), follow=True).content.decode()
    form = html.split('id="presence-form"')[1].split("</form>")[0]
    return form.split('class="presence-dot presence-')[1].split('"')[0]


def test_the_header_shows_the_presence_from_the_cache_and_every_change(
    client, django_assert_max_num_queries
):
    # issue 10: the header's own profile is kept in the shared cache, dropped on any save
    user = make_staff(role=Role.MANAGER)
    client.force_login(user)
    assert _header_presence(client) == "available"
    client.post(reverse("presence"), {"presence": "busy"})
    assert _header_presence(client) == "busy"  # the save dropped the cached profile
    profile = StaffProfile.objects.get(user=user)
    profile.presence = "available"
    profile.save()  # e.g. the admin
    assert _header_presence(client) == "available"
    with django_assert_max_num_queries(50) as warm:
        _header_presence(client)
    read = '"orderdesk_staffprofile"."presence"'  # the profile itself, not a join through it
    assert not any(read in q["sql"] for q in warm.captured_queries)
