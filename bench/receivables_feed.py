#!/usr/bin/env python
"""Seconds for the accounting system's receivables feed: 1k, 10k and 20k rows (target:
20k under 10 s on PostgreSQL).

    .venv/bin/python bench/receivables_feed.py      # creates/uses orderdesk_bench_feed

Against its own PostgreSQL database (migrated here; 2,000 clients with phones created
once), one process, POST /api/accounting/receivables through django.test.Client with
production-like settings, so JSON parsing, the checks and the bulk write are all counted.
For each size: a first batch (all new), the same batch again (nothing changes), the batch
with every amount changed (all updated) and the batch with one bad row (nothing written).
Only 127.0.0.1 / localhost is ever targeted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import check_local, ensure_database  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/orderdesk_bench_feed"
CLIENTS = 2000
TOKEN = "bench-accounting-token"


def setup_django(url: str) -> None:
    check_local(url)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "orderdesk.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ACCOUNTING_TOKEN"] = TOKEN
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def ensure_clients():
    from clients.models import Client, ClientPhone, ClientType

    prefix = "Бенч-клиент "
    existing = list(Client.objects.filter(name__startswith=prefix).order_by("pk"))
    if len(existing) >= CLIENTS:
        return existing[:CLIENTS]
    client_type = ClientType.objects.order_by("pk").first()
    if client_type is None:
        from orders.models import PriceColumn

        column, _ = PriceColumn.objects.get_or_create(code="bench", defaults={"name": "Bench"})
        client_type = ClientType.objects.create(
            code="bench", name="Bench", default_price_column=column
        )
    made = Client.objects.bulk_create(
        Client(name=f"{prefix}{i:05d}", client_type=client_type, region="Москва")
        for i in range(len(existing), CLIENTS)
    )
    ClientPhone.objects.bulk_create(
        ClientPhone(client=c, number=f"+7495{5000000 + c.pk:07d}") for c in made
    )
    return list(Client.objects.filter(name__startswith=prefix).order_by("pk"))[:CLIENTS]


def rows(clients, phones, n, *, tag, amount_shift=0):
    from django.utils import timezone

    today = timezone.localdate()
    out = []
    for i in range(n):
        client = clients[i % len(clients)]
        out.append(
            {
                "client": phones[client.pk] if i % 2 else client.pk,
                "document_no": f"{tag}-{i:06d}",
                "document_date": (today - timedelta(days=60 + i % 30)).isoformat(),
                "due_date": (today - timedelta(days=i % 45)).isoformat(),
                "amount": f"{1000 + i % 5000 + amount_shift}.50",
                "paid_amount": "0" if i % 3 else "100.00",
            }
        )
    return out


def post(http, body: bytes):
    started = time.perf_counter()
    response = http.post(
        "/api/accounting/receivables",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {TOKEN}",
    )
    return time.perf_counter() - started, response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_FEED_URL", DEFAULT_URL))
    parser.add_argument("--sizes", default="1000,10000,20000")
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.test import Client as HttpClient

    from clients.models import ClientPhone, Receivable

    clients = ensure_clients()
    phones = {
        p.client_id: p.number.as_e164
        for p in ClientPhone.objects.filter(client__in=clients).only("client_id", "number")
    }
    http = HttpClient()
    print(f"receivables feed on {args.database_url.rsplit('/', 1)[-1]}, {len(clients)} clients")
    print(
        f"{'rows':>6} {'bytes':>9} {'new s':>7} {'again s':>8} {'changed s':>10} {'bad row s':>10}"
    )
    for n in (int(s) for s in args.sizes.split(",")):
        tag = f"B{n}"
        Receivable.objects.filter(document_no__startswith=f"{tag}-").delete()
        batch = rows(clients, phones, n, tag=tag)
        body = json.dumps({"receivables": batch}).encode()
        first, r1 = post(http, body)
        assert r1.status_code == 200 and r1.json()["created"] == n, r1.content[:300]
        again, r2 = post(http, body)
        assert r2.json() == {"created": 0, "updated": 0, "unchanged": n}, r2.content[:300]
        changed_body = json.dumps(
            {"receivables": rows(clients, phones, n, tag=tag, amount_shift=1)}
        ).encode()
        changed, r3 = post(http, changed_body)
        assert r3.json()["updated"] == n, r3.content[:300]
        bad = rows(clients, phones, n, tag=tag)
        bad[n // 2]["due_date"] = "0001-01-02"
        bad_time, r4 = post(http, json.dumps({"receivables": bad}).encode())
        assert r4.status_code == 400, r4.content[:300]
        print(
            f"{n:>6} {len(body):>9} {first:>7.2f} {again:>8.2f} {changed:>10.2f} {bad_time:>10.2f}"
        )


if __name__ == "__main__":
    main()
