#!/usr/bin/env python
"""Measure each call-script step and each log page against a baseline request.

    .venv/bin/python bench/run.py                       # against orderdesk_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/orderdesk_bench_s0_01 \\
        .venv/bin/python bench/run.py --compare bench/out/results_orderdesk_bench.json

One process, django.test.Client with force_login, production-like settings (DEBUG off).
Each step: warm-up iterations, then N measured ones; p50/p95 in ms, the ratio to the
baseline (a bare view doing one primary-key query, measured in the same run) and the
number of SQL queries per request. The main queries are EXPLAINed (ANALYZE, BUFFERS) into
bench/out/. The benchmark writes calls, drafts and accepted orders for the bench_op01
operator; it never deletes anything. Only 127.0.0.1 / localhost is ever targeted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.load import DEFAULT_URL, check_local, swap_target  # noqa: E402
from bench.words import SEARCH_TERMS  # noqa: E402

HX = {"HX-Request": "true"}
# Issue 10's targets: the p50 ratio to the baseline of the same run, by the step's name.
TARGETS = {
    "identify": 3.0,
    "card": 3.0,
    "route": 3.0,
    "search": 3.0,
    "suggest": 3.0,
    "quote": 3.0,
    "add line": 5.0,
    "change line": 5.0,
    "answer offer": 5.0,
    "order entry": 6.0,
    "accept": 8.0,
    "call log": 8.0,
    "order log": 8.0,
}


def target_of(name: str) -> float | None:
    return next((t for prefix, t in TARGETS.items() if name.startswith(prefix)), None)


def setup_django(url: str) -> None:
    check_local(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk.settings")
    # Production-like: no DEBUG (no template debug, no query log outside the capture).
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


# --- measurement ---------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    kind: str  # "htmx", "page", "function", "baseline"
    times: list[float] = field(default_factory=list)  # ms
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    last_sql: list[dict] = field(default_factory=list)

    def p(self, q: float) -> float:
        xs = sorted(self.times)
        return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else float("nan")

    @property
    def p50(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def p95(self) -> float:
        return self.p(0.95)


class Bench:
    def __init__(self):
        self.steps: dict[str, Step] = {}

    def step(self, name: str, kind: str) -> Step:
        if name not in self.steps:
            self.steps[name] = Step(name, kind)
        return self.steps[name]

    def measure(self, name: str, kind: str, fn, *args, warm: bool, expect=None, **kwargs):
        """Time ``fn(*args, **kwargs)`` and count its SQL queries."""
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        step = self.step(name, kind)
        # The capture keeps Django's query log from being reset by request_started; clear it
        # here, or it fills up (9000 entries) and the counts come out as 0.
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            result = fn(*args, **kwargs)
            elapsed = (time.perf_counter() - started) * 1000
        ok = expect(result) if expect else True
        if not ok:
            step.errors += 1
            if step.errors <= 3:
                status = getattr(result, "status_code", "?")
                print(f"  ! {name}: unexpected result (status {status})", file=sys.stderr)
        if not warm:
            step.times.append(elapsed)
            step.queries.append(len(ctx.captured_queries))
        step.last_sql = list(ctx.captured_queries)
        return result


class Budget:
    """Iterations ``0 … warmup + n - 1``, cut short once ``seconds`` have passed and at least
    ``minimum`` measured iterations exist (slow steps would otherwise take hours)."""

    seconds = 300.0
    minimum = 10

    def __init__(self, n: int, warmup: int, label: str):
        self.n, self.warmup, self.label = n, warmup, label
        self.started = time.monotonic()

    def __iter__(self):
        for i in range(self.warmup + self.n):
            elapsed = time.monotonic() - self.started
            if i >= self.warmup + self.minimum and elapsed > self.seconds:
                print(f"  {self.label}: time budget reached after {i - self.warmup} iterations")
                return
            yield i


def redirected_to(pattern: str):
    regex = re.compile(pattern)

    def check(response):
        return response.status_code == 200 and bool(regex.search(swap_target(response)))

    return check


def status_ok(response):
    return response.status_code == 200


# --- data the run needs ----------------------------------------------------------------------


def second_factor(http, user) -> None:
    """Sign the session in with a second factor where production requires one (finance,
    admins: ``TWO_FACTOR_REQUIRED_ROLES``), as django_otp.login does after a code."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from orderdesk.security.two_factor import two_factor_required

    if not two_factor_required(user):
        return
    device, _new = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def typed(e164: str) -> str:
    """+74951234567 → "8 (495) 123-45-67", as an operator would type it."""
    d = e164[2:]
    return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"


