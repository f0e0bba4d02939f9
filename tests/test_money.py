from decimal import Decimal

import pytest

from debitor.money import Money, MoneyError, format_money, parse_kopecks, vat_included


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("1 234,56", 123456),
        ("1234.5", 123450),
        ("0", 0),
        ("12\u00a0200 000,00 ₽", 1220000000),
        ("-5,01", -501),
    ],
)
def test_parse(text, kopecks):
    assert parse_kopecks(text) == kopecks


@pytest.mark.parametrize("text", ["abc", "1,234.5.6", "1.005", "NaN", ""])
def test_parse_rejects(text):
    with pytest.raises(MoneyError):
        parse_kopecks(text)


def test_money_is_integer_and_currency_safe():
    with pytest.raises(MoneyError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(100, "RUB") + Money(100, "USD")
    assert (Money(150) - Money(50)).kopecks == 100


def test_format_by_locale():
    assert format_money(12345678, "RUB", "ru") == "123\u00a0456,78\u00a0₽"
    assert format_money(12345678, "RUB", "en") == "RUB\u00a0123,456.78"  # CLDR's spacing after a letter symbol
    assert format_money(-12345678, "RUB", "en") == "-RUB\u00a0123,456.78"
    assert format_money(12345678, "USD", "en") == "$123,456.78" and format_money(None) == "—"


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [
        (12_200_000, 22, 2_200_000),
        (12_000_000, 20, 2_000_000),
        (100, 22, 18),
        (1, 20, 0),
        (5, 20, 1),
        (999, 0, 0),
    ],
)
def test_vat_included(gross, rate, vat):
    assert vat_included(gross, Decimal(rate)) == vat
