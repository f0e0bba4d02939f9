"""Streaming reader for 1CClientBankExchange bank statements (``kl_to_1c.txt``).

A busy account's statement for a year is 100k+ documents and a hundred megabytes, and files arrive
in cp1251, cp866 or UTF-8 whatever their ``Кодировка=`` says, with blank lines, padding, lower-case
values, unknown keys or no ``КонецФайла``. ``StatementReader`` takes a binary stream, reads it in
blocks of whole lines, decides the encoding from the bytes and yields one typed ``Document`` at a
time, so memory stays constant whatever the file size.

Lenient where the meaning is clear (``StatementWarning``), strict where it is not: every other defect
raises ``StatementError`` naming the line and the key, and no input bytes make it raise anything else.
Strict also about what no bank writes: an amount of zero or beyond what 1C holds (``MAX_AMOUNT_KOPECKS``),
a date outside 1992 … a year from today, a key twice in one document (which one would the bank mean?); and
a last line that stops in the middle without a line end is reported as a file that was cut off.

Encoding: the first 64 KiB decide (valid UTF-8 with non-ASCII bytes → UTF-8, else whichever of
cp1251 and cp866 spells the key names); ``Кодировка=`` decides only when the bytes do not, and a
declaration the bytes contradict is a warning. In a cp1251/cp866 file a line whose bytes are valid
UTF-8 with non-ASCII bytes is read as UTF-8, with a warning. Such a line shows either by a byte the
code page lacks or by its key, which is then not a standard one: a standard (Cyrillic) key in
cp1251/cp866 is never valid UTF-8, so only lines with other keys need the check.

Speed, in three tiers that give the same result:

1. a *regular* block (every line one ``Key=Value``, one line end style, no padding: checked with a
   ``bytes.translate`` skeleton and a few substring searches) is decoded with a code table that turns
   ``=`` and line ends into ``\\n``, split once, and each document becomes ``dict(zip(keys, values))``;
2. any other block is normalised (line ends, padding) and split into lines; each document becomes
   ``dict(map(str.split, ...))``;
3. whatever neither accepts (the header, account sections, blank lines, unknown keys that might be
   UTF-8 or padded, a section that is not closed, a document cut by a block boundary) goes through
   the line-by-line state machine ``_line``, which is the reference behaviour.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import repeat
from typing import BinaryIO

from debitor.schemas import N_

__all__ = [
    "DOCUMENT_KEYS",
    "AccountSection",
    "Document",
    "Header",
    "Statement",
    "StatementError",
    "StatementReader",
    "StatementWarning",
    "parse",
]

SIGNATURE = "1CClientBankExchange"
DEFAULT_MAX_LINE_BYTES = 1 << 18  # far beyond any real line; bounds memory on binary input
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
_READ_SIZE = 1 << 18
_HEAD_SIZE = 1 << 16  # what the encoding is detected on
_BOM = b"\xef\xbb\xbf"

_DOC = "СекцияДокумент"
_DOC_PREFIX = _DOC + "="
_DOC_PREFIX_LEN = len(_DOC_PREFIX)
_DOC_END = "КонецДокумента"
_ACC = "СекцияРасчСчет"
_ACC_END = "КонецРасчСчет"
_FILE_END = "КонецФайла"
_MARKERS = frozenset({_DOC, _DOC_END, _ACC, _ACC_END, _FILE_END, ""})  # "" = a line "=value"
_PURPOSE_PARTS = tuple(f"НазначениеПлатежа{k}" for k in range(1, 7))

HEADER_KEYS = (
    "ВерсияФормата",
    "Кодировка",
    "Отправитель",
    "Получатель",
    "ДатаСоздания",
    "ВремяСоздания",
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "Документ",
)
ACCOUNT_KEYS = (
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "НачальныйОстаток",
    "ВсегоПоступило",
    "ВсегоСписано",
    "КонечныйОстаток",
)
# the keys of a document in the order 1C writes them (the writer uses this order)
DOCUMENT_KEYS = (
    "Номер",
    "Дата",
    "Сумма",
    "КвитанцияДата",
    "КвитанцияВремя",
    "КвитанцияСодержание",
    "ПлательщикСчет",
    "ДатаСписано",
    "Плательщик",
    "ПлательщикИНН",
    "ПлательщикКПП",
    "Плательщик1",
    "Плательщик2",
    "Плательщик3",
    "Плательщик4",
    "ПлательщикРасчСчет",
    "ПлательщикБанк1",
    "ПлательщикБанк2",
    "ПлательщикБИК",
    "ПлательщикКорсчет",
    "ПолучательСчет",
    "ДатаПоступило",
    "Получатель",
    "ПолучательИНН",
    "ПолучательКПП",
    "Получатель1",
    "Получатель2",
    "Получатель3",
    "Получатель4",
    "ПолучательРасчСчет",
    "ПолучательБанк1",
    "ПолучательБанк2",
    "ПолучательБИК",
    "ПолучательКорсчет",
    "ВидПлатежа",
    "ВидОплаты",
    "КодНазПлатежа",
    "Код",
    "СтатусСоставителя",
    "ПоказательКБК",
    "ОКАТО",
    "ПоказательОснования",
    "ПоказательПериода",
    "ПоказательНомера",
    "ПоказательДаты",
    "ПоказательТипа",
    "СрокАкцепта",
    "ВидАккредитива",
    "СрокПлатежа",
    "УсловиеОплаты1",
    "УсловиеОплаты2",
    "УсловиеОплаты3",
    "ПлатежПоПредст",
    "ДополнУсловия",
    "НомерСчетаПоставщика",
    "ДатаОтсылкиДок",
    "Очередность",
    "НазначениеПлатежа",
    *_PURPOSE_PARTS,
)
# Lines with these keys cannot be UTF-8 in a cp1251/cp866 file (a Cyrillic key is never valid
# UTF-8 there), so only lines with other keys are checked for it.
_KNOWN = frozenset(HEADER_KEYS + ACCOUNT_KEYS + DOCUMENT_KEYS)

# what a declared ``Кодировка=`` means (lower-cased)
_DECLARED = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}
_ENCODINGS = ("cp1251", "cp866", "utf-8")
_SINGLE_BYTE = ("cp1251", "cp866")
_KEY_NAMES = (
    "СекцияДокумент",
    "КонецДокумента",
    "СекцияРасчСчет",
    "Плательщик",
    "Получатель",
    "Сумма",
    "Дата",
    "Кодировка",
    "ВерсияФормата",
    "КонецФайла",
    "РасчСчет",
)
_KEY_BYTES = {enc: tuple(k.encode(enc) for k in _KEY_NAMES) for enc in _ENCODINGS}

# control bytes no text statement contains (tab, LF and CR are fine)
_CONTROL_BYTES = bytes((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_NOT_SEPARATOR = bytes(b for b in range(256) if b not in b"=\r\n")
_SEPARATORS_TO_LF = bytes.maketrans(b"=\r", b"\n\n")


def _code_table(encoding: str, flat: bool) -> str:
    """A ``charmap_decode`` table: control and undefined bytes fail; ``flat`` maps ``=`` and CR to LF."""
    chars = []
    for b in range(256):
        try:
            char = bytes([b]).decode(encoding)
        except UnicodeDecodeError:
            char = "\ufffe"  # undefined: decoding fails here
        if b in _CONTROL_BYTES:
            char = "\ufffe"
        elif flat and b in b"=\r":
            char = "\n"
        chars.append(char)
    return "".join(chars)


_PLAIN_TABLE = {enc: _code_table(enc, flat=False) for enc in _SINGLE_BYTE}
_FLAT_TABLE = {enc: _code_table(enc, flat=True) for enc in _SINGLE_BYTE}
_charmap_decode = codecs.charmap_decode

# padding normalisation (on bytes), used only on blocks that have padding somewhere
_TRAILING = re.compile(rb"[ \t]+\n")
_LEADING = re.compile(rb"^[ \t]+", re.M)
_KEY_PAD = re.compile(rb"^([^=\n]*?)[ \t]+=", re.M)
_VALUE_PAD = re.compile(rb"^([^=\n]*)=[ \t]+", re.M)
_INN_PREFIX = re.compile(r"ИНН\s*\d*\s+")

_EQS = repeat("=")
_ONES = repeat(1)
_split = str.split

# states of the line-by-line machine
_START, _HEADER, _OUTSIDE, _ACCOUNT, _DOCUMENT, _END, _DONE = range(7)

# Messages: English msgids, translated when shown (``localized()``).
E_EMPTY = N_("The file is empty.")
E_ENCODING = N_(
    "The file is not in Windows-1251, DOS (866) or UTF-8: none of the format's keys (ВерсияФормата, "
    "СекцияДокумент, …) reads right in it. Export it from the bank client again in Windows encoding."
)
E_NOT_STATEMENT = N_("This is not a 1C bank statement: its first line must be 1CClientBankExchange.")
E_BINARY = N_("Line %(line)s contains binary data (byte %(byte)s): this is not a text statement.")
E_UNDECODABLE = N_("Line %(line)s: byte %(byte)s is not valid %(encoding)s text.")
E_TOO_LONG = N_("Line %(line)s is longer than %(limit)s bytes.")
E_NOT_KEY_VALUE = N_("Line %(line)s is not Key=Value: %(text)s")
E_NO_KEY = N_("Line %(line)s has no key before the “=” sign.")
E_UNEXPECTED_END = N_("Line %(line)s: %(key)s without a section to close.")
E_DOCUMENT_NOT_CLOSED = N_("Line %(line)s: %(key)s, but the document started on line %(start)s is not closed.")
E_ACCOUNT_NOT_CLOSED = N_("Line %(line)s: %(key)s, but the account section started on line %(start)s is not closed.")
E_EOF_IN_DOCUMENT = N_("The file ends inside the document started on line %(line)s: it looks cut off.")
E_EOF_IN_ACCOUNT = N_("The file ends inside the account section started on line %(line)s: it looks cut off.")
E_CUT_OFF = N_(
    "Line %(line)s, the last of the file, stops in the middle (%(text)s) without a line end: the file looks cut "
    "off. Export the statement from the bank again."
)
E_REPEATED_KEY = N_("Line %(line)s: %(key)s again; the document has it already on line %(first)s.")
E_MISSING = N_("Line %(line)s: the document has no %(key)s.")
E_EMPTY_VALUE = N_("Line %(line)s: %(key)s is empty.")
E_DATE = N_("Line %(line)s: %(key)s is not a date (DD.MM.YYYY): %(value)s")
E_TIME = N_("Line %(line)s: %(key)s is not a time (HH:MM:SS): %(value)s")
E_AMOUNT = N_("Line %(line)s: %(key)s is not an amount (rubles.kopecks with a dot): %(value)s")
E_NEGATIVE = N_("Line %(line)s: %(key)s is negative: %(value)s")
E_AMOUNT_ZERO = N_("Line %(line)s: %(key)s is zero (%(value)s): a bank document moves money.")
E_AMOUNT_TOO_BIG = N_("Line %(line)s: %(key)s is %(value)s, more than the %(limit)s a bank document in 1C can carry.")
E_DATE_RANGE = N_(
    "Line %(line)s: %(key)s is %(value)s, which cannot be a bank date: they lie between %(earliest)s and "
    "%(latest)s (a year from today)."
)
W_ENCODING = N_("Line %(line)s: the file says %(key)s=%(declared)s, but its bytes are %(encoding)s.")
W_UTF8_LINE = N_("Line %(line)s is UTF-8 inside a %(encoding)s file; it was read as UTF-8.")
W_NO_FILE_END = N_("The file ends without КонецФайла; everything up to its end was read.")
W_OUTSIDE = N_("Line %(line)s: %(key)s outside any section is ignored.")
W_AFTER_END = N_("Line %(line)s: text after КонецФайла is ignored.")


def _format(message: str, params: dict) -> str:
    try:
        return message % params
    except (KeyError, ValueError, TypeError):
        return message


def _localize(message: str, params: dict) -> str:
    from flask_babel import gettext

    try:
        return gettext(message) % params
    except (KeyError, ValueError, TypeError, RuntimeError):
        return _format(message, params)


class StatementError(Exception):
    """The statement cannot be read; ``line`` (1-based) and ``key`` say where, when known."""

    def __init__(self, message: str, params: dict | None = None, *, line: int | None = None, key: str | None = None):
        self.message = message
        self.params = {"line": line, "key": key, **(params or {})}
        self.line = line
        self.key = key
        super().__init__(_format(message, self.params))

    def __str__(self) -> str:
        return _format(self.message, self.params)

    def localized(self) -> str:
        """The message in the current locale (inside a Flask app context), else in English."""
        return _localize(self.message, self.params)


@dataclass(frozen=True)
class StatementWarning:
    """Something the reader repaired or skipped; the statement was still read."""

    message: str
    params: dict = field(default_factory=dict, hash=False)
    line: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        return _format(self.message, self.params)

    def localized(self) -> str:
        return _localize(self.message, self.params)


def _warning(message: str, line: int | None = None, key: str | None = None, **params) -> StatementWarning:
    return StatementWarning(message, {"line": line, "key": key, **params}, line, key)


@dataclass(slots=True)
class Header:
    version: str
    encoding_declared: str
    sender: str
    recipient: str
    created_on: date | None
    created_time: time | None
    date_from: date | None
    date_to: date | None
    accounts: list[str]
    document_kinds: list[str]
    fields: dict[str, str]


@dataclass(slots=True)
class AccountSection:
    line: int
    account: str
    date_from: date | None
    date_to: date | None
    opening_kopecks: int | None
    received_kopecks: int | None
    debited_kopecks: int | None
    closing_kopecks: int | None


@dataclass(slots=True)
class Document:
    """One ``СекцияДокумент``; the typed fields come from ``fields``, which holds every key as written."""

    line: int  # line of its СекцияДокумент
    kind: str  # the СекцияДокумент value, e.g. "Платежное поручение"
    number: str
    date: date
    amount_kopecks: int
    payer_account: str
    payer_inn: str
    payer_kpp: str
    payer_name: str
    payer_bik: str
    payer_bank: str
    payer_corr_account: str
    debited_on: date | None  # ДатаСписано
    payee_account: str
    payee_inn: str
    payee_kpp: str
    payee_name: str
    payee_bik: str
    payee_bank: str
    payee_corr_account: str
    received_on: date | None  # ДатаПоступило
    payment_kind: str  # ВидОплаты
    priority: str  # Очередность
    uin: str  # Код
    purpose: str
    fields: dict[str, str]


@dataclass(slots=True)
class Statement:
    header: Header
    sections: list[AccountSection]
    documents: list[Document]
    warnings: list[StatementWarning]
    encoding: str
    finished: bool


class _FieldError(Exception):
    """A bad value; the caller knows the line and turns it into a StatementError."""

    def __init__(self, message: str, key: str, value: str | None, params: dict | None = None):
        super().__init__(key)
        self.message = message
        self.key = key
        self.value = value
        self.params = params or {}


def _clip(text: str | None, n: int = 60) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def _date(value: str, key: str, cache: dict) -> date:
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
            raise _FieldError(E_DATE, key, value)
        latest = datetime.now(UTC).date() + timedelta(days=FUTURE_DAYS)  # a year: the server's zone is moot
        if not EARLIEST_DATE <= day <= latest:
            window = {"earliest": EARLIEST_DATE.strftime("%d.%m.%Y"), "latest": latest.strftime("%d.%m.%Y")}
            raise _FieldError(E_DATE_RANGE, key, value, window)
        if len(cache) > 4096:
            cache.clear()
        cache[value] = day
    return day


def _time(value: str, key: str) -> time:
    """``ЧЧ:ММ:СС`` (or ``ЧЧ:ММ``) → time."""
    parts = value.split(":")
    if len(parts) in (2, 3) and all(len(p) == 2 and p.isascii() and p.isdigit() for p in parts):
        try:
            return time(*map(int, parts))
        except ValueError:
            pass
    raise _FieldError(E_TIME, key, value)


def _kopecks(value: str, key: str, signed: bool = False) -> int:
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
            raise _FieldError(E_NEGATIVE, key, value)
        amount = int(rubles) * 100 + (int(kopecks) * (10 if len(kopecks) == 1 else 1) if dot else 0)
        return -amount if negative else amount
    raise _FieldError(E_AMOUNT, key, value)


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
    return " ".join(part for key in _PURPOSE_PARTS if (part := get(key)))


def _document(f: dict, kind: str, line: int, dates: dict) -> Document:
    """The typed view of one document's fields (hot path: one call per document)."""
    g = f.get
    value = g("Дата")
    if not value:
        raise _FieldError(E_EMPTY_VALUE if value == "" else E_MISSING, "Дата", value)
    day = dates.get(value) or _date(value, "Дата", dates)
    value = g("Сумма")
    if value and len(value) > 3 and value[-3] == "." and (digits := value[:-3] + value[-2:]).isdigit():
        amount = int(digits) if digits.isascii() and len(digits) <= 20 else _kopecks(value, "Сумма")
    elif value:
        amount = _kopecks(value, "Сумма")
    else:
        raise _FieldError(E_EMPTY_VALUE if value == "" else E_MISSING, "Сумма", value)
    if not 0 < amount <= MAX_AMOUNT_KOPECKS:  # a zero, or more than 1C (and a 64-bit column) holds
        if amount:
            raise _FieldError(E_AMOUNT_TOO_BIG, "Сумма", value, {"limit": _MAX_AMOUNT_TEXT})
        raise _FieldError(E_AMOUNT_ZERO, "Сумма", value)
    value = g("ДатаСписано")
    debited = (dates.get(value) or _date(value, "ДатаСписано", dates)) if value else None
    value = g("ДатаПоступило")
    received = (dates.get(value) or _date(value, "ДатаПоступило", dates)) if value else None
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


