"""Money is Decimal, in roubles, written as people in Russia write it: 12 345,67 ₽."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

KOPECK = Decimal("0.01")


def to_kopecks(amount: Decimal) -> Decimal:
    return amount.quantize(KOPECK, rounding=ROUND_HALF_UP)


def rub(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return _("%(amount)s ₽") % {
        "amount": number_format(to_kopecks(Decimal(amount)), 2, force_grouping=True)
    }
