"""The call-script steps and their guards (like django-oscar's checkout pre-conditions).

Each step has a guard ``(call) -> str | None``: ``None`` when the step may be shown, or a
message saying why not. A guard is a list of checks; each failing check also names the
step to send the operator back to, so ``first_unready_step`` can walk back to the first
step that is ready. The ``Call`` row holds the state; nothing here lives in the session.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls.errors import StepNotReady
from calls.models import Call, Purpose


class Step(models.TextChoices):
    IDENTIFY = "identify", gettext_lazy("Identify the caller")
    NEW_CLIENT = "new_client", gettext_lazy("Register a new client")
    PURPOSE = "purpose", gettext_lazy("Purpose of the call")
    ROUTE = "route", gettext_lazy("Routing")
    REFERENCE = "reference", gettext_lazy("Reference information")
    FEEDBACK = "feedback", gettext_lazy("Comment or complaint")
    ORDER = "order", gettext_lazy("Order")  # delegated to the orders app
    SURVEY = "survey", gettext_lazy("Survey")  # an outbound campaign's; calls.campaign_views
    WRAP_UP = "wrap_up", gettext_lazy("Wrap-up")


@dataclass(frozen=True)
class Check:
    """One pre-condition: ``fails(call)`` → show ``message`` and go back to ``back``."""

    fails: Callable[[Call], bool]
    message: Callable[[Call], str]
    back: Step


def _is_closed(call: Call) -> bool:
    return call.status != Call.Status.OPEN


def _was_transferred(call: Call) -> bool:
    """``was_transferred`` when the call was read with it (``calls.views.own_call``; a
    write under the call's lock drops it), else asked."""
    if call.pk is None:
        return False
    known = call.__dict__.get("was_transferred")
    return known if known is not None else call.transfers.exists()


_OPEN = Check(_is_closed, lambda call: _("This call has ended."), Step.WRAP_UP)
_IDENTIFIED = Check(
    lambda call: call.client_id is None,
    lambda call: _("Identify the caller or register a new client first."),
    Step.NEW_CLIENT,
)
_PURPOSE_CHOSEN = Check(
    lambda call: not call.purpose,
    lambda call: _("Choose the purpose of the call first."),
    Step.PURPOSE,
)
_NOT_TRANSFERRED = Check(
    _was_transferred,
    lambda call: _("The call was transferred; wrap it up."),
    Step.WRAP_UP,
)
_NO_FEEDBACK_YET = Check(
    lambda call: call.pk is not None and call.feedback.exists(),
    lambda call: _("The feedback of this call is recorded; wrap it up."),
    Step.WRAP_UP,
)

STEP_CHECKS: dict[Step, tuple[Check, ...]] = {
    Step.IDENTIFY: (_OPEN,),
    Step.NEW_CLIENT: (
        _OPEN,
        Check(
            lambda call: call.client_id is not None,
            lambda call: (
                _("The caller is already identified as %(client)s.") % {"client": call.client}
            ),
            Step.PURPOSE,
        ),
    ),
    Step.PURPOSE: (_OPEN, _IDENTIFIED, _NOT_TRANSFERRED),
    Step.ROUTE: (_OPEN, _IDENTIFIED, _PURPOSE_CHOSEN, _NOT_TRANSFERRED),
    Step.REFERENCE: (_OPEN, _IDENTIFIED, _PURPOSE_CHOSEN, _NOT_TRANSFERRED),
    Step.FEEDBACK: (_OPEN, _IDENTIFIED, _PURPOSE_CHOSEN, _NOT_TRANSFERRED, _NO_FEEDBACK_YET),
    Step.ORDER: (
        _OPEN,
        _IDENTIFIED,
        _PURPOSE_CHOSEN,
        Check(
            lambda call: call.purpose != Purpose.ORDER,
            lambda call: _("The caller did not call about an order; change the purpose first."),
            Step.PURPOSE,
        ),
        _NOT_TRANSFERRED,
    ),
    Step.SURVEY: (_OPEN, _IDENTIFIED),
    Step.WRAP_UP: (),  # always possible once the call exists
}


def _first_failing(call: Call, step: Step) -> Check | None:
    return next((check for check in STEP_CHECKS[Step(step)] if check.fails(call)), None)


def guard(call: Call, step: str) -> str | None:
    """``None`` when ``step`` may be shown for ``call``, else the reason it may not."""
    failing = _first_failing(call, step)
    return failing.message(call) if failing else None


def _guard_for(step: Step) -> Callable[[Call], str | None]:
    def step_guard(call: Call) -> str | None:
        return guard(call, step)

    step_guard.__name__ = f"guard_{step.value}"
    return step_guard


# One guard function per step, ``(call) -> str | None``.
GUARDS: dict[Step, Callable[[Call], str | None]] = {step: _guard_for(step) for step in Step}


def first_unready_step(call: Call, wanted: str) -> Step | None:
    """``None`` when ``wanted`` is ready; else the step to send the operator back to.

    Walks back from ``wanted`` along the failing checks until it reaches a step whose
    guard passes (``wrap_up`` always does).
    """
    failing = _first_failing(call, wanted)
    if failing is None:
        return None
    step, seen = failing.back, {Step(wanted)}
    while step not in seen:
        seen.add(step)
        failing = _first_failing(call, step)
        if failing is None:
            return step
        step = failing.back
    return Step.WRAP_UP


def require_step(call: Call, step: str) -> None:
    """Raise ``StepNotReady`` (with the step to go back to) unless ``step`` is ready."""
    back = first_unready_step(call, step)
    if back is not None:
        raise StepNotReady(guard(call, step), step=back)


_STEP_FOR_PURPOSE = {
    Purpose.ORDER: Step.ORDER,
    Purpose.REFERENCE: Step.REFERENCE,
    Purpose.FEEDBACK: Step.FEEDBACK,
    Purpose.OTHER: Step.ROUTE,
}


def next_step(call: Call, *, route=None, transferred: bool | None = None) -> Step:
    """The step the operator should be on now; ``route`` is the routing just decided,
    ``transferred`` whether the call was transferred when the caller knows it already
    (``None``: asked)."""
    if _is_closed(call):
        return Step.WRAP_UP
    if call.client_id is None:
        return Step.NEW_CLIENT
    if not call.purpose:
        return Step.PURPOSE
    if route is not None and route.is_transfer:
        return Step.ROUTE
    if _was_transferred(call) if transferred is None else transferred:
        return Step.WRAP_UP
    return _STEP_FOR_PURPOSE[Purpose(call.purpose)]