def _count_breaks(data: bytes, end: int | None = None) -> int:
    """Line ends in ``data[:end]``: CRLF, LF and a lone CR count once each."""
    data = data[:end] if end is not None else data
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _first_break(data: bytes, start: int = 0) -> int:
    """Position of the first line end at or after ``start``, else ``len(data)``."""
    found = [k for k in (data.find(b"\n", start), data.find(b"\r", start)) if k >= 0]
    return min(found) if found else len(data)


def _detect(head: bytes) -> str | None:
    """The encoding the bytes are in, or None when they do not say (pure ASCII, no key names)."""
    cut = max(head.rfind(b"\n"), head.rfind(b"\r")) + 1
    sample = head[:cut] if cut else head
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not sample.isascii():
            return "utf-8"
    scores = {enc: sum(sample.count(k) for k in keys) for enc, keys in _KEY_BYTES.items()}
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] else None


def _unpad(block: bytes) -> bytes:
    """Remove spaces and tabs around keys and values (LF line ends); the line count is unchanged."""
    if b" \n" in block or b"\t\n" in block:
        block = _TRAILING.sub(b"\n", block)
    if b"\n " in block or b"\n\t" in block or block[:1] in (b" ", b"\t"):
        block = _LEADING.sub(b"", block)
    if b" =" in block or b"\t=" in block:
        block = _KEY_PAD.sub(rb"\1=", block)
    if b"= " in block or b"=\t" in block:
        block = _VALUE_PAD.sub(rb"\1=", block)
    return block


