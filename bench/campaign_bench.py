#!/usr/bin/env python
"""Creating a campaign of 10,000 clients, and the head's campaign page at that size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderdesk_outbound \\
        .venv/bin/python bench/campaign_bench.py [--clients 10000] [--repeat 3]

PostgreSQL on 127.0.0.1/localhost only. Migrates the database, adds a department, its
head and N clients of its type (bulk, once: reused on the next run), then times
``create_campaign`` (from a queryset and from a list of Client objects), ``campaign_progress``
and the campaign page (full and htmx) with django.test.Client, counting queries. Each
timed campaign is deleted afterwards; the clients stay for the next run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import check_local, ensure_database  # noqa: E402

DEFAULT = "postgres://postgres@127.0.0.1:5432/orderdesk_outbound"
TARGET_SECONDS = 10.0


def setup(url: str) -> None:
    check_local(url)
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(n: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from clients.models import Client, ClientType
    from orderdesk.models import Department
    from orderdesk.roles import Role
    from orders.models import PriceColumn

    User = get_user_model()
    head, _ = User.objects.get_or_create(username="bench_campaign_head")
    head.groups.add(Group.objects.get(name=Role.HEAD))
    department, _ = Department.objects.get_or_create(
        name="Bench campaign dept", defaults={"kind": Department.Kind.WHOLESALE, "head": head}
    )
    column, _ = PriceColumn.objects.get_or_create(code="base", defaults={"name": "Base"})
    ctype, _ = ClientType.objects.get_or_create(
        code="bench-campaign",
        defaults={
            "name": "Bench campaign",
            "default_price_column": column,
            "department": department,
        },
    )
    have = Client.objects.filter(client_type=ctype).count()
    if have < n:
        Client.objects.bulk_create(
            (Client(name=f"Bench client {i:05d}", client_type=ctype) for i in range(have, n)),
            batch_size=5000,
        )
    return head, Client.objects.filter(client_type=ctype).order_by("pk")[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT))
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from calls import campaigns
    from calls.models import Campaign

    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        ALLOWED_HOSTS=["*"],
    ).enable()
    head, clients = world(args.clients)
    ids = list(clients.values_list("pk", flat=True))
    print(f"{len(ids)} clients on {connection.settings_dict['NAME']}")

    timings = {"queryset": [], "objects": [], "progress": [], "page": [], "page_hx": []}
    queries = {}
    http = HttpClient()
    http.force_login(head)
    for _ in range(args.repeat):
        from clients.models import Client

        start = time.perf_counter()
        campaign = campaigns.create_campaign(
            by=head, name="bench", instructions="bench", clients=Client.objects.filter(pk__in=ids)
        )
        timings["queryset"].append(time.perf_counter() - start)
        assert campaign.tasks.count() == len(ids)

        start = time.perf_counter()
        campaigns.campaign_progress(campaign)
        timings["progress"].append(time.perf_counter() - start)

        url = reverse("campaigns:detail", args=[campaign.pk])
        for key, extra in (("page", {}), ("page_hx", {"HTTP_HX_REQUEST": "true"})):
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = http.get(url, **extra)
                timings[key].append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
            queries[key] = len(captured)
        Campaign.objects.filter(pk=campaign.pk).delete()

        objects = list(Client.objects.filter(pk__in=ids))
        start = time.perf_counter()
        campaign = campaigns.create_campaign(
            by=head, name="bench", instructions="bench", clients=objects + objects[:100]
        )
        timings["objects"].append(time.perf_counter() - start)
        assert campaign.tasks.count() == len(ids)
        Campaign.objects.filter(pk=campaign.pk).delete()

    for key, values in timings.items():
        extra = f", {queries[key]} queries" if key in queries else ""
        print(
            f"{key:10s} median {statistics.median(values) * 1000:8.1f} ms "
            f"(max {max(values) * 1000:.1f} ms){extra}"
        )
    worst = max(timings["queryset"] + timings["objects"])
    verdict = "OK" if worst < TARGET_SECONDS else "TOO SLOW"
    print(
        f"create_campaign worst {worst:.2f} s for {len(ids)} clients: "
        f"{verdict} (< {TARGET_SECONDS} s)"
    )


if __name__ == "__main__":
    main()
