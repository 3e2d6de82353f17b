#!/usr/bin/env python
"""Load the benchmark data set into a PostgreSQL database with COPY.

    .venv/bin/python bench/load.py                 # the full set (--scale 1.0)
    .venv/bin/python bench/load.py --scale 0.01    # a quick try (its own database)

The database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/orderdesk_bench;
for another scale the default name gets a suffix, e.g. orderdesk_bench_s0_01) is created
when missing and migrated; a small organisation is created with the ORM; then each unit of
tables is loaded with COPY in one transaction and skipped when it already holds the
expected number of rows. See bench/README.md.

Only 127.0.0.1 / localhost is ever targeted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from array import array
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import words as W  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/orderdesk_bench"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
BASE_SEED = 7
PASSWORD = "bench12345"  # bench database only
HISTORY_DAYS = 730
DAY = 86400
CHUNK = 20000
NULL = r"\N"  # COPY text format

# code, name, position, share of the base price
PRICE_COLUMNS = [
    ("base", "Базовая", 1, 100),
    ("opt", "Оптовая", 2, 92),
    ("large_opt", "Крупный опт", 3, 88),
    ("own", "Собственные точки", 4, 85),
    ("regional", "Региональная", 5, 95),
]
# code, name, default column, department kind, asleep days, is_key, is_regional, manager pool
CLIENT_TYPES = [
    ("market", "Рыночный торговец", "opt", "wholesale", 30, False, False, "wholesale"),
    ("key", "Ключевой клиент", "large_opt", "wholesale", 21, True, False, "kam"),
    ("own_point", "Собственная точка", "own", "retail", 14, False, False, "retail"),
    ("retail", "Розница", "base", "retail", 45, False, False, "retail"),
    ("regional", "Региональный клиент", "regional", "regional", 60, False, True, "regional"),
]
# share (per mille) of each type among the frequent clients and among the rest
TYPE_MIX_FREQUENT = [400, 250, 150, 200, 0]
TYPE_MIX_REST = [300, 10, 20, 450, 220]
DEPARTMENTS = [
    ("wholesale", "Отдел оптовых продаж"),
    ("retail", "Отдел розничных продаж"),
    ("regional", "Отдел региональных продаж"),
    ("support", "Отдел сопровождения продаж"),
    ("finance", "Финансовая служба"),
]
N_OPERATORS = 20
MANAGERS = {"kam": 10, "wholesale": 14, "retail": 10, "regional": 8}
PHONE_PREFIXES = ["495", "499", "903", "905", "909", "915", "916", "917", "925", "929", "977",
                  "985"]  # fmt: skip
UNKNOWN_PREFIX = "926"  # callers who are nobody's number
FREQUENT_SHARE = 0.02  # the first 2 % of clients order often
FREQUENT_PICK = 0.30  # … and make 30 % of the calls
BASKET = 12  # each client's usual products

# Call kinds: (purpose, outcome code, share per mille among calls that are not orders)
CALL_KINDS = [
    ("order", "order_taken", 0),
    ("order", "debt_blocked", 50),
    ("order", "transferred", 100),
    ("reference", "information_given", 400),
    ("feedback", "complaint_recorded", 120),
    ("other", "transferred", 180),
    ("other", "no_answer", 80),
    ("reference", "call_back", 70),
]


T_START = time.monotonic()


def log(msg: str) -> None:
    print(f"[{time.monotonic() - T_START:7.1f} s] {msg}", flush=True)


# --- database URL and creation ---------------------------------------------------------------


def database_url(arg: str | None, scale: float) -> str:
    url = arg or os.environ.get("DATABASE_URL")
    if not url:
        url = DEFAULT_URL
        if scale != 1.0:
            url += "_s" + f"{scale:g}".replace(".", "_")
    check_local(url)
    return url


def check_local(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(f"refusing {url!r}: the benchmark needs PostgreSQL")
    if (parts.hostname or "") not in LOCAL_HOSTS:
        sys.exit(f"refusing {url!r}: only 127.0.0.1 / localhost may be targeted")


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


# --- sizes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    clients: int
    products: int
    rules: int
    promotions: int
    calls: int
    orders: int

    @classmethod
    def for_scale(cls, s: float) -> Sizes:
        return cls(
            clients=max(200, round(1_000_000 * s)),
            products=max(200, round(20_000 * s)),
            rules=max(20, round(300 * s)),
            promotions=max(10, round(40 * s)),
            calls=max(1000, round(5_000_000 * s)),
            orders=max(400, round(2_000_000 * s)),
        )


# --- the organisation (ORM, idempotent) --------------------------------------------------------


@dataclass
class Org:
    columns: dict[str, int]  # code → id
    column_share: dict[int, int]  # id → percent of base
    types: list[dict]  # CLIENT_TYPES in order, with ids
    departments: dict[str, int]
    operators: list[int]
    pools: dict[str, list[int]]  # manager pool → user ids
    outcomes: dict[str, int]
    categories: list[str] = field(default_factory=list)


def ensure_org() -> Org:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import transaction

    from calls.models import CallOutcome
    from clients.models import ClientType
    from orderdesk.models import Department, StaffProfile
    from orderdesk.roles import Role
    from orders.models import PriceColumn

    User = get_user_model()
    password = make_password(PASSWORD)
    with transaction.atomic():
        columns = {}
        for code, name, position, _share in PRICE_COLUMNS:
            col, _ = PriceColumn.objects.get_or_create(
                code=code, defaults={"name": name, "position": position}
            )
            columns[code] = col.pk

        def user(username, first, last, role, *, superuser=False):
            u, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@bench.invalid",
                    "password": password,
                    "is_staff": superuser,
                    "is_superuser": superuser,
                },
            )
            if created and role:
                u.groups.add(Group.objects.get(name=str(role)))
            return u

        def profile(u, dept_id, *, kam=False, presence="available", ext=None):
            StaffProfile.objects.get_or_create(
                user=u,
                defaults={
                    "department_id": dept_id,
                    "is_key_account_manager": kam,
                    "presence": presence,
                    "extension": ext,
                },
            )

        departments = {}
        ext = 100
        for i, (kind, name) in enumerate(DEPARTMENTS):
            role = Role.FINANCE if kind == "finance" else Role.HEAD
            head = user(f"bench_head_{kind}", W.FIRST_NAMES[i], W.SURNAMES[i], role)
            if kind == "finance":
                head.groups.add(Group.objects.get(name=str(Role.HEAD)))
            dept, _ = Department.objects.get_or_create(
                name=name, defaults={"kind": kind, "head": head}
            )
            departments[kind] = dept.pk
            ext += 1
            profile(head, dept.pk, ext=str(ext))
        fin = user("bench_finance2", "Артём", "Семёнов", Role.FINANCE)
        profile(fin, departments["finance"], ext="499")
        user("bench_admin", "Максим", "Григорьев", None, superuser=True)

        operators = []
        for i in range(1, N_OPERATORS + 1):
            u = user(
                f"bench_op{i:02d}",
                W.FIRST_NAMES[i % 25],
                W.SURNAMES[(i + 10) % len(W.SURNAMES)],
                Role.OPERATOR,
            )
            profile(u, departments["support"], ext=str(1000 + i))
            operators.append(u.pk)
        pools: dict[str, list[int]] = {}
        n = 0
        for pool, count in MANAGERS.items():
            dept = departments["wholesale" if pool == "kam" else pool]
            pools[pool] = []
            for _ in range(count):
                n += 1
                presence = "busy" if n % 9 == 0 else ("absent" if n % 13 == 0 else "available")
                last = W.SURNAMES[(n + 30) % len(W.SURNAMES)]
                u = user(f"bench_mgr{n:02d}", W.FIRST_NAMES[n % 25], last, Role.MANAGER)
                profile(u, dept, kam=pool == "kam", presence=presence, ext=str(2000 + n))
                pools[pool].append(u.pk)

        types = []
        for code, name, column, dept_kind, asleep, is_key, is_regional, pool in CLIENT_TYPES:
            ct, _ = ClientType.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "default_price_column_id": columns[column],
                    "department_id": departments[dept_kind],
                    "asleep_after_days": asleep,
                    "is_key": is_key,
                    "is_regional": is_regional,
                },
            )
            types.append(
                {
                    "code": code,
                    "id": ct.pk,
                    "column": ct.default_price_column_id,
                    "pool": pool,
                    "is_regional": ct.is_regional,
                }  # fmt: skip
            )
    outcomes = dict(CallOutcome.objects.values_list("code", "pk"))
    missing = {o for _p, o, _s in CALL_KINDS} - set(outcomes)
    if missing:
        sys.exit(f"call outcomes missing (migration calls.0003?): {sorted(missing)}")
    share = {columns[code]: pct for code, _n, _p, pct in PRICE_COLUMNS}
    return Org(columns, share, types, departments, operators, pools, outcomes)


# --- text helpers ----------------------------------------------------------------------------


def money(kopecks: int) -> str:
    return f"{kopecks // 100}.{kopecks % 100:02d}"


def qty(milli: int) -> str:
    return f"{milli // 1000}.{milli % 1000:03d}"


class Clock:
    """Epoch seconds → 'YYYY-MM-DD HH:MM:SS+00' with a per-day cache."""

    def __init__(self):
        self.days: dict[int, str] = {}

    def ts(self, epoch: int) -> str:
        d, s = divmod(epoch, DAY)
        day = self.days.get(d)
        if day is None:
            day = self.days[d] = (date(1970, 1, 1) + timedelta(days=d)).isoformat()
        h, s = divmod(s, 3600)
        m, s = divmod(s, 60)
        return f"{day} {h:02d}:{m:02d}:{s:02d}+00"

    def day(self, epoch: int) -> str:
        return self.ts(epoch)[:10]


def phone_number(j: int) -> str:
    """The j-th client phone: unique, valid (checked with phonenumbers), E.164."""
    n = len(PHONE_PREFIXES)
    local = ((j // n) * 7_654_321 + 1_234_567) % 10_000_000
    return f"+7{PHONE_PREFIXES[j % n]}{local:07d}"


def half_up(value: int, num: int, den: int) -> int:
    """round(value * num / den) half up, for non-negative integers."""
    return (2 * value * num + den) // (2 * den)


# --- the plan: every choice other tables depend on, computed cheaply in memory ---------------


class Plan:
    def __init__(self, sizes: Sizes, org: Org, now: int):
        self.sizes = sizes
        self.org = org
        self.now = now  # epoch seconds, on the hour
        self.t0 = (now // DAY - HISTORY_DAYS) * DAY
        master = random.Random(BASE_SEED)
        self.seeds = {
            name: master.getrandbits(64)
            for name in ("catalogue", "clients", "client_rows", "rules", "promotions",
                         "receivables", "calls", "call_rows", "orders", "lines")
        }  # fmt: skip
        self._catalogue = self._clients = self._calls = None

    def rng(self, name: str) -> random.Random:
        return random.Random(self.seeds[name])

    # catalogue ----------------------------------------------------------------------------
    def catalogue(self):
        if self._catalogue is None:
            rng = self.rng("catalogue")
            P = self.sizes.products
            cats = bytearray(P)
            base = array("i", bytes(4 * P))
            weighed = bytearray(P)
            active = bytearray(P)
            names = []
            units = []
            for i in range(P):
                c = rng.randrange(len(W.CATEGORIES))
                cats[i] = c
                noun = rng.choice(W.CATEGORIES[c][1])
                variant = rng.choice(W.VARIANTS)
                size, unit = rng.choice(W.SIZES)
                brand = rng.choice(W.BRANDS)
                name = f"{noun} {variant} «{brand}» {size}".replace("  ", " ")
                names.append(name)
                units.append(unit)
                weighed[i] = unit == "kg"
                active[i] = rng.random() > 0.05
                base[i] = int(3000 + (rng.random() ** 2) * 500_000)
            self._catalogue = {
                "cats": cats, "base": base, "weighed": weighed, "active": active,
                "names": names, "units": units,
            }  # fmt: skip
        return self._catalogue

    def price(self, product_index: int, column_id: int) -> int:
        base = self.catalogue()["base"][product_index]
        return half_up(base, self.org.column_share[column_id], 100)

    # clients ------------------------------------------------------------------------------
    @property
    def frequent(self) -> int:
        return max(1, int(self.sizes.clients * FREQUENT_SHARE))

    def clients(self):
        if self._clients is None:
            rng = self.rng("clients")
            N = self.sizes.clients
            F = self.frequent
            ctype = bytearray(N + 1)
            manager = array("i", bytes(4 * (N + 1)))
            credit = array("q", bytes(8 * (N + 1)))
            terms = bytearray(N + 1)
            debt = bytearray(N + 1)  # 0 none, 1 owes (not overdue), 2 overdue
            cum_f = _cumulative(TYPE_MIX_FREQUENT)
            cum_r = _cumulative(TYPE_MIX_REST)
            pools = [self.org.pools[t["pool"]] for t in self.org.types]
            for c in range(1, N + 1):
                frequent = c <= F
                r = rng.randrange(1000)
                t = _bucket(cum_f if frequent else cum_r, r)
                ctype[c] = t
                if frequent or rng.random() < 0.9:
                    pool = pools[t]
                    manager[c] = pool[rng.randrange(len(pool))]
                r = rng.random()
                if frequent:
                    credit[c] = -1 if r < 0.6 else rng.randrange(500, 5000) * 100_000
                else:
                    credit[c] = (
                        -1 if r < 0.3 else 0 if r < 0.35 else rng.randrange(20, 1000) * 100_000
                    )
                terms[c] = (0, 7, 14, 21, 30)[rng.randrange(5)]
                r = rng.random()
                if r < 0.2:
                    debt[c] = 2 if r < 0.05 else 1
            self._clients = {
                "ctype": ctype, "manager": manager, "credit": credit, "terms": terms, "debt": debt,
            }  # fmt: skip
        return self._clients

    def pick_client(self, rng: random.Random) -> int:
        if rng.random() < FREQUENT_PICK:
            return 1 + int(rng.random() * self.frequent)
        return 1 + int(rng.random() * self.sizes.clients)

    # calls (the skeleton orders and clients need) -----------------------------------------
    def calls(self):
        if self._calls is None:
            t = time.monotonic()
            rng = self.rng("calls")
            C, O, N = self.sizes.calls, self.sizes.orders, self.sizes.clients  # noqa: E741
            client = array("i", bytes(4 * (C + 1)))
            kind = bytearray(C + 1)
            operator = bytearray(C + 1)  # index into org.operators
            n_ops = len(self.org.operators)
            offset = array("I", bytes(4 * (C + 1)))  # seconds after t0
            order_calls = array("i")
            last_order = array("I", bytes(4 * (N + 1)))  # seconds after t0 of the last order
            cum = _cumulative([s for _p, _o, s in CALL_KINDS])
            days = HISTORY_DAYS
            work = 10 * 3600  # 09:00–19:00 Moscow = 06:00–16:00 UTC
            for i in range(1, C + 1):
                d, rest = divmod((i - 1) * days, C)
                off = d * DAY + 6 * 3600 + (rest * work) // C
                offset[i] = off
                operator[i] = rng.randrange(n_ops)
                if (i * O) // C != ((i - 1) * O) // C:
                    c = self.pick_client(rng)
                    client[i] = c
                    order_calls.append(i)
                    last_order[c] = off + accept_delay(i)
                else:
                    k = _bucket(cum, rng.randrange(1000))
                    kind[i] = k
                    if rng.random() >= 0.04 or k in (1, 2, 4, 6):
                        client[i] = self.pick_client(rng)
            self._calls = {
                "client": client, "kind": kind, "offset": offset, "order_calls": order_calls,
                "last_order": last_order, "operator": operator,
            }  # fmt: skip
            log(f"  planned {C:,} calls in {time.monotonic() - t:.1f} s")
        return self._calls

    # expected counts ----------------------------------------------------------------------
    def second_phone(self, c: int) -> bool:
        return c % 2 == 0

    def receivable_docs(self, c: int) -> int:
        return 1 + (c * 31) % 4

    def n_lines(self, k: int) -> int:
        return 1 + ((k * 2654435761) >> 11) % 9


def accept_delay(call_id: int) -> int:
    return 300 + (call_id * 7919) % 600


def _cumulative(weights):
    out, total = [], 0
    for w in weights:
        total += w
        out.append(total)
    return out


def _bucket(cum, r):
    for i, edge in enumerate(cum):
        if r < edge:
            return i
    return len(cum) - 1


# --- units: what is loaded, in which order --------------------------------------------------------


@dataclass
class Table:
    model: object  # Django model (or auto-created through model)
    columns: list[str]
    rows: object  # callable → iterable of row strings (no newline)
    expected: object  # callable → int
    big: bool = False  # drop & recreate secondary indexes around COPY

    @property
    def name(self) -> str:
        return self.model._meta.db_table


@dataclass
class Unit:
    name: str
    tables: list[Table]


def build_units(plan: Plan) -> list[Unit]:
    from calls.models import Call
    from clients.models import Client, ClientPhone, Contact, DeliveryAddress, Receivable
    from orders.models import (
        DiscountRule,
        Order,
        OrderLine,
        Product,
        ProductCategory,
        ProductPrice,
        Promotion,
    )

    org, sizes = plan.org, plan.sizes
    clock = Clock()
    N, P, C, O = sizes.clients, sizes.products, sizes.calls, sizes.orders  # noqa: E741
    col_ids = [org.columns[code] for code, *_ in PRICE_COLUMNS]
    today = plan.now // DAY

    # catalogue ------------------------------------------------------------------------
    def categories():
        for i, (name, _nouns) in enumerate(W.CATEGORIES, 1):
            yield f"{i}\t{name}"

    def products():
        cat = plan.catalogue()
        rng = plan.rng("catalogue")  # cosmetic fields only: a fresh stream
        for i in range(P):
            new_until = (
                clock.day((today + rng.randrange(5, 60)) * DAY) if rng.random() < 0.02 else r"\N"
            )
            r = rng.random()
            stock = r"\N" if r < 0.1 else "0.000" if r < 0.2 else qty(rng.randrange(1, 5000) * 1000)
            yield (
                f"{i + 1}\t{100000 + i + 1}\t{cat['names'][i]}\t{cat['cats'][i] + 1}\t"
                f"{cat['units'][i]}\t{'t' if cat['weighed'][i] else 'f'}\t"
                f"{'t' if cat['active'][i] else 'f'}\t{new_until}\t{stock}\t\t\t"
                f"{rng.choice(('', '6 месяцев', '30 суток', '12 месяцев'))}"
            )

    def prices():
        n = 0
        for i in range(P):
            for cid in col_ids:
                n += 1
                yield f"{n}\t{i + 1}\t{cid}\t{money(plan.price(i, cid))}"

    # clients --------------------------------------------------------------------------
    def clients():
        cl = plan.clients()
        last = plan.calls()["last_order"]
        rng = plan.rng("client_rows")
        types = org.types
        t0 = plan.t0
        for c in range(1, N + 1):
            t = cl["ctype"][c]
            name = company_name(rng, types[t]["code"])
            region = rng.choice(W.CITIES) if types[t]["is_regional"] else "Москва"
            credit = cl["credit"][c]
            manager = cl["manager"][c]
            created = clock.ts(t0 - rng.randrange(1, 900) * DAY + rng.randrange(DAY))
            lo = last[c]
            yield (
                f"{c}\t{name}\t{types[t]['id']}\t{manager or NULL}\t"
                f"{money(credit) if credit >= 0 else NULL}\t{cl['terms'][c]}\t{region}\t\t"
                f"{rng.randrange(10**9, 10**10)}\t\t{created}\t"
                f"{clock.ts(t0 + lo) if lo else NULL}"
            )

    def phones():
        for c in range(1, N + 1):
            yield f"{c}\t{c}\t{phone_number(c - 1)}\t"
        k = 0
        for c in range(1, N + 1):
            if plan.second_phone(c):
                k += 1
                yield f"{N + k}\t{c}\t{phone_number(N + k - 1)}\tсклад"

    def contacts():
        rng = plan.rng("client_rows")
        for c in range(1, N + 1):
            name = f"{rng.choice(W.SURNAMES)} {rng.choice(W.FIRST_NAMES)}"
            yield f"{c}\t{c}\t{name}\t{rng.choice(W.POSITIONS)}\t{phone_number(c - 1)}\t\tt"

    def addresses():
        rng = plan.rng("client_rows")
        for c in range(1, N + 1):
            address = f"{rng.choice(W.CITIES)}, {rng.choice(W.STREETS)}, д. {rng.randrange(1, 200)}"
            yield f"{c}\t{c}\t{address}\tt"

    # rules and promotions (small: built in memory) ------------------------------------
    rules_data = {}

    def rules_build():
        if rules_data:
            return rules_data
        rng = plan.rng("rules")
        rules, r_types, r_clients, r_cats, r_products = [], [], [], [], []
        for r in range(1, sizes.rules + 1):
            kind = _bucket(_cumulative([35, 20, 20, 15, 10]), rng.randrange(100))
            active = rng.random() < 0.9
            d = rng.random()
            if d < 0.6:
                vf = vt = r"\N"
            elif d < 0.9:
                vf = clock.day((today - rng.randrange(1, 300)) * DAY)
                vt = clock.day((today + rng.randrange(1, 300)) * DAY)
            else:
                start = today - rng.randrange(200, 700)
                vf = clock.day(start * DAY)
                vt = clock.day((start + rng.randrange(10, 150)) * DAY)
            column = r"\N"
            pct = f"{rng.randrange(2, 16)}.00"
            min_amount = min_qty = r"\N"
            label = ""
            if kind == 0:
                types = rng.sample(range(len(org.types)), rng.randrange(1, 3))
                r_types += [(r, org.types[t]["id"]) for t in types]
                r_cats += [
                    (r, c + 1) for c in rng.sample(range(len(W.CATEGORIES)), rng.randrange(1, 4))
                ]
                label = "Скидка на категории"
            elif kind == 1:
                column = str(org.columns[rng.choice(("opt", "large_opt"))])
                pct = r"\N"
                min_amount = money(rng.randrange(30, 300) * 1000 * 100)
                types = rng.sample(range(len(org.types)), rng.randrange(1, 4))
                r_types += [(r, org.types[t]["id"]) for t in types]
                label = "Крупный заказ: другая колонка"
            elif kind == 2:
                picks = rng.sample(range(P), min(P, rng.randrange(1, 11)))
                r_products += [(r, p + 1) for p in picks]
                min_qty = qty(rng.randrange(5, 50) * 1000)
                label = "Скидка на товары от количества"
            elif kind == 3:
                r_clients += [(r, plan.pick_client(rng)) for _ in range(rng.randrange(1, 4))]
                if rng.random() < 0.5:
                    r_cats.append((r, rng.randrange(len(W.CATEGORIES)) + 1))
                label = "Персональная скидка"
            else:
                min_qty = qty(rng.randrange(20, 200) * 1000)
                label = "Скидка от количества"
            rules.append(
                f"{r}\t{label} №{r}\t{r * 10}\t{'t' if active else 'f'}\t{vf}\t{vt}\t"
                f"{min_amount}\t{min_qty}\t{column}\t{pct}"
            )
        # duplicates (same client twice) must not break the unique m2m pairs
        r_clients = sorted(set(r_clients))
        percent = [
            (int(row.split("\t")[0]), int(row.split("\t")[-1].split(".")[0]))
            for row in rules
            if not row.endswith(r"\N")
        ]
        rules_data.update(
            rules=rules, types=r_types, clients=r_clients, cats=r_cats, products=r_products,
            percent=percent,
        )  # fmt: skip
        return rules_data

    def m2m_rows(key):
        def rows():
            for n, (a, b) in enumerate(rules_build()[key], 1):
                yield f"{n}\t{a}\t{b}"

        return rows

    promo_data = {}

    def promotions_build():
        if promo_data:
            return promo_data
        rng = plan.rng("promotions")
        cat = plan.catalogue()
        promos, links = [], []
        for m in range(1, sizes.promotions + 1):
            p = rng.randrange(P)
            while not cat["active"][p]:
                p = rng.randrange(P)
            start = today - rng.randrange(0, 60)
            end = start + rng.randrange(3, 90) if rng.random() < 0.8 else today - 1
            start = min(start, end)
            promos.append(
                f"{m}\t{p + 1}\tСпецпозиция: {cat['names'][p]}\t"
                f"Предложите {cat['names'][p]} по специальной цене до конца акции.\t"
                f"{clock.day(start * DAY)}\t{clock.day(end * DAY)}"
            )
            if rng.random() < 0.5:
                for t in rng.sample(range(len(org.types)), rng.randrange(1, 3)):
                    links.append((m, org.types[t]["id"]))
        promo_data.update(promos=promos, links=links)
        return promo_data

    # receivables ----------------------------------------------------------------------
    def receivables():
        cl = plan.clients()
        rng = plan.rng("receivables")
        n = 0
        for c in range(1, N + 1):
            state = cl["debt"][c]
            if not state:
                continue
            terms = cl["terms"][c] or 7
            docs = plan.receivable_docs(c)
            for k in range(docs):
                n += 1
                amount = rng.randrange(5_000, 300_000) * 100
                if state == 2 and k == 0:  # the overdue document
                    doc_day = today - terms - rng.randrange(1, 60)
                    paid, paid_at = rng.choice((0, amount // 3)), NULL
                else:
                    doc_day = today - rng.randrange(0, terms + 1)
                    paid = rng.choice((0, 0, amount // 2))
                    paid_at = clock.day(today * DAY) if paid else r"\N"
                due = doc_day + terms
                yield (
                    f"{n}\t{c}\tРН-{c}-{k + 1}\t{clock.day(doc_day * DAY)}\t"
                    f"{clock.day(due * DAY)}\t{money(amount)}\t{money(paid)}\t{paid_at}"
                )

    def receivables_expected():
        cl = plan.clients()
        debt = cl["debt"]
        return sum(plan.receivable_docs(c) for c in range(1, N + 1) if debt[c])

    # calls ----------------------------------------------------------------------------
    def calls():
        sk = plan.calls()
        rng = plan.rng("call_rows")
        client, kind, offset, op = sk["client"], sk["kind"], sk["offset"], sk["operator"]
        ops = org.operators
        outcomes = [org.outcomes[o] for _p, o, _s in CALL_KINDS]
        purposes = [p for p, _o, _s in CALL_KINDS]
        t0 = plan.t0
        for i in range(1, C + 1):
            c = client[i]
            k = kind[i]
            start = t0 + offset[i]
            if k == 0:
                duration = accept_delay(i) + 30 + rng.randrange(120)
            else:
                duration = 20 + rng.randrange(600)
            phone = phone_number(c - 1) if c else f"+7{UNKNOWN_PREFIX}{rng.randrange(10**7):07d}"
            direction = "out" if rng.random() < 0.08 else "in"
            yield (
                f"{i}\t{direction}\t{phone}\t{c or NULL}\t{ops[op[i]]}\tclosed\t"
                f"wrap_up\t{clock.ts(start)}\t{clock.ts(start + duration)}\t{purposes[k]}\t"
                f"{outcomes[k]}\t\t\\N"
            )

    # orders and lines -----------------------------------------------------------------
    totals = array("q")

    def lines():
        sk = plan.calls()
        cl = plan.clients()
        cat = plan.catalogue()
        rule_pct = rules_build()["percent"] or [(None, 0)]
        rng = plan.rng("lines")
        order_calls, client = sk["order_calls"], sk["client"]
        ctype = cl["ctype"]
        type_col = [t["column"] for t in org.types]
        weighed, base = cat["weighed"], cat["base"]
        share = org.column_share
        totals[:] = array("q", bytes(8 * (O + 1)))
        origins = ("manual",) * 17 + ("repeat", "repeat", "upsell")
        n = 0
        for k in range(1, O + 1):
            c = client[order_calls[k - 1]]
            col = type_col[ctype[c]]
            pct_col = share[col]
            count = plan.n_lines(k)
            chosen = set()
            total = 0
            while len(chosen) < count:
                if rng.random() < 0.7:
                    p = (c * 2654435761 + rng.randrange(BASKET) * 97) % P
                else:
                    p = int(P * rng.random() ** 3)
                if p in chosen:
                    continue
                chosen.add(p)
                milli = rng.randrange(500, 25000) if weighed[p] else rng.randrange(1, 25) * 1000
                unit = half_up(base[p], pct_col, 100)
                rule = r"\N"
                if rng.random() < 0.12:
                    rid, pct = rule_pct[rng.randrange(len(rule_pct))]
                    if rid is not None:
                        unit = half_up(unit, 100 - pct, 100)
                        rule = rid
                line_total = (unit * milli + 500) // 1000
                total += line_total
                n += 1
                yield (
                    f"{n}\t{k}\t{p + 1}\t{qty(milli)}\t{money(unit)}\t{col}\t{rule}\t"
                    f"{money(line_total)}\t{origins[rng.randrange(20)]}"
                )
            totals[k] = total

    def lines_expected():
        return sum(plan.n_lines(k) for k in range(1, O + 1))

    def orders():
        if len(totals) != O + 1:
            log("  reading order totals back from orders_orderline")
            _totals_from_db(totals, O)
        sk = plan.calls()
        cl = plan.clients()
        rng = plan.rng("orders")
        order_calls, client, offset = sk["order_calls"], sk["client"], sk["offset"]
        op = sk["operator"]
        ctype, credit = cl["ctype"], cl["credit"]
        types = org.types
        from django.conf import settings

        windows = settings.ORDERDESK["DELIVERY_WINDOWS"]
        t0, now = plan.t0, plan.now
        ops = org.operators
        for k in range(1, O + 1):
            call = order_calls[k - 1]
            c = client[call]
            t = types[ctype[c]]
            created = t0 + offset[call] + 60
            accepted = t0 + offset[call] + accept_delay(call)
            age = now - accepted
            if age < 2 * DAY:
                status = "accepted" if rng.random() < 0.5 else "in_fulfilment"
            else:
                status = "cancelled" if rng.random() < 0.04 else "delivered"
            delivery = clock.day(accepted + DAY * (1 + rng.randrange(2)))
            payment = "prepayment" if credit[c] == 0 else "bank_transfer"
            key = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (
                f"{k}\tЗК-{k:07d}\t{c}\t{call}\t{ops[op[call]]}\t{status}\t{t['column']}\t"
                f"{money(totals[k])}\t{delivery}\t{windows[k % len(windows)]}\t{c}\t{c}\t"
                f"{payment}\tСчёт и ТОРГ-12\tdelivery\t\\N\t\t\t{key}\t{clock.ts(created)}\t"
                f"{clock.ts(accepted)}"
            )

    through = DiscountRule._meta.get_field
    promo_types = Promotion._meta.get_field("client_types").remote_field.through
    return [
        Unit("catalogue", [
            Table(ProductCategory, ["id", "name"], categories, lambda: len(W.CATEGORIES)),
            Table(Product, ["id", "sku", "name", "category_id", "unit", "is_weighed", "is_active",
                            "new_until", "stock", "description", "certificate_info",
                            "shelf_life"], products, lambda: P, big=True),
            Table(ProductPrice, ["id", "product_id", "column_id", "price"], prices,
                  lambda: P * len(col_ids), big=True),
        ]),
        Unit("clients", [
            Table(Client, ["id", "name", "client_type_id", "manager_id", "credit_limit",
                           "payment_terms_days", "region", "email", "tax_id", "notes",
                           "created_at", "last_order_at"], clients, lambda: N, big=True),
            Table(ClientPhone, ["id", "client_id", "number", "note"], phones,
                  lambda: N + N // 2, big=True),
            Table(Contact, ["id", "client_id", "name", "position", "phone", "email",
                            "can_receive_goods"], contacts, lambda: N, big=True),
            Table(DeliveryAddress, ["id", "client_id", "address", "is_default"], addresses,
                  lambda: N, big=True),
        ]),
        Unit("rules", [
            Table(DiscountRule, ["id", "name", "priority", "is_active", "valid_from", "valid_to",
                                 "min_order_amount", "min_quantity", "price_column_id",
                                 "discount_percent"],
                  lambda: rules_build()["rules"], lambda: len(rules_build()["rules"])),
            Table(through("client_types").remote_field.through,
                  ["id", "discountrule_id", "clienttype_id"], m2m_rows("types"),
                  lambda: len(rules_build()["types"])),
            Table(through("clients").remote_field.through, ["id", "discountrule_id", "client_id"],
                  m2m_rows("clients"), lambda: len(rules_build()["clients"])),
            Table(through("categories").remote_field.through,
                  ["id", "discountrule_id", "productcategory_id"], m2m_rows("cats"),
                  lambda: len(rules_build()["cats"])),
            Table(through("products").remote_field.through,
                  ["id", "discountrule_id", "product_id"], m2m_rows("products"),
                  lambda: len(rules_build()["products"])),
        ]),
        Unit("promotions", [
            Table(Promotion, ["id", "product_id", "title", "talking_point", "valid_from",
                              "valid_to"], lambda: promotions_build()["promos"],
                  lambda: len(promotions_build()["promos"])),
            Table(promo_types, ["id", "promotion_id", "clienttype_id"],
                  lambda: (f"{n}\t{a}\t{b}" for n, (a, b) in
                           enumerate(promotions_build()["links"], 1)),
                  lambda: len(promotions_build()["links"])),
        ]),
        Unit("receivables", [
            Table(Receivable, ["id", "client_id", "document_no", "document_date", "due_date",
                               "amount", "paid_amount", "paid_at"], receivables,
                  receivables_expected, big=True),
        ]),
        Unit("calls", [
            Table(Call, ["id", "direction", "phone", "client_id", "operator_id", "status", "step",
                         "started_at", "ended_at", "purpose", "outcome_id", "notes", "task_id"],
                  calls, lambda: C, big=True),
        ]),
        Unit("orders", [
            Table(OrderLine, ["id", "order_id", "product_id", "quantity", "unit_price",
                              "price_column_id", "rule_id", "line_total", "origin"], lines,
                  lines_expected, big=True),
            Table(Order, ["id", "number", "client_id", "call_id", "operator_id", "status",
                          "price_column_id", "total", "delivery_date", "delivery_window",
                          "delivery_address_id", "receiver_id", "payment_form",
                          "payment_documents", "fulfilment", "pickup_arrival",
                          "shipping_details", "comment", "idempotency_key", "created_at",
                          "accepted_at"], orders, lambda: O, big=True),
        ]),
    ]  # fmt: skip


def company_name(rng: random.Random, type_code: str) -> str:
    r = rng.random()
    if r < 0.35 and type_code in ("market", "retail"):
        return (
            f"ИП {rng.choice(W.SURNAMES)} {rng.choice(W.FIRST_NAMES)} {rng.choice(W.PATRONYMICS)}"
        )
    form = "АО" if r > 0.93 else "ООО"
    name = f"{rng.choice(W.COMPANY_ADJ)} {rng.choice(W.COMPANY_NOUN)}"
    if rng.random() < 0.6:
        name += f" {rng.randrange(1, 1000)}"
    return f"{form} «{name}»"


def _totals_from_db(totals: array, orders: int) -> None:
    from django.db import connection

    totals[:] = array("q", bytes(8 * (orders + 1)))
    with connection.cursor() as cur:
        cur.execute(
            "SELECT order_id, (sum(line_total) * 100)::bigint FROM orders_orderline "
            "GROUP BY order_id"
        )
        for order_id, total in cur.fetchall():
            if order_id <= orders:
                totals[order_id] = total


# --- loading -----------------------------------------------------------------------------------


def count(cur, table: str) -> int:
    cur.execute(f'SELECT count(*) FROM "{table}"')
    return cur.fetchone()[0]


def secondary_indexes(cur, table: str) -> list[tuple[str, str]]:
    """Indexes of ``table`` that back no primary-key/unique/exclusion constraint."""
    cur.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        WHERE x.indrelid = %s::regclass
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint k
            WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid
              AND k.contype IN ('p', 'u', 'x'))
        ORDER BY i.relname
        """,
        [table],
    )
    return cur.fetchall()


