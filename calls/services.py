"""Writes of the call script: the call's life (start, identify, register the client,
purpose, reference, wrap-up, abandoned calls). Each service checks, then writes in one
transaction, and records what happened as a ``CallEvent`` through its creator in
``calls.events``. Transfers and the inbox live in ``calls.transfers``, feedback in
``calls.feedback``.

Every service that takes a call locks its row, checks that ``by`` is the call's operator
(``PermissionDenied`` otherwise) and that the call is still open (``CallError``).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import campaigns, events
from calls.errors import CallError
from calls.flow import Step, next_step, require_step
from calls.models import Call, CallEvent, CallOutcome, CallTask, OutcomeCode, Purpose
from calls.outcomes import next_attempt_at, outcome_problem
from calls.price_lists import price_list_csv, price_list_pdf
from calls.routing import Route, route_call
from clients.models import Client, ClientPhone, ClientType, Contact
from clients.phones import normalize_phone
from clients.selectors import find_client_by_phone

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


# --- guards -------------------------------------------------------------------------


def lock_open_call(call: Call, *, by, closed_message: str | None = None) -> Call:
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
    outcome = CallOutcome.objects.filter(code=OutcomeCode.ABANDONED).first()
    ids = [call.pk for call in calls]
    Call.objects.filter(pk__in=ids, status=Call.Status.OPEN).update(
        status=Call.Status.ABANDONED, ended_at=now, outcome=outcome
    )
    events.abandoned(call_ids=ids, by=by, at=now, note=note)


# --- starting and identifying -------------------------------------------------------


@transaction.atomic
def start_call(
    *, phone: str, operator, direction: str = Call.Direction.INBOUND, task: CallTask | None = None
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
    events.call_started(call=call, by=operator)
    events.caller_identified(call=call, by=operator)
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


NEW_CLIENT_CREDIT_LIMIT = Decimal("0")  # 0: prepayment only (Client.credit_limit)


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
    lock_open_call(call, by=by)
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

    client = Client(
        name=name,
        client_type=client_type,
        region=(region or "").strip(),
        manager=None,
        credit_limit=NEW_CLIENT_CREDIT_LIMIT,  # prepayment until finance sets a limit
    )
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
    events.client_registered(call=call, by=by, client=client)
    return client


# --- purpose and routing -----------------------------------------------------


@transaction.atomic
def choose_purpose(*, call: Call, purpose: str, by) -> Route:
    """Store the purpose, decide the routing and record both."""
    lock_open_call(call, by=by)
    if purpose not in Purpose.values:
        raise CallError(_("Choose one of the purposes offered."))
    require_step(call, Step.PURPOSE)
    call.purpose = purpose
    route = route_call(call.client, purpose)
    call.step = next_step(call, route=route)
    call.save(update_fields=["purpose", "step"])
    events.purpose_chosen(call=call, by=by, purpose=purpose)
    events.routed(call=call, by=by, route=route)
    return route


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
    lock_open_call(call, by=by)
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
    events.price_list_sent(call=call, by=by, email=contact_email, fmt=fmt)
    client_id = call.client_id
    # robust: a mail server that is down must not turn the operator's screen into a 500;
    # the failure is logged (and the call keeps its event) for someone to resend.
    transaction.on_commit(
        lambda: deliver_price_list(client_id=client_id, to=contact_email, fmt=fmt), robust=True
    )


@transaction.atomic
def record_reference(*, call: Call, topic: str, data: dict, by) -> CallEvent:
    """Note which reference information the caller got."""
    lock_open_call(call, by=by)
    if topic not in ReferenceTopic.values:
        raise CallError(_("Choose what the caller asked about."))
    if not isinstance(data, dict):
        raise CallError(_("The reference details must be a mapping."))
    return events.reference_given(call=call, by=by, topic=topic, details=data)


# --- wrap-up and abandoned calls ----------------------------------------------------


@transaction.atomic
def wrap_up(*, call: Call, outcome_code: str, notes: str, callback_at=None, by) -> Call:
    """Close the call with an outcome and notes; a call-back outcome books a call-back task.

    The outcome must tell the truth about the call (``calls.outcomes.outcome_problem``):
    a sale needs an accepted order and an accepted order needs a sale, ``transferred`` a
    transfer, ``debt_blocked`` a recorded debt block; otherwise ``CallError`` says why.
    """
    lock_open_call(call, by=by, closed_message=_("This call is already wrapped up."))
    outcome = CallOutcome.objects.filter(code=outcome_code, is_active=True).first()
    if outcome is None:
        raise CallError(_("Choose one of the outcomes offered."))
    problem = outcome_problem(call, outcome)
    if problem is not None:
        raise CallError(problem)
    now = timezone.now()
    callback_at = (
        callback_at
        or campaigns.retry_at(call, outcome, now=now)  # outbound: the task's retry
        or next_attempt_at(outcome, now=now)  # no answer: the next attempt books itself
    )
    if outcome.needs_callback:
        if callback_at is None:
            raise CallError(_("Say when to call back."), field="callback_at")
        if timezone.is_naive(callback_at):
            callback_at = timezone.make_aware(callback_at)
        if callback_at <= now:
            raise CallError(_("The call-back time must be in the future."), field="callback_at")
    elif callback_at is not None:
        raise CallError(
            _("A call-back time only goes with a call-back outcome."), field="callback_at"
        )

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
    events.wrapped_up(
        call=call,
        by=by,
        outcome=outcome,
        duration_seconds=int((now - call.started_at).total_seconds()),
        callback_at=callback_at,
        callback_task=task,
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
