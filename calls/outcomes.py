"""The wrap-up outcome codes the product ships with (admins may add more)."""

from calls.models import OutcomeCode

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