def pick_clients(count: int):
    """Frequent (heaviest-history) clients an operator can take an order from: a manager,
    not a key client (those are transferred), not regional, no credit limit, not blocked."""
    from django.db.models import Max

    from clients.debt import check_debt
    from clients.models import Client

    frequent = max(1, int(Client.objects.aggregate(m=Max("pk"))["m"] * 0.02))
    candidates = (
        Client.objects.filter(
            pk__lte=frequent,
            manager__isnull=False,
            client_type__is_key=False,
            client_type__is_regional=False,
            credit_limit__isnull=True,
        )
        .select_related("client_type__default_price_column")
        .order_by("pk")[: count * 5]
    )
    chosen = [c for c in candidates if not check_debt(c).blocked][:count]
    if len(chosen) < count:
        sys.exit("not enough bench clients: is the data set loaded (bench/load.py)?")
    return chosen


def orderable_products(rng: random.Random, count: int):
    from orders.models import Product

    ids = list(
        Product.objects.filter(is_active=True, prices__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    picked = rng.sample(ids, min(count, len(ids)))
    by_id = Product.objects.select_related("category").in_bulk(picked)
    return [by_id[pk] for pk in picked]


def quantity_for(product) -> str:
    return "2.5" if product.is_weighed else "3"


# --- the scenarios ---------------------------------------------------------------------------


def run_baseline(bench: Bench, http, n: int, warmup: int, rng: random.Random, max_pk: int):
    for i in Budget(n, warmup, "baseline"):
        pk = rng.randrange(1, max_pk + 1)
        bench.measure(
            "baseline: bare view, 1 PK query",
            "baseline",
            http.get,
            f"/bench/baseline/?pk={pk}",
            warm=i < warmup,
            expect=status_ok,
        )


def run_call_script(bench, http, operator, clients, products, n, warmup, rng):
    """identify → card → route → order entry → (4 lines) → search → add line."""
    from calls.models import Call
    from orders import services
    from orders.models import Order
    from orders.upsell import suggest

    drafts = []
    for i in Budget(n, warmup, "call script"):
        warm = i < warmup
        client = clients[i % len(clients)]
        phone = client.phones.order_by("pk").first().number
        r = bench.measure(
            "identify: POST /console/start/",
            "htmx",
            http.post,
            "/console/start/",
            {"phone": typed(str(phone))},
            headers=HX,
            warm=warm,
            expect=redirected_to(r"/calls/\d+/purpose/"),
        )
        call_id = int(re.search(r"/calls/(\d+)/", swap_target(r)).group(1))
        bench.measure(
            "card: GET /calls/<id>/purpose/ (page)",
            "page",
            http.get,
            f"/calls/{call_id}/purpose/",
            warm=warm,
            expect=status_ok,
        )
        bench.measure(
            "route: POST /calls/<id>/purpose/",
            "htmx",
            http.post,
            f"/calls/{call_id}/purpose/",
            {"purpose": "order"},
            headers=HX,
            warm=warm,
            expect=redirected_to(rf"/calls/{call_id}/order/"),
        )
        bench.measure(
            "order entry: GET /calls/<id>/order/ (page)",
            "page",
            http.get,
            f"/calls/{call_id}/order/",
            warm=warm,
            expect=status_ok,
        )
        order = Order.objects.get(call_id=call_id)
        picks = rng.sample(products, 5)
        for product in picks[:4]:
            order = services.set_line(
                order=order, product=product, quantity=quantity_for(product), by=operator
            )
        term = SEARCH_TERMS[i % len(SEARCH_TERMS)]
        bench.measure(
            "search: GET …/order/search/?q=",
            "htmx",
            http.get,
            f"/calls/{call_id}/order/search/",
            {"q": term},
            headers=HX,
            warm=warm,
            expect=status_ok,
        )
        extra = picks[4]
        bench.measure(
            "add line: POST …/order/lines/",
            "htmx",
            http.post,
            f"/calls/{call_id}/order/lines/",
            {"product": extra.pk, "quantity": quantity_for(extra)},
            headers=HX,
            warm=warm,
            expect=status_ok,
        )
        bench.measure(
            "change line: POST …/order/lines/<id>/",
            "htmx",
            http.post,
            f"/calls/{call_id}/order/lines/{picks[0].pk}/",
            {"quantity": quantity_for(picks[0])},
            headers=HX,
            warm=warm,
            expect=status_ok,
        )
        offer = suggest(Order.objects.select_related("client__client_type").get(pk=order.pk))
        if offer:  # what the operator would see offered first
            bench.measure(
                "answer offer: POST …/order/offers/",
                "htmx",
                http.post,
                f"/calls/{call_id}/order/offers/",
                {"product": offer[0].product.pk, "reason": offer[0].reason, "response": "declined"},
                headers=HX,
                warm=warm,
                expect=status_ok,
            )
        drafts.append(order.pk)
    assert Call.objects.filter(operator=operator, status="open").count() == 1
    return drafts


def prepare_ready_order(operator, client, products, rng):
    """A fresh call with a draft of 10 lines, 3 answered offers and delivery set: ready to
    accept. One at a time: the accept view wants the call still open, and an operator has
    one open call (start_call abandons the previous one)."""
    from django.utils import timezone

    from calls import services as call_services
    from orders import services
    from orders.delivery import DeliveryTerms, delivery_windows, next_delivery_day, set_delivery
    from orders.models import UpsellOffer

    phone = client.phones.order_by("pk").first().number
    call = call_services.start_call(phone=str(phone), operator=operator)
    call_services.choose_purpose(call=call, purpose="order", by=operator)
    order = services.start_order(client=call.client, operator=operator, call=call, by=operator)
    picks = rng.sample(products, 13)
    for product in picks[:10]:
        order = services.set_line(
            order=order, product=product, quantity=quantity_for(product), by=operator
        )
    # Three answered offers. Written directly: services.record_offer first asks
    # upsell.suggest whether the product may be offered (seconds per call at full scale,
    # measured on its own above), which would make the preparation take most of the run.
    now = timezone.now()
    for product, response in zip(picks[10:], ("accepted", "declined", "declined"), strict=True):
        UpsellOffer.objects.create(
            order=order, product=product, reason="new", response=response, answered_at=now
        )
        if response == "accepted":
            order = services.set_line(
                order=order, product=product, quantity="1", origin="upsell", by=operator
            )
    terms = DeliveryTerms(
        fulfilment="delivery",
        delivery_date=next_delivery_day(),
        delivery_window=delivery_windows()[0],
        delivery_address=client.addresses.filter(is_default=True).first(),
        receiver=client.contacts.filter(can_receive_goods=True).first(),
        payment_form="bank_transfer",
        payment_documents="Счёт и ТОРГ-12",
    )
    set_delivery(order=order, terms=terms, by=operator)
    return call.pk


def run_accept(bench, http, operator, clients, products, n, warmup, rng):
    from orders.models import Order

    for i in Budget(n, warmup, "accept"):
        call_id = prepare_ready_order(operator, clients[i % len(clients)], products, rng)
        key = str(uuid.uuid4())
        total = str(Order.objects.get(call_id=call_id).total)  # as read back to the client
        bench.measure(
            "accept: POST …/order/accept/",
            "htmx",
            http.post,
            f"/calls/{call_id}/order/accept/",
            {"idempotency_key": key, "expected_total": total},
            headers=HX,
            warm=i < warmup,
            expect=redirected_to(rf"/calls/{call_id}/order/done/"),
        )


def run_domain(bench, clients, products, drafts, n, warmup, rng):
    from clients.models import Client
    from orders.models import Order
    from orders.pricing import quote
    from orders.upsell import suggest

    for i in Budget(n, warmup, "quote"):
        warm = i < warmup
        client = Client.objects.select_related("client_type__default_price_column").get(
            pk=clients[i % len(clients)].pk
        )
        lines = [(p, Decimal(quantity_for(p))) for p in rng.sample(products, 10)]
        bench.measure("quote: pricing.quote(10 lines)", "function", quote, client, lines, warm=warm)
    for i in Budget(n, warmup, "suggest"):
        warm = i < warmup
        order = Order.objects.select_related("client__client_type").get(pk=drafts[i % len(drafts)])
        bench.measure("suggest: upsell.suggest(order)", "function", suggest, order, warm=warm)


def deep_cursor(queryset, field_name: str, days_back: int) -> str | None:
    """The keyset cursor of the newest row older than ``days_back`` days (a deep page)."""
    from django.utils import timezone

    from orderdesk.paging import encode_cursor

    row = (
        queryset.filter(**{f"{field_name}__lt": timezone.now() - timedelta(days=days_back)})
        .order_by(f"-{field_name}", "-pk")
        .values_list(field_name, "pk")
        .first()
    )
    return encode_cursor(*row) if row else None


def run_logs(bench, viewers, phones, n, warmup):
    from calls.logs import call_log_queryset
    from orders.logs import order_log_queryset

    for label, (user, http) in viewers.items():
        call_cursor = deep_cursor(call_log_queryset(user), "started_at", 365)
        order_cursor = deep_cursor(order_log_queryset(user), "accepted_at", 365)
        pages = [
            (f"call log p1 ({label})", "/logs/calls/", {}),
            (f"call log deep ({label})", "/logs/calls/", {"after": call_cursor}),
            (f"order log p1 ({label})", "/logs/orders/", {}),
            (f"order log deep ({label})", "/logs/orders/", {"after": order_cursor}),
            (f"order log by phone ({label})", "/logs/orders/", {"client": typed(phones[label])}),
            (f"call log by phone ({label})", "/logs/calls/", {"client": typed(phones[label])}),
        ]
        for name, url, params in pages:
            query = "?" + urlencode(params) if params else ""
            for i in Budget(n, warmup, name):
                bench.measure(
                    name,
                    "page",
                    http.get,
                    url + query,
                    warm=i < warmup,
                    expect=status_ok,
                )


# --- EXPLAIN ---------------------------------------------------------------------------------

MAIN_QUERIES = [
    # (slug, step name, predicate on the SQL)
    ("phone_lookup", "identify: POST /console/start/",
     lambda s: 'FROM "clients_clientphone"' in s and '"number" =' in s),
    ("product_search_trigram", "search: GET …/order/search/?q=",
     lambda s: 'FROM "orders_product"' in s and "LIKE" in s),
    ("call_log_page1_manager", "call log p1 (manager)",
     lambda s: 'FROM "calls_call"' in s and "ORDER BY" in s and "LIMIT 51" in s),
    ("call_log_deep_manager", "call log deep (manager)",
     lambda s: 'FROM "calls_call"' in s and "ORDER BY" in s and "LIMIT 51" in s),
    ("call_log_page1_head", "call log p1 (head)",
     lambda s: 'FROM "calls_call"' in s and "ORDER BY" in s and "LIMIT 51" in s),
    ("call_log_deep_all", "call log deep (all)",
     lambda s: 'FROM "calls_call"' in s and "ORDER BY" in s and "LIMIT 51" in s),
    ("order_log_page1_manager", "order log p1 (manager)",
     lambda s: 'FROM "orders_order"' in s and "ORDER BY" in s and "LIMIT 51" in s),
    ("order_log_by_phone_all", "order log by phone (all)",
     lambda s: 'FROM "orders_order"' in s and "ORDER BY" in s and "LIMIT 51" in s),
    ("order_log_page1_head", "order log p1 (head)",
     lambda s: 'FROM "orders_order"' in s and "ORDER BY" in s and "LIMIT 51" in s),
]  # fmt: skip


def explain(sql: str) -> str:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        raw = cur.cursor
        raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in raw.fetchall())
        transaction.set_rollback(True)
    return plan


def summarize_plan(plan: str) -> str:
    indexes = sorted(
        set(re.findall(r"(?:Index(?: Only)? Scan(?: Backward)? using|Bitmap Index Scan on) (\S+)",
                       plan))
    )  # fmt: skip
    seqs = sorted(set(re.findall(r"Seq Scan on (\S+)", plan)))
    top = re.search(r"rows=(\d+) loops=\d+\)", plan)
    exec_ms = re.search(r"Execution Time: ([\d.]+) ms", plan)
    hits = re.search(r"Buffers: shared hit=(\d+)(?: read=(\d+))?", plan)
    parts = [f"index: {', '.join(indexes) or '—'}"]
    if seqs:
        parts.append(f"SEQ SCAN: {', '.join(seqs)}")
    parts.append(f"rows {top.group(1) if top else '?'}")
    if hits:
        parts.append(f"buffers hit {hits.group(1)} read {hits.group(2) or 0}")
    parts.append(f"{exec_ms.group(1) if exec_ms else '?'} ms")
    return "; ".join(parts)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]


