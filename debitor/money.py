"""Money as integer minor units (kopecks) plus a currency code; never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, format_decimal

MINOR = {"RUB": 100, "USD": 100, "EUR": 100}
# The biggest price, line or document total the app takes (10 trillion ₽): far beyond any real invoice, and
# sums of many such amounts still fit the BIGINT columns on PostgreSQL and SQLite alike.
MAX_KOPECKS = 10**15


class MoneyError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Money:
    kopecks: int
    currency: str = "RUB"

    def __post_init__(self):
        if not isinstance(self.kopecks, int) or isinstance(self.kopecks, bool):
            raise MoneyError(f"amount must be integer minor units, got {self.kopecks!r}")

    @property
    def amount(self) -> Decimal:
        return Decimal(self.kopecks) / MINOR.get(self.currency, 100)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.kopecks + other.kopecks, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.kopecks - other.kopecks, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.kopecks, self.currency)

    def format(self, locale: str = "ru") -> str:
        return format_money(self.kopecks, self.currency, locale)

    @classmethod
    def parse(cls, text: str, currency: str = "RUB") -> Money:
        return cls(parse_kopecks(text), currency)


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
