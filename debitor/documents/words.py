"""Amounts in words, as printed under the totals of Russian invoices and acts ("сумма прописью").

The whole units are spelled out (num2words), the minor units stay two digits, as accountants write
them: ``Сто двадцать две тысячи рублей 00 копеек``, ``One hundred twenty-two thousand rubles 00 kopecks``.
"""

from __future__ import annotations

from num2words import num2words

# (one, few, many) forms of the major and minor unit; every major unit here is masculine (or, for
# "евро", indeclinable), which is the gender num2words spells by default ("один", "два").
_RU_UNITS = {
    "RUB": (("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек")),
    "USD": (("доллар США", "доллара США", "долларов США"), ("цент", "цента", "центов")),
    "EUR": (("евро", "евро", "евро"), ("цент", "цента", "центов")),
}
# (singular, plural)
_EN_UNITS = {
    "RUB": (("ruble", "rubles"), ("kopeck", "kopecks")),
    "USD": (("dollar", "dollars"), ("cent", "cents")),
    "EUR": (("euro", "euros"), ("cent", "cents")),
}


def ru_plural(n: int, forms: tuple[str, str, str]) -> str:
    """The Russian form for a count: 1, 21, 101 рубль; 2–4, 22 рубля; 0, 5–20, 111 рублей."""
    n = abs(n) % 100
    if 11 <= n <= 14:
        return forms[2]
    if n % 10 == 1:
        return forms[0]
    if 2 <= n % 10 <= 4:
        return forms[1]
    return forms[2]


def amount_in_words(kopecks: int, currency: str = "RUB", locale: str = "ru") -> str:
    """The amount with the whole units in words and the minor units as two digits, first letter
    capitalised. A negative amount starts with "Минус" / "Minus" (a credit note's total)."""
    if not isinstance(kopecks, int) or isinstance(kopecks, bool):
        raise TypeError(f"amount must be integer minor units, got {kopecks!r}")
    lang = (locale or "ru").split("_")[0].split("-")[0].lower()
    if lang == "ru":
        text = _ru(abs(kopecks), currency)
        sign = "минус " if kopecks < 0 else ""
    elif lang == "en":
        text = _en(abs(kopecks), currency)
        sign = "minus " if kopecks < 0 else ""
    else:
        raise ValueError(f"no amount-in-words rules for locale {locale!r}")
    text = sign + text
    return text[:1].upper() + text[1:]


def _ru(kopecks: int, currency: str) -> str:
    try:
        major, minor = _RU_UNITS[currency]
    except KeyError:
        raise ValueError(f"no Russian unit names for currency {currency!r}") from None
    units, cents = divmod(kopecks, 100)
    words = num2words(units, lang="ru")
    return f"{words} {ru_plural(units, major)} {cents:02d} {ru_plural(cents, minor)}"


def _en(kopecks: int, currency: str) -> str:
    try:
        major, minor = _EN_UNITS[currency]
    except KeyError:
        raise ValueError(f"no English unit names for currency {currency!r}") from None
    units, cents = divmod(kopecks, 100)
    # num2words writes British "one hundred and one", "one million, one"; invoices use the plain form
    words = num2words(units, lang="en").replace(",", "").replace(" and ", " ")
    return f"{words} {major[units != 1]} {cents:02d} {minor[cents != 1]}"