def run_explains(bench: Bench, tag: str) -> list[str]:
    lines = []
    out = OUT / f"explain_{tag}"
    out.mkdir(parents=True, exist_ok=True)
    for name, step_name, predicate in MAIN_QUERIES:
        step = bench.steps.get(step_name)
        sql = next((q["sql"] for q in (step.last_sql if step else []) if predicate(q["sql"])), None)
        if sql is None:
            lines.append(f"{name}: query not found in {step_name!r}")
            continue
        plan = explain(sql)
        (out / f"{name}.txt").write_text(f"-- {step_name}\n{sql}\n\n{plan}\n")
        lines.append(f"{name}: {summarize_plan(plan)}")
    # the slowest query of every step (what to look at when a step misses the target)
    for step in bench.steps.values():
        selects = [q for q in step.last_sql if q["sql"].lstrip().upper().startswith("SELECT")]
        if not selects:
            continue
        worst = max(selects, key=lambda q: float(q["time"]))
        plan = explain(worst["sql"])
        (out / f"slowest_{slug(step.name)}.txt").write_text(
            f"-- {step.name}: slowest of {len(step.last_sql)} queries "
            f"({float(worst['time']) * 1000:.1f} ms when captured)\n{worst['sql']}\n\n{plan}\n"
        )
        lines.append(f"slowest in {step.name}: {summarize_plan(plan)}")
    return lines


