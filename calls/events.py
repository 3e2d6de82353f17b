"""What happened on a call: one keyword-only creator per ``CallEvent`` kind (the way
Saleor's ``order/events.py`` does it), so each event says what it records and always who
did it (``by``; ``None`` only for the system, e.g. closing abandoned calls).

The managers' call log, the operator criteria and the demo data read these rows; keep the
data keys stable. The orders app records its part of a call (``order_started``,
``order_accepted``, ``offer_answered``, ``debt_checked``) through the creators that take a
``call_id``, the only way ``orders`` touches ``calls``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from calls.models import Call, CallEvent, CallOutcome, CallTask, Feedback, Transfer
from calls.routing import person_name

if TYPE_CHECKING:
    from calls.routing import Route
    from clients.debt import DebtCheck
    from clients.models import Client
    from orders.models import Order, Product

Kind = CallEvent.Kind


def _json(data: dict) -> dict:
    """Decimals, dates and lazy strings as JSON strings, as they are stored."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _create(*, call_id: int, kind: str, by, data: dict) -> CallEvent:
    return CallEvent.objects.create(
        call_id=call_id, at=timezone.now(), by=by, kind=kind, data=_json(data)
    )


# --- the call's life ----------------------------------------------------------------


def call_started(*, call: Call, by) -> CallEvent:
    return _create(call_id=call.pk, kind=Kind.STARTED, by=by, data=_started_data(call))


def caller_identified(*, call: Call, by) -> CallEvent:
    """The number was looked up: the client found (``call.client``) or nobody."""
    return _create(call_id=call.pk, kind=Kind.IDENTIFIED, by=by, data=_identified_data(call))


def call_started_and_identified(
    *,
    call: Call,
    by,
    abandoned: list[int] = (),
    abandoned_at: datetime | None = None,
    note: str = "",
) -> list[CallEvent]:
    """``call_started`` then ``caller_identified``, in one insert; with them the
    ``abandoned`` events of the operator's calls this one closed (``abandoned``: their ids,
    closed at ``abandoned_at``, with ``note``), as ``abandoned`` records them."""
    at = timezone.now()
    closed = [
        CallEvent(
            call_id=pk, at=abandoned_at or at, by=by, kind=Kind.ABANDONED, data={"note": note}
        )
        for pk in abandoned
    ]
    return CallEvent.objects.bulk_create(
        [
            *closed,
            *(
                CallEvent(call_id=call.pk, at=at, by=by, kind=kind, data=_json(data))
                for kind, data in (
                    (Kind.STARTED, _started_data(call)),
                    (Kind.IDENTIFIED, _identified_data(call)),
                )
            ),
        ]
    )


def _started_data(call: Call) -> dict:
    return {"phone": call.phone, "direction": call.direction}


def _identified_data(call: Call) -> dict:
    client = call.client if call.client_id else None
    return {
        "known": client is not None,
        "client_id": client.pk if client else None,
        "client": client.name if client else None,
    }


def client_registered(*, call: Call, by, client: Client) -> CallEvent:
    return _create(
        call_id=call.pk,
        kind=Kind.CLIENT_CREATED,
        by=by,
        data={
            "client_id": client.pk,
            "client": client.name,
            "client_type": client.client_type.code,
        },
    )


def purpose_chosen(*, call: Call, by, purpose: str) -> CallEvent:
    return _create(call_id=call.pk, kind=Kind.PURPOSE, by=by, data={"purpose": purpose})


def routed(*, call: Call, by, route: Route) -> CallEvent:
    """The routing decided who takes the call; a debt rule here is a recorded debt block."""
    return _create(call_id=call.pk, kind=Kind.ROUTED, by=by, data=_routed_data(route))


def _routed_data(route: Route) -> dict:
    return {
        "rule": route.rule,
        "reason": route.reason,
        "target_id": route.target.pk if route.target else None,
        "department_id": route.department.pk if route.department else None,
    }


def purpose_routed(
    *, call: Call, by, purpose: str, route: Route, order: Order | None = None
) -> list[CallEvent]:
    """``purpose_chosen``, ``routed`` and, when the draft was opened with them,
    ``order_started``: in one insert."""
    rows = [(Kind.PURPOSE, {"purpose": purpose}), (Kind.ROUTED, _routed_data(route))]
    if order is not None:
        rows.append((Kind.ORDER_STARTED, {"order": order.pk}))
    at = timezone.now()
    return CallEvent.objects.bulk_create(
        [CallEvent(call_id=call.pk, at=at, by=by, kind=k, data=_json(d)) for k, d in rows]
    )


