"""Two receivables batches at once: the second gets a clear 409, never a raw
IntegrityError; after the first, the same batch again changes nothing."""

import json

import psycopg
import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Receivable
from clients.receivables_feed import FEED_LOCK_KEY
from tests.factories import ClientFactory

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

TOKEN = "accounting-test-token"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.ACCOUNTING_TOKEN = TOKEN


def post(body):
    return HttpClient().post(
        reverse("clients:api_receivables"),
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )


def batch(n=20):
    customer = ClientFactory(phone="+74951000001")
    today = timezone.localdate().isoformat()
    return {
        "receivables": [
            {
                "client": customer.pk,
                "document_no": f"D-{i}",
                "document_date": today,
                "due_date": today,
                "amount": "10.00",
            }
            for i in range(n)
        ]
    }


def test_a_batch_while_another_is_being_written_gets_a_json_409():
    body = batch()
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        # Another batch holds the feed's lock (as inside its transaction).
        other.execute("SELECT pg_advisory_lock(%s)", [FEED_LOCK_KEY])
        response = post(body)
        other.execute("SELECT pg_advisory_unlock(%s)", [FEED_LOCK_KEY])

    assert response.status_code == 409
    assert "send again" in response.json()["error"]
    assert response["Retry-After"]
    assert not Receivable.objects.exists()
    assert post(body).json() == {"created": 20, "updated": 0, "unchanged": 0}


def test_two_identical_batches_at_once_write_each_document_once(run_concurrently):
    body = batch(200)

    results = run_concurrently(2, lambda i: post(body))

    statuses = sorted(r.status_code for kind, r in results if kind == "ok")
    assert len(statuses) == 2
    assert set(statuses) <= {200, 409}
    assert 200 in statuses
    assert Receivable.objects.count() == 200
    for _kind, response in results:
        if response.status_code == 200:
            assert response.json()["created"] in (0, 200)
