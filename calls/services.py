"""Writes of the call script. Each service checks, then writes in one transaction, and
records what happened as a ``CallEvent`` through ``record_event``.

Every service that takes a call locks its row, checks that ``by`` is the call's operator
(``PermissionDenied`` otherwise) and that the call is still open (``CallError``).
"""

import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import campaigns
from calls.errors import CallError
from calls.flow import Step, next_step, require_step
from calls.models import Call, CallEvent, CallOutcome, CallTask, Feedback, Purpose, Transfer
from calls.price_lists import price_list_csv, price_list_pdf
from calls.routing import Route, RouteRule, person_name, route_call
from clients.models import Client, ClientPhone, ClientType, Contact
from clients.phones import normalize_phone
from clients.selectors import find_client_by_phone
from orderdesk.models import Department
from orderdesk.roles import Role

ABANDONED_OUTCOME = "abandoned"
FEEDBACK_MAX_LENGTH = 5000
CLIENT_NAME_MAX_LENGTH = 300


class PriceListFormat(models.TextChoices):
    CSV = "csv", "CSV"
    PDF = "pdf", "PDF"


class ReferenceTopic(models.TextChoices):
    PRODUCT = "product", gettext_lazy("Product")
    PRICES = "prices", gettext_lazy("Prices")
    DELIVERY = "delivery", gettext_lazy("Delivery conditions")
    CERTIFICATE = "certificate", gettext_lazy("Certificate")
    OTHER = "other", gettext_lazy("Other")


# --- events -------------------------------------------------------------------------


def record_event(*, call: Call, kind: str, by=None, **data) -> CallEvent:
    """Write one ``CallEvent``; ``data`` is stored as JSON (Decimals and dates as strings)."""
    if kind not in CallEvent.Kind.values:
        raise ValueError(f"unknown call event kind {kind!r}")
    payload = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return CallEvent.objects.create(call=call, kind=kind, by=by, data=payload)


# --- guards -------------------------------------------------------------------------


def _lock_open_call(call: Call, *, by, closed_message: str | None = None) -> Call:
    """Lock the call's row, check it belongs to ``by`` and is open; refresh ``call`` from it."""
    current = Call.objects.select_for_update().get(pk=call.pk)
    if by is None or current.operator_id != by.pk:
        raise PermissionDenied(_("This call belongs to another operator."))
    if current.status != Call.Status.OPEN:
        raise CallError(closed_message or _("This call has already ended."))
    for field in Call._meta.concrete_fields:
        setattr(call, field.attname, getattr(current, field.attname))
    return call


def _abandon(calls: list[Call], *, now, by=None, note: str) -> None:
    outcome = CallOutcome.objects.filter(code=ABANDONED_OUTCOME).first()
    ids = [call.pk for call in calls]
    Call.objects.filter(pk__in=ids, status=Call.Status.OPEN).update(
        status=Call.Status.ABANDONED, ended_at=now, outcome=outcome
    )
    CallEvent.objects.bulk_create(
        CallEvent(call_id=pk, at=now, by=by, kind=CallEvent.Kind.ABANDONED, data={"note": note})
        for pk in ids
    )


# --- starting and identifying -------------------------------------------------------


@transaction.atomic
def start_call(
    *, phone: str, operator, direction: str = "in", task: CallTask | None = None
) -> Call:
    """Register a call the moment it starts and identify the caller by the number.

    The operator's other open calls are closed as abandoned first (one call at a time).
    """
    number = normalize_phone(phone)
    if number is None:
        shown = (phone or "")[:40] if isinstance(phone, str) else ""
        raise CallError(_("“%(phone)s” is not a valid phone number.") % {"phone": shown})
    if direction not in Call.Direction.values:
        raise CallError(_("Unknown call direction."))
    if task is not None:
        if task.assigned_to_id not in (None, operator.pk):
            raise PermissionDenied(_("This task is assigned to someone else."))
        if task.status != CallTask.Status.OPEN:
            raise CallError(_("This task is already closed."))

    now = timezone.now()
    others = list(
        Call.objects.select_for_update().filter(operator=operator, status=Call.Status.OPEN)
    )
    if others:
        _abandon(others, now=now, by=operator, note="a new call started")

    client = find_client_by_phone(number)
    if client is None and task is not None and task.client_id is not None:
        client = task.client
    call = Call(
        direction=direction,
        phone=number,
        client=client,
        operator=operator,
        task=task,
        started_at=now,
    )
    call.step = next_step(call)
    call.full_clean()
    call.save()
    record_event(
        call=call, kind=CallEvent.Kind.STARTED, by=operator, phone=number, direction=direction
    )
    record_event(
        call=call,
        kind=CallEvent.Kind.IDENTIFIED,
        by=operator,
        known=client is not None,
        client_id=client.pk if client else None,
        client=client.name if client else None,
    )
    return call


