"""POST /api/accounting/receivables: the accounting system's receivables (F-CLI-3)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.debt import check_debt
from clients.models import Receivable
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

TOKEN = "accounting-test-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.ACCOUNTING_TOKEN = TOKEN


@pytest.fixture
def debtor():
    return ClientFactory(name="Должник", phone="+74951000001", credit_limit=Decimal("50000"))


def post(client, body, token=TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        reverse("clients:api_receivables"), data, content_type="application/json", **headers
    )


def document(debtor, **overrides):
    today = timezone.localdate()
    row = {
        "client": "8 (495) 100-00-01",
        "document_no": "РН-000123",
        "document_date": (today - timedelta(days=30)).isoformat(),
        "due_date": (today - timedelta(days=2)).isoformat(),
        "amount": "12500.00",
        "paid_amount": "0",
    }
    row.update(overrides)
    return row


@pytest.mark.parametrize("token", [None, "wrong"])
def test_refuses_a_missing_or_wrong_token(client, debtor, token):
    response = post(client, {"receivables": [document(debtor)]}, token=token)
    assert response.status_code == 401
    assert not Receivable.objects.exists()


def test_endpoint_is_off_without_a_configured_token(client, debtor, settings):
    settings.ACCOUNTING_TOKEN = ""
    assert post(client, {"receivables": []}, token="").status_code == 401


@pytest.mark.parametrize(
    "body", ["not json", "[1, 2]", '{"receivables": "x"}', '{"receivables": [1]}']
)
def test_malformed_bodies_are_refused(client, debtor, body):
    response = post(client, body)
    assert response.status_code == 400
    assert "error" in response.json()


def test_documents_are_created_and_drive_the_debt_gate(client, debtor):
    response = post(client, {"receivables": [document(debtor)]})
    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert check_debt(debtor).overdue == Decimal("12500.00")
    assert check_debt(debtor).blocked


def test_sending_the_same_document_again_updates_it(client, debtor):
    post(client, {"receivables": [document(debtor)]})
    response = post(client, {"receivables": [document(debtor, paid_amount="12500.00")]})
    assert response.json() == {"created": 0, "updated": 1, "unchanged": 0}
    assert Receivable.objects.get().paid_amount == Decimal("12500.00")
    assert not check_debt(debtor).blocked


def test_one_bad_row_writes_nothing_and_names_every_problem(client, debtor):
    rows = [
        document(debtor),
        document(debtor, document_no="РН-2", client="+7 495 999-99-99"),
        document(debtor, document_no="РН-3", amount="-5"),
        document(debtor, document_no="РН-4", paid_amount="99999999"),
    ]
    response = post(client, {"receivables": rows})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(e["row"], e["column"]) for e in errors} >= {
        (2, "client"),
        (3, "amount"),
        (4, "paid_amount"),
    }
    assert not Receivable.objects.exists()
