"""Moves between the order stages swap the ``#order-stage`` section (the step bar and the
panel) only: the call head and the client card stay on the page and are not read again."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.delivery import next_delivery_day
from orders.models import Order
from tests.views import test_order_entry as order_entry
from tests.views.test_order_entry import (
    DELIVERY_QUERIES,
    HX,
    accept_key,
    add,
    delivery_data,
    draft,
    snapshot,
    stored_total,
    text,
    url,
)

# The entry tests' fixtures: the shop, the client, the call and its draft at each stage.
org, operator, manager, retail, customer = (
    order_entry.org,
    order_entry.operator,
    order_entry.manager,
    order_entry.retail,
    order_entry.customer,
)
catalogue, call, http, at_delivery, ready = (
    order_entry.catalogue,
    order_entry.call,
    order_entry.http,
    order_entry.at_delivery,
    order_entry.ready,
)

pytestmark = pytest.mark.django_db

SECTION = {**HX, "HTTP_HX_TARGET": "order-stage"}
CONSOLE = {**HX, "HTTP_HX_TARGET": "order-main"}

# Queries of a move between the stages with the caches warm: numbers that can only go down
# (the #order-main answers, without the client card's reads: DELIVERY_QUERIES).
SECTION_QUERIES = {"page": 9, "stored": 17, "back": 11}


def assert_section(response, stage: str) -> str:
    """The section of ``stage`` alone: the step bar and the panel, no call frame or card."""
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<section id="order-stage">'), body[:200]
    assert f'data-stage="{stage}"' in body and 'class="steps"' in body
    assert 'id="order-messages"' in body
    for absent in ('id="order-main"', 'id="client-card"', "call-head", "<html"):
        assert absent not in body, absent
    current = re.findall(r'<li class="is-current">\s*\d\. ([^<]*)</li>', body)
    assert current == [{"entry": "Lines and offers", "delivery": "Delivery and payment",
                        "review": "Read-back"}[stage]]  # fmt: skip
    return body


def assert_console(response, stage: str) -> str:
    """The whole console as before: the call frame and the card, then the section."""
    body = text(response)
    assert response.status_code == 200 and f'data-stage="{stage}"' in body
    assert 'id="order-main"' in body and 'id="client-card"' in body and "call-head" in body
    assert ('id="order-stage"' in body) == (stage != "done")  # the done page has no section
    return body


def targets_the_section(body: str, path: str, verb: str = "get") -> bool:
    return bool(
        re.search(rf'hx-{verb}="{re.escape(path)}" hx-target="#order-stage" hx-swap="outerHTML"',
                  body)
    )  # fmt: skip


# --- the moves answer the section --------------------------------------------------------


def test_the_stage_moves_target_the_section(http, call, ready):
    entry = text(http.get(url("entry", call)))
    assert re.search(
        rf'hx-get="{url("delivery", call)}" hx-target="#order-stage" hx-swap="outerHTML" '
        r'hx-push-url="true" data-key="F9"',
        entry,
    )
    delivery = text(http.get(url("delivery", call)))
    assert targets_the_section(delivery, url("delivery", call), "post")
    assert targets_the_section(delivery, url("entry", call))
    review = text(http.get(url("review", call)))
    assert targets_the_section(review, url("delivery", call))
    # acceptance and the step bar's wrap-up still move the whole console / page
    assert f'hx-post="{url("accept", call)}" hx-target="#order-main"' in review


def test_the_delivery_page_answers_the_section(http, call, customer, at_delivery):
    body = assert_section(http.get(url("delivery", call), **SECTION), "delivery")
    assert next_delivery_day().isoformat() in body
    assert "Москва, ул. Складская, д. 7" in body and "Приёмщик Иван" in body


def test_the_delivery_post_answers_the_read_back_section(http, call, customer, at_delivery):
    response = http.post(url("delivery", call), delivery_data(customer), **SECTION)
    body = assert_section(response, "review")
    assert response["HX-Push-Url"] == url("review", call)
    uuid.UUID(accept_key(response))
    assert "Москва, ул. Складская, д. 7" in body.split('id="readback-script"')[1]
    order = draft(call)
    assert order.delivery_date == next_delivery_day()
    assert order.payment_form == Order.PaymentForm.BANK_TRANSFER


def test_the_back_links_answer_the_section(http, call, ready):
    assert_section(http.get(url("entry", call), **SECTION), "entry")
    assert_section(http.get(url("delivery", call), **SECTION), "delivery")  # from the review


def test_a_section_move_writes_nothing(http, call, ready):
    http.get(url("review", call))  # the page the operator is on
    before = snapshot()
    for stage in ("entry", "delivery", "review"):
        assert http.get(url(stage, call), **SECTION).status_code == 200
    assert snapshot() == before


# --- bad input and refusals stay in the section ----------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"delivery_date": "2001-01-01"}, "The delivery date cannot be in the past."),
        ({"delivery_window": ""}, "Choose a delivery time window."),
        ({"receiver": "999999"}, "Select a valid choice."),
        ({"payment_form": "barter"}, "Select a valid choice."),
    ],
)
def test_a_bad_delivery_post_shows_the_errors_in_the_section_and_stores_nothing(
    http, call, customer, at_delivery, changes, message
):
    before = snapshot()
    response = http.post(url("delivery", call), delivery_data(customer, **changes), **SECTION)
    body = assert_section(response, "delivery")
    assert message in body and "msg-error" in body
    assert "HX-Push-Url" not in response
    assert snapshot() == before


def test_a_far_date_asks_for_confirmation_in_the_section(http, call, customer, at_delivery):
    far = next_delivery_day(after=timezone.localdate() + timedelta(days=21))
    data = delivery_data(customer, delivery_date=far.isoformat())
    before = snapshot()
    body = assert_section(http.post(url("delivery", call), data, **SECTION), "delivery")
    assert "more than two weeks ahead" in body and 'id="far-ahead"' in body
    assert snapshot() == before
    confirmed = http.post(url("delivery", call), {**data, "far_ahead_confirmed": "on"}, **SECTION)
    assert_section(confirmed, "review")
    assert draft(call).delivery_date == far


def test_sent_back_to_the_entry_the_section_says_why(http, call, catalogue):
    http.get(url("entry", call))
    add(http, call, catalogue["milk"], "2")  # the offers are not answered yet
    before = snapshot()
    response = http.get(url("delivery", call), **SECTION)
    body = assert_section(response, "entry")
    assert response["HX-Push-Url"] == url("entry", call)
    messages = body.split('id="order-messages"')[1].split("</div>")[0]
    assert "0 of 3 answered" in messages and "msg-warning" in messages
    assert snapshot() == before


def test_a_section_move_to_the_accepted_order_shows_the_whole_console(http, call, ready):
    review = http.get(url("review", call))
    data = {"idempotency_key": accept_key(review), "expected_total": stored_total(call)}
    http.post(url("accept", call), data)
    # the entry sends htmx to the done page with a page swap (no section there)
    response = http.get(url("entry", call), **SECTION)
    assert response.status_code == 200
    assert json.loads(response["HX-Location"])["path"] == url("done", call)
    # a done page reached by a redirect inside the section still takes the whole console
    response = http.get(url("done", call), **SECTION)
    assert response["HX-Retarget"] == "#order-main" and response["HX-Reswap"] == "outerHTML"
    assert_console(response, "done")


def test_a_section_move_on_a_call_without_a_draft_shows_the_whole_console(http, call):
    Order.objects.filter(call=call).delete()
    response = http.get(url("entry", call), **SECTION)
    assert response["HX-Retarget"] == "#order-main" and response["HX-Reswap"] == "outerHTML"
    assert 'id="order-main"' in text(response) and 'id="order-stage"' not in text(response)


# --- other answers are unchanged -------------------------------------------------------


@pytest.mark.parametrize("stage", ["entry", "delivery", "review"])
def test_the_page_and_the_console_answers_are_unchanged(http, call, ready, stage):
    page = http.get(url(stage, call))
    assert b"<html" in page.content
    assert_console(page, stage)
    for headers in (HX, CONSOLE):
        response = http.get(url(stage, call), **headers)
        assert b"<html" not in response.content and "HX-Retarget" not in response
        assert text(response).lstrip().startswith('<div class="console" id="order-main">')
        assert_console(response, stage)


def test_the_delivery_post_for_the_console_answers_the_whole_console(
    http, call, customer, at_delivery
):
    response = http.post(url("delivery", call), delivery_data(customer), **CONSOLE)
    assert response["HX-Push-Url"] == url("review", call)
    assert_console(response, "review")


# --- query counts ----------------------------------------------------------------------


def count(do) -> int:
    do()  # warms the caches
    with CaptureQueriesContext(connection) as queries:
        response = do()
    assert response.status_code == 200 and "msg-error" not in text(response)
    return len(queries)


def test_the_section_moves_read_less_than_the_console(http, call, customer, ready):
    data = delivery_data(customer)
    moves = {
        "page": lambda headers: http.get(url("delivery", call), **headers),
        "stored": lambda headers: http.post(url("delivery", call), data, **headers),
        "back": lambda headers: http.get(url("entry", call), **headers),
    }
    for name, move in moves.items():
        section, console = count(lambda m=move: m(SECTION)), count(lambda m=move: m(CONSOLE))
        assert section <= SECTION_QUERIES[name], (name, section)
        assert section < console, (name, section, console)
    assert SECTION_QUERIES["page"] < DELIVERY_QUERIES["page"]
    assert SECTION_QUERIES["stored"] < DELIVERY_QUERIES["stored"] - 2  # it counts delivery_data


def test_the_section_query_counts(http, call, customer, ready, django_assert_max_num_queries):
    data = delivery_data(customer)
    http.get(url("delivery", call), **SECTION)  # warms the caches
    with django_assert_max_num_queries(SECTION_QUERIES["page"]):
        assert_section(http.get(url("delivery", call), **SECTION), "delivery")
    with django_assert_max_num_queries(SECTION_QUERIES["stored"]):
        assert_section(http.post(url("delivery", call), data, **SECTION), "review")
    with django_assert_max_num_queries(SECTION_QUERIES["back"]):
        assert_section(http.get(url("entry", call), **SECTION), "entry")


@pytest.mark.parametrize("stage", ["delivery", "review"])
def test_a_section_move_on_a_call_that_ended_swaps_the_page_not_the_section(
    http, call, ready, stage
):
    # the call was wrapped up meanwhile (another tab): the wrap-up screen is a whole page
    # (HX-Location), never a console nested in the section
    from calls.models import Call

    Call.objects.filter(pk=call.pk).update(status=Call.Status.CLOSED)
    response = http.get(url(stage, call), **SECTION)
    assert response.status_code == 200 and "HX-Location" in response
    assert "/order/" not in json.loads(response["HX-Location"])["path"]
    assert 'id="order-stage"' not in text(response)
