#!/usr/bin/env python
"""Time the reviewers' pages of issue 9 on the bench database.

    .venv/bin/python bench/load.py --scale 0.05        # → orderdesk_bench_s0_05 (~2 min)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderdesk_bench_s0_05 \\
        .venv/bin/python -u bench/criteria_bench.py
    .venv/bin/python -u bench/criteria_bench.py        # the full set (orderdesk_bench)

First rolls up the criteria of every closed day (``calls.rollup.roll_up_pending``, the
backfill: seconds and rows; then the same again, which finds nothing to do) unless
``--no-roll-up``. Measures, for the last month and the last year of the whole desk, read
through the roll-up (closed days from ``OperatorDay``, today and yesterday live) and
computed live (``calls.criteria.computed_live``): ``operator_criteria`` (+ ``desk_total``),
one ``daily_trend`` and the whole criteria page as a request of a head; then the client
list of finance (all clients): the first page and the page after ``--deep`` pages of
keyset paging. Reports p50 / max in ms and the SQL queries per request. Writes only the
roll-up tables (``--no-roll-up``: read-only). The bench data has no call events,
transfers, feedback, tasks or upsell offers (see bench/README.md): those groups run over
empty tables, so the figures are for calls, orders and lines.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import DEFAULT_URL  # noqa: E402
from bench.run import setup_django  # noqa: E402


def timed(fn, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("-n", "--iterations", type=int, default=5)
    parser.add_argument("--deep", type=int, default=20, help="pages to walk in the client list")
    parser.add_argument("--periods", default="month,year", help="month, year or both")
    parser.add_argument(
        "--modes", default="rolled,live", help="rolled (through the roll-up), live or both"
    )
    parser.add_argument(
        "--no-roll-up", action="store_true", help="do not run the backfill first (read-only)"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    setup_django(args.database_url)

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from calls.criteria import computed_live, daily_trend, desk_total, operator_criteria
    from calls.models import Call, CriteriaDay, OperatorDay
    from calls.rollup import roll_up_pending

    setup_test_environment()  # response.context for the cursors
    settings.ALLOWED_HOSTS = ["*"]
    # force_login has no second factor: the pages are measured, not the sign-in (finance
    # must use 2FA with DEBUG off).
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    # As bench/run.py: plain static storage (no collectstatic manifest needed).
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The bench data ends at the day of the load: measure up to the newest call.
    newest = Call.objects.order_by("-started_at").values_list("started_at", flat=True).first()
    today = timezone.localtime(newest).date() if newest else timezone.localdate()
    print(f"database {connection.settings_dict['NAME']}, calls {Call.objects.count():,}")
    if not args.no_roll_up:
        for what in ("roll_up_pending (backfill)", "roll_up_pending (again: nothing pending)"):
            start = time.perf_counter()
            done = roll_up_pending()
            seconds = time.perf_counter() - start
            print(f"{what}: {done.days} days, {done.rows:,} rows in {seconds:.1f} s", flush=True)
    print(
        f"rolled up: {CriteriaDay.objects.filter(rolled_at__isnull=False).count()} days, "
        f"{OperatorDay.objects.count():,} operator-day rows"
    )
    print(f"{'what':58} {'p50 ms':>9} {'max ms':>9} {'queries':>8}")

    def report(label, fn, n=args.iterations):
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            result = fn()
        status = getattr(result, "status_code", 200)
        assert status == 200, f"{label}: HTTP {status}"
        p50, worst = timed(fn, n)
        print(f"{label:58} {p50:9.1f} {worst:9.1f} {len(queries):8d}", flush=True)

    User = get_user_model()
    head = User.objects.get(username="bench_head_support")
    finance = User.objects.get(username="bench_finance2")
    web = Client()
    web.force_login(head)
    wanted = set(args.periods.split(","))
    for mode in args.modes.split(","):
        switch = computed_live if mode == "live" else contextlib.nullcontext
        for label, days in (("month", 30), ("year", 365)):
            if label not in wanted:
                continue
            date_from = today - timedelta(days=days - 1)

            def criteria(date_from=date_from, switch=switch):
                with switch():
                    rows = operator_criteria(date_from=date_from, date_to=today)
                    desk_total(date_from=date_from, date_to=today, rows=rows)
                return rows

            def trend(date_from=date_from, switch=switch):
                with switch():
                    return daily_trend(date_from=date_from, date_to=today, criterion="order_value")

            url = reverse("calls:criteria") + (
                f"?period=custom&date_from={date_from:%Y-%m-%d}&date_to={today:%Y-%m-%d}"
            )

            def page(url=url, switch=switch):
                with switch():
                    return web.get(url)

            rows = criteria()
            report(f"{mode}: operator_criteria + desk_total, {label} ({len(rows)} ops)", criteria)
            report(f"{mode}: daily_trend order_value, {label}", trend)
            report(f"{mode}: criteria page (head), {label}", page)

    web.force_login(finance)
    url = reverse("clients:review_list")
    report("client list (finance, all clients), first page", lambda: web.get(url))
    cursor = None
    for _ in range(args.deep):
        response = web.get(url, {"after": cursor} if cursor else {})
        cursor = response.context["page"].next_cursor
        if cursor is None:
            break
    if cursor:
        report(
            f"client list, page {args.deep + 1} (keyset)",
            lambda: web.get(url, {"after": cursor}),
        )
    report(
        "client list, overdue only",
        lambda: web.get(url, {"overdue": "on"}),
    )


if __name__ == "__main__":
    main()
