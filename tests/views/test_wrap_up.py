"""The wrap-up screen: only the outcomes that fit the call, the suggested one preselected,
Alt+digit to change it; a forged outcome is refused with the reason and changes nothing."""

import re

import pytest
from django.urls import reverse

from calls.models import Call, CallEvent, OutcomeCode, Purpose
from calls.services import choose_purpose, start_call
from orderdesk.models import Department
from orderdesk.roles import Role
from orders.models import Order
from tests.conftest import swapped_to
from tests.factories import (
    ClientFactory,
    ClientTypeFactory,
    DepartmentFactory,
    OrderFactory,
    make_staff,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
PHONE = "+74951000005"


@pytest.fixture
def operator():
    return make_staff(role=Role.OPERATOR, first_name="Анна", last_name="Операторова")


@pytest.fixture
def call(operator):
    wholesale = DepartmentFactory(kind=Department.Kind.WHOLESALE, head=make_staff(role=Role.HEAD))
    client_type = ClientTypeFactory(code="retail", department=wholesale)
    ClientFactory(client_type=client_type, manager=make_staff(role=Role.MANAGER), phone=PHONE)
    return start_call(phone=PHONE, operator=operator)


@pytest.fixture
def reference_call(call, operator):
    choose_purpose(call=call, purpose=Purpose.REFERENCE, by=operator)
    return call


def url(call):
    return reverse("calls:step", args=[call.pk, "wrap_up"])


def offered(html: str) -> list[str]:
    return re.findall(r'name="outcome" value="([a-z_]+)"', html)


def checked(html: str) -> list[str]:
    return re.findall(r'name="outcome" value="([a-z_]+)"[^>]*checked', html)


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_a_reference_call_is_offered_only_the_outcomes_that_fit(
    client, operator, reference_call, headers, django_assert_max_num_queries
):
    client.force_login(operator)
    with django_assert_max_num_queries(20):
        response = client.get(url(reference_call), **headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert ("<html" in html) is (headers == {})
    assert offered(html) == ["information_given", "complaint_recorded", "no_answer", "call_back"]
    assert checked(html) == ["information_given"]


def test_outcomes_change_with_alt_and_a_digit_never_a_bare_digit(client, operator, reference_call):
    client.force_login(operator)
    html = client.get(url(reference_call)).content.decode()
    assert 'data-key="Alt+1"' in html and "<kbd>Alt+1</kbd>" in html
    assert not re.search(r'data-key="\d"', html)


def test_a_call_with_an_accepted_order_is_offered_order_taken_preselected(client, operator, call):
    OrderFactory(call=call, client=call.client, operator=operator, status=Order.Status.ACCEPTED)
    client.force_login(operator)
    html = client.get(url(call), **HX).content.decode()
    assert offered(html) == checked(html) == ["order_taken"]


@pytest.mark.parametrize(("headers", "status"), [({}, 422), (HX, 200)], ids=["page", "htmx"])
def test_a_forged_order_taken_on_a_reference_call_is_refused_and_changes_nothing(
    client, operator, reference_call, headers, status
):
    client.force_login(operator)
    response = client.post(
        url(reference_call), {"outcome": OutcomeCode.ORDER_TAKEN, "notes": "x"}, **headers
    )
    assert response.status_code == status
    assert "no order was accepted on this call" in response.content.decode()
    reference_call.refresh_from_db()
    assert reference_call.status == Call.Status.OPEN and reference_call.outcome is None
    assert not reference_call.events.filter(kind=CallEvent.Kind.WRAPPED_UP).exists()


def test_a_fitting_outcome_closes_the_call(client, operator, reference_call):
    client.force_login(operator)
    response = client.post(url(reference_call), {"outcome": OutcomeCode.INFORMATION_GIVEN}, **HX)
    assert swapped_to(response) == reverse("calls:console")
    reference_call.refresh_from_db()
    assert reference_call.outcome.code == OutcomeCode.INFORMATION_GIVEN


def test_another_operators_wrap_up_is_a_404(client, reference_call):
    client.force_login(make_staff(role=Role.OPERATOR))
    assert client.get(url(reference_call)).status_code == 404
    response = client.post(url(reference_call), {"outcome": OutcomeCode.INFORMATION_GIVEN})
    assert response.status_code == 404
    reference_call.refresh_from_db()
    assert reference_call.status == Call.Status.OPEN


def test_the_wrap_up_screen_is_in_russian(client, operator, reference_call):
    client.force_login(operator)
    html = client.get(url(reference_call), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Alt+цифра" in html


# --- issue 12: keyboard and focus ----------------------------------------------------


def test_no_answer_needs_no_time_and_books_the_next_attempt_itself(
    client, operator, reference_call
):
    from datetime import timedelta

    from django.utils import timezone

    from calls.models import CallTask

    client.force_login(operator)
    before = timezone.now()
    response = client.post(url(reference_call), {"outcome": OutcomeCode.NO_ANSWER}, **HX)
    assert response.status_code == 200
    reference_call.refresh_from_db()
    assert reference_call.status == Call.Status.CLOSED
    task = CallTask.objects.get(call=reference_call, kind=CallTask.Kind.CALL_BACK)
    assert before + timedelta(hours=2) <= task.due_at <= timezone.now() + timedelta(hours=2)


def test_a_call_back_without_a_time_shows_the_error_at_the_field_once(
    client, operator, reference_call
):
    client.force_login(operator)
    for headers in ({}, HX):
        response = client.post(url(reference_call), {"outcome": OutcomeCode.CALL_BACK}, **headers)
        html = response.content.decode()
        field = re.search(r"<input[^>]*name=\"callback_at\"[^>]*>", html).group(0)
        assert 'aria-invalid="true"' in field  # orderdesk.js focuses it
        assert html.count("Say when to call back.") + html.count("Укажите") <= 1
        assert 'class="msg msg-error"' not in html
    reference_call.refresh_from_db()
    assert reference_call.status == Call.Status.OPEN


def test_call_back_quick_picks_are_offered(client, operator, reference_call):
    client.force_login(operator)
    html = client.get(url(reference_call), **HX).content.decode()
    picks = re.findall(r'data-fill="#id_callback_at" (data-fill-[a-z]+="[^"]+")', html)
    assert picks == [
        'data-fill-minutes="15"',
        'data-fill-minutes="60"',
        'data-fill-tomorrow="10:00"',
    ]


def test_wrap_up_moves_to_the_console_by_a_page_swap_and_the_swap_gets_a_whole_page(
    client, operator, reference_call
):
    # issue 12: no full page load during a call; the swapped-in GET renders the whole page
    import json

    client.force_login(operator)
    response = client.post(url(reference_call), {"outcome": OutcomeCode.INFORMATION_GIVEN}, **HX)
    location = json.loads(response["HX-Location"])
    assert location["path"] == reverse("calls:console")
    assert (location["target"], location["select"]) == ("#main", "#main")
    swapped = client.get(location["path"], **HX, **{"HTTP_X_PAGE_SWAP": "1"})
    assert b"<html" in swapped.content and b'id="main"' in swapped.content
    restored = client.get(url(reference_call), **HX, **{"HTTP_HX_HISTORY_RESTORE_REQUEST": "true"})
    assert b"<html" in restored.content
    assert b"<html" not in client.get(url(reference_call), **HX).content  # a panel as before
