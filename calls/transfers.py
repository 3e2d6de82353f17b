"""Transfers of a call to the person the routing names, and the receivers' inbox actions.

``transfer_call`` hands the call over as routed (a new client's head also gets a task to
assign a manager); ``mark_transfer_handled`` and ``assign_manager`` are what the receivers
do from their inbox.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from calls import events
from calls.errors import CallError
from calls.flow import Step, require_step
from calls.models import Call, CallTask, Transfer
from calls.routing import RouteRule, person_name, route_call, route_nonstandard
from calls.services import lock_open_call
from clients.models import Client
from orderdesk.models import Department
from orderdesk.roles import Role

NONSTANDARD_WHY_MAX = 200


@transaction.atomic
def transfer_call(*, call: Call, by, nonstandard: bool = False, why: str = "") -> Transfer:
    """Transfer the call as routed; a new client's head also gets a task to assign a manager.

    The route is decided here, from the call as it is now (``route_call`` for its client and
    purpose, or ``route_nonstandard`` when the operator calls it a non-standard situation),
    so no request can name a target of its own. A non-standard transfer needs the operator's
    one line of why (``why``), stored with the reason so the head reads it in the inbox.
    """
    why = " ".join(why.split())[:NONSTANDARD_WHY_MAX]
    if nonstandard and not why:
        raise CallError(_("Say in one line why the situation is non-standard."))
    lock_open_call(call, by=by)
    require_step(call, Step.ROUTE)
    route = route_nonstandard(call.client) if nonstandard else route_call(call.client, call.purpose)
    if not route.is_transfer:
        raise CallError(_("Nobody to transfer to: you keep this call."))
    reason = route.reason
    if nonstandard:
        note = _("Operator's note")
        reason = f"{reason}\n{note}: {why}"
    transfer = Transfer(
        call=call,
        to_user=route.target,
        to_department=route.department,
        rule=route.rule,
        reason=reason,
        created_by=by,
    )
    transfer.full_clean()
    transfer.save()
    task = None
    if route.rule == RouteRule.NEW_CLIENT_HEAD and call.client_id is not None:
        assignee = route.target or wholesale_head()
        task = CallTask.objects.create(
            kind=CallTask.Kind.ASSIGN_MANAGER,
            client=call.client,
            assigned_to=assignee,
            created_by=by,
            call=call,
            instructions=route.reason,
        )
    call.step = Step.WRAP_UP
    call.save(update_fields=["step"])
    events.transferred(call=call, by=by, transfer=transfer, task=task)
    return transfer


def wholesale_head():
    """Who assigns managers when the client's department has no head."""
    department = (
        Department.objects.filter(kind=Department.Kind.WHOLESALE, head__isnull=False)
        .select_related("head")
        .first()
    )
    return department.head if department else None


@transaction.atomic
def mark_transfer_handled(*, transfer: Transfer, by) -> Transfer:
    """The receiver (or the head of the receiving department; any of its staff when it was
    sent to the department alone) closes a transfer; once."""
    current = Transfer.objects.select_for_update().get(pk=transfer.pk)
    allowed = by.is_superuser or current.to_user_id == by.pk
    if not allowed and current.to_department_id is not None:
        # A transfer to a person is theirs (their department's head may close it too);
        # one to the department alone may be closed by anyone of the department.
        department = Department.objects.filter(pk=current.to_department_id)
        allowed = department.filter(head=by).exists() or (
            current.to_user_id is None and department.filter(staff__user=by).exists()
        )
    if not allowed:
        raise PermissionDenied(_("This transfer is not addressed to you."))
    if current.handled_at is None:
        current.handled_at = timezone.now()
        current.save(update_fields=["handled_at"])
    transfer.handled_at = current.handled_at
    return current


# --- the head's inbox: assigning a manager to a new client ---------------------------


@transaction.atomic
def assign_manager(*, task: CallTask, manager, by) -> Client:
    """The head assigns a manager to a new client; closes the task and its transfer."""
    task = CallTask.objects.select_for_update().get(pk=task.pk)
    if task.assigned_to_id != by.pk and not by.is_superuser:
        raise PermissionDenied(_("Only the head this task is assigned to may assign a manager."))
    if task.kind != CallTask.Kind.ASSIGN_MANAGER or task.client_id is None:
        raise CallError(_("This task is not about assigning a manager."))
    if task.status != CallTask.Status.OPEN:
        raise CallError(_("This task is already closed."))
    eligible = (
        manager is not None
        and manager.is_active
        and manager.groups.filter(name__in=[Role.MANAGER, Role.HEAD]).exists()
    )
    if not eligible:
        raise CallError(_("Choose an active manager or head of department."))

    now = timezone.now()
    client = Client.objects.select_for_update().get(pk=task.client_id)
    client.manager = manager
    client.save(update_fields=["manager"])
    task.status = CallTask.Status.DONE
    task.done_at = now
    task.result = _("Manager assigned: %(manager)s.") % {"manager": person_name(manager)}
    task.save(update_fields=["status", "done_at", "result"])
    if task.call_id is not None:  # handled_at is no criterion: nothing to roll up again
        Transfer.objects.filter(
            call_id=task.call_id, rule=RouteRule.NEW_CLIENT_HEAD, handled_at__isnull=True
        ).update(handled_at=now)
    return client
