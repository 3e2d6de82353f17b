"""Roll up the operator criteria of closed days (issue 9); the Celery beat runs the same
at night (``calls.tasks.roll_up_criteria``)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from calls.rollup import last_rollable_day, roll_up_pending


class Command(BaseCommand):
    help = (
        "Roll up the operator criteria of every closed day (up to the day before "
        "yesterday) not yet rolled up or changed since."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            help="First day to consider, YYYY-MM-DD (default: the day of the first call).",
        )

    def handle(self, *args, since=None, **options):
        first = None
        if since:
            try:
                first = date.fromisoformat(since)
            except ValueError as exc:
                raise CommandError("--since must be a date YYYY-MM-DD.") from exc
        done = roll_up_pending(since=first)
        if options["verbosity"] > 0:
            self.stdout.write(
                f"Rolled up {done.days} day(s), {done.rows} operator day row(s); "
                f"closed days end {last_rollable_day():%Y-%m-%d}."
            )
