"""Celery tasks of the calls app. The work is in the domain modules."""

from celery import shared_task

from calls import rollup


@shared_task(ignore_result=True)
def roll_up_criteria() -> None:
    """Roll up the operator criteria of every closed day not yet (validly) rolled up: run
    at night by ``celery -A orderdesk beat`` (``CELERY_BEAT_SCHEDULE``)."""
    rollup.roll_up_pending()