def start_task_call(*, task: CallTask, operator) -> Call:
    """Dial the client of a call task (call-back, asleep client, instructed call): an
    outbound call on the client's first number (or, for a caller never registered, the
    number of the call that booked it), linked to the task."""
    phone = task.client.phones.order_by("pk").first() if task.client_id else None
    number = str(phone.number) if phone else (task.call.phone if task.call_id else "")
    if not number:
        raise CallError(_("This task has no number to call."))
    return start_call(phone=number, operator=operator, direction=Call.Direction.OUTBOUND, task=task)


@transaction.atomic
def register_client(
    *,
    call: Call,
    name: str,
    client_type: ClientType,
    region: str,
    contact_name: str,
    contact_phone: str | None = None,
    by,
) -> Client:
    """Register the unknown caller as a new client (no manager yet) with the call's number."""
    _lock_open_call(call, by=by)
    require_step(call, Step.NEW_CLIENT)
    name = (name or "").strip()
    if not name:
        raise CallError(_("Enter the client's name."))
    if len(name) > CLIENT_NAME_MAX_LENGTH:
        raise CallError(_("The client's name is too long."))
    owner = ClientPhone.objects.filter(number=call.phone).select_related("client").first()
    if owner is not None:
        raise CallError(
            _("The number %(phone)s already belongs to the client %(client)s.")
            % {"phone": call.phone, "client": owner.client.name}
        )
    contact_number = ""
    if contact_phone:
        contact_number = normalize_phone(contact_phone)
        if contact_number is None:
            raise CallError(
                _("“%(phone)s” is not a valid phone number.") % {"phone": contact_phone[:40]}
            )

    client = Client(name=name, client_type=client_type, region=(region or "").strip(), manager=None)
    client.full_clean()
    client.save()
    try:
        with transaction.atomic():  # another operator may register this number right now
            ClientPhone.objects.create(client=client, number=call.phone)
    except IntegrityError:
        raise CallError(
            _("The number %(phone)s was just registered for another client.")
            % {"phone": call.phone}
        ) from None
    contact_name = (contact_name or "").strip()
    if contact_name:
        contact = Contact(
            client=client,
            name=contact_name,
            phone=contact_number or call.phone,
            can_receive_goods=True,
        )
        contact.full_clean()
        contact.save()

    call.client = client
    call.step = next_step(call)
    call.save(update_fields=["client", "step"])
    record_event(
        call=call,
        kind=CallEvent.Kind.CLIENT_CREATED,
        by=by,
        client_id=client.pk,
        client=client.name,
        client_type=client_type.code,
    )
    return client


# --- purpose, routing, transfer -----------------------------------------------------


@transaction.atomic
def choose_purpose(*, call: Call, purpose: str, by) -> Route:
    """Store the purpose, decide the routing and record both."""
    _lock_open_call(call, by=by)
    if purpose not in Purpose.values:
        raise CallError(_("Choose one of the purposes offered."))
    require_step(call, Step.PURPOSE)
    call.purpose = purpose
    route = route_call(call.client, purpose)
    call.step = next_step(call, route=route)
    call.save(update_fields=["purpose", "step"])
    record_event(call=call, kind=CallEvent.Kind.PURPOSE, by=by, purpose=purpose)
    record_event(
        call=call,
        kind=CallEvent.Kind.ROUTED,
        by=by,
        rule=route.rule,
        reason=route.reason,
        target_id=route.target.pk if route.target else None,
        department_id=route.department.pk if route.department else None,
    )
    return route


