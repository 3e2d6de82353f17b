"""Mail that is never lost: every message that leaves the building goes through here.

``enqueue`` records an ``OutgoingMessage`` (status queued) in the caller's transaction and,
once that transaction commits, hands its id to the Celery task
``orderdesk.tasks.send_outgoing_message``. With a broker (``CELERY_BROKER_URL`` or
``REDIS_URL``) a worker (``make worker``) sends it; without one the task runs in process
(``CELERY_TASK_ALWAYS_EAGER``), so the demo needs nothing. A rolled-back transaction sends
nothing. When the channel's backend fails, the attempt and its error are recorded and the
task retries with exponential backoff (``ORDERDESK["MAIL_RETRY_SECONDS"]`` doubled each
time) up to ``ORDERDESK["MAIL_MAX_ATTEMPTS"]``; then the message is ``failed`` and the admin
lists it with a "resend" action. If the broker itself is down, the row stays queued and
``manage.py send_queued_messages`` (or the admin) sends it later.

Channels are carried by ``settings.ORDERDESK["NOTIFICATION_BACKENDS"]`` (channel → dotted
path of a class with ``send(*, to, subject, body)``; it also gets ``attachments=`` when the
message has any).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from orderdesk.models import OutgoingMessage

logger = logging.getLogger(__name__)

Kind = OutgoingMessage.Kind
Status = OutgoingMessage.Status

MAX_BACKOFF_SECONDS = 3600


def _backends() -> dict[str, str]:
    return settings.ORDERDESK.get("NOTIFICATION_BACKENDS", {})


def max_attempts() -> int:
    return max(1, int(settings.ORDERDESK.get("MAIL_MAX_ATTEMPTS", 5)))


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after ``attempts`` failed ones: base, 2×base, 4×base…"""
    base = int(settings.ORDERDESK.get("MAIL_RETRY_SECONDS", 60))
    return min(MAX_BACKOFF_SECONDS, base * 2 ** max(0, attempts - 1))


def enqueue(
    *,
    kind: str,
    channel: str,
    to: str,
    subject: str,
    body: str = "",
    by=None,
    attachment: str | None = None,
    attachment_args: dict | None = None,
) -> OutgoingMessage:
    """Record one message and send it after the current transaction commits.

    ``attachment`` is the dotted path of a function that builds the attachment when the
    message is sent, ``(filename, content, mimetype)`` from ``attachment_args`` (ids only).
    ``ValueError`` for a channel without a backend: nothing is recorded then.
    """
    if channel not in _backends():
        raise ValueError(f"no notification backend for channel {channel!r}")
    payload = {}
    if attachment:
        payload = {"attachment": attachment, "args": attachment_args or {}}
    message = OutgoingMessage.objects.create(
        kind=kind,
        channel=channel,
        recipient=to,
        subject=subject[:300],
        body=body,
        payload=payload,
        created_by=by if getattr(by, "pk", None) else None,
    )
    message_id = message.pk
    transaction.on_commit(lambda: schedule(message_id))
    return message


def schedule(message_id: int) -> None:
    """Hand a message to the queue. A broker that is down leaves it queued (logged)."""
    from orderdesk.tasks import send_outgoing_message

    try:
        send_outgoing_message.delay(message_id)
    except Exception:  # the broker is down: the row stays queued, nothing is lost
        logger.exception("Could not queue outgoing message %s; it stays queued", message_id)


@transaction.atomic
def resend(messages, *, by=None) -> list[int]:
    """Put failed (or stuck queued) messages back in the queue with a fresh count of
    attempts; sent ones are left alone. Returns the ids queued again."""
    ids = list(
        OutgoingMessage.objects.select_for_update()
        .filter(pk__in=[m.pk for m in messages])
        .exclude(status=Status.SENT)
        .values_list("pk", flat=True)
    )
    OutgoingMessage.objects.filter(pk__in=ids).update(status=Status.QUEUED, attempts=0)
    for message_id in ids:
        transaction.on_commit(lambda message_id=message_id: schedule(message_id))
    if ids:
        logger.info("%s resent outgoing messages %s", by, ids)
    return ids


@dataclass
class Attempt:
    """What one delivery attempt did: ``retry_in`` seconds when the task should try again."""

    message: OutgoingMessage | None
    sent: bool = False
    retry_in: int | None = None


def _transport(message: OutgoingMessage) -> None:
    backend = import_string(_backends()[message.channel])()
    kwargs = {"to": message.recipient, "subject": message.subject, "body": message.body}
    if message.payload.get("attachment"):
        build = import_string(message.payload["attachment"])
        kwargs["attachments"] = [build(**message.payload.get("args", {}))]
    backend.send(**kwargs)


def deliver(message_id: int) -> Attempt:
    """Try to send one queued message once; record the attempt. Sent or failed messages
    are left alone (a resend queues them again), so a duplicate task sends nothing."""
    error = None
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Status.QUEUED:
            return Attempt(message)
        message.attempts += 1
        message.last_attempt_at = timezone.now()
        try:
            _transport(message)
        except Exception as exc:  # any failure of the backend: record it, retry later
            error = exc
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= max_attempts():
                message.status = Status.FAILED
        else:
            message.status = Status.SENT
            message.sent_at = timezone.now()
        message.save(
            update_fields=["attempts", "last_attempt_at", "last_error", "status", "sent_at"]
        )
    if error is None:
        return Attempt(message, sent=True)
    if message.status == Status.FAILED:
        logger.error(
            "Outgoing message %s (%s to %s) failed after %s attempts: %s",
            message.pk,
            message.kind,
            message.recipient,
            message.attempts,
            message.last_error,
        )
        return Attempt(message)
    logger.warning(
        "Outgoing message %s: attempt %s failed (%s); retrying",
        message.pk,
        message.attempts,
        message.last_error,
    )
    return Attempt(message, retry_in=retry_delay(message.attempts))
