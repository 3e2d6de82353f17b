"""orders.notifications: the arrival announcement (F-ORD-7) and the one notify() function."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from orderdesk.roles import Role
from orders import services
from orders.errors import ArrivalInvalid, OrderInvalid
from orders.models import Order, OrderEvent
from orders.notifications import announce_arrival, notify
from tests.factories import ContactFactory, OrderingClientFactory, UserFactory
from tests.unit.test_order_services import accept, ready_order

pytestmark = pytest.mark.django_db

Status = Order.Status


class Recorder:
    """A notification backend that remembers what it was asked to send."""

    sent: list = []

    def send(self, *, to, subject, body):
        Recorder.sent.append({"to": to, "subject": subject, "body": body})


class Failing:
    def send(self, *, to, subject, body):
        raise ConnectionError("gateway down")


@pytest.fixture
def recorded(settings):
    Recorder.sent = []
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "NOTIFICATION_BACKENDS": {
            "email": "tests.unit.test_notifications.Recorder",
            "sms": "tests.unit.test_notifications.Recorder",
        },
    }
    return Recorder.sent


@pytest.fixture
def dispatcher(accepted):
    """Who tells the consignee: the client's manager (orders.access.may_manage)."""
    return accepted.client.manager


@pytest.fixture
def accepted():
    """An accepted order whose receiver has a phone and no e-mail; the client has an e-mail
    contact."""
    client = OrderingClientFactory(credit_limit=None)
    ContactFactory(
        client=client, name="Приёмщик Иван", phone="+79161234567", email="", can_receive_goods=True
    )
    ContactFactory(
        client=client, name="Бухгалтер Анна", email="buh@client.example", can_receive_goods=False
    )
    operator = UserFactory(role=Role.OPERATOR)
    return accept(ready_order(client, operator), operator)


def window(hours_from_now=24, length=2):
    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_from_now)
    return start, start + timedelta(hours=length)


def test_sending_to_fulfilment_with_a_window_announces_it(
    accepted, dispatcher, recorded, django_capture_on_commit_callbacks
):
    start, end = window()

    with django_capture_on_commit_callbacks(execute=True):
        order = services.send_to_fulfilment(
            order=accepted, by=dispatcher, arrival_from=start, arrival_to=end
        )

    assert order.status == Status.IN_FULFILMENT
    stored = Order.objects.get(pk=order.pk)
    assert (stored.arrival_from, stored.arrival_to) == (start, end)
    # the receiver has no e-mail: an SMS to the phone; and the client's contact e-mail
    assert [m["to"] for m in recorded] == ["+79161234567", "buh@client.example"]
    body = recorded[0]["body"]
    assert accepted.number in body
    assert timezone.localtime(start).strftime("%d.%m.%Y") in body
    assert timezone.localtime(start).strftime("%H:%M") in body
    assert timezone.localtime(end).strftime("%H:%M") in body
    events = list(OrderEvent.objects.filter(order=order).order_by("at", "id"))
    status, announced = events[-2:]
    assert (status.kind, status.by, status.data) == (
        OrderEvent.Kind.STATUS_CHANGED,
        dispatcher,
        {"old": "accepted", "new": "in_fulfilment"},
    )
    assert (announced.kind, announced.by) == (OrderEvent.Kind.ARRIVAL_ANNOUNCED, dispatcher)
    assert announced.data == {
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
        "to": ["+79161234567", "buh@client.example"],
        "channel": "sms, email",
    }


def test_nothing_is_sent_before_the_transaction_commits(accepted, dispatcher, recorded):
    start, end = window()
    services.send_to_fulfilment(order=accepted, by=dispatcher, arrival_from=start, arrival_to=end)
    assert recorded == []  # the test's transaction never commits


def test_sending_to_fulfilment_without_a_window_announces_nothing(accepted, dispatcher, recorded):
    order = services.send_to_fulfilment(order=accepted, by=dispatcher)
    assert order.status == Status.IN_FULFILMENT
    assert not OrderEvent.objects.filter(kind=OrderEvent.Kind.ARRIVAL_ANNOUNCED).exists()


@pytest.mark.parametrize(
    ("shift", "message"),
    [
        ({"hours_from_now": 24, "length": 0}, "must end after it starts"),
        ({"hours_from_now": 24, "length": -1}, "must end after it starts"),
        ({"hours_from_now": -3, "length": 2}, "cannot start in the past"),
        ({"hours_from_now": 24 * 61, "length": 2}, "within 60 days"),
    ],
)
def test_a_bad_window_changes_nothing(accepted, dispatcher, recorded, shift, message):
    start, end = window(**shift)
    with pytest.raises(ArrivalInvalid) as error:
        services.send_to_fulfilment(
            order=accepted, by=dispatcher, arrival_from=start, arrival_to=end
        )
    assert message in error.value.message
    stored = Order.objects.get(pk=accepted.pk)
    assert stored.status == Status.ACCEPTED and stored.arrival_from is None
    assert not OrderEvent.objects.filter(order=accepted, kind__in=["status_changed"]).exists()