@transaction.atomic
def transfer_call(*, call: Call, route: Route, by) -> Transfer:
    """Transfer the call as routed; a new client's head also gets a task to assign a manager."""
    _lock_open_call(call, by=by)
    require_step(call, Step.ROUTE)
    if not route.is_transfer:
        raise CallError(_("Nobody to transfer to: you keep this call."))
    transfer = Transfer(
        call=call,
        to_user=route.target,
        to_department=route.department,
        rule=route.rule,
        reason=route.reason,
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
    record_event(
        call=call,
        kind=CallEvent.Kind.TRANSFERRED,
        by=by,
        transfer_id=transfer.pk,
        rule=route.rule,
        reason=route.reason,
        to_user_id=route.target.pk if route.target else None,
        to_user=person_name(route.target) if route.target else None,
        to_department_id=route.department.pk if route.department else None,
        task_id=task.pk if task else None,
    )
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
    if task.call_id is not None:
        Transfer.objects.filter(
            call_id=task.call_id, rule=RouteRule.NEW_CLIENT_HEAD, handled_at__isnull=True
        ).update(handled_at=now)
    return client


# --- feedback -----------------------------------------------------------------------


@transaction.atomic
def record_feedback(*, call: Call, kind: str, text: str, departments, by) -> Feedback:
    """Record a comment, wish or complaint and route it to the departments concerned
    (once per call: a second submit is refused)."""
    _lock_open_call(call, by=by)
    require_step(call, Step.FEEDBACK)
    if kind not in Feedback.Kind.values:
        raise CallError(_("Choose whether it is a comment, a wish or a complaint."))
    text = (text or "").strip()
    if not text:
        raise CallError(_("Write down what the caller said."))
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise CallError(
            _("The text is too long: at most %(max)d characters.") % {"max": FEEDBACK_MAX_LENGTH}
        )
    departments = list(departments or [])
    if not departments:
        raise CallError(_("Choose at least one department concerned."))

    feedback = Feedback(call=call, client=call.client, kind=kind, text=text, created_by=by)
    feedback.full_clean()
    feedback.save()
    feedback.departments.set(departments)
    call.step = Step.WRAP_UP
    call.save(update_fields=["step"])
    record_event(
        call=call,
        kind=CallEvent.Kind.FEEDBACK,
        by=by,
        feedback_id=feedback.pk,
        feedback_kind=kind,
        departments=[getattr(d, "pk", d) for d in departments],
    )
    return feedback


@transaction.atomic
def mark_feedback_handled(*, feedback: Feedback, by) -> Feedback:
    """Staff or the head of a department concerned marks feedback handled; the first wins."""
    current = Feedback.objects.select_for_update().get(pk=feedback.pk)
    concerned = current.departments.filter(Q(head=by) | Q(staff__user=by)).exists()
    if not concerned:
        raise PermissionDenied(_("This feedback is not for your department."))
    if current.handled_at is None:
        current.handled_at = timezone.now()
        current.handled_by = by
        current.save(update_fields=["handled_at", "handled_by"])
    feedback.handled_at, feedback.handled_by = current.handled_at, current.handled_by
    return current


# --- reference: price lists and information given -----------------------------------


PRICE_LIST_RENDERERS = {
    PriceListFormat.CSV: (price_list_csv, "text/csv"),
    PriceListFormat.PDF: (price_list_pdf, "application/pdf"),
}


def deliver_price_list(*, client_id: int | None, to: str, fmt: str) -> None:
    """Build the price list and e-mail it. Takes ids only, so it can move to a worker queue."""
    render, mimetype = PRICE_LIST_RENDERERS[PriceListFormat(fmt)]
    client = (
        Client.objects.select_related("client_type__default_price_column").get(pk=client_id)
        if client_id is not None
        else None
    )
    today = timezone.localdate()
    message = EmailMessage(
        subject=_("Price list of %(date)s") % {"date": today.strftime("%d.%m.%Y")},
        body=_("Good day! The price list you asked for is attached."),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach(f"price-list-{today:%Y-%m-%d}.{fmt}", render(client), mimetype)
    message.send()


@transaction.atomic
def send_price_list(*, call: Call, contact_email: str, fmt: str = PriceListFormat.CSV, by) -> None:
    """E-mail the caller's price list (prices in their column) once the transaction commits."""
    _lock_open_call(call, by=by)
    contact_email = (contact_email or "").strip()
    try:
        validate_email(contact_email)
    except ValidationError:
        raise CallError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": contact_email[:80]}
        ) from None
    if fmt not in PriceListFormat.values:
        raise CallError(_("Choose CSV or PDF."))
    if fmt not in PRICE_LIST_RENDERERS:
        raise CallError(_("PDF price lists are not available yet; send it as CSV."))
    record_event(
        call=call,
        kind=CallEvent.Kind.PRICE_LIST_SENT,
        by=by,
        email=contact_email,
        format=fmt,
    )
    client_id = call.client_id
    # robust: a mail server that is down must not turn the operator's screen into a 500;
    # the failure is logged (and the call keeps its event) for someone to resend.
    transaction.on_commit(
        lambda: deliver_price_list(client_id=client_id, to=contact_email, fmt=fmt), robust=True
    )


@transaction.atomic
def record_reference(*, call: Call, topic: str, data: dict, by) -> CallEvent:
    """Note which reference information the caller got."""
    _lock_open_call(call, by=by)
    if topic not in ReferenceTopic.values:
        raise CallError(_("Choose what the caller asked about."))
    if not isinstance(data, dict):
        raise CallError(_("The reference details must be a mapping."))
    return record_event(call=call, kind=CallEvent.Kind.REFERENCE, by=by, topic=topic, details=data)


# --- wrap-up and abandoned calls ----------------------------------------------------


@transaction.atomic
def wrap_up(*, call: Call, outcome_code: str, notes: str, callback_at=None, by) -> Call:
    """Close the call with an outcome and notes; a call-back outcome books a call-back task."""
    _lock_open_call(call, by=by, closed_message=_("This call is already wrapped up."))
    outcome = CallOutcome.objects.filter(code=outcome_code, is_active=True).first()
    if outcome is None:
        raise CallError(_("Choose one of the outcomes offered."))
    now = timezone.now()
    callback_at = callback_at or campaigns.retry_at(call, outcome, now=now)  # outbound: retry
    if outcome.needs_callback:
        if callback_at is None:
            raise CallError(_("Say when to call back."))
        if timezone.is_naive(callback_at):
            callback_at = timezone.make_aware(callback_at)
        if callback_at <= now:
            raise CallError(_("The call-back time must be in the future."))
    elif callback_at is not None:
        raise CallError(_("A call-back time only goes with a call-back outcome."))

    task = None
    if outcome.needs_callback and not campaigns.requeues(call):
        task = CallTask.objects.create(
            kind=CallTask.Kind.CALL_BACK,
            client=call.client,
            assigned_to=by,
            created_by=by,
            due_at=callback_at,
            call=call,
            instructions=(notes or "").strip(),
        )
    call.outcome = outcome
    call.notes = (notes or "").strip()
    call.ended_at = now
    call.status = Call.Status.CLOSED
    call.step = Step.WRAP_UP
    call.save(update_fields=["outcome", "notes", "ended_at", "status", "step"])
    if call.task_id and outcome.is_complete:
        # The call this task asked for has happened: the task is done, its result reported.
        CallTask.objects.filter(pk=call.task_id, status=CallTask.Status.OPEN).update(
            status=CallTask.Status.DONE,
            done_at=now,
            result=f"{outcome.name}. {call.notes}".strip(),
        )
    campaigns.after_wrap_up(call=call, outcome=outcome, callback_at=callback_at, now=now)
    record_event(
        call=call,
        kind=CallEvent.Kind.WRAPPED_UP,
        by=by,
        outcome=outcome.code,
        duration_seconds=int((now - call.started_at).total_seconds()),
        callback_at=callback_at,
        callback_task_id=task.pk if task else None,
    )
    return call


@transaction.atomic
def close_abandoned_calls(*, older_than: timedelta) -> int:
    """Close open calls with no activity for ``older_than`` (a closed browser); returns how many."""
    cutoff = timezone.now() - older_than
    recent_activity = CallEvent.objects.filter(call_id=models.OuterRef("pk"), at__gte=cutoff)
    stale = list(
        Call.objects.select_for_update()
        .filter(status=Call.Status.OPEN, started_at__lt=cutoff)
        .exclude(models.Exists(recent_activity))
    )
    if stale:
        minutes = int(older_than.total_seconds() // 60)
        _abandon(stale, now=timezone.now(), note=f"no activity for {minutes} minutes")
    return len(stale)
