"""The stages of taking an order and their checks, in the shape of ``calls/flow.py``.

entry (lines and offers) → delivery (delivery and payment) → review (the read-back) →
done (accepted). Each stage has checks ``(fails, message, back)``; a failing check names
the stage to send the operator back to, and ``first_unready_stage`` walks back to the
first stage that is ready. The services enforce the stages (``require_stage``); the views
only ask where to send the operator. The facts are read lazily, once per question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.delivery import delivery_problems
from orders.errors import StageNotReady
from orders.models import Order


class Stage(models.TextChoices):
    ENTRY = "entry", gettext_lazy("Lines and offers")
    DELIVERY = "delivery", gettext_lazy("Delivery and payment")
    REVIEW = "review", gettext_lazy("Read-back")
    DONE = "done", gettext_lazy("Accepted")


class OrderState:
    """What the checks look at; each fact is read when first needed, at most once."""

    def __init__(self, order: Order, *, upsell=None, has_lines: bool | None = None):
        self.order = order
        if upsell is not None:  # already known to the caller: not asked again
            self.__dict__["upsell"] = upsell
        if has_lines is not None:
            self.__dict__["has_lines"] = has_lines

    @cached_property
    def has_lines(self) -> bool:
        return self.order.lines.exists()

    @cached_property
    def upsell(self):
        from orders.upsell import upsell_status

        status = upsell_status(self.order)
        # Kept on the order for the page drawn from it in the same request (views'
        # _context for the delivery and review stages), so it is not counted twice.
        self.order.upsell_checked = status
        return status

    @cached_property
    def delivery_problems(self) -> list[str]:
        return delivery_problems(self.order)


@dataclass(frozen=True)
class Check:
    """One pre-condition: ``fails(state)`` → show ``message`` and go back to ``back``."""

    fails: Callable[[OrderState], bool]
    message: Callable[[OrderState], str | list[str]]
    back: Stage


def _not_draft_message(state: OrderState) -> str:
    order = state.order
    return _("Order %(number)s is already %(status)s.") % {
        "number": order.number or order.pk,
        "status": order.get_status_display().lower(),
    }


_DRAFT = Check(lambda s: s.order.status != Order.Status.DRAFT, _not_draft_message, Stage.DONE)
_HAS_LINES = Check(
    lambda s: not s.has_lines, lambda s: _("Add at least one line first."), Stage.ENTRY
)
_OFFERS_ANSWERED = Check(lambda s: not s.upsell.complete, lambda s: s.upsell.message, Stage.ENTRY)
_DELIVERY_COMPLETE = Check(
    lambda s: bool(s.delivery_problems), lambda s: s.delivery_problems, Stage.DELIVERY
)
_ACCEPTED = Check(
    lambda s: s.order.status == Order.Status.DRAFT,
    lambda s: _("The order is not accepted yet: read it back and accept it."),
    Stage.REVIEW,
)

STAGE_CHECKS: dict[Stage, tuple[Check, ...]] = {
    Stage.ENTRY: (_DRAFT,),
    Stage.DELIVERY: (_DRAFT, _HAS_LINES, _OFFERS_ANSWERED),
    Stage.REVIEW: (_DRAFT, _HAS_LINES, _OFFERS_ANSWERED, _DELIVERY_COMPLETE),
    Stage.DONE: (_ACCEPTED,),
}


def _first_failing(state: OrderState, stage: str) -> Check | None:
    return next((check for check in STAGE_CHECKS[Stage(stage)] if check.fails(state)), None)


def guard(order: Order, stage: str, *, upsell=None) -> list[str]:
    """``[]`` when ``stage`` may be shown for ``order``, else why not (one or more sentences)."""
    state = OrderState(order, upsell=upsell)
    failing = _first_failing(state, stage)
    if failing is None:
        return []
    message = failing.message(state)
    return [message] if isinstance(message, str) else list(message)


def _walk_back(state: OrderState, wanted: str) -> Stage | None:
    failing = _first_failing(state, wanted)
    if failing is None:
        return None
    stage, seen = failing.back, {Stage(wanted)}
    while stage not in seen:
        seen.add(stage)
        failing = _first_failing(state, stage)
        if failing is None:
            return stage
        stage = failing.back
    return Stage.ENTRY


def first_unready_stage(order: Order, wanted: str, *, upsell=None) -> Stage | None:
    """``None`` when ``wanted`` is ready; else the stage to send the operator back to,
    walking back along the failing checks to a stage whose checks pass."""
    return _walk_back(OrderState(order, upsell=upsell), wanted)


def require_stage(order: Order, stage: str, *, upsell=None, has_lines: bool | None = None) -> None:
    """Raise ``StageNotReady`` (with the stage to go back to) unless ``stage`` is ready."""
    state = OrderState(order, upsell=upsell, has_lines=has_lines)
    failing = _first_failing(state, stage)
    if failing is None:
        return
    message = failing.message(state)
    raise StageNotReady(message, stage=_walk_back(state, stage) or failing.back)