def extra_columns(table: Table) -> tuple[list[str], str]:
    """NOT NULL columns the generator does not write get their model default (robust to
    fields added to the models after this script was written)."""
    from django.db import connection

    names, values = [], []
    for f in table.model._meta.concrete_fields:
        if f.column in table.columns or f.null:
            continue
        default = f.get_default() if f.has_default() else None
        if default is None:
            default = "" if f.empty_strings_allowed else None
        if default is None:
            sys.exit(f"{table.name}.{f.column}: NOT NULL without a default; extend bench/load.py")
        value = f.get_db_prep_save(default, connection)
        text = {True: "t", False: "f"}.get(value, value) if isinstance(value, bool) else value
        names.append(f.column)
        values.append(str(text))
    return names, "".join("\t" + v for v in values)


def copy_table(cur, table: Table) -> int:
    extra, suffix = extra_columns(table)
    cols = ", ".join(f'"{c}"' for c in table.columns + extra)
    sql = f'COPY "{table.name}" ({cols}) FROM STDIN WITH (FREEZE)'
    eol = suffix + "\n"
    total = table.expected()
    started = time.monotonic()
    last_report = started
    n = 0
    buf: list[str] = []
    with cur.copy(sql) as cp:
        for row in table.rows():
            buf.append(row)
            if len(buf) >= CHUNK:
                cp.write(eol.join(buf) + eol)
                n += len(buf)
                buf.clear()
                now = time.monotonic()
                if now - last_report > 15:
                    last_report = now
                    rate = n / (now - started)
                    log(f"    {table.name}: {n:,}/{total:,} rows ({rate:,.0f}/s)")
        if buf:
            cp.write(eol.join(buf) + eol)
            n += len(buf)
    elapsed = time.monotonic() - started
    log(f"    {table.name}: {n:,} rows copied in {elapsed:.1f} s ({n / max(elapsed, 1e-9):,.0f}/s)")
    if n != total:
        raise RuntimeError(f"{table.name}: wrote {n} rows, expected {total}")
    return n