def test_the_horizon_comes_from_the_settings(accepted, dispatcher, recorded, settings):
    settings.ORDERDESK = {**settings.ORDERDESK, "MAX_DAYS_AHEAD": 2}
    start, end = window(hours_from_now=24 * 3)
    with pytest.raises(ArrivalInvalid, match="within 2 days"):
        services.send_to_fulfilment(
            order=accepted, by=dispatcher, arrival_from=start, arrival_to=end
        )


def test_half_a_window_is_refused(accepted, dispatcher):
    with pytest.raises(OrderInvalid, match="both the start and the end"):
        services.send_to_fulfilment(order=accepted, by=dispatcher, arrival_from=window()[0])
    assert Order.objects.get(pk=accepted.pk).status == Status.ACCEPTED


def test_a_changed_window_can_be_announced_again(
    accepted, dispatcher, recorded, django_capture_on_commit_callbacks
):
    services.send_to_fulfilment(order=accepted, by=dispatcher)
    start, end = window(hours_from_now=48)
    with django_capture_on_commit_callbacks(execute=True):
        announce_arrival(order=accepted, arrival_from=start, arrival_to=end, by=dispatcher)
    assert Order.objects.get(pk=accepted.pk).arrival_from == start
    assert len(recorded) == 2


def test_only_an_order_in_fulfilment_is_announced(accepted, dispatcher, recorded):
    start, end = window()
    with pytest.raises(OrderInvalid, match="only for an order in fulfilment"):
        announce_arrival(order=accepted, arrival_from=start, arrival_to=end, by=dispatcher)


def test_a_receiver_with_an_e_mail_gets_an_e_mail(
    accepted, dispatcher, recorded, django_capture_on_commit_callbacks
):
    accepted.receiver.email = "ivan@client.example"
    accepted.receiver.save()
    start, end = window()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_to_fulfilment(
            order=accepted, by=dispatcher, arrival_from=start, arrival_to=end
        )
    event = OrderEvent.objects.get(kind=OrderEvent.Kind.ARRIVAL_ANNOUNCED)
    assert event.data["to"] == ["ivan@client.example", "buh@client.example"]
    assert event.data["channel"] == "email"


def test_a_failing_backend_does_not_undo_the_announcement(
    accepted, dispatcher, settings, django_capture_on_commit_callbacks, caplog
):
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "NOTIFICATION_BACKENDS": {
            "email": "tests.unit.test_notifications.Failing",
            "sms": "tests.unit.test_notifications.Failing",
        },
    }
    start, end = window()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        services.send_to_fulfilment(
            order=accepted, by=dispatcher, arrival_from=start, arrival_to=end
        )
    assert Order.objects.get(pk=accepted.pk).arrival_from == start


def test_notify_uses_the_configured_backend(recorded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(to="x@y.example", subject="S", body="B", channel="email")
    assert recorded == [{"to": "x@y.example", "subject": "S", "body": "B"}]


def test_the_sms_stub_only_logs(caplog, django_capture_on_commit_callbacks):
    with (
        caplog.at_level(logging.INFO, logger="orders.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(to="+79161234567", subject="S", body="Заказ едет", channel="sms")
    assert "Заказ едет" in caplog.text and "not sent" in caplog.text


def test_the_e_mail_backend_sends_mail(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(to="x@y.example", subject="Заказ", body="Текст", channel="email")
    assert mailoutbox[0].to == ["x@y.example"] and mailoutbox[0].subject == "Заказ"


def test_an_unknown_channel_is_an_error():
    with pytest.raises(ValueError):
        notify(to="x", subject="s", body="b", channel="pigeon")


def test_a_failed_announcement_is_kept_for_the_admin(
    accepted, dispatcher, settings, django_capture_on_commit_callbacks
):
    """Issue 11: each recipient's message is its own outgoing message, failed after the
    retries when the gateway is down, with the error for the admin list."""
    from orderdesk.models import OutgoingMessage

    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "MAIL_MAX_ATTEMPTS": 2,
        "NOTIFICATION_BACKENDS": {
            "email": "tests.unit.test_notifications.Failing",
            "sms": "tests.unit.test_notifications.Recorder",
        },
    }
    Recorder.sent = []
    start, end = window()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_to_fulfilment(
            order=accepted, by=dispatcher, arrival_from=start, arrival_to=end
        )
    rows = list(
        OutgoingMessage.objects.order_by("pk").values_list(
            "kind", "channel", "recipient", "status", "attempts", "last_error", "created_by"
        )
    )
    assert rows == [
        ("arrival", "sms", "+79161234567", "sent", 1, "", dispatcher.pk),
        (
            "arrival",
            "email",
            "buh@client.example",
            "failed",
            2,
            "ConnectionError: gateway down",
            dispatcher.pk,
        ),
    ]
