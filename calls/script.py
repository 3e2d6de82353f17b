"""What the operator says to the caller when the routing transfers the call (issue 12).

``transfer_script(route)`` gives the sentence to read out ("Соединяю вас с вашим менеджером
Игорем Петровым") and the target's phone extension. Russian needs the name in the
instrumental case after «с»; ``instrumental`` declines the common Russian first names and
surnames and leaves any other name as it is written (an undeclined name is still polite).
"""

from dataclasses import dataclass

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from calls.routing import Route, RouteRule

CLIENTS_MANAGER_RULES = frozenset(
    {RouteRule.KEY_MANAGER, RouteRule.DEBT_MANAGER, RouteRule.OTHER_MANAGER}
)
HEAD_RULES = frozenset(
    {
        RouteRule.KEY_HEAD_WHOLESALE,
        RouteRule.NEW_CLIENT_HEAD,
        RouteRule.OTHER_HEAD,
        RouteRule.NONSTANDARD_HEAD,
    }
)

# Names whose instrumental case is not the regular ending.
_IRREGULAR = {"Пётр": "Петром", "Петр": "Петром", "Павел": "Павлом", "Лев": "Львом"}
_MALE_IN_A = frozenset({"Никита", "Илья", "Кузьма", "Фома", "Лука", "Савва", "Данила"})
_VOWELS = set("аеёиоуыэюя")


def _first_name(name: str, *, female: bool) -> str:
    if name in _IRREGULAR:
        return _IRREGULAR[name]
    if name.endswith("ия"):
        return name[:-1] + "ей"  # Мария → Марией
    if name.endswith("ья") or (name.endswith("я") and not female):
        return name[:-1] + "ей"  # Наталья → Натальей, Илья → Ильёй is close enough as Ильей
    if name.endswith("а"):
        return name[:-1] + ("ой" if name[-2:-1] not in set("жчшщц") else "ей")
    if female:
        return name  # Любовь, foreign names: as written
    if name.endswith(("й", "ь")):
        return name[:-1] + "ем"  # Сергей → Сергеем, Игорь → Игорем
    if name[-1:].lower() in _VOWELS:
        return name
    return name + "ом"  # Иван → Иваном


def _last_name(name: str, *, female: bool) -> str:
    if female:
        if name.endswith(("ова", "ева", "ёва", "ина", "ына")):
            return name[:-1] + "ой"  # Петрова → Петровой
        if name.endswith(("ская", "цкая")):
            return name[:-2] + "ой"  # Каменская → Каменской
        return name
    if name.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return name + "ым"  # Петров → Петровым
    if name.endswith(("ский", "цкий")):
        return name[:-2] + "им"  # Каменский → Каменским
    return name


def instrumental(first_name: str, last_name: str) -> str:
    """ "Игорь", "Петров" → "Игорем Петровым"; "Мария", "Кузнецова" → "Марией Кузнецовой"."""
    female = first_name[-1:] in ("а", "я") and first_name not in _MALE_IN_A
    parts = [_first_name(first_name, female=female) if first_name else ""]
    parts.append(_last_name(last_name, female=female) if last_name else "")
    return " ".join(part for part in parts if part)


def _said_name(user) -> str:
    """The name as said after «с»: declined in Russian, as written in other languages."""
    if (get_language() or "").startswith("ru"):
        said = instrumental(user.first_name.strip(), user.last_name.strip())
    else:
        said = f"{user.first_name} {user.last_name}".strip()
    return said or user.get_username()


@dataclass(frozen=True)
class TransferScript:
    sentence: str
    extension: str | None  # the target's phone extension to dial


def transfer_script(route: Route) -> TransferScript | None:
    """The sentence to say before transferring along ``route``; ``None`` when nobody takes it."""
    if not route.is_transfer:
        return None
    user = route.target
    profile = getattr(user, "staff_profile", None) if user is not None else None
    extension = profile.extension if profile is not None and profile.extension else None
    if user is None:
        sentence = _("I am putting you through to our %(department)s.") % {
            "department": route.department.name
        }
    elif route.rule in CLIENTS_MANAGER_RULES:
        sentence = _("I am putting you through to your manager %(name)s.") % {
            "name": _said_name(user)
        }
    elif route.rule == RouteRule.KEY_FALLBACK_KAM:
        sentence = _(
            "Your manager is not available now; I am putting you through to "
            "the key-account manager %(name)s."
        ) % {"name": _said_name(user)}
    elif route.rule in HEAD_RULES:
        sentence = _("I am putting you through to the head of the department %(name)s.") % {
            "name": _said_name(user)
        }
    elif route.rule == RouteRule.DEBT_FINANCE:
        sentence = _(
            "I am putting you through to the financial service, to %(name)s: "
            "they will help with the payments."
        ) % {"name": _said_name(user)}
    else:
        sentence = _("I am putting you through to %(name)s.") % {"name": _said_name(user)}
    return TransferScript(sentence=sentence, extension=extension)
