"""``manage.py seed_demo``: load a deterministic Russian demo data set (demo only).

Departments and staff with fixed logins, price columns, client types, ~300 products with
prices, ~300 clients with phones, contacts, addresses, receivables and six months of orders
and calls. Running it again adds nothing.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from calls.rollup import roll_up_pending
from clients.debt import check_debt
from clients.selectors import find_client_by_phone
from orderdesk.demo.builder import (
    DEMO_CLIENTS,
    UNKNOWN_DEMO_PHONE,
    DemoBuilder,
    DemoDataError,
    demo_data_loaded,
    display_phone,
)
from orderdesk.demo.staff_data import DEMO_PASSWORD, STAFF


class Command(BaseCommand):
    help = "Load demo data (staff, catalogue, clients, six months of orders and calls)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Print nothing (same as --verbosity 0)."
        )
        parser.add_argument(
            "--seed", type=int, default=42, help="Random seed (default 42: the documented data)."
        )

    def handle(self, *args, **options):
        verbose = options["verbosity"] > 0 and not options["quiet"]
        if demo_data_loaded():
            if verbose:
                self.stdout.write(self.style.WARNING("Demo data already loaded; nothing added."))
                self._print_guide()
            return

        started = time.monotonic()
        try:
            with transaction.atomic():
                summary = DemoBuilder(today=timezone.localdate(), seed=options["seed"]).build()
                problems = self._check_demo_phones()
                if problems:  # rolls the whole load back
                    raise CommandError("Demo data inconsistent: " + "; ".join(problems))
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        # The closed days of the history read from the roll-up, as the nightly job leaves them.
        rolled = roll_up_pending()
        if verbose:
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s:"))
            for name, count in summary.counts.items():
                self.stdout.write(f"  {name:<26} {count:>7}")
            self.stdout.write(f"  {'criteria days rolled up':<26} {rolled.days:>7}")
            self._print_guide()

    @staticmethod
    def _check_demo_phones() -> list[str]:
        """The memorable phones must show what they promise (blocked or not)."""
        problems = []
        for demo in DEMO_CLIENTS:
            client = find_client_by_phone(demo.phone)
            if client is None:
                problems.append(f"{demo.phone} not found")
                continue
            should_block = demo.situation != "good"
            if check_debt(client).blocked != should_block:
                problems.append(f"{demo.phone} blocked={not should_block}")
        if find_client_by_phone(UNKNOWN_DEMO_PHONE) is not None:
            problems.append(f"{UNKNOWN_DEMO_PHONE} must stay unknown")
        return problems

    def _print_guide(self) -> None:
        write = self.stdout.write
        write("")
        write(self.style.MIGRATE_HEADING(f"Demo logins (password for all: {DEMO_PASSWORD})"))
        write(f"  {'username':<14} {'role':<16} what they see")
        for spec in STAFF:
            roles = " + ".join(str(r) for r in spec.roles)
            write(f"  {spec.username:<14} {roles:<16} {spec.sees}")
        write("")
        write(self.style.MIGRATE_HEADING("Demo phones for the operator console"))
        for demo in DEMO_CLIENTS:
            client = find_client_by_phone(demo.phone)
            state = ""
            if client is not None:
                debt = check_debt(client)
                state = "BLOCKED" if debt.blocked else "not blocked"
            write(f"  {display_phone(demo.phone)}  {demo.name} — {demo.label} [{state}]")
        write(
            f"  {display_phone(UNKNOWN_DEMO_PHONE)}  (or any other valid number not in the "
            "database) — unknown caller → new-client path"
        )
