"""Queue again the outgoing messages that were never handed to the worker (the broker was
down when they were recorded). Safe to run from cron: a message already being sent is
skipped by the task, a sent one is never sent twice."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from orderdesk import outbox
from orderdesk.models import OutgoingMessage


class Command(BaseCommand):
    help = "Queue again outgoing messages still queued after --older-than minutes (default 15)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=15, help="minutes")

    def handle(self, *args, older_than: int, **options):
        cutoff = timezone.now() - timedelta(minutes=older_than)
        # Never tried: a message tried once already has its retry waiting in the broker.
        stuck = OutgoingMessage.objects.filter(
            status=OutgoingMessage.Status.QUEUED, attempts=0, created_at__lt=cutoff
        )
        ids = list(stuck.values_list("pk", flat=True))
        for message_id in ids:
            outbox.schedule(message_id)
        self.stdout.write(f"{len(ids)} queued message(s) handed to the worker again.")
