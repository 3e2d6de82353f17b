"""The wrap-up outcome codes the product ships with (admins may add more)."""

OUTCOMES = [
    # code, name, contact_made, is_sale, needs_callback, is_complete, position
    ("order_taken", "Заказ принят", True, True, False, True, 1),
    ("debt_blocked", "Заказ заблокирован из-за долга", True, False, False, True, 2),
    ("transferred", "Переведён", True, False, False, True, 3),
    ("information_given", "Справка дана", True, False, False, True, 4),
    ("complaint_recorded", "Отзыв или жалоба записаны", True, False, False, True, 5),
    ("no_answer", "Нет ответа", False, False, True, False, 6),
    ("call_back", "Перезвонить позже", True, False, True, False, 7),
    ("abandoned", "Прерван", False, False, False, False, 8),
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