# --- report ----------------------------------------------------------------------------------


def report(bench: Bench, tag: str, compare: dict | None) -> dict:
    base = bench.steps["baseline: bare view, 1 PK query"]
    rows = []
    header = (
        f"{'step':<46} {'kind':<8} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'×p50':>6} "
        f"{'×p95':>6} {'queries':>8}"
    )
    if compare:
        header += f" {'q@cmp':>7}"
    header += "  target"
    print(header)
    print("-" * len(header))
    results = {}
    for step in bench.steps.values():
        if not step.times:
            continue
        r50, r95 = step.p50 / base.p50, step.p95 / base.p95
        qmin, qmax = min(step.queries), max(step.queries)
        qtext = f"{qmin}" if qmin == qmax else f"{qmin}–{qmax}"
        target = target_of(step.name)
        verdict = "" if target is None else f"≤{target:g} " + ("ok" if r50 <= target else "MISS")
        line = (
            f"{step.name:<46} {step.kind:<8} {len(step.times):>4} {step.p50:>8.1f} "
            f"{step.p95:>8.1f} {r50:>6.1f} {r95:>6.1f} {qtext:>8}"
        )
        if compare:
            other = compare.get("steps", {}).get(step.name)
            otext = "—"
            if other:
                omin, omax = other["queries_min"], other["queries_max"]
                otext = f"{omin}" if omin == omax else f"{omin}–{omax}"
            line += f" {otext:>7}"
        line += f"  {verdict}"
        if step.errors:
            line += f"  ({step.errors} unexpected responses)"
        print(line)
        results[step.name] = {
            "kind": step.kind,
            "n": len(step.times),
            "p50_ms": round(step.p50, 2),
            "p95_ms": round(step.p95, 2),
            "ratio_p50": round(r50, 2),
            "ratio_p95": round(r95, 2),
            "queries_min": qmin,
            "queries_max": qmax,
            "errors": step.errors,
        }
        rows.append(line)
    return {"database": tag, "steps": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", "-n", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--log-iterations", type=int, default=100,
                        help="iterations per log page (default 100)")  # fmt: skip
    parser.add_argument("--compare", help="a results JSON of another run (query counts)")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument(
        "--only",
        choices=("script", "logs"),
        help="measure only this part (and the baseline): script = the call script and accept, "
        "logs = the log pages",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=Budget.seconds,
        help="seconds per scenario before it stops early (≥ 10 samples kept; default 300)",
    )
    args = parser.parse_args()

    Budget.seconds = args.budget
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    setup_django(url)
    tag = urlsplit(url).path.lstrip("/")
    compare = json.loads(Path(args.compare).read_text()) if args.compare else None

    from django.contrib.auth import get_user_model
    from django.db.models import Max
    from django.test import Client as HttpClient
    from django.test.utils import override_settings

    from clients.models import Client

    User = get_user_model()
    rng = random.Random(7)
    started = time.monotonic()
    with override_settings(
        ROOT_URLCONF="bench.urls",
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ):
        operator = User.objects.get(username=os.environ.get("BENCH_OPERATOR", "bench_op01"))
        op_http = HttpClient()
        op_http.force_login(operator)
        clients = pick_clients(10)
        manager = clients[0].manager
        viewers = {}
        for label, username in (
            ("manager", manager.username),
            ("head", "bench_head_wholesale"),
            ("all", "bench_head_finance"),
        ):
            user = User.objects.get(username=username)
            http = HttpClient()
            http.force_login(user)
            second_factor(http, user)
            viewers[label] = (user, http)
        phones = {
            "manager": str(clients[0].phones.order_by("pk").first().number),
            "head": str(clients[0].phones.order_by("pk").first().number),
            "all": str(clients[1].phones.order_by("pk").first().number),
        }
        products = orderable_products(rng, 400)
        max_pk = Client.objects.aggregate(m=Max("pk"))["m"]
        print(
            f"database {tag}: {max_pk:,} clients; operator {operator.username}; "
            f"viewers {', '.join(f'{k}={u.username}' for k, (u, _h) in viewers.items())}"
        )
        bench = Bench()
        half = args.iterations // 2
        print("baseline (first half)…")
        run_baseline(bench, op_http, half, args.warmup, rng, max_pk)
        if args.only != "logs":
            print("call script…")
            drafts = run_call_script(
                bench, op_http, operator, clients, products, args.iterations, args.warmup, rng
            )
            if args.only != "script":
                print("domain functions…")
                run_domain(bench, clients, products, drafts, args.iterations, args.warmup, rng)
            print("accept…")
            run_accept(
                bench, op_http, operator, clients, products, args.iterations, args.warmup, rng
            )
        if args.only != "script":
            print("log pages…")
            run_logs(bench, viewers, phones, args.log_iterations, max(5, args.warmup // 2))
        print("baseline (second half)…")
        run_baseline(bench, op_http, args.iterations - half, args.warmup, rng, max_pk)
        print(f"measured in {time.monotonic() - started:.0f} s\n")
        results = report(bench, tag, compare)
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / f"results_{tag}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
        if not args.no_explain:
            print("\nEXPLAIN (ANALYZE, BUFFERS) — full plans in bench/out/explain_" + tag + "/")
            for line in run_explains(bench, tag):
                print("  " + line)


if __name__ == "__main__":
    main()
