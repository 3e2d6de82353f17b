"""The header's inbox count is cached per user and follows every change (issue 10)."""

import pytest
from django.urls import reverse

from calls.models import CallTask, Feedback, Transfer
from orderdesk.roles import Role
from tests.factories import CallFactory, ClientFactory, DepartmentFactory, make_staff


@pytest.mark.django_db
def test_the_cached_inbox_count_follows_transfers_tasks_and_feedback(client):
    """The header's badge is cached per user; every change of the inbox's items or of who
    belongs to which department shows at once (orderdesk.inbox_badge)."""
    head = make_staff(role=Role.HEAD)
    department = DepartmentFactory(name="Опт", head=None)
    client.force_login(head)

    def badge():
        return client.get(reverse("calls:inbox_count"), HTTP_HX_REQUEST="true").content.decode()

    assert "hidden>0<" in badge()
    call = CallFactory(client=ClientFactory())
    Transfer.objects.create(call=call, to_user=head, rule="x", reason="r", created_by=head)
    assert ">1<" in badge()
    task = CallTask.objects.create(
        kind=CallTask.Kind.ASSIGN_MANAGER, client=call.client, assigned_to=head, created_by=head
    )
    assert ">2<" in badge()
    feedback = Feedback.objects.create(call=call, client=call.client, text="t", created_by=head)
    feedback.departments.set([department])
    assert ">2<" in badge()  # not yet their department
    department.head = head
    department.save()
    assert ">3<" in badge()
    task.status = CallTask.Status.DONE
    task.save()
    assert ">2<" in badge()
