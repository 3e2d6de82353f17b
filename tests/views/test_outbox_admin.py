"""The admin list of outgoing messages (issue 11): what failed, and resend. Admin only."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from orderdesk import outbox
from orderdesk.models import OutgoingMessage
from orderdesk.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:orderdesk_outgoingmessage_changelist")


class Down:
    def send(self, *, to, subject, body):
        raise ConnectionRefusedError("mail server down")


class Up:
    sent: list = []

    def send(self, *, to, subject, body):
        Up.sent.append(to)


def backend(settings, name):
    path = f"tests.views.test_outbox_admin.{name}"
    settings.ORDERDESK = {
        **settings.ORDERDESK,
        "NOTIFICATION_BACKENDS": {"email": path, "sms": path},
        "MAIL_MAX_ATTEMPTS": 3,
    }


@pytest.fixture
def failed(settings, django_capture_on_commit_callbacks):
    backend(settings, "Down")
    by = UserFactory(role=Role.OPERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            outbox.enqueue(
                kind=OutgoingMessage.Kind.PRICE_LIST,
                channel="email",
                to=f"buyer{n}@example.com",
                subject="Price list",
                by=by,
            )
    return list(OutgoingMessage.objects.order_by("pk"))


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", role=Role.ADMIN, is_staff=True))
    return client


def test_the_admin_lists_what_failed_with_the_error(
    admin_client, failed, django_assert_max_num_queries
):
    OutgoingMessage.objects.create(
        kind="confirmation",
        channel="email",
        recipient="ok@example.com",
        subject="Fine",
        status="sent",
        attempts=1,
    )
    with django_assert_max_num_queries(12):
        response = admin_client.get(LIST, {"status__exact": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    for message in failed:
        assert message.recipient in page
    assert "ConnectionRefusedError: mail server down" in page
    assert "ok@example.com" not in page  # the filter shows only what failed
    assert "Resend the selected messages" in page


def test_the_admin_resends_failed_messages_and_it_is_recorded(
    admin_client, failed, settings, django_capture_on_commit_callbacks
):
    backend(settings, "Up")
    Up.sent = []
    chosen = failed[:2]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            LIST,
            {"action": "resend", "_selected_action": [m.pk for m in chosen]},
            follow=True,
        )
    assert response.status_code == 200
    assert "2 message(s) queued again" in response.content.decode()
    assert sorted(Up.sent) == ["buyer0@example.com", "buyer1@example.com"]
    statuses = dict(OutgoingMessage.objects.values_list("recipient", "status"))
    assert statuses == {
        "buyer0@example.com": "sent",
        "buyer1@example.com": "sent",
        "buyer2@example.com": "failed",
    }
    logged = LogEntry.objects.filter(user__username="boss")
    assert sorted(int(e.object_id) for e in logged) == sorted(m.pk for m in chosen)


def test_messages_cannot_be_added_edited_or_deleted_in_the_admin(admin_client, failed):
    message = failed[0]
    assert admin_client.get(reverse("admin:orderdesk_outgoingmessage_add")).status_code == 403
    change = reverse("admin:orderdesk_outgoingmessage_change", args=[message.pk])
    assert admin_client.get(change).status_code == 200  # read-only view
    admin_client.post(change, {"recipient": "evil@example.com", "status": "sent"})
    delete = reverse("admin:orderdesk_outgoingmessage_delete", args=[message.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert (message.recipient, message.status) == ("buyer0@example.com", "failed")


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MANAGER, Role.HEAD, Role.FINANCE])
def test_other_roles_neither_see_nor_resend(client, failed, role, settings):
    backend(settings, "Up")
    Up.sent = []
    client.force_login(UserFactory(role=role))
    assert client.get(LIST).status_code in (302, 403)
    response = client.post(LIST, {"action": "resend", "_selected_action": [failed[0].pk]})
    assert response.status_code in (302, 403)
    assert Up.sent == []
    assert OutgoingMessage.objects.get(pk=failed[0].pk).status == "failed"


def test_anonymous_is_sent_to_the_login(client, failed):
    response = client.get(LIST)
    assert response.status_code == 302 and "login" in response["Location"]
