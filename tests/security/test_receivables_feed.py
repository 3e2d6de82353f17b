"""The receivables feed copes with real batches: checked in memory, one bulk write, bounded
queries, the same batch twice changes nothing, dates within bounds, body limits that reach
the JSON 413."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Receivable
from clients.services import import_receivables
from tests.factories import ClientFactory, ReceivableFactory

pytestmark = pytest.mark.django_db

TOKEN = "accounting-test-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.ACCOUNTING_TOKEN = TOKEN


def post(client, body):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        reverse("clients:api_receivables"),
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )


def rows_for(clients, n, **overrides):
    today = timezone.localdate()
    rows = []
    for i in range(n):
        customer = clients[i % len(clients)]
        row = {
            "client": customer.phones.first().number.as_e164 if i % 2 else customer.pk,
            "document_no": f"РН-{i:06d}",
            "document_date": (today - timedelta(days=30)).isoformat(),
            "due_date": (today + timedelta(days=i % 20)).isoformat(),
            "amount": f"{1000 + i}.50",
            "paid_amount": "0",
        }
        row.update(overrides)
        rows.append(row)
    return rows


@pytest.fixture
def clients():
    return [ClientFactory(phone=f"+7495100{i:04d}") for i in range(5)]


def writes(captured) -> list[str]:
    return [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_a_batch_is_written_with_a_bounded_number_of_queries(clients):
    small, large = rows_for(clients, 5), rows_for(clients, 300)
    with CaptureQueriesContext(connection) as few:
        import_receivables(small)
    Receivable.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        outcome = import_receivables(large)
    assert outcome.created == 300 and not outcome.errors

    # Reads do not grow with rows; inserts come in batches (2,000 rows; fewer on SQLite).
    def reads(captured):
        return [q for q in captured.captured_queries if not q["sql"].startswith("INSERT")]

    assert len(reads(many)) == len(reads(few))
    assert len(many) <= 10


def test_the_same_batch_twice_changes_nothing_the_second_time(client, clients):
    rows = rows_for(clients, 50)
    first = post(client, {"receivables": rows})
    assert first.json() == {"created": 50, "updated": 0, "unchanged": 0}
    stored = list(Receivable.objects.order_by("pk").values())

    with CaptureQueriesContext(connection) as captured:
        second = post(client, {"receivables": rows})

    assert second.json() == {"created": 0, "updated": 0, "unchanged": 50}
    assert writes(captured) == []
    assert list(Receivable.objects.order_by("pk").values()) == stored


def test_a_changed_row_is_updated_in_bulk(client, clients):
    rows = rows_for(clients, 20)
    post(client, {"receivables": rows})
    rows[3]["paid_amount"] = rows[3]["amount"]
    rows[7]["due_date"] = timezone.localdate().isoformat()
    response = post(client, {"receivables": rows})
    assert response.json() == {"created": 0, "updated": 2, "unchanged": 18}
    doc = Receivable.objects.get(document_no="РН-000003")
    assert doc.paid_amount == doc.amount


def test_a_row_without_paid_amount_keeps_the_stored_payment(client, clients):
    ReceivableFactory(
        client=clients[0], document_no="РН-1", amount=Decimal("100"), paid_amount=Decimal("40")
    )
    row = rows_for(clients, 1, document_no="РН-1", amount="100")[0]
    row.pop("paid_amount")
    response = post(client, {"receivables": [row]})
    assert response.status_code == 200
    assert Receivable.objects.get(document_no="РН-1").paid_amount == Decimal("40")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("due_date", "0001-01-02"),
        ("due_date", "9999-12-31"),
        ("document_date", "1999-12-31"),
        ("paid_at", "2100-01-01"),
    ],
)
def test_implausible_dates_are_refused(client, clients, column, value):
    rows = rows_for(clients, 3)
    rows[1][column] = value
    if column == "document_date":
        rows[1]["due_date"] = "2000-02-01"
    response = post(client, {"receivables": rows})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} == {(2, column)}
    assert not Receivable.objects.exists()


def test_dates_at_the_bounds_pass(client, clients):
    today = timezone.localdate()
    last = (
        today.replace(year=today.year + 5) if not (today.month == 2 and today.day == 29) else None
    )
    rows = rows_for(clients, 1, document_date="2000-01-01")
    if last:
        rows[0]["due_date"] = last.isoformat()
    assert post(client, {"receivables": rows}).status_code == 200


def test_a_document_twice_in_one_batch_is_an_error(client, clients):
    rows = rows_for(clients, 2)
    rows[1] = dict(rows[0])
    response = post(client, {"receivables": rows})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 2, "column": "__all__", "message": "The same document is in row 1 of this batch."}
    ]


def test_every_problem_of_every_row_is_reported(client, clients):
    rows = rows_for(clients, 4)
    rows[0]["document_no"] = "x" * 61
    rows[1]["amount"] = "12.345"
    rows[2]["client"] = "not a phone"
    rows[3]["due_date"] = (
        date.fromisoformat(rows[3]["document_date"]) - timedelta(days=1)
    ).isoformat()
    response = post(client, {"receivables": rows})
    assert response.status_code == 400
    assert {(e["row"], e["column"]) for e in response.json()["errors"]} == {
        (1, "document_no"),
        (2, "amount"),
        (3, "client"),
        (4, "due_date"),
    }


def test_a_body_over_the_feed_limit_gets_the_json_413(client, clients, settings):
    settings.RECEIVABLES_FEED_MAX_BYTES = 2000
    response = post(client, {"receivables": rows_for(clients, 30)})
    assert response.status_code == 413
    assert "at most" in response.json()["error"]
    assert not Receivable.objects.exists()


def test_a_body_over_the_site_wide_upload_limit_is_still_read(client, clients, settings):
    # Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) answered an HTML 400 before.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, {"receivables": rows_for(clients, 30)})
    assert response.status_code == 200
    assert response.json()["created"] == 30


def test_too_many_rows_get_the_json_413(client, settings, monkeypatch):
    monkeypatch.setattr("clients.api.MAX_RECEIVABLE_ROWS", 3)
    response = post(client, {"receivables": [{}] * 4})
    assert response.status_code == 413
    assert "error" in response.json()
