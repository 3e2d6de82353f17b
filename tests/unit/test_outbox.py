"""orderdesk.outbox: mail that is never lost (issue 11). The queue runs in process here
(CELERY_TASK_ALWAYS_EAGER, see tests/conftest.py); the broker path is tested against the
Redis of this machine and CI when it answers."""

import base64
import io
import json
import logging
import socket
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from orderdesk import outbox
from orderdesk.models import OutgoingMessage
from orderdesk.roles import Role
from orderdesk.tasks import send_outgoing_message
from orders.notifications import notify, send_confirmation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = OutgoingMessage.Status


class Recorder:
    sent: list = []

    def send(self, *, to, subject, body):
        Recorder.sent.append({"to": to, "subject": subject, "body": body})


class Down:
    """A mail server that is down."""

    calls = 0

    def send(self, *, to, subject, body):
        Down.calls += 1
        raise ConnectionRefusedError("mail server down")


class Flaky:
    """Down for the first two tries, then up."""

    calls = 0

    def send(self, *, to, subject, body):
        Flaky.calls += 1
        if Flaky.calls <= 2:
            raise TimeoutError(f"try {Flaky.calls} timed out")
        Recorder.sent.append({"to": to, "subject": subject, "body": body})


def use_backend(settings, name, **extra):
    path = f"tests.unit.test_outbox.{name}"
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "NOTIFICATION_BACKENDS": {"email": path, "sms": path},
        "MAIL_MAX_ATTEMPTS": 3,
        **extra,
    }


@pytest.fixture(autouse=True)
def _reset():
    Recorder.sent, Down.calls, Flaky.calls = [], 0, 0


def send_one(capture, **kwargs):
    with capture(execute=True):
        notify(to="buyer@example.com", subject="S", body="B", channel="email", **kwargs)
    return OutgoingMessage.objects.get()


def test_a_message_is_recorded_and_sent_after_commit(settings, django_capture_on_commit_callbacks):
    use_backend(settings, "Recorder")
    by = UserFactory(role=Role.OPERATOR)

    message = send_one(django_capture_on_commit_callbacks, by=by, kind="confirmation")

    assert Recorder.sent == [{"to": "buyer@example.com", "subject": "S", "body": "B"}]
    assert (message.status, message.attempts, message.last_error) == (Status.SENT, 1, "")
    assert (message.kind, message.channel, message.created_by) == ("confirmation", "email", by)
    assert message.sent_at is not None


def test_before_commit_the_message_is_queued_and_nothing_is_sent(settings):
    use_backend(settings, "Recorder")
    notify(to="buyer@example.com", subject="S", body="B", channel="email")
    assert Recorder.sent == []
    assert OutgoingMessage.objects.get().status == Status.QUEUED


def test_a_rolled_back_transaction_sends_nothing(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    use_backend(settings, "Recorder")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(to="buyer@example.com", subject="S", body="B", channel="email")
        raise RuntimeError("the order could not be saved")
    assert callbacks == []
    assert Recorder.sent == [] and mailoutbox == []
    assert not OutgoingMessage.objects.exists()


def test_a_down_mail_server_is_retried_then_the_message_is_failed(
    settings, caplog, django_capture_on_commit_callbacks
):
    use_backend(settings, "Down")
    with caplog.at_level(logging.WARNING, logger="orderdesk.outbox"):
        message = send_one(django_capture_on_commit_callbacks)

    assert Down.calls == 3  # MAIL_MAX_ATTEMPTS
    assert (message.status, message.attempts) == (Status.FAILED, 3)
    assert message.last_error == "ConnectionRefusedError: mail server down"
    assert message.sent_at is None and message.last_attempt_at is not None
    assert "failed after 3 attempts" in caplog.text


def test_a_flaky_mail_server_gets_the_message_through_on_a_retry(
    settings, django_capture_on_commit_callbacks
):
    use_backend(settings, "Flaky")
    message = send_one(django_capture_on_commit_callbacks)
    assert (message.status, message.attempts) == (Status.SENT, 3)
    assert message.last_error == "TimeoutError: try 2 timed out"  # kept for the record
    assert len(Recorder.sent) == 1


def test_the_backoff_doubles_from_the_setting_and_is_capped(settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "MAIL_RETRY_SECONDS": 30}
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.retry_delay(20) == outbox.MAX_BACKOFF_SECONDS


def test_the_task_asks_celery_to_retry_with_the_backoff(settings, monkeypatch):
    use_backend(settings, "Down", MAIL_RETRY_SECONDS=10)
    message = outbox.enqueue(kind="other", channel="email", to="a@example.com", subject="S")
    asked = []

    def retry(**kwargs):
        asked.append(kwargs)
        return RuntimeError("retry")

    monkeypatch.setattr(send_outgoing_message, "retry", retry)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="retry"):
            send_outgoing_message.run(message.pk)
    send_outgoing_message.run(message.pk)  # the last attempt: failed, no retry
    assert asked == [{"countdown": 10}, {"countdown": 20}]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)


