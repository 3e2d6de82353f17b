"""Close calls left open by a closed browser or a crash (cron: every few minutes)."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from calls.services import close_abandoned_calls


class Command(BaseCommand):
    help = "Close open calls with no activity for the given number of minutes as abandoned."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=120,
            help="Close calls with no activity for this many minutes (default 120).",
        )

    def handle(self, *args, minutes: int, **options):
        if minutes < 1:
            raise CommandError("--minutes must be at least 1.")
        closed = close_abandoned_calls(older_than=timedelta(minutes=minutes))
        if options["verbosity"] > 0:
            self.stdout.write(f"Closed {closed} abandoned call(s).")
