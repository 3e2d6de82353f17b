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

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
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
from orderdesk import outbox
from orderdesk.bounds import check_callback_at, check_text_length
from orderdesk.models import OutgoingMessage

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
    call.__dict__.pop("was_transferred", None)  # read before the lock: asked again under it
    return call


def _abandon(calls: list[Call], *, now, by=None, note: str) -> None:
    outcome = CallOutcome.objects.filter(code=OutcomeCode.ABANDONED).first()
    ids = [call.pk for call in calls]
    # No criterion changes (open → abandoned, neither handled): see calls.rollup.
    Call.objects.filter(pk__in=ids, status=Call.Status.OPEN).update(
        status=Call.Status.ABANDONED, ended_at=now, outcome=outcome
    )
    events.abandoned(call_ids=ids, by=by, at=now, note=note)


def _abandon_open_calls(operator, *, now, record: bool = True) -> list[int]:
    """Close the operator's open calls as abandoned (a new call started): one
    ``UPDATE … RETURNING`` and one insert for their events; nothing when there are none.
    ``record=False``: the caller records their events (with its own, in one insert)."""
    table = connection.ops.quote_name(Call._meta.db_table)
    outcomes = connection.ops.quote_name(CallOutcome._meta.db_table)
    # No criterion changes (open → abandoned, neither handled): see calls.rollup.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, ended_at = %s, outcome_id = "  # noqa: S608
            f"(SELECT id FROM {outcomes} WHERE code = %s) "
            f"WHERE operator_id = %s AND status = %s RETURNING id",
            [
                Call.Status.ABANDONED,
                connection.ops.adapt_datetimefield_value(now),
                OutcomeCode.ABANDONED,
                operator.pk,
                Call.Status.OPEN,
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    if ids and record:
        events.abandoned(call_ids=ids, by=operator, at=now, note=ABANDONED_BY_NEW_CALL)
    return ids


ABANDONED_BY_NEW_CALL = "a new call started"


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
    abandoned = _abandon_open_calls(operator, now=now, record=False)  # recorded below

    client = find_client_by_phone(number, for_card=False)  # the card reads its own
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
    # The client, operator and task were just read: no existence queries for them.
    call.full_clean(exclude=["client", "operator", "task"])
    call.save()
    events.call_started_and_identified(
        call=call, by=operator, abandoned=abandoned, abandoned_at=now, note=ABANDONED_BY_NEW_CALL
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
def choose_purpose(*, call: Call, purpose: str, by, open_order: bool = False) -> Route:
    """Store the purpose, decide the routing and record both.

    ``open_order``: an order the operator keeps (route ``operator``) gets its draft opened
    in the same transaction (``orders.services.open_routed_draft``), the routing just
    decided standing for the order's debt gate and routing; ``call.order`` is that draft
    (``None`` when the call is routed away or is not about an order).
    """
    lock_open_call(call, by=by)
    if purpose not in Purpose.values:
        raise CallError(_("Choose one of the purposes offered."))
    require_step(call, Step.PURPOSE)  # under the call's lock: no transfer now, none to come
    call.purpose = purpose
    route = route_call(call.client, purpose)
    call.step = next_step(call, route=route, transferred=False)
    call.save(update_fields=["purpose", "step"])
    opened = None
    if open_order:
        from orders.services import open_routed_draft  # orders uses calls: imported late

        opened = open_routed_draft(call=call, route=route, by=by)
        call.order = opened[0] if opened else None
    events.purpose_routed(
        call=call,
        by=by,
        purpose=purpose,
        route=route,
        order=opened[0] if opened and opened[1] else None,
    )
    return route


# --- reference: price lists and information given -----------------------------------


PRICE_LIST_RENDERERS = {
    PriceListFormat.CSV: (price_list_csv, "text/csv"),
    PriceListFormat.PDF: (price_list_pdf, "application/pdf"),
}


def price_list_attachment(*, client_id: int | None, fmt: str) -> tuple[str, bytes | str, str]:
    """Build the price list as an e-mail attachment ``(filename, content, mimetype)``, when
    the outbox sends it (in the worker). Takes ids only."""
    render, mimetype = PRICE_LIST_RENDERERS[PriceListFormat(fmt)]
    client = (
        Client.objects.select_related("client_type__default_price_column").get(pk=client_id)
        if client_id is not None
        else None
    )
    return f"price-list-{timezone.localdate():%Y-%m-%d}.{fmt}", render(client), mimetype


@transaction.atomic
def send_price_list(*, call: Call, contact_email: str, fmt: str = PriceListFormat.CSV, by) -> None:
    """E-mail the caller's price list (prices in their column) through the outbox, once the
    transaction commits."""
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
    # Queued in the outbox, sent after commit by the worker (retried while the mail server
    # is down, listed in the admin if it never gets through). Subject and text are written
    # now, in the operator's language; the file is built when it is sent.
    outbox.enqueue(
        kind=OutgoingMessage.Kind.PRICE_LIST,
        channel=OutgoingMessage.Channel.EMAIL,
        to=contact_email,
        subject=_("Price list of %(date)s") % {"date": timezone.localdate().strftime("%d.%m.%Y")},
        body=_("Good day! The price list you asked for is attached."),
        by=by,
        attachment="calls.services.price_list_attachment",
        attachment_args={"client_id": call.client_id, "fmt": fmt},
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


def _check_bound(check, value, **kwargs) -> None:
    """An ``orderdesk.bounds`` check whose refusal the operator reads as a ``CallError``."""
    try:
        check(value, **kwargs)
    except ValidationError as error:
        raise CallError(error.messages[0]) from None


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
    notes = (notes or "").strip()
    _check_bound(check_text_length, notes)
    now = timezone.now()
    callback_at = (
        callback_at or next_attempt_at(outcome, now=now)  # no answer: the next attempt books itself
    )
    if outcome.needs_callback:
        if callback_at is None:
            raise CallError(_("Say when to call back."), field="callback_at")
        if timezone.is_naive(callback_at):
            callback_at = timezone.make_aware(callback_at)
        if callback_at <= now:
            raise CallError(_("The call-back time must be in the future."), field="callback_at")
        _check_bound(check_callback_at, callback_at, now=now)
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
            instructions=notes,
        )
    call.outcome = outcome
    call.notes = notes
    call.ended_at = now
    call.status = Call.Status.CLOSED
    call.step = Step.WRAP_UP
    call.save(update_fields=["outcome", "notes", "ended_at", "status", "step"])
    if call.task_id and outcome.is_complete:
        # The call this task asked for has happened: the task is done, its result reported.
        # (Done now: never on time for a day already rolled up, so no day to mark.)
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
