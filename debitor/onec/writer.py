"""Writer for 1CClientBankExchange files: statements (bank → 1C) and payment orders (1C → bank).

It writes what ``debitor.onec.parser`` reads back: the same ``Header``, ``AccountSection`` and
``Document`` objects, the typed attributes winning over the raw ``fields`` (which supply every other
key, unknown ones included). Amounts are written ``1234.50``, dates ``ДД.ММ.ГГГГ``, times
``ЧЧ:ММ:СС``, the file ends with ``КонецФайла``.

Encodings: ``cp1251`` (``Кодировка=Windows``), ``cp866`` (``Кодировка=DOS``) and ``utf-8``, for
which the header says ``Кодировка=UTF-8``: 1C itself knows only Windows and DOS and will not read such
a file whatever its header says, so the header tells the truth rather than pretend to be Windows
(our parser reads UTF-8 by its bytes either way).

Values are written stripped of surrounding spaces and tabs (the format cannot carry them). A value
with a line break or another control character, a key that could not be read back, or a character
the target encoding lacks raises ``ValueError`` naming the field.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import date, time
from typing import BinaryIO

from debitor.onec.statement import DOCUMENT_KEYS, HEADER_KEYS, SIGNATURE, AccountSection, Document, Header

__all__ = ["statement_bytes", "write_statement"]

_LABELS = {"cp1251": "Windows", "cp866": "DOS", "utf-8": "UTF-8"}
_NEWLINES = ("\r\n", "\n")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_WS = " \t"
_RESERVED = frozenset({SIGNATURE, "СекцияДокумент", "КонецДокумента", "СекцияРасчСчет", "КонецРасчСчет", "КонецФайла"})
_HEADER_TYPED = frozenset(HEADER_KEYS)
# the order 1C writes a document in; other keys follow in the order of ``Document.fields``
_DOCUMENT_ORDER = DOCUMENT_KEYS
_ORDER_SET = frozenset(_DOCUMENT_ORDER)
_PURPOSE_PARTS = tuple(f"НазначениеПлатежа{k}" for k in range(1, 7))


def _money(kopecks: int | None) -> str:
    if kopecks is None:
        return ""
    sign = "-" if kopecks < 0 else ""
    rubles, rest = divmod(abs(kopecks), 100)
    return f"{sign}{rubles}.{rest:02d}"


def _day(value: date | None) -> str:
    return "" if value is None else f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def _clock(value: time | None) -> str:
    return "" if value is None else f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def _party(values: dict, prefix: str, account: str, inn: str, kpp: str, name: str, bik: str, bank: str, corr: str):
    values[prefix + "Счет"] = account
    values[prefix + "ИНН"] = inn
    values[prefix + "КПП"] = kpp
    values[prefix + "1"] = name
    if not name or not values.get(prefix):
        values[prefix] = f"ИНН {inn} {name}" if inn and name else name
    if not account or not values.get(prefix + "РасчСчет"):
        values[prefix + "РасчСчет"] = account
    values[prefix + "БИК"] = bik
    values[prefix + "Банк1"] = bank
    values[prefix + "Корсчет"] = corr


def _check_key(key: str) -> str:
    if not key or "=" in key or key != key.strip(_WS) or key in _RESERVED or _CONTROL.search(key):
        raise ValueError(f"{key!r}: not a key that can be written and read back")
    return key


def _document_lines(doc: Document) -> list[str]:
    values = dict(doc.fields)
    values["Номер"] = doc.number
    values["Дата"] = _day(doc.date)
    values["Сумма"] = _money(doc.amount_kopecks)
    values["ДатаСписано"] = _day(doc.debited_on)
    values["ДатаПоступило"] = _day(doc.received_on)
    _party(
        values,
        "Плательщик",
        doc.payer_account,
        doc.payer_inn,
        doc.payer_kpp,
        doc.payer_name,
        doc.payer_bik,
        doc.payer_bank,
        doc.payer_corr_account,
    )
    _party(
        values,
        "Получатель",
        doc.payee_account,
        doc.payee_inn,
        doc.payee_kpp,
        doc.payee_name,
        doc.payee_bik,
        doc.payee_bank,
        doc.payee_corr_account,
    )
    values["ВидОплаты"] = doc.payment_kind
    values["Очередность"] = doc.priority
    values["Код"] = doc.uin
    values["НазначениеПлатежа"] = doc.purpose
    if not doc.purpose.strip(_WS):
        for key in _PURPOSE_PARTS:
            values.pop(key, None)
    lines = [f"СекцияДокумент={doc.kind.strip(_WS)}"]
    lines += [f"{key}={values[key].strip(_WS)}" for key in _DOCUMENT_ORDER if key in values]
    lines += [f"{_check_key(key)}={value.strip(_WS)}" for key, value in values.items() if key not in _ORDER_SET]
    lines.append("КонецДокумента")
    return lines


def _header_lines(header: Header, label: str) -> list[str]:
    lines = [
        SIGNATURE,
        f"ВерсияФормата={header.version.strip(_WS) or '1.03'}",
        f"Кодировка={label}",
        f"Отправитель={header.sender.strip(_WS)}",
        f"Получатель={header.recipient.strip(_WS)}",
    ]
    for key, value in (
        ("ДатаСоздания", _day(header.created_on)),
        ("ВремяСоздания", _clock(header.created_time)),
        ("ДатаНачала", _day(header.date_from)),
        ("ДатаКонца", _day(header.date_to)),
    ):
        if value:
            lines.append(f"{key}={value}")
    lines += [f"РасчСчет={account.strip(_WS)}" for account in header.accounts]
    lines += [f"Документ={kind.strip(_WS)}" for kind in header.document_kinds]
    lines += [
        f"{_check_key(key)}={value.strip(_WS)}" for key, value in header.fields.items() if key not in _HEADER_TYPED
    ]
    return lines


def _section_lines(section: AccountSection) -> list[str]:
    return [
        "СекцияРасчСчет",
        f"ДатаНачала={_day(section.date_from)}",
        f"ДатаКонца={_day(section.date_to)}",
        f"РасчСчет={section.account.strip(_WS)}",
        f"НачальныйОстаток={_money(section.opening_kopecks)}",
        f"ВсегоПоступило={_money(section.received_kopecks)}",
        f"ВсегоСписано={_money(section.debited_kopecks)}",
        f"КонечныйОстаток={_money(section.closing_kopecks)}",
        "КонецРасчСчет",
    ]


def _encode(lines: list[str], encoding: str, newline: str) -> bytes:
    if _CONTROL.search("".join(lines)):
        for line in lines:
            if _CONTROL.search(line):
                raise ValueError(f"{line.partition('=')[0]}: a line break or control character in the value")
    text = newline.join(lines) + newline
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        for line in lines:
            try:
                line.encode(encoding)
            except UnicodeEncodeError as exc:
                char = exc.object[exc.start]
                raise ValueError(f"{line.partition('=')[0]}: {char!r} cannot be written in {encoding}") from None
        raise


def write_statement(
    stream: BinaryIO,
    header: Header,
    sections: Iterable[AccountSection],
    documents: Iterable[Document],
    *,
    encoding: str = "cp1251",
    newline: str = "\r\n",
) -> None:
    """Write a whole file to a binary stream; ``documents`` may be a generator (written as they come)."""
    label = _LABELS.get(encoding)
    if label is None:
        raise ValueError(f"encoding must be one of {', '.join(_LABELS)}, not {encoding!r}")
    if newline not in _NEWLINES:
        raise ValueError("newline must be '\\r\\n' or '\\n'")
    stream.write(_encode(_header_lines(header, label), encoding, newline))
    for section in sections:
        stream.write(_encode(_section_lines(section), encoding, newline))
    for doc in documents:
        stream.write(_encode(_document_lines(doc), encoding, newline))
    stream.write(_encode(["КонецФайла"], encoding, newline))


def statement_bytes(
    header: Header,
    sections: Iterable[AccountSection],
    documents: Iterable[Document],
    *,
    encoding: str = "cp1251",
    newline: str = "\r\n",
) -> bytes:
    """The whole file as bytes (see ``write_statement``)."""
    buffer = io.BytesIO()
    write_statement(buffer, header, sections, documents, encoding=encoding, newline=newline)
    return buffer.getvalue()