def load_unit(unit: Unit) -> bool:
    from django.db import connection, transaction

    with connection.cursor() as cur:
        have = {t.name: count(cur, t.name) for t in unit.tables}
    expected = {t.name: t.expected() for t in unit.tables}
    if all(have[n] >= expected[n] for n in have):
        log(f"unit {unit.name}: already loaded ({', '.join(f'{n}={have[n]:,}' for n in have)})")
        return False
    log(f"unit {unit.name}: loading ({', '.join(f'{n} {expected[n]:,}' for n in expected)})")
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as dj:
        cur = dj.cursor  # psycopg's own cursor, for COPY
        names = ", ".join(f'"{t.name}"' for t in unit.tables)
        if any(have.values()):
            log(f"  TRUNCATE {names} CASCADE (partial or different scale)")
        cur.execute(f"TRUNCATE {names} CASCADE")
        dropped = []
        for t in unit.tables:
            if t.big:
                for name, definition in secondary_indexes(cur, t.name):
                    cur.execute(f'DROP INDEX "{name}"')
                    dropped.append((t.name, name, definition))
        for t in unit.tables:
            copy_table(cur, t)
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                f'coalesce((SELECT max(id) FROM "{t.name}"), 1), '
                f'(SELECT count(*) > 0 FROM "{t.name}"))',
                [t.name],
            )
        for table_name, name, definition in dropped:
            t = time.monotonic()
            cur.execute(definition)
            log(f"    index {name} on {table_name}: {time.monotonic() - t:.1f} s")
    with connection.cursor() as cur:
        for t in unit.tables:
            cur.execute(f'VACUUM (ANALYZE) "{t.name}"')
    log(f"unit {unit.name}: done in {time.monotonic() - started:.1f} s")
    return True


