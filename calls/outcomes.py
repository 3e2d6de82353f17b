"""Wrap-up outcomes: the codes the product ships with (admins may add more), and the rule
that an outcome must tell the truth about the call (``outcome_problem``), used by
``calls.services.wrap_up`` to refuse and by the wrap-up screen to offer."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from calls.models import Call, CallEvent, CallOutcome, OutcomeCode, Transfer
from calls.routing import DEBT_RULES
from orders.models import Order
from orders.selectors import PLACED_STATUSES

OUTCOMES = [
    # code, name, contact_made, is_sale, needs_callback, is_complete, position
    (OutcomeCode.ORDER_TAKEN, "Заказ принят", True, True, False, True, 1),
    (OutcomeCode.DEBT_BLOCKED, "Заказ заблокирован из-за долга", True, False, False, True, 2),
    (OutcomeCode.TRANSFERRED, "Переведён", True, False, False, True, 3),
    (OutcomeCode.INFORMATION_GIVEN, "Справка дана", True, False, False, True, 4),
    (OutcomeCode.COMPLAINT_RECORDED, "Отзыв или жалоба записаны", True, False, False, True, 5),
    (OutcomeCode.NO_ANSWER, "Нет ответа", False, False, True, False, 6),
    (OutcomeCode.CALL_BACK, "Перезвонить позже", True, False, True, False, 7),
    (OutcomeCode.ABANDONED, "Прерван", False, False, False, False, 8),
]


def ensure_outcomes(CallOutcome) -> None:  # noqa: N803 - a model class, possibly historical
    """Create the shipped outcomes that are missing; never overwrite admins' edits."""
    for code, name, contact, sale, callback, complete, position in OUTCOMES:
        CallOutcome.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_made": contact,
                "is_sale": sale,
                "needs_callback": callback,
                "is_complete": complete,
                "position": position,
            },
        )


# --- which outcomes tell the truth about a call ---------------------------------------


@dataclass(frozen=True)
class CallFacts:
    """What happened on a call, as far as its outcome is concerned."""

    order_accepted: bool  # an order of this call was accepted (or went further), not cancelled
    transferred: bool  # the call was handed to someone
    debt_blocked: bool  # the routing sent the order away for debt, or acceptance was blocked


def call_facts(call: Call) -> CallFacts:
    """The facts of ``call`` from the database (one query)."""
    debt_block = CallEvent.objects.filter(call_id=OuterRef("pk")).filter(
        Q(kind=CallEvent.Kind.ROUTED, data__rule__in=sorted(DEBT_RULES))
        | Q(kind=CallEvent.Kind.DEBT_CHECKED, data__blocked=True)
    )
    row = (
        Call.objects.filter(pk=call.pk)
        .values("pk")
        .annotate(
            order_accepted=Exists(
                Order.objects.filter(call_id=OuterRef("pk"), status__in=PLACED_STATUSES)
            ),
            transferred=Exists(Transfer.objects.filter(call_id=OuterRef("pk"))),
            debt_blocked=Exists(debt_block),
        )
        .get()
    )
    return CallFacts(
        order_accepted=row["order_accepted"],
        transferred=row["transferred"],
        debt_blocked=row["debt_blocked"],
    )


def outcome_problem(
    call: Call, outcome: CallOutcome, *, facts: CallFacts | None = None
) -> str | None:
    """``None`` when ``outcome`` tells the truth about ``call``, else why it does not.

    - a sale outcome needs an order accepted on the call, and a call with an accepted order
      closes with a sale outcome;
    - ``transferred`` needs a transfer;
    - ``debt_blocked`` needs a debt block recorded on the call (a debt route, or a debt
      check that blocked the order);
    - ``abandoned`` is the system's, for calls nobody wrapped up.
    """
    facts = facts or call_facts(call)
    name = {"outcome": outcome.label}
    if outcome.code == OutcomeCode.ABANDONED:
        return _("“%(outcome)s” is set by the system for calls nobody wrapped up.") % name
    if outcome.is_sale and not facts.order_accepted:
        return _("“%(outcome)s” does not fit: no order was accepted on this call.") % name
    if facts.order_accepted and not outcome.is_sale:
        return (
            _("An order was accepted on this call: close it as a sale, not “%(outcome)s”.") % name
        )
    if outcome.code == OutcomeCode.TRANSFERRED and not facts.transferred:
        return _("“%(outcome)s” does not fit: the call was not transferred.") % name
    if outcome.code == OutcomeCode.DEBT_BLOCKED and not facts.debt_blocked:
        return _("“%(outcome)s” does not fit: no debt block was recorded on this call.") % name
    return None


def fitting_outcomes(call: Call, *, facts: CallFacts | None = None) -> list[CallOutcome]:
    """The active outcomes ``call`` may close with, in their order (two queries)."""
    facts = facts or call_facts(call)
    return [
        outcome
        for outcome in CallOutcome.objects.filter(is_active=True)
        if outcome_problem(call, outcome, facts=facts) is None
    ]


# --- the next attempt after a call without contact (issue 12) --------------------------

NEXT_ATTEMPT_AFTER = timedelta(hours=2)  # also an outbound task's retry (calls.campaigns)


def next_attempt_at(outcome: CallOutcome, *, now: datetime) -> datetime | None:
    """When to try again after an outcome that wants a call-back but made no contact
    ("no answer"): the operator need not pick a time. ``None`` for any other outcome."""
    if outcome.needs_callback and not outcome.contact_made:
        return now + NEXT_ATTEMPT_AFTER
    return None
