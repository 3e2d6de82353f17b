"""Domain errors of the order desk; each carries a sentence the operator can read out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from clients.debt import DebtCheck
    from orders.models import PriceColumn, Product


class OrderError(Exception):
    """Base of every order error; ``message`` is a translated sentence for the operator."""

    def __init__(self, message: str):
        self.message = str(message)
        super().__init__(self.message)


class OrderBlocked(OrderError):
    """The debt gate refused the order; ``check`` says why, with amounts."""

    def __init__(self, check: DebtCheck):
        self.check = check
        reasons = " ".join(check.reasons) or _("The client is blocked by the debt check.")
        super().__init__(_("The order is blocked. %(reasons)s") % {"reasons": reasons})


class UpsellIncomplete(OrderError):
    """Fewer offers were answered than the order needs before it can be accepted."""

    def __init__(self, *, needed: int, answered: int, message: str | None = None):
        self.needed = needed
        self.answered = answered
        super().__init__(
            message
            or _(
                "Offer more positions before accepting: %(answered)s of %(needed)s offers answered."
            )
            % {"answered": answered, "needed": needed}
        )


class OrderInvalid(OrderError):
    """The order or an input to it is not acceptable; ``messages`` lists every problem."""

    def __init__(self, messages: list[str] | str):
        if isinstance(messages, str):
            messages = [messages]
        self.messages = [str(m) for m in messages]
        super().__init__(" ".join(self.messages))


class DeliveryFarAhead(OrderInvalid):
    """The delivery date is further ahead than usual: the operator confirms it with the
    client first (a slip of the month is the usual cause)."""


class PriceMissing(OrderInvalid):
    """A product has no price in the column it needs, so it cannot be ordered."""

    def __init__(self, *, product: Product, column: PriceColumn):
        self.product = product
        self.column = column
        super().__init__(
            _(
                "%(product)s has no price in the price column «%(column)s» and cannot be "
                "ordered. Ask an administrator to set the price."
            )
            % {"product": product.name, "column": column.name}
        )


class PricesChanged(OrderInvalid):
    """Prices changed between the read-back and the acceptance: read the order back again."""

    def __init__(self, *, read_back, now):
        from orderdesk.money import rub

        self.read_back, self.now = read_back, now
        super().__init__(
            _(
                "Prices changed since the read-back: the total is now %(now)s instead of "
                "%(before)s. Read the order back to the client again."
            )
            % {"now": rub(now), "before": rub(read_back)}
        )


class OrderNotForOperator(OrderError):
    """The operator does not take this client's orders (key or new client): ``route`` says
    to whom the call goes and why (its ``reason`` is the sentence to read)."""

    def __init__(self, route):
        self.route = route
        super().__init__(
            _("This client's orders are not taken by the operator. %(reason)s")
            % {"reason": route.reason}
        )


class StageNotReady(OrderInvalid):
    """An order stage was asked for before its checks pass; ``stage`` is where to go back."""

    def __init__(self, messages: list[str] | str, *, stage: str):
        self.stage = stage
        super().__init__(messages)


class ArrivalInvalid(OrderInvalid):
    """The announced arrival window is not acceptable; ``messages`` lists every problem."""