def verify_foreign_keys(tables: list[str]) -> None:
    """COPY ran without the FK triggers: check every FK of the loaded tables with anti-joins."""
    from django.db import connection

    with connection.cursor() as cur:
        for table in tables:
            cur.execute(
                """
                SELECT a.attname, c.confrelid::regclass::text, af.attname
                FROM pg_constraint c
                JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
                WHERE c.contype = 'f' AND c.conrelid = %s::regclass
                """,
                [table],
            )
            for column, parent, parent_column in cur.fetchall():
                t = time.monotonic()
                cur.execute(
                    f'SELECT count(*) FROM "{table}" x WHERE x."{column}" IS NOT NULL AND NOT '
                    f'EXISTS (SELECT 1 FROM {parent} p WHERE p."{parent_column}" = x."{column}")'
                )
                bad = cur.fetchone()[0]
                if bad:
                    raise RuntimeError(f"{table}.{column}: {bad} rows point nowhere in {parent}")
                log(f"  FK ok: {table}.{column} → {parent} ({time.monotonic() - t:.1f} s)")


def report_sizes(units: list[Unit]) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        log("table sizes:")
        for unit in units:
            for t in unit.tables:
                cur.execute(
                    "SELECT pg_size_pretty(pg_relation_size(%s)), "
                    "pg_size_pretty(pg_indexes_size(%s))",
                    [t.name, t.name],
                )
                heap, idx = cur.fetchone()
                print(f"  {t.name:<36} {count(cur, t.name):>12,} rows  heap {heap:>8}  "
                      f"indexes {idx:>8}")  # fmt: skip
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database total {cur.fetchone()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the full set")
    parser.add_argument("--database-url", help="default: $DATABASE_URL or " + DEFAULT_URL)
    parser.add_argument("--no-verify", action="store_true", help="skip the FK anti-join checks")
    args = parser.parse_args()
    if not 0 < args.scale <= 2:
        sys.exit("--scale must be in (0, 2]")

    started = time.monotonic()
    url = database_url(args.database_url, args.scale)
    log(f"scale {args.scale:g} → {urlsplit(url).path.lstrip('/')} on {urlsplit(url).hostname}")
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderdesk.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    t = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    log(f"migrated in {time.monotonic() - t:.1f} s")
    org = ensure_org()
    managers = sum(map(len, org.pools.values()))
    log(f"organisation: {len(org.operators)} operators, {managers} managers")

    now = int(datetime.now(UTC).timestamp()) // 3600 * 3600
    sizes = Sizes.for_scale(args.scale)
    plan = Plan(sizes, org, now)
    log(f"sizes: {sizes}")
    with connection.cursor() as cur:
        # Session only: FK triggers off while COPY runs (checked afterwards), big sorts in RAM.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SET synchronous_commit = off")
    units = build_units(plan)
    loaded = []
    for unit in units:
        if load_unit(unit):
            loaded += [t.name for t in unit.tables]
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = origin")
        # Every table, not only the loaded ones: the small ones made with the ORM (price
        # columns, client types, staff) get fewer inserts than autovacuum's analyze threshold
        # (50 rows) and would stay unanalyzed; the planner then misjudges joins through them.
        t = time.monotonic()
        cur.execute("ANALYZE")
        log(f"ANALYZE (whole database) in {time.monotonic() - t:.1f} s")
    if loaded and not args.no_verify:
        t = time.monotonic()
        verify_foreign_keys(loaded)
        log(f"foreign keys verified in {time.monotonic() - t:.1f} s")
    report_sizes(units)
    log(f"total {time.monotonic() - started:.1f} s")


# --- mixed operator workload over HTTP (`bench/load.py traffic`) ---------------------------
#
#     .venv/bin/python bench/load.py traffic --url http://127.0.0.1:8000 \
#         --database-url postgres://postgres@127.0.0.1:5432/orderdesk_bench \
#         --operators 2,4,8,16 --seconds 30
#
# N simulated operators (bench_op01…) each walk identify → purpose → order → search →
# add lines → offers → delivery → review → accept against a running server (gunicorn with
# the production settings), with managers (bench_mgr01…) paging the call and order logs.
# Each stage runs --seconds with its number of operators (at most --max-requests in all);
# the report gives req/s, p50/p95 and errors per stage and the highest req/s sustained at
# p95 < 300 ms. The server is reached over plain HTTP on 127.0.0.1 only and told it sits
# behind the TLS proxy (X-Forwarded-Proto: https), as in production.

P95_TARGET_MS = 300.0


class _Session:
    """One simulated user: a keep-alive connection and its own cookies (secure cookies are
    kept although the hop to 127.0.0.1 is plain HTTP, as behind the TLS proxy)."""

    def __init__(self, base: str, stats, timeout: float = 10.0):
        import http.client

        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port or 80
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        self.cookies: dict[str, str] = {}
        self.stats = stats

    def request(self, method: str, path: str, data: dict | None = None, *, hx: bool | str = False):
        """``hx``: an htmx request; a string also names its target (``HX-Target``), as the
        browser sends it (the order stages answer only their section to ``order-stage``)."""
        from urllib.parse import urlencode

        headers = {
            "Host": f"{self.host}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{self.host}:{self.port}/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        if hx:
            headers["HX-Request"] = "true"
        if isinstance(hx, str):
            headers["HX-Target"] = hx
        step = _step_name(method, path, bool(hx))
        started = time.perf_counter()
        try:
            response, text = self._send(method, path, body, headers)
        except OSError as error:
            self.conn.close()
            why = f"no answer ({type(error).__name__})"
            self.stats.record(time.perf_counter() - started, ok=False, step=step, why=why)
            return 0, {}, ""
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        status = response.status
        self.stats.record(
            time.perf_counter() - started, ok=status < 400, step=step, why=f"HTTP {status}"
        )
        return status, {k.lower(): v for k, v in response.getheaders()}, text

    def _send(self, method: str, path: str, body, headers):
        """One exchange; again on a new connection (twice at most) when the server had
        closed the kept-alive one before answering (a worker recycled by ``max_requests``),
        as browsers and HTTP libraries do. Nothing was answered, so nothing is sent twice
        that the server saw (and a repeated acceptance is refused by its key anyway)."""
        import http.client

        for attempt in (1, 2, 3):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response, response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")

    def log_in(self, username: str) -> bool:
        import re

        _s, _h, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, headers, _t = self.request(
            "POST",
            "/login/",
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
        )
        return status == 302 and "sessionid" in self.cookies


def _step_name(method: str, path: str, hx: bool) -> str:
    """``POST /calls/<id>/order/lines/ (htmx)``: the step a request belongs to."""
    import re

    template = re.sub(r"/\d+", "/<id>", path.split("?", 1)[0])
    return f"{method} {template}" + (" (htmx)" if hx else "")


class _Stats:
    def __init__(self):
        import threading
        from collections import defaultdict

        self.lock = threading.Lock()
        self.times: list[float] = []
        self.by_step: dict[str, list[float]] = defaultdict(list)
        self.errors = 0
        self.failures: dict[str, int] = defaultdict(int)  # "step: why" → how many
        self.accepted = 0  # orders accepted: the walk went all the way

    def record(self, seconds: float, *, ok: bool, step: str = "", why: str = "") -> None:
        with self.lock:
            self.times.append(seconds * 1000)
            if step:
                self.by_step[step].append(seconds * 1000)
            if not ok:
                self.errors += 1
                self.failures[f"{step or 'walk'}: {why}"] += 1


def _form_fields(html: str, form_id_or_action: str) -> dict:
    """The values a browser would post for the form whose action contains the text."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.inside, self.fields, self.select, self.first_option = False, {}, None, None
            self.textarea = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form":
                self.inside = form_id_or_action in (a.get("action") or "")
            elif not self.inside:
                return
            elif tag == "input" and a.get("name"):
                kind = (a.get("type") or "text").lower()
                if kind in ("radio", "checkbox"):
                    if "checked" in a:
                        self.fields[a["name"]] = a.get("value", "on")
                    elif kind == "radio":
                        self.fields.setdefault(a["name"], a.get("value", ""))
                elif kind not in ("submit", "button"):
                    self.fields[a["name"]] = a.get("value", "")
            elif tag == "select":
                self.select, self.first_option = a.get("name"), None
            elif tag == "option" and self.select:
                if self.first_option is None and a.get("value"):
                    self.first_option = a.get("value")
                    self.fields.setdefault(self.select, a["value"])
                if "selected" in a:
                    self.fields[self.select] = a.get("value", "")
            elif tag == "textarea":
                self.textarea = a.get("name")
                self.fields[self.textarea] = ""

        def handle_data(self, data):
            if self.inside and self.textarea:
                self.fields[self.textarea] += data

        def handle_endtag(self, tag):
            if tag == "form":
                self.inside = False
            elif tag == "select":
                self.select = None
            elif tag == "textarea":
                self.textarea = None

    parser = Parser()
    parser.feed(html)
    return parser.fields


def swap_target(headers) -> str:
    """Where an htmx step sends the browser: ``HX-Redirect`` (a full load) or the path of
    an ``HX-Location`` page swap (orderdesk.page_swap); "" when it stays."""
    import json

    redirect = headers.get("hx-redirect") or headers.get("HX-Redirect") or ""
    if redirect:
        return redirect
    location = headers.get("hx-location") or headers.get("HX-Location") or ""
    if location.startswith("{"):
        return json.loads(location).get("path", "")
    return location


def _operator_walk(session: _Session, phone: str, terms: list[str], rng) -> None:
    """One call: identify → purpose → order → search → 3 lines → offers → delivery →
    review → accept. Stops early (no error) where the call is routed elsewhere."""
    import re
    from urllib.parse import quote

    _s, _h, console = session.request("GET", "/console/")
    status, headers, _t = session.request("POST", "/console/start/", {"phone": phone}, hx=True)
    found = re.search(r"/calls/(\d+)/", swap_target(headers))
    if not found:
        return
    call = f"/calls/{found.group(1)}"
    session.request("GET", f"{call}/purpose/")
    _s, headers, _t = session.request("POST", f"{call}/purpose/", {"purpose": "order"}, hx=True)
    if "/order/" not in swap_target(headers):
        return  # routed to a manager (key client, debt): a shorter call
    _s, _h, screen = session.request("GET", f"{call}/order/")
    for _i in range(3):
        term = rng.choice(terms)
        _s, _h, results = session.request("GET", f"{call}/order/search/?q={quote(term)}", hx=True)
        products = re.findall(r'name="product" value="(\d+)"', results)
        if products:
            _s, _h, screen = session.request(
                "POST",
                f"{call}/order/lines/",
                {"product": rng.choice(products[:5]), "quantity": "2"},
                hx=True,
            )
    # The offers come with each answer (out of band), as the browser gets them; the panel
    # is asked for again only when an answer carried none.
    offer_form = r'name="product" value="(\d+)">\s*<input type="hidden" name="reason" value="(\w+)"'
    for _i in range(3):
        offer = re.search(offer_form, screen)
        if not offer:
            _s, _h, screen = session.request("GET", f"{call}/order/", hx=True)
            offer = re.search(offer_form, screen)
        if not offer:
            break
        _s, _h, screen = session.request(
            "POST",
            f"{call}/order/offers/",
            {"product": offer.group(1), "reason": offer.group(2), "response": "declined"},
            hx=True,
        )
    # entry → delivery → read-back swap the stage section only (hx-target="#order-stage")
    _s, _h, delivery = session.request("GET", f"{call}/order/delivery/", hx="order-stage")
    fields = _form_fields(delivery, "/order/delivery/")
    _s, _h, review = session.request("POST", f"{call}/order/delivery/", fields, hx="order-stage")
    fields = _form_fields(review, "/order/accept/")
    if fields.get("expected_total"):
        _s, headers, _t = session.request("POST", f"{call}/order/accept/", fields, hx=True)
        if "/order/done/" in swap_target(headers):
            session.stats.accepted += 1


def _manager_walk(session: _Session, rng) -> None:
    for path in ("/logs/calls/", "/logs/orders/"):
        session.request("GET", path)


def _stage(base: str, operators: int, seconds: float, max_requests: int, phones, terms):
    """One stage: every simulated person signs in first (password hashing is deliberately
    slow and would skew the stage), then all start together and run ``seconds``."""
    import threading

    stats = _Stats()
    signed_in = _Stats()  # the sign-ins, not counted in the stage's figures
    managers = max(1, operators // 4)
    ready = threading.Barrier(operators + managers + 1)
    clock = {}

    def worker(kind: str, n: int):
        rng = random.Random(BASE_SEED * 1000 + n)
        session = _Session(base, signed_in)
        user = f"bench_op{n + 1:02d}" if kind == "op" else f"bench_mgr{11 + n:02d}"
        ok = session.log_in(user)
        ready.wait()
        if not ok:
            stats.record(0, ok=False, why=f"{user} could not sign in")
            return
        session.stats = stats
        while time.monotonic() < clock["stop"] and len(stats.times) < max_requests:
            try:
                if kind == "op":
                    _operator_walk(session, rng.choice(phones), terms, rng)
                else:
                    _manager_walk(session, rng)
            except Exception as error:  # a broken walk is an error, never a silent stop
                stats.record(0, ok=False, why=f"{type(error).__name__}: {error}"[:120])
                session.conn.close()

    threads = [threading.Thread(target=worker, args=("op", i)) for i in range(operators)]
    threads += [threading.Thread(target=worker, args=("mgr", i)) for i in range(managers)]
    for t in threads:
        t.start()
    clock["stop"] = time.monotonic() + 3600  # set for real once everyone is signed in
    ready.wait()
    started = time.monotonic()
    clock["stop"] = started + seconds
    for t in threads:
        t.join(seconds + 30)
    elapsed = time.monotonic() - started
    times = sorted(stats.times)
    p = lambda q: times[max(0, int(q * len(times)) - 1)] if times else float("nan")  # noqa: E731
    return {
        "operators": operators,
        "managers": managers,
        "requests": len(times),
        "rps": len(times) / elapsed if elapsed else 0.0,
        "p50": p(0.50),
        "p95": p(0.95),
        "errors": stats.errors,
        "accepted": stats.accepted,
        "failures": dict(stats.failures),
        "steps": {
            step: (len(xs), _percentile(xs, 0.50), _percentile(xs, 0.95))
            for step, xs in sorted(stats.by_step.items())
        },
    }


def _percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[max(0, int(q * len(xs)) - 1)] if xs else float("nan")


def _traffic_phones(url: str, limit: int = 2000) -> list[str]:
    """Numbers of frequent, non-key clients without overdue debt (the order path)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """
            SELECT p.number FROM clients_clientphone p
            JOIN clients_client c ON c.id = p.client_id
            JOIN clients_clienttype t ON t.id = c.client_type_id
            WHERE NOT t.is_key AND c.id <= %s AND NOT EXISTS (
                SELECT 1 FROM clients_receivable r
                WHERE r.client_id = c.id AND r.due_date < now() AND r.paid_amount < r.amount)
            ORDER BY p.id LIMIT %s
            """,
            [limit * 5, limit],
        ).fetchall()
    return [row[0] for row in rows]


def traffic_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench/load.py traffic")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--database-url", help="where to read client numbers; default as load")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--operators", default="2,4,8,16", help="operators per stage")
    parser.add_argument("--seconds", type=float, default=30.0, help="per stage (at most 300)")
    parser.add_argument("--max-requests", type=int, default=20000, help="per stage")
    parser.add_argument("--steps", action="store_true", help="p50/p95 per step of each stage")
    parser.add_argument(
        "--warmup",
        type=float,
        default=10.0,
        help="seconds of traffic first, not counted: every server process fills its caches",
    )
    args = parser.parse_args(argv)
    if (urlsplit(args.url).hostname or "") not in LOCAL_HOSTS:
        sys.exit(f"refusing {args.url!r}: only 127.0.0.1 / localhost may be targeted")
    db = database_url(args.database_url, args.scale)
    check_local(db)
    seconds = min(args.seconds, 300.0)
    phones = _traffic_phones(db)
    if not phones:
        sys.exit("no client numbers found: load the data set first")
    best = None
    errors = 0
    print(
        f"{'operators':>9} {'managers':>8} {'requests':>8} {'req/s':>7} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'errors':>6} {'orders':>6}"
    )
    stages = [int(n) for n in args.operators.split(",") if n.strip()]
    if args.warmup > 0 and stages:
        warm = _stage(
            args.url, max(stages), min(args.warmup, 60.0), args.max_requests, phones, W.SEARCH_TERMS
        )
        print(f"(warm-up: {warm['requests']} requests in {args.warmup:g} s, not counted)")
    for operators in stages:
        if not 0 < operators <= 20:
            sys.exit("operators per stage: 1…20 (bench_op01…20)")
        r = _stage(args.url, operators, seconds, args.max_requests, phones, W.SEARCH_TERMS)
        errors += r["errors"]
        print(
            f"{r['operators']:>9} {r['managers']:>8} {r['requests']:>8} {r['rps']:>7.1f} "
            f"{r['p50']:>7.1f} {r['p95']:>7.1f} {r['errors']:>6} {r['accepted']:>6}",
            flush=True,
        )
        if args.steps:
            for step, (n, p50, p95) in r["steps"].items():
                print(f"    {step:<46} {n:>6} {p50:>7.1f} {p95:>7.1f}")
        for failure, n in sorted(r["failures"].items()):
            print(f"    error ×{n}: {failure}")
        if r["p95"] < P95_TARGET_MS and (best is None or r["rps"] > best["rps"]):
            best = r
    if best:
        print(
            f"sustained: {best['rps']:.1f} req/s at p95 {best['p95']:.0f} ms "
            f"({best['operators']} operators); errors in all: {errors}"
        )
    else:
        print(f"no stage kept p95 under {P95_TARGET_MS:.0f} ms; errors in all: {errors}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["traffic"]:
        traffic_main(sys.argv[2:])
    else:
        main()
