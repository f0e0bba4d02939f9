"""Money as integer minor units (kopecks) plus a currency code; never floats. The one place that turns
kopecks into text and text into kopecks:

- ``format_money``: for people, in the page's locale with the currency (``123 456,78 ₽``; the pages'
  ``money`` filter);
- ``format_amount``: for documents' columns, grouped, without the currency (``123 456,78``);
- ``plain_amount``: for machines and forms — 1C, bank payment purposes, QR codes, input values
  (``123456.78``: a dot, no grouping); ``to_decimal`` the same as a ``Decimal`` (spreadsheets);
- ``parse_kopecks``: what a person typed (``1 234,56``, ``1234.56 ₽``) back into kopecks.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal

MINOR = {"RUB": 100, "USD": 100, "EUR": 100}
# The biggest price, line or document total the app takes (10 trillion ₽): far beyond any real invoice, and
# sums of many such amounts still fit the BIGINT columns on PostgreSQL and SQLite alike.
MAX_KOPECKS = 10**15


class MoneyError(ValueError):
    pass


AMOUNT_TEXT = re.compile(r"-?[0-9]{1,20}(\.[0-9]*)?|-?\.[0-9]+")
_CLEAN = re.compile(r"[\s\u00a0\u202f₽]|руб\.?|RUB", re.IGNORECASE)


def parse_kopecks(text: str | int | Decimal) -> int:
    """Parse '1 234,56', '1234.56' or '1234' into kopecks; raise MoneyError naming the input."""
    if isinstance(text, int):
        return text * 100
    raw = _CLEAN.sub("", str(text)).replace(",", ".")
    if not AMOUNT_TEXT.fullmatch(raw):  # no exponents: 1e1000000 would overflow, 1e999997 take seconds
        raise MoneyError(f"not an amount: {text!r}")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise MoneyError(f"not an amount: {text!r}") from exc
    if not value.is_finite() or value.as_tuple().exponent < -2:
        raise MoneyError(f"not an amount with at most two decimals: {text!r}")
    return int((value * 100).to_integral_value(ROUND_HALF_UP))


# CLDR's currency spacing, which Babel leaves out: a symbol made of letters ("RUB" in English) stands
# apart from the digits by a no-break space (RUB 900.00, not RUB900.00); "$900.00" and "900,00 ₽" keep theirs
_LETTERS_THEN_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def format_money(kopecks: int | None, currency: str = "RUB", locale: str = "ru") -> str:
    if kopecks is None:
        return "—"
    text = format_currency(Decimal(kopecks) / MINOR.get(currency, 100), currency, locale=locale)
    return _LETTERS_THEN_DIGIT.sub("\u00a0", text)


def format_amount(kopecks: int, locale: str = "ru") -> str:
    """An amount without the currency, grouped for the locale: 123 456,78 / 123,456.78 (documents)."""
    return format_decimal(to_decimal(kopecks), "#,##0.00", locale=locale)


def to_decimal(kopecks: int) -> Decimal:
    """Kopecks as an exact decimal of rubles: 12345678 → Decimal("123456.78")."""
    return Decimal(kopecks).scaleb(-2)


def plain_amount(kopecks: int) -> str:
    """Kopecks as machines read them: rubles with a dot and exactly two decimals, no grouping (-5 → "-0.05")."""
    return f"{to_decimal(kopecks):.2f}"


def format_count(value: int | None, locale: str = "ru") -> str:
    """A count of things, grouped for the locale: 1 048 575 / 1,048,575 (the pages' ``number`` filter)."""
    return format_decimal(value or 0, format="#,##0", locale=locale)


def vat_included(gross_kopecks: int, rate_percent: Decimal | int) -> int:
    """VAT contained in a gross amount: gross × rate / (100 + rate), rounded half-up to kopecks."""
    rate = Decimal(rate_percent)
    if rate == 0:
        return 0
    vat = Decimal(gross_kopecks) * rate / (Decimal(100) + rate)
    return int(vat.to_integral_value(ROUND_HALF_UP))
