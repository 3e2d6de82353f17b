"""The read-back the operator reads aloud: the total in words as well as in figures (issue 12).

``amount_in_words(Decimal("8000.50"))`` → "восемь тысяч рублей 50 копеек" in Russian,
"eight thousand roubles 50 kopecks" in English. Kopecks stay in figures, as on Russian
documents. Written here rather than pulling in a dependency: it is only roubles up to
999 999 999,99 in two languages.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

_RU_UNITS_M = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_RU_UNITS_F = ["", "одна", "две"] + _RU_UNITS_M[3:]
_RU_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_RU_TENS = [
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
]
_RU_HUNDREDS = [
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
]
# (one, two-four, five+) and whether the unit is feminine
_RU_SCALES = [
    (("рубль", "рубля", "рублей"), False),
    (("тысяча", "тысячи", "тысяч"), True),
    (("миллион", "миллиона", "миллионов"), False),
]

_EN_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen "
_EN_UNITS += "fourteen fifteen sixteen seventeen eighteen nineteen"
_EN_SMALL = _EN_UNITS.split()
_EN_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def plural_ru(n: int, forms: tuple[str, str, str]) -> str:
    """1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    if n % 100 in range(11, 20):
        return forms[2]
    return forms[0] if n % 10 == 1 else forms[1] if n % 10 in (2, 3, 4) else forms[2]


def _ru_triad(n: int, *, feminine: bool) -> list[str]:
    words = [_RU_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest < 20:
        words.append(_RU_TEENS[rest - 10])
    else:
        words.append(_RU_TENS[rest // 10])
        words.append((_RU_UNITS_F if feminine else _RU_UNITS_M)[rest % 10])
    return [word for word in words if word]


def _ru(roubles: int, kopecks: int) -> str:
    words: list[str] = []
    if roubles == 0:
        words = ["ноль", "рублей"]
    else:
        for power in (2, 1, 0):
            triad = roubles // 1000**power % 1000
            forms, feminine = _RU_SCALES[power]
            if triad:
                words += _ru_triad(triad, feminine=feminine)
            if triad or power == 0:
                words.append(plural_ru(triad, forms))
    kopeck_word = plural_ru(kopecks, ("копейка", "копейки", "копеек"))
    return " ".join(words) + f" {kopecks:02d} {kopeck_word}"


def _en_triad(n: int) -> list[str]:
    words = []
    if n // 100:
        words += [_EN_SMALL[n // 100], "hundred"]
    rest = n % 100
    if rest >= 20:
        words.append(_EN_TENS[rest // 10] + (f"-{_EN_SMALL[rest % 10]}" if rest % 10 else ""))
    elif rest:
        words.append(_EN_SMALL[rest])
    return words


def _en(roubles: int, kopecks: int) -> str:
    words: list[str] = []
    for power, scale in ((2, "million"), (1, "thousand"), (0, "")):
        triad = roubles // 1000**power % 1000
        if triad:
            words += _en_triad(triad) + ([scale] if scale else [])
    words = words or ["zero"]
    words.append("rouble" if roubles == 1 else "roubles")
    return " ".join(words) + f" {kopecks:02d} " + ("kopeck" if kopecks == 1 else "kopecks")


def amount_in_words(amount: Decimal) -> str:
    """The amount in roubles said in words (kopecks in figures), in the active language."""
    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if amount < 0 or amount >= Decimal("1000000000"):
        raise ValueError("the amount must be between 0 and 999 999 999,99")
    roubles, kopecks = int(amount), int(amount * 100) % 100
    if (get_language() or "ru").startswith("ru"):
        return _ru(roubles, kopecks)
    return _en(roubles, kopecks)