def test_resend_sends_a_failed_message_again(settings, django_capture_on_commit_callbacks):
    use_backend(settings, "Down")
    message = send_one(django_capture_on_commit_callbacks)
    assert message.status == Status.FAILED
    use_backend(settings, "Recorder")  # the server is back

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.resend([message]) == [message.pk]

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)
    assert len(Recorder.sent) == 1


def test_a_sent_message_is_never_sent_twice(settings, django_capture_on_commit_callbacks):
    use_backend(settings, "Recorder")
    message = send_one(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.resend([message]) == []
    outbox.deliver(message.pk)  # a duplicate task
    assert len(Recorder.sent) == 1
    message.refresh_from_db()
    assert message.attempts == 1


def test_an_unknown_channel_records_nothing(settings):
    with pytest.raises(ValueError):
        outbox.enqueue(kind="other", channel="pigeon", to="x", subject="s")
    assert not OutgoingMessage.objects.exists()


def test_a_broker_that_is_down_leaves_the_message_queued(
    settings, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    use_backend(settings, "Recorder")

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(send_outgoing_message, "delay", broker_down)
    with caplog.at_level(logging.ERROR, logger="orderdesk.outbox"):
        message = send_one(django_capture_on_commit_callbacks)  # no exception for the caller
    assert message.status == Status.QUEUED and Recorder.sent == []
    assert "stays queued" in caplog.text

    # Later, with the broker back, the command hands the stuck ones to the worker.
    monkeypatch.undo()
    use_backend(settings, "Recorder")
    OutgoingMessage.objects.update(created_at=timezone.now() - timedelta(hours=1))
    call_command("send_queued_messages", "--older-than", "15", stdout=io.StringIO())
    message.refresh_from_db()
    assert message.status == Status.SENT and len(Recorder.sent) == 1


def test_the_command_leaves_recent_and_retrying_messages_alone(settings, monkeypatch):
    use_backend(settings, "Recorder")
    fresh = outbox.enqueue(kind="other", channel="email", to="a@example.com", subject="S")
    retrying = outbox.enqueue(kind="other", channel="email", to="b@example.com", subject="S")
    OutgoingMessage.objects.filter(pk=retrying.pk).update(
        attempts=1, created_at=timezone.now() - timedelta(hours=1)
    )
    call_command("send_queued_messages", stdout=io.StringIO())
    assert Recorder.sent == []
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {Status.QUEUED}
    assert fresh.pk and retrying.pk


def test_the_order_confirmation_goes_through_the_outbox(
    settings, django_capture_on_commit_callbacks
):
    from tests.factories import OrderingClientFactory
    from tests.unit.test_order_services import accept, ready_order

    use_backend(settings, "Down")
    operator = UserFactory(role=Role.OPERATOR)
    order = accept(ready_order(OrderingClientFactory(credit_limit=None), operator), operator)
    with django_capture_on_commit_callbacks(execute=True):
        send_confirmation(order=order, to="buh@client.example", by=operator)
    message = OutgoingMessage.objects.get()
    assert (message.kind, message.status, message.recipient) == (
        "confirmation",
        Status.FAILED,
        "buh@client.example",
    )
    assert order.number in message.subject and message.created_by == operator
    # the event is still recorded: the failure is the outbox's to show, not the order's
    assert order.events.filter(kind="confirmation_sent").exists()


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_with_a_broker_the_task_is_published_to_redis_for_the_worker(settings):
    """The real broker path (no worker needed): the task goes to Redis with the id only."""
    import redis

    from orderdesk.celery import app

    url = "redis://127.0.0.1:6379/15"
    queue = "orderdesk-test-outbox"
    use_backend(settings, "Recorder")
    message = outbox.enqueue(kind="other", channel="email", to="a@example.com", subject="S")
    conn = redis.Redis.from_url(url)
    conn.delete(queue)
    old = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, url
    try:
        with app.connection_for_write(url) as connection:
            send_outgoing_message.apply_async((message.pk,), queue=queue, connection=connection)
        assert conn.llen(queue) == 1
        published = json.loads(conn.lindex(queue, 0))
        assert published["headers"]["task"] == "orderdesk.tasks.send_outgoing_message"
        args, kwargs, _embed = json.loads(base64.b64decode(published["body"]))
        assert (args, kwargs) == ([message.pk], {})  # the id only
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old
        conn.delete(queue)
    assert Recorder.sent == []  # nothing sent in process: the worker would send it
