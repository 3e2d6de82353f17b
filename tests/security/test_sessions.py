"""Sessions for remote work: idle timeout, signing out of every session, a new session
key at sign-in."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orderdesk.roles import Role
from orderdesk.security.sessions import LAST_SEEN
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

PAGE = "clients:receivables"


@pytest.fixture
def finance(client):
    user = make_staff(role=Role.FINANCE, username="finance2")
    client.force_login(user)
    assert client.get(reverse(PAGE)).status_code == 200
    return user


def _idle_for(client, seconds):
    session = client.session
    session[LAST_SEEN] = int(time.time()) - seconds
    session.save()


def test_default_idle_timeout_is_eight_hours(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 8 * 3600
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT


def test_after_the_idle_timeout_the_person_is_signed_out(client, finance, settings):
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT + 1)

    response = client.get(reverse(PAGE))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert SESSION_KEY not in client.session
    login_page = client.get(response["Location"])
    assert "signed out after 8 h without activity" in login_page.content.decode()


def test_an_htmx_request_after_the_timeout_is_sent_to_the_login_page(client, finance, settings):
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse(PAGE), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login")


def test_activity_within_the_timeout_keeps_the_session(client, finance, settings):
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get(reverse(PAGE)).status_code == 200
    assert client.session[LAST_SEEN] >= int(time.time()) - 5
    _idle_for(client, settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get(reverse(PAGE)).status_code == 200


def test_the_timeout_is_a_setting(client, finance, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    _idle_for(client, 601)
    assert client.get(reverse(PAGE)).status_code == 302


def test_the_console_poll_is_not_activity(client, settings):
    operator = make_staff(role=Role.OPERATOR)
    client.force_login(operator)
    client.get(reverse("calls:console"))
    _idle_for(client, 3600)
    before = client.session[LAST_SEEN]
    client.get(reverse("calls:incoming"), HTTP_HX_REQUEST="true")
    assert client.session[LAST_SEEN] == before
    client.get(reverse("calls:console"))
    assert client.session[LAST_SEEN] > before


def test_sign_out_everywhere_ends_every_session_of_the_person(finance):
    laptop, phone, colleague = HttpClient(), HttpClient(), HttpClient()
    laptop.force_login(finance)
    phone.force_login(finance)
    colleague.force_login(make_staff(role=Role.FINANCE))

    response = laptop.post(reverse("logout_everywhere"))

    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert phone.get(reverse(PAGE)).status_code == 302
    assert laptop.get(reverse(PAGE)).status_code == 302
    assert colleague.get(reverse(PAGE)).status_code == 200
    assert all(
        s.get_decoded().get("_auth_user_id") != str(finance.pk) for s in Session.objects.all()
    )


SHARED = "orderdesk.security.session_store"  # the engine with the shared cache (REDIS_URL)


def _two_devices(settings, username):
    settings.SESSION_ENGINE = SHARED
    person = make_staff(role=Role.FINANCE, username=username)
    laptop, phone = HttpClient(), HttpClient()
    laptop.force_login(person)
    phone.force_login(person)
    assert phone.get(reverse(PAGE)).status_code == 200  # the session now in the cache
    return person, laptop, phone


def test_sign_out_everywhere_also_forgets_the_cached_sessions(settings):
    """With the shared cache sessions are read from it: ending them must end the cached
    copies too, or the other devices stay signed in."""
    person, laptop, phone = _two_devices(settings, "finance3")

    assert laptop.post(reverse("logout_everywhere")).status_code == 302

    assert phone.get(reverse(PAGE)).status_code == 302
    assert not Session.objects.exists()


def _phone_store(phone):
    from django.conf import settings

    from orderdesk.security.session_store import SessionStore

    store = SessionStore(phone.cookies[settings.SESSION_COOKIE_NAME].value)
    store.load()
    return store


def test_a_copy_a_request_in_flight_writes_back_after_sign_out_everywhere_is_not_read(settings):
    """cached_db writes the database, then the cache: sign-out everywhere between the two
    (the phone's request saving its session meanwhile) must not leave the phone in."""
    from django.contrib.sessions.backends.db import SessionStore as DBStore

    from orderdesk.security.sessions import end_all_sessions

    person, laptop, phone = _two_devices(settings, "finance4")
    store = _phone_store(phone)
    store["touched"] = True
    DBStore.save(store)  # the phone's request: the database written ...
    end_all_sessions(person)  # ... the laptop signs out everywhere ...
    store._cache.set(store.cache_key, store._session, store.get_expiry_age())  # ... the copy

    assert phone.get(reverse(PAGE)).status_code == 302
    assert not Session.objects.filter(session_key=store.session_key).exists()


def test_a_copy_a_request_in_flight_reads_back_after_sign_out_everywhere_is_not_read(settings):
    # the phone's request missed the cache and read the row just before the sign-out
    from orderdesk.security.sessions import end_all_sessions

    person, laptop, phone = _two_devices(settings, "finance5")
    store = _phone_store(phone)
    data = dict(store._session)
    end_all_sessions(person)
    store._cache.set(store.cache_key, data, 3600)  # what its load() writes after the read

    assert phone.get(reverse(PAGE)).status_code == 302


def test_with_the_shared_cache_a_page_reads_the_session_without_the_database(settings):
    person, laptop, phone = _two_devices(settings, "finance6")
    with CaptureQueriesContext(connection) as ctx:
        assert phone.get(reverse(PAGE)).status_code == 200
    assert not any("django_session" in q["sql"] for q in ctx.captured_queries)
    laptop.post(reverse("logout"))  # signing out on one device ends only that session
    assert phone.get(reverse(PAGE)).status_code == 200
    assert laptop.get(reverse(PAGE)).status_code == 302


def test_sign_out_everywhere_is_post_only_and_in_the_header(client, finance):
    assert client.get(reverse("logout_everywhere")).status_code == 405
    html = client.get(reverse(PAGE)).content.decode()
    assert f'action="{reverse("logout_everywhere")}"' in html


def test_sign_out_everywhere_needs_the_csrf_token(finance):
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(finance)
    assert strict.post(reverse("logout_everywhere")).status_code == 403


def test_the_session_key_changes_at_sign_in(client):
    make_staff(role=Role.FINANCE, username="finance2")
    session = client.session
    session["language_hint"] = "ru"
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before

    response = client.post(reverse("login"), {"username": "finance2", "password": "pass-12345"})

    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