def transferred(*, call: Call, by, transfer: Transfer, task: CallTask | None = None) -> CallEvent:
    """The call was handed over; ``task`` is the head's task to assign a manager, if any."""
    return _create(
        call_id=call.pk,
        kind=Kind.TRANSFERRED,
        by=by,
        data={
            "transfer_id": transfer.pk,
            "rule": transfer.rule,
            "reason": transfer.reason,
            "to_user_id": transfer.to_user_id,
            "to_user": person_name(transfer.to_user) if transfer.to_user_id else None,
            "to_department_id": transfer.to_department_id,
            "task_id": task.pk if task else None,
        },
    )


def debt_checked(*, call_id: int, by, check: DebtCheck) -> CallEvent:
    """The debt gate's verdict on the call's client (``blocked`` with the reasons and amounts);
    a blocked one lets the call close as "blocked by debt"."""
    return _create(
        call_id=call_id,
        kind=Kind.DEBT_CHECKED,
        by=by,
        data={
            "blocked": check.blocked,
            "reasons": [str(reason) for reason in check.reasons],
            "outstanding": check.outstanding,
            "overdue": check.overdue,
            "credit_limit": check.credit_limit,
            "excess": check.excess,
        },
    )


def reference_given(*, call: Call, by, topic: str, details: dict) -> CallEvent:
    return _create(
        call_id=call.pk, kind=Kind.REFERENCE, by=by, data={"topic": topic, "details": details}
    )


def price_list_sent(*, call: Call, by, email: str, fmt: str) -> CallEvent:
    return _create(
        call_id=call.pk, kind=Kind.PRICE_LIST_SENT, by=by, data={"email": email, "format": fmt}
    )


def feedback_recorded(*, call: Call, by, feedback: Feedback) -> CallEvent:
    return _create(
        call_id=call.pk,
        kind=Kind.FEEDBACK,
        by=by,
        data={
            "feedback_id": feedback.pk,
            "feedback_kind": feedback.kind,
            "departments": sorted(feedback.departments.values_list("pk", flat=True)),
        },
    )


# --- the order taken on the call (written by the orders app) -------------------------


def order_started(*, call_id: int, by, order: Order) -> CallEvent:
    return _create(call_id=call_id, kind=Kind.ORDER_STARTED, by=by, data={"order": order.pk})


def order_accepted(*, call_id: int, by, order: Order) -> CallEvent:
    return _create(
        call_id=call_id,
        kind=Kind.ORDER_ACCEPTED,
        by=by,
        data={"order": order.pk, "number": order.number, "total": str(order.total)},
    )


def offer_answered(
    *, call_id: int, by, order: Order, product: Product, reason: str, response: str
) -> CallEvent:
    return _create(
        call_id=call_id,
        kind=Kind.OFFER_ANSWERED,
        by=by,
        data={"order": order.pk, "product": product.pk, "reason": reason, "response": response},
    )


def survey_answered(*, call: Call, by, response) -> CallEvent:
    """The campaign's survey was answered on the call (``calls.surveys.record_answers``)."""
    return _create(
        call_id=call.pk,
        kind=Kind.SURVEY_ANSWERED,
        by=by,
        data={"survey_id": response.survey_id, "response_id": response.pk},
    )


# --- the end of the call ------------------------------------------------------------


def wrapped_up(
    *,
    call: Call,
    by,
    outcome: CallOutcome,
    duration_seconds: int,
    callback_at: datetime | None = None,
    callback_task: CallTask | None = None,
) -> CallEvent:
    return _create(
        call_id=call.pk,
        kind=Kind.WRAPPED_UP,
        by=by,
        data={
            "outcome": outcome.code,
            "duration_seconds": duration_seconds,
            "callback_at": callback_at,
            "callback_task_id": callback_task.pk if callback_task else None,
        },
    )


def abandoned(*, call_ids: list[int], by, at: datetime, note: str) -> list[CallEvent]:
    """Calls closed without a wrap-up (a new call started, or no activity for long); one
    insert for them all. ``by`` is the operator who started a new call, or ``None``."""
    return CallEvent.objects.bulk_create(
        CallEvent(call_id=pk, at=at, by=by, kind=Kind.ABANDONED, data={"note": note})
        for pk in call_ids
    )
