"""Phone numbers: one way to read what operators and phone systems type."""

import phonenumbers
from django.conf import settings

MAX_RAW_LENGTH = 64


def normalize_phone(raw: str | None, *, region: str | None = None) -> str | None:
    """Return the number in E.164 (``+74951234567``) or ``None`` if it is not a valid number.

    Accepts every common way of writing a Russian number: ``8 (495) 123-45-67``,
    ``+7 495 123 45 67``, ``7-495-123-45-67``, ``4951234567``; an extension
    (``доб. 12``) is dropped. Never raises.
    """
    if not raw or not isinstance(raw, str) or len(raw) > MAX_RAW_LENGTH:
        return None
    try:
        number = phonenumbers.parse(raw, region or settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Human form for the screen: national format for home-region numbers."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(number)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == settings.PHONENUMBER_DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)
