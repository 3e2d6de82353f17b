"""Nightly: wake-up call tasks for newly asleep clients of the types marked for it (cron)."""

from django.core.management.base import BaseCommand

from calls.campaigns import create_asleep_sweep


class Command(BaseCommand):
    help = (
        "Create an asleep sweep (one campaign per department) for newly asleep clients of "
        "client types marked 'sweep asleep clients'; never duplicates an open task."
    )

    def handle(self, *args, **options):
        run = create_asleep_sweep()
        if options["verbosity"] > 0:
            self.stdout.write(f"Created {run.tasks} task(s) in {len(run.campaigns)} campaign(s).")
