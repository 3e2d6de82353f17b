"""POST /api/telephony/incoming: the phone system pops a call on an operator's console."""

import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from calls.models import Call, CallEvent
from orderdesk.roles import Role
from tests.factories import ClientFactory, make_staff

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
TOKEN = "s3cret-token-for-tests"
URL = "/api/telephony/incoming"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TELEPHONY_TOKEN = TOKEN


@pytest.fixture
def operator():
    user = make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Операторова")
    user.staff_profile.extension = "101"
    user.staff_profile.save(update_fields=["extension"])
    return user


@pytest.fixture
def known_client():
    return ClientFactory(name="ООО «Ромашка»", phone="+74951000005")


def pop(body, *, token=TOKEN, raw=False, **headers):
    """POST to the endpoint the way the phone system does (no session, CSRF enforced)."""
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = body if raw else json.dumps(body)
    return HttpClient(enforce_csrf_checks=True).post(
        URL, data=data, content_type="application/json", **headers
    )


def test_the_url_is_the_documented_one():
    assert reverse("calls:telephony_incoming") == URL


# --- authorisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        {"HTTP_AUTHORIZATION": TOKEN},
        {"HTTP_AUTHORIZATION": "Bearer "},
    ],
    ids=["missing", "wrong", "other-scheme", "no-scheme", "empty"],
)
def test_without_the_right_bearer_token_it_is_401(operator, known_client, headers):
    response = pop({"caller": "+74951000005", "extension": "101"}, token=None, **headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid or missing bearer token"}
    assert not Call.objects.exists()


def test_with_no_token_configured_every_request_is_401(settings, operator, known_client):
    settings.TELEPHONY_TOKEN = ""
    assert pop({"caller": "+74951000005", "extension": "101"}, token="").status_code == 401
    assert pop({"caller": "+74951000005", "extension": "101"}, token=None).status_code == 401
    assert not Call.objects.exists()


def test_only_post_is_allowed(operator):
    response = HttpClient().get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


# --- malformed requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["not json at all", "{'caller': '+74951000005'}", b"\xff\xfe\x00garbage"],
    ids=["text", "python-dict", "binary"],
)
def test_a_body_that_is_not_json_is_400(operator, body):
    response = pop(body, raw=True)
    assert response.status_code == 400
    assert response.json() == {"error": "body must be JSON"}
    assert not Call.objects.exists()


@pytest.mark.parametrize("body", [[], ["+74951000005", "101"], "a string", 42, None])
def test_json_that_is_not_an_object_is_400(operator, body):
    response = pop(body)
    assert response.status_code == 400
    assert response.json() == {"error": "body must be a JSON object"}
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"caller": "+74951000005"},
        {"extension": "101"},
        {"caller": None, "extension": "101"},
        {"caller": 74951000005, "extension": "101"},
        {"caller": "+74951000005", "extension": None},
        {"caller": "+74951000005", "extension": ["101"]},
    ],
)
def test_missing_or_mistyped_fields_are_400(operator, body):
    response = pop(body)
    assert response.status_code == 400
    assert response.json() == {"error": "caller and extension are required"}
    assert not Call.objects.exists()


@pytest.mark.parametrize("caller", ["", "12-ab", "+7 495", "не номер"])
def test_a_malformed_phone_number_is_400_and_creates_no_call(operator, caller):
    response = pop({"caller": caller, "extension": "101"})
    assert response.status_code == 400
    assert "not a valid phone number" in response.json()["error"]
    assert not Call.objects.exists()


# --- unknown extensions ----------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["999", "", " 101", 102])
def test_an_unknown_extension_is_404(operator, known_client, extension):
    response = pop({"caller": "+74951000005", "extension": extension})
    assert response.status_code == 404
    assert response.json() == {"error": "no operator at this extension"}
    assert not Call.objects.exists()


def test_the_extension_of_someone_who_is_not_an_operator_is_404(known_client):
    manager = make_staff(role=Role.MANAGER)
    manager.staff_profile.extension = "202"
    manager.staff_profile.save(update_fields=["extension"])
    response = pop({"caller": "+74951000005", "extension": "202"})
    assert response.status_code == 404
    assert not Call.objects.exists()


def test_the_extension_of_an_inactive_operator_is_404(operator, known_client):
    operator.is_active = False
    operator.save(update_fields=["is_active"])
    assert pop({"caller": "+74951000005", "extension": "101"}).status_code == 404
    assert not Call.objects.exists()


# --- the screen pop -----------------------------------------------------------------------


def test_a_pop_creates_an_open_call_for_the_operator_and_identifies_the_client(
    operator, known_client
):
    response = pop({"caller": "8 (495) 100-00-05", "extension": "101"})
    assert response.status_code == 201
    call = Call.objects.get()
    assert call.operator == operator and call.status == Call.Status.OPEN
    assert call.client == known_client and call.phone == "+74951000005"
    assert response.json() == {
        "call_id": call.pk,
        "phone": "+74951000005",
        "client_id": known_client.pk,
        "client": "ООО «Ромашка»",
    }
    assert CallEvent.objects.filter(call=call, kind=CallEvent.Kind.IDENTIFIED).exists()


def test_a_numeric_extension_is_accepted(operator, known_client):
    response = pop({"caller": "+74951000005", "extension": 101})
    assert response.status_code == 201
    assert Call.objects.get().operator == operator


def test_an_unknown_caller_gets_a_call_without_a_client(operator):
    response = pop({"caller": "+74951000099", "extension": "101"})
    assert response.status_code == 201
    assert response.json()["client_id"] is None and response.json()["client"] is None
    call = Call.objects.get()
    assert call.client is None and call.phone == "+74951000099"


def test_the_operators_console_poll_opens_the_popped_call(client, operator, known_client):
    client.force_login(operator)
    assert client.get(reverse("calls:incoming"), **HX).status_code == 204
    call_id = pop({"caller": "+74951000005", "extension": "101"}).json()["call_id"]
    call = Call.objects.get(pk=call_id)
    response = client.get(reverse("calls:incoming"), **HX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("calls:step", args=[call.pk, call.step])


def test_another_operators_poll_does_not_see_the_call(client, operator, known_client):
    pop({"caller": "+74951000005", "extension": "101"})
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(reverse("calls:incoming"), **HX).status_code == 204


def test_a_second_pop_closes_the_first_call_as_abandoned(client, operator, known_client):
    first_id = pop({"caller": "+74951000005", "extension": "101"}).json()["call_id"]
    second_id = pop({"caller": "+74951000077", "extension": "101"}).json()["call_id"]
    first, second = Call.objects.get(pk=first_id), Call.objects.get(pk=second_id)
    assert first.status == Call.Status.ABANDONED and first.ended_at is not None
    assert first.outcome is not None and first.outcome.code == "abandoned"
    assert CallEvent.objects.filter(call=first, kind=CallEvent.Kind.ABANDONED).exists()
    assert second.status == Call.Status.OPEN
    client.force_login(operator)
    response = client.get(reverse("calls:incoming"), **HX)
    assert response["HX-Redirect"] == reverse("calls:step", args=[second.pk, second.step])
