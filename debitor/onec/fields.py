"""The rules a statement's values must keep, and the typed ``Document`` made of a document's fields.

Dates are ``ДД.ММ.ГГГГ`` between ``EARLIEST_DATE`` and a year from today, times ``ЧЧ:ММ[:СС]``, amounts
``rubles[.kopecks]`` with a dot, read into integer kopecks (no floats); a document's ``Сумма`` is more than
zero and at most ``MAX_AMOUNT_KOPECKS``. A bad value raises ``FieldError``, which the reader turns into a
``StatementError`` naming its line. ``typed_document`` is the hot path: one call per document.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from debitor.onec.errors import (
    E_AMOUNT,
    E_AMOUNT_TOO_BIG,
    E_AMOUNT_ZERO,
    E_DATE,
    E_DATE_RANGE,
    E_EMPTY_VALUE,
    E_MISSING,
    E_NEGATIVE,
    E_TIME,
    FieldError,
)
from debitor.onec.statement import PURPOSE_PARTS, Document

# The most a document's Сумма may be: 1C keeps amounts as numbers of 15 digits, 2 of them after the point
# (9 999 999 999 999.99 ₽, ten trillion roubles — more than any real payment, and a thousandth of what the
# payments table's 64-bit kopecks hold, so that no sum of a statement's amounts comes near its limit).
MAX_AMOUNT_KOPECKS = 10**15 - 1
_MAX_AMOUNT_TEXT = "9999999999999.99"
# The dates a bank can have written: none before 1992 (the Russian banking system and its rouble accounts
# as they are; 1CClientBankExchange is younger still), none more than a year ahead of today (a period a
# statement was asked for may end ahead, a clock or a time zone may be off by a day; a year more is a typo).
EARLIEST_DATE = date(1992, 1, 1)
FUTURE_DAYS = 366
_INN_PREFIX = re.compile(r"ИНН\s*\d*\s+")


def parse_date(value: str, key: str, cache: dict) -> date:
    """``ДД.ММ.ГГГГ`` → date, one a bank can have written (``EARLIEST_DATE`` to a year from today); ``cache``
    holds the (few) distinct dates of a file, all of them checked."""
    day = cache.get(value)
    if day is None:
        digits = value[:2] + value[3:5] + value[6:]
        if len(value) == 10 and value[2] == "." and value[5] == "." and digits.isascii() and digits.isdigit():
            try:
                day = date(int(value[6:]), int(value[3:5]), int(value[:2]))
            except ValueError:
                day = None
        if day is None:
            raise FieldError(E_DATE, key, value)
        latest = datetime.now(UTC).date() + timedelta(days=FUTURE_DAYS)  # a year: the server's zone is moot
        if not EARLIEST_DATE <= day <= latest:
            window = {"earliest": EARLIEST_DATE.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")}
            raise FieldError(E_DATE_RANGE, key, value, window)
        if len(cache) > 4096:
            cache.clear()
        cache[value] = day
    return day


def parse_time(value: str, key: str) -> time:
    """``ЧЧ:ММ:СС`` (or ``ЧЧ:ММ``) → time."""
    parts = value.split(":")
    if len(parts) in (2, 3) and all(len(p) == 2 and p.isascii() and p.isdigit() for p in parts):
        try:
            return time(*map(int, parts))
        except ValueError:
            pass
    raise FieldError(E_TIME, key, value)


def parse_kopecks(value: str, key: str, signed: bool = False) -> int:
    """``rubles[.kopecks]`` with a dot → integer kopecks (no floats anywhere)."""
    negative = value[:1] == "-"
    rubles, dot, kopecks = (value[1:] if negative else value).partition(".")
    if (
        rubles.isascii()
        and rubles.isdigit()
        and len(rubles) <= 18
        and (not dot or (kopecks.isascii() and kopecks.isdigit() and len(kopecks) <= 2))
    ):
        if negative and not signed:
            raise FieldError(E_NEGATIVE, key, value)
        amount = int(rubles) * 100 + (int(kopecks) * (10 if len(kopecks) == 1 else 1) if dot else 0)
        return -amount if negative else amount
    raise FieldError(E_AMOUNT, key, value)


def _combined_name(value: str | None) -> str:
    """``Плательщик=ИНН 7700000000 ООО Ромашка`` → ``ООО Ромашка``."""
    if not value:
        return ""
    if value.startswith("ИНН"):
        match = _INN_PREFIX.match(value)
        if match and match.end() < len(value):
            return value[match.end() :]
    return value


def _purpose_parts(fields: dict) -> str:
    get = fields.get
    return " ".join(part for key in PURPOSE_PARTS if (part := get(key)))


def typed_document(f: dict, kind: str, line: int, dates: dict) -> Document:
    """The typed view of one document's fields (hot path: one call per document)."""
    g = f.get
    value = g("Дата")
    if not value:
        raise FieldError(E_EMPTY_VALUE if value == "" else E_MISSING, "Дата", value)
    day = dates.get(value) or parse_date(value, "Дата", dates)
    value = g("Сумма")
    if value and len(value) > 3 and value[-3] == "." and (digits := value[:-3] + value[-2:]).isdigit():
        amount = int(digits) if digits.isascii() and len(digits) <= 20 else parse_kopecks(value, "Сумма")
    elif value:
        amount = parse_kopecks(value, "Сумма")
    else:
        raise FieldError(E_EMPTY_VALUE if value == "" else E_MISSING, "Сумма", value)
    if not 0 < amount <= MAX_AMOUNT_KOPECKS:  # a zero, or more than 1C (and a 64-bit column) holds
        if amount:
            raise FieldError(E_AMOUNT_TOO_BIG, "Сумма", value, {"limit": _MAX_AMOUNT_TEXT})
        raise FieldError(E_AMOUNT_ZERO, "Сумма", value)
    value = g("ДатаСписано")
    debited = (dates.get(value) or parse_date(value, "ДатаСписано", dates)) if value else None
    value = g("ДатаПоступило")
    received = (dates.get(value) or parse_date(value, "ДатаПоступило", dates)) if value else None
    return Document(
        line,
        kind,
        g("Номер", ""),
        day,
        amount,
        g("ПлательщикСчет") or g("ПлательщикРасчСчет") or "",
        g("ПлательщикИНН", ""),
        g("ПлательщикКПП", ""),
        g("Плательщик1") or _combined_name(g("Плательщик")),
        g("ПлательщикБИК", ""),
        g("ПлательщикБанк1", ""),
        g("ПлательщикКорсчет", ""),
        debited,
        g("ПолучательСчет") or g("ПолучательРасчСчет") or "",
        g("ПолучательИНН", ""),
        g("ПолучательКПП", ""),
        g("Получатель1") or _combined_name(g("Получатель")),
        g("ПолучательБИК", ""),
        g("ПолучательБанк1", ""),
        g("ПолучательКорсчет", ""),
        received,
        g("ВидОплаты", ""),
        g("Очередность", ""),
        g("Код", ""),
        g("НазначениеПлатежа") or _purpose_parts(f),
        f,
    )