def _key_line(lines: list[str], start: int, end: int, key: str) -> int:
    """Index of the (last) line of ``key`` between a document's start and end, else its start."""
    for k in range(end - 1, start, -1):
        if lines[k].partition("=")[0] == key:
            return k
    return start


def _key_index(keys: list[str], start: int, end: int, key: str) -> int:
    for k in range(end - 1, start, -1):
        if keys[k] == key:
            return k
    return start


class StatementReader:
    """Reads a statement from a binary stream: ``header`` at once, then documents as it is iterated.

    ``sections`` fills as account sections are read (they come before the documents), ``warnings``
    as defects are repaired; ``finished`` says whether ``КонецФайла`` was seen; ``lines_read`` is
    the number of the last line read. Iterate once.
    """

    def __init__(self, stream: BinaryIO, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES):
        if max_line_bytes < 256:
            raise ValueError("max_line_bytes must be at least 256")
        self._stream = stream
        self._limit = max_line_bytes
        self._read_size = min(_READ_SIZE, max_line_bytes)
        self.warnings: list[StatementWarning] = []
        self.sections: list[AccountSection] = []
        self.finished = False
        self.lines_read = 0
        self._state = _START
        self._dates: dict[str, date] = {}
        self._fields: dict[str, str] = {}
        self._key_lines: dict[str, int] = {}
        self._start = 0
        self._kind = ""
        self._header_lists: dict[str, list[str]] = {"РасчСчет": [], "Документ": []}
        self._carry = b""
        self._eof = False
        self._after_end: int | None = None
        self._cut: tuple[int, bytes] | None = None  # (line, bytes) of a last line without its line end

        head = self._read_head()
        detected = _detect(head)
        if detected is None and not head.isascii():  # Cyrillic keys in some other code page (KOI8-R, …)
            raise StatementError(E_ENCODING)
        self._detected = detected is not None
        self.encoding: str = detected or "cp1251"
        self._pushback = head
        try:
            self.header: Header = self._read_header()
        except StatementError as exc:
            raise self._cut_off(exc) from None
        self._documents = self._checked()

    def __iter__(self):
        return self._documents

    # ---- bytes → blocks of whole lines ---------------------------------------------------------

    def _read_head(self) -> bytes:
        chunks, size = [], 0
        while size < _HEAD_SIZE:
            chunk = self._stream.read(_HEAD_SIZE - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        head = b"".join(chunks)
        if head.startswith(_BOM):
            head = head[len(_BOM) :]
        body = head.lstrip(b" \t\r\n")
        if not body:
            if size < _HEAD_SIZE:
                raise StatementError(E_EMPTY)
            raise StatementError(E_NOT_STATEMENT, line=1)
        first = body[: _first_break(body)].strip(b" \t")
        if first != SIGNATURE.encode():
            raise StatementError(E_NOT_STATEMENT, line=_count_breaks(head[: len(head) - len(body)]) + 1)
        return head

    def _read(self) -> bytes:
        if self._pushback:
            data = self._pushback[: self._read_size]
            self._pushback = self._pushback[self._read_size :]
            return data
        return self._stream.read(self._read_size)

    def _next_block(self, line_no: int) -> bytes | None:
        """The next run of whole lines (ending with a line end), or None at the end of the file."""
        limit = self._limit
        carry = self._carry
        while not self._eof:
            chunk = self._read()
            if not chunk:
                self._eof = True
                break
            if carry:
                if len(carry) + _first_break(chunk) > limit:
                    raise StatementError(E_TOO_LONG, {"limit": limit}, line=line_no)
                data = carry + chunk
            else:
                data = chunk
            cut = max(data.rfind(b"\n"), data.rfind(b"\r", 0, len(data) - 1)) + 1
            if not cut:
                carry = data
                if len(carry) > limit:
                    raise StatementError(E_TOO_LONG, {"limit": limit}, line=line_no)
                continue
            self._carry = data[cut:]
            if len(self._carry) > limit:
                raise StatementError(E_TOO_LONG, {"limit": limit}, line=line_no + _count_breaks(data, cut))
            return data[:cut]
        self._carry = b""
        if not carry:
            return None
        if not carry.endswith(b"\r"):
            self._cut = (line_no, carry[:256])
        return carry + b"\n"  # the last line may lack its line end

    # ---- decoding --------------------------------------------------------------------------------

    def _bad_byte(self, block: bytes, pos: int, base: int) -> StatementError:
        line = base + _count_breaks(block, pos)
        byte = f"0x{block[pos]:02X}"
        if block[pos] in _CONTROL_BYTES:
            return StatementError(E_BINARY, {"byte": byte}, line=line)
        return StatementError(E_UNDECODABLE, {"byte": byte, "encoding": self.encoding}, line=line)

    def _check_controls(self, block: bytes, base: int) -> None:
        """UTF-8 files only: the single-byte code tables already refuse control bytes."""
        found = block.translate(None, _NOT_CONTROL)
        if found:
            raise self._bad_byte(block, min(block.find(bytes([b])) for b in set(found)), base)

    def _flat(self, block: bytes, base: int) -> tuple[list[str], list[str]] | None:
        """Tier 1: ``(keys, values)``, one pair per line, if the block is regular; else None."""
        crlf = b"\r" in block
        pattern = b"=\r\n" if crlf else b"=\n"
        end = b"\n" + self._doc_end  # whole lines only (one at the block's start just makes it irregular)
        block = block.replace(end + pattern[1:], end + pattern)  # КонецДокумента → КонецДокумента=
        skeleton = block.translate(None, _NOT_SEPARATOR)
        if skeleton != pattern * (len(skeleton) // len(pattern)) or len(skeleton) % len(pattern):
            return None
        if b"= " in block or (b" \r\n" if crlf else b" \n") in block or b"\t" in block:
            return None
        try:
            if self.encoding == "utf-8":
                if block.translate(None, _NOT_CONTROL):
                    return None
                text = block.translate(_SEPARATORS_TO_LF).decode("utf-8")
            else:
                text = _charmap_decode(block, "strict", _FLAT_TABLE[self.encoding])[0]
        except UnicodeDecodeError:
            return None  # tier 2 says where and why, or reads a UTF-8 line
        flat = text.split("\n")
        if not crlf:
            return flat[0::2], flat[1::2]
        if any(flat[2::3]):  # something between a CR and its LF: "K=V\r" and "X\n" look like "K=VX\r\n"
            return None
        return flat[0::3], flat[1::3]

    def _lines(self, block: bytes, base: int) -> list[str]:
        """Tier 2: the block's lines, line ends unified and padding removed."""
        if b"\r" in block:
            block = block.replace(b"\r\n", b"\n")
            if b"\r" in block:
                block = block.replace(b"\r", b"\n")
        block = _unpad(block)
        try:
            text = self._decode(block, base)
        except StatementError as exc:
            # bytes after КонецФайла (a DOS end-of-file mark, say) are ignored like any text there
            marker = _FILE_END.encode(self.encoding)
            at = (b"\n" + block).find(b"\n" + marker + b"\n")
            if at < 0 or exc.line is None or base + block.count(b"\n", 0, at) >= exc.line:
                raise
            cut = at + len(marker)
            rest = block[cut:].lstrip(b" \t\n")
            self._after_end = base + block.count(b"\n", 0, len(block) - len(rest))
            text = self._decode(block[:cut] + b"\n", base)
        lines = text.split("\n")
        lines.pop()  # the block ends with a line end
        return lines

    def _decode(self, block: bytes, base: int) -> str:
        if self.encoding == "utf-8":
            self._check_controls(block, base)
            try:
                return block.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self._bad_byte(block, exc.start, base) from None
        return self._decode_single(block, base)

    def _decode_single(self, block: bytes, base: int) -> str:
        """cp1251/cp866 (LF line ends); a line that fails but is valid UTF-8 is read as UTF-8."""
        table = _PLAIN_TABLE[self.encoding]
        pieces, pos = [], 0
        while True:
            try:
                pieces.append(_charmap_decode(block[pos:], "strict", table)[0])
                return "".join(pieces)
            except UnicodeDecodeError as exc:
                bad = pos + exc.start
            start = block.rfind(b"\n", 0, bad) + 1
            end = block.find(b"\n", bad)
            try:
                if block[bad] in _CONTROL_BYTES or block[start:end].translate(None, _NOT_CONTROL):
                    raise UnicodeError
                utf8 = block[start:end].decode("utf-8")
            except UnicodeError:
                raise self._bad_byte(block, bad, base) from None
            line = base + block.count(b"\n", 0, start)
            self.warnings.append(_warning(W_UTF8_LINE, line, encoding=self.encoding))
            pieces.append(_charmap_decode(block[pos:start], "strict", table)[0])
            pieces.append(utf8)
            pos = end

    def _utf8_line(self, raw: str) -> str | None:
        """``raw`` as UTF-8 if its bytes are UTF-8 with non-ASCII characters (single-byte files only)."""
        if self.encoding == "utf-8" or raw.isascii():
            return None
        try:
            return raw.encode(self.encoding).decode("utf-8")
        except UnicodeError:
            return None

    def _accept(self, f: dict) -> bool:
        """Whether a document's dict can be taken as it is (tiers 1 and 2); else the lines go to ``_line``."""
        for key in f.keys() - _KNOWN:
            if key in _MARKERS or key != key.strip(" \t"):
                return False
            if self._utf8_line(f"{key}={f[key]}") is not None:
                return False
        return True

    # ---- the header ------------------------------------------------------------------------------

    def _read_header(self) -> Header:
        self._doc_end = _DOC_END.encode(self.encoding)
        base = 1
        while (block := self._next_block(base)) is not None:
            lines = self._lines(block, base)
            i, n = 0, len(lines)
            while i < n and self._state <= _HEADER:
                self._line(base + i, lines[i])
                i += 1
            self.lines_read = base + i - 1
            if self._state > _HEADER:
                self._resume = (lines, base, i)
                return self.header
            base += n
        self._resume = None
        self._at_eof()
        return self.header

    def _typed(self, key: str, parse, *args):
        """The open section's ``key`` parsed by ``parse`` (None when empty or missing); a bad value is an
        error naming its line and key."""
        value = self._fields.get(key)
        if not value:
            return None
        try:
            return parse(value, key, *args)
        except _FieldError as exc:
            raise self._error(exc, self._key_lines.get(key)) from None

    def _finish_header(self) -> None:
        f = self._fields
        lines = self._key_lines
        dates = self._dates
        declared = f.get("Кодировка", "")
        self.header = Header(
            version=f.get("ВерсияФормата", ""),
            encoding_declared=declared,
            sender=f.get("Отправитель", ""),
            recipient=f.get("Получатель", ""),
            created_on=self._typed("ДатаСоздания", _date, dates),
            created_time=self._typed("ВремяСоздания", _time),
            date_from=self._typed("ДатаНачала", _date, dates),
            date_to=self._typed("ДатаКонца", _date, dates),
            accounts=self._header_lists["РасчСчет"],
            document_kinds=self._header_lists["Документ"],
            fields=f,
        )
        if declared:
            meant = _DECLARED.get(declared.lower())
            if not self._detected and meant:
                self._set_encoding(meant)  # the bytes did not say; the declaration decides
            elif meant != self.encoding:
                self.warnings.append(
                    _warning(W_ENCODING, lines.get("Кодировка"), "Кодировка", declared=declared, encoding=self.encoding)
                )

    def _set_encoding(self, encoding: str) -> None:
        self.encoding = encoding
        self._doc_end = _DOC_END.encode(encoding)

    # ---- the line-by-line machine (reference behaviour) ------------------------------------------

    def _error(self, exc: _FieldError, line: int | None) -> StatementError:
        return StatementError(exc.message, {"value": _clip(exc.value), **exc.params}, line=line, key=exc.key)

    def _cut_off(self, exc: StatementError) -> StatementError:
        """An error on the file's last line when that line has no line end and is not a whole line: the file
        was cut there (a download or a copy that stopped), which is what the reader is told."""
        if self._cut is None or exc.line != self._cut[0]:
            return exc
        # what a cut makes of a line: a key without its "=", or (UTF-8 only) a character without its last bytes
        if exc.message != E_NOT_KEY_VALUE and (exc.message != E_UNDECODABLE or self.encoding != "utf-8"):
            return exc
        text = self._cut[1].decode(self.encoding, errors="replace").strip(" \t")
        return StatementError(E_CUT_OFF, {"text": _clip(text)}, line=exc.line)

    def _line(self, lineno: int, raw: str) -> Document | None:
        key, sep, value = raw.partition("=")
        key = key.strip(" \t")
        if key not in _KNOWN and key not in _MARKERS and (utf8 := self._utf8_line(raw)) is not None:
            self.warnings.append(_warning(W_UTF8_LINE, lineno, encoding=self.encoding))
            key, sep, value = utf8.partition("=")
            key = key.strip(" \t")
        state = self._state
        if not sep and not key:
            return None  # blank line
        if state == _END:
            self.warnings.append(_warning(W_AFTER_END, lineno))
            self._state = _DONE
            return None
        if state == _START:
            if key == SIGNATURE and not sep:
                self._state = _HEADER
                self._fields, self._key_lines = {}, {}
                return None
            raise StatementError(E_NOT_STATEMENT, line=lineno)
        if key in _MARKERS and key:
            return self._marker(lineno, key, value.strip(" \t"))
        if not sep:
            raise StatementError(E_NOT_KEY_VALUE, {"text": _clip(raw.strip(" \t"))}, line=lineno)
        if not key:
            raise StatementError(E_NO_KEY, line=lineno)
        value = value.strip(" \t")
        if state == _DOCUMENT and key in self._fields:  # which one would the bank mean?
            raise StatementError(E_REPEATED_KEY, {"first": self._key_lines[key]}, line=lineno, key=key)
        if state in (_DOCUMENT, _ACCOUNT, _HEADER):
            self._fields[key] = value
            self._key_lines[key] = lineno
            if state == _HEADER and key in self._header_lists:
                self._header_lists[key].append(value)
        else:
            self.warnings.append(_warning(W_OUTSIDE, lineno, key))
        return None

    def _marker(self, lineno: int, key: str, value: str) -> Document | None:
        state = self._state
        if state == _DOCUMENT:
            if key != _DOC_END:
                raise StatementError(E_DOCUMENT_NOT_CLOSED, {"start": self._start}, line=lineno, key=key)
            self._state = _OUTSIDE
            try:
                return _document(self._fields, self._kind, self._start, self._dates)
            except _FieldError as exc:
                raise self._error(exc, self._key_lines.get(exc.key, self._start)) from None
        if state == _ACCOUNT:
            if key != _ACC_END:
                raise StatementError(E_ACCOUNT_NOT_CLOSED, {"start": self._start}, line=lineno, key=key)
            self.sections.append(self._account())
            self._state = _OUTSIDE
            return None
        if key in (_DOC_END, _ACC_END):
            raise StatementError(E_UNEXPECTED_END, line=lineno, key=key)
        if state == _HEADER:
            self._finish_header()
        if key == _FILE_END:
            self._state = _END
            self.finished = True
            return None
        self._state = _DOCUMENT if key == _DOC else _ACCOUNT
        self._fields, self._key_lines = {}, {}
        self._start, self._kind = lineno, value
        return None

    def _account(self) -> AccountSection:
        dates, typed = self._dates, self._typed
        return AccountSection(
            line=self._start,
            account=self._fields.get("РасчСчет", ""),
            date_from=typed("ДатаНачала", _date, dates),
            date_to=typed("ДатаКонца", _date, dates),
            opening_kopecks=typed("НачальныйОстаток", _kopecks, True),  # balances may be negative
            received_kopecks=typed("ВсегоПоступило", _kopecks, True),
            debited_kopecks=typed("ВсегоСписано", _kopecks, True),
            closing_kopecks=typed("КонечныйОстаток", _kopecks, True),
        )

    def _at_eof(self) -> None:
        state = self._state
        if state == _START:
            raise StatementError(E_EMPTY)
        if state == _DOCUMENT:
            raise StatementError(E_EOF_IN_DOCUMENT, line=self._start)
        if state == _ACCOUNT:
            raise StatementError(E_EOF_IN_ACCOUNT, line=self._start)
        if state == _HEADER:
            self._finish_header()
        if state in (_HEADER, _OUTSIDE):
            self.warnings.append(_warning(W_NO_FILE_END))

    # ---- documents -------------------------------------------------------------------------------

    def _checked(self):
        try:
            yield from self._run()
        except StatementError as exc:
            raise self._cut_off(exc) from None

    def _run(self):
        if self._resume is None:
            return  # the whole file was the header
        lines, base, i = self._resume
        self._resume = None
        yield from self._tier2(lines, base, i)
        base += len(lines)
        while self._state != _DONE:
            if self._state == _END and self._after_end is not None:
                self.warnings.append(_warning(W_AFTER_END, self._after_end))
                self._state = _DONE
                break
            block = self._next_block(base)
            if block is None:
                self._at_eof()
                break
            if self._state == _END:  # only blank lines may follow; anything else ends the reading
                rest = block.lstrip(b" \t\r\n")
                if rest:
                    self._after_end = base + _count_breaks(block, len(block) - len(rest))
                base += _count_breaks(block)
                continue
            flat = self._flat(block, base)
            if flat is not None:
                yield from self._tier1(flat[0], flat[1], base)
                base += len(flat[1])
            else:
                lines = self._lines(block, base)
                yield from self._tier2(lines, base, 0)
                base += len(lines)

    def _tier1(self, keys: list[str], values: list[str], base: int):
        dates = self._dates
        slow = self._line
        index = keys.index
        n = len(values)
        i = 0
        while i < n:
            if self._state == _OUTSIDE and keys[i] == _DOC:
                try:
                    j = index(_DOC_END, i + 1, n)
                except ValueError:
                    j = 0
                if j:
                    f = dict(zip(keys[i + 1 : j], values[i + 1 : j], strict=True))
                    if len(f) == j - i - 1 and (f.keys() <= _KNOWN or self._accept(f)):  # else a key repeats
                        try:
                            doc = _document(f, values[i], base + i, dates)
                        except _FieldError as exc:
                            raise self._error(exc, base + _key_index(keys, i, j, exc.key)) from None
                        self.lines_read = base + j
                        yield doc
                        i = j + 1
                        continue
            doc = slow(base + i, f"{keys[i]}={values[i]}")
            i += 1
            if doc is not None:
                self.lines_read = base + i - 1
                yield doc
            elif self._state == _DONE:
                break
        self.lines_read = base + i - 1

    def _tier2(self, lines: list[str], base: int, i: int):
        dates = self._dates
        slow = self._line
        index = lines.index
        n = len(lines)
        while i < n:
            if self._state == _OUTSIDE:
                line = lines[i]
                if line.startswith(_DOC_PREFIX):
                    try:
                        j = index(_DOC_END, i + 1)
                    except ValueError:
                        j = 0
                    if j:
                        try:
                            f = dict(map(_split, lines[i + 1 : j], _EQS, _ONES))
                        except ValueError:  # a line without "=": blank or a marker
                            f = None
                        if f is not None and len(f) == j - i - 1 and (f.keys() <= _KNOWN or self._accept(f)):
                            try:
                                doc = _document(f, line[_DOC_PREFIX_LEN:], base + i, dates)
                            except _FieldError as exc:
                                raise self._error(exc, base + _key_line(lines, i, j, exc.key)) from None
                            self.lines_read = base + j
                            yield doc
                            i = j + 1
                            continue
            doc = slow(base + i, lines[i])
            i += 1
            if doc is not None:
                self.lines_read = base + i - 1
                yield doc
            elif self._state == _DONE:
                break
        self.lines_read = base + i - 1


def parse(source: bytes | str | os.PathLike | BinaryIO, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Statement:
    """Read a whole statement: ``source`` is its bytes, a file path or a binary stream."""
    if isinstance(source, bytes | bytearray | memoryview):
        return _parse_stream(io.BytesIO(bytes(source)), max_line_bytes)
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            return _parse_stream(stream, max_line_bytes)
    return _parse_stream(source, max_line_bytes)


def _parse_stream(stream: BinaryIO, max_line_bytes: int) -> Statement:
    reader = StatementReader(stream, max_line_bytes=max_line_bytes)
    documents = list(reader)
    return Statement(reader.header, reader.sections, documents, reader.warnings, reader.encoding, reader.finished)
