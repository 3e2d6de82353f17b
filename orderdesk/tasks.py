"""Celery tasks. They take ids only; the work is in ``orderdesk.outbox``."""

from celery import shared_task

from orderdesk import outbox


@shared_task(bind=True, max_retries=None, acks_late=True, ignore_result=True)
def send_outgoing_message(self, message_id: int) -> None:
    """Send one ``OutgoingMessage``; on failure retry with exponential backoff until
    ``ORDERDESK["MAIL_MAX_ATTEMPTS"]`` (the count lives on the row, so a resend starts
    again)."""
    attempt = outbox.deliver(message_id)
    if attempt.retry_in is not None:
        raise self.retry(countdown=attempt.retry_in)
