"""The total in words for the read-back (orders/readback.py)."""

from decimal import Decimal

import pytest
from django.utils import translation

from orders.readback import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "ноль рублей 00 копеек"),
        ("1", "один рубль 00 копеек"),
        ("2.01", "два рубля 01 копейка"),
        ("11.12", "одиннадцать рублей 12 копеек"),
        ("21.22", "двадцать один рубль 22 копейки"),
        ("8000", "восемь тысяч рублей 00 копеек"),
        ("1001", "одна тысяча один рубль 00 копеек"),
        ("2000", "две тысячи рублей 00 копеек"),
        ("138852.15", "сто тридцать восемь тысяч восемьсот пятьдесят два рубля 15 копеек"),
        ("1000000", "один миллион рублей 00 копеек"),
        (
            "999999999.99",
            "девятьсот девяносто девять миллионов девятьсот девяносто девять тысяч "
            "девятьсот девяносто девять рублей 99 копеек",
        ),
    ],
)
def test_roubles_in_russian_words(amount, words):
    with translation.override("ru"):
        assert amount_in_words(Decimal(amount)) == words


def test_roubles_in_english_words():
    with translation.override("en"):
        assert amount_in_words(Decimal("8452.05")) == (
            "eight thousand four hundred fifty-two roubles 05 kopecks"
        )
        assert amount_in_words(Decimal("1")) == "one rouble 00 kopecks"


@pytest.mark.parametrize("amount", ["-0.01", "1000000000"])
def test_amounts_out_of_range_are_refused(amount):
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount))
