from decimal import Decimal

import pytest

from debitor.money import (
    MoneyError,
    format_amount,
    format_money,
    parse_kopecks,
    plain_amount,
    to_decimal,
    vat_included,
)


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


@pytest.mark.parametrize(
    ("kopecks", "plain", "ru", "en"),
    [
        (12345678, "123456.78", "123\u00a0456,78", "123,456.78"),
        (5, "0.05", "0,05", "0.05"),
        (-5, "-0.05", "-0,05", "-0.05"),
        (0, "0.00", "0,00", "0.00"),
        (-99999999999, "-999999999.99", "-999\u00a0999\u00a0999,99", "-999,999,999.99"),
    ],
)
def test_amounts_for_machines_and_documents(kopecks, plain, ru, en):
    """One conversion each: plain (1C, bank purposes, QR codes, form values), grouped for documents, exact."""
    assert plain_amount(kopecks) == plain
    assert (format_amount(kopecks, "ru"), format_amount(kopecks, "en")) == (ru, en)
    assert to_decimal(kopecks) == Decimal(plain) and parse_kopecks(plain) == kopecks


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
