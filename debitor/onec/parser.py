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

The modules it is made of: ``blocks`` (bytes → blocks of whole lines → text, and the encoding),
``fields`` (the rules of the values, and the typed ``Document``), ``statement`` (the keys and the typed
results), ``errors`` (the messages); this one holds the sections' state machine and the fast paths.

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

import io
import os
from datetime import date
from itertools import repeat
from typing import BinaryIO

from debitor.onec.blocks import DEFAULT_MAX_LINE_BYTES, BlockReader, count_breaks, key_index, key_line
from debitor.onec.errors import (
    E_ACCOUNT_NOT_CLOSED,
    E_CUT_OFF,
    E_DOCUMENT_NOT_CLOSED,
    E_EMPTY,
    E_EOF_IN_ACCOUNT,
    E_EOF_IN_DOCUMENT,
    E_NO_KEY,
    E_NOT_KEY_VALUE,
    E_NOT_STATEMENT,
    E_REPEATED_KEY,
    E_UNDECODABLE,
    E_UNEXPECTED_END,
    W_AFTER_END,
    W_ENCODING,
    W_NO_FILE_END,
    W_OUTSIDE,
    W_UTF8_LINE,
    FieldError,
    StatementError,
    clip,
    warning,
)
from debitor.onec.fields import parse_date, parse_kopecks, parse_time, typed_document
from debitor.onec.statement import (
    ACC_END,
    DOC,
    DOC_END,
    FILE_END,
    KNOWN,
    MARKERS,
    SIGNATURE,
    AccountSection,
    Document,
    Header,
    Statement,
)

__all__ = ["StatementReader", "parse"]

_DOC_PREFIX = DOC + "="
_DOC_PREFIX_LEN = len(_DOC_PREFIX)
# what a declared ``Кодировка=`` means (lower-cased)
_DECLARED = {"windows": "cp1251", "dos": "cp866", "utf-8": "utf-8", "utf8": "utf-8"}
_EQS = repeat("=")
_ONES = repeat(1)
_split = str.split

# states of the line-by-line machine
_START, _HEADER, _OUTSIDE, _ACCOUNT, _DOCUMENT, _END, _DONE = range(7)


class StatementReader(BlockReader):
    """Reads a statement from a binary stream: ``header`` at once, then documents as it is iterated.

    ``sections`` fills as account sections are read (they come before the documents), ``warnings``
    as defects are repaired; ``finished`` says whether ``КонецФайла`` was seen; ``lines_read`` is
    the number of the last line read. Iterate once.
    """

    def __init__(self, stream: BinaryIO, *, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES):
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
        super().__init__(stream, max_line_bytes)  # reads the head, decides the encoding
        try:
            self.header: Header = self._read_header()
        except StatementError as exc:
            raise self._cut_off(exc) from None
        self._documents = self._checked()

    def __iter__(self):
        return self._documents

    # ---- which documents the fast paths take -----------------------------------------------------

    def _accept(self, f: dict) -> bool:
        """Whether a document's dict can be taken as it is (tiers 1 and 2); else the lines go to ``_line``."""
        for key in f.keys() - KNOWN:
            if key in MARKERS or key != key.strip(" \t"):
                return False
            if self._utf8_line(f"{key}={f[key]}") is not None:
                return False
        return True

    # ---- the header ------------------------------------------------------------------------------

    def _read_header(self) -> Header:
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
        except FieldError as exc:
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
            created_on=self._typed("ДатаСоздания", parse_date, dates),
            created_time=self._typed("ВремяСоздания", parse_time),
            date_from=self._typed("ДатаНачала", parse_date, dates),
            date_to=self._typed("ДатаКонца", parse_date, dates),
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
                    warning(W_ENCODING, lines.get("Кодировка"), "Кодировка", declared=declared, encoding=self.encoding)
                )

    # ---- the line-by-line machine (reference behaviour) ------------------------------------------

    def _error(self, exc: FieldError, line: int | None) -> StatementError:
        return StatementError(exc.message, {"value": clip(exc.value), **exc.params}, line=line, key=exc.key)

    def _cut_off(self, exc: StatementError) -> StatementError:
        """An error on the file's last line when that line has no line end and is not a whole line: the file
        was cut there (a download or a copy that stopped), which is what the reader is told."""
        if self._cut is None or exc.line != self._cut[0]:
            return exc
        # what a cut makes of a line: a key without its "=", or (UTF-8 only) a character without its last bytes
        if exc.message != E_NOT_KEY_VALUE and (exc.message != E_UNDECODABLE or self.encoding != "utf-8"):
            return exc
        text = self._cut[1].decode(self.encoding, errors="replace").strip(" \t")
        return StatementError(E_CUT_OFF, {"text": clip(text)}, line=exc.line)

    def _line(self, lineno: int, raw: str) -> Document | None:
        key, sep, value = raw.partition("=")
        key = key.strip(" \t")
        if key not in KNOWN and key not in MARKERS and (utf8 := self._utf8_line(raw)) is not None:
            self.warnings.append(warning(W_UTF8_LINE, lineno, encoding=self.encoding))
            key, sep, value = utf8.partition("=")
            key = key.strip(" \t")
        state = self._state
        if not sep and not key:
            return None  # blank line
        if state == _END:
            self.warnings.append(warning(W_AFTER_END, lineno))
            self._state = _DONE
            return None
        if state == _START:
            if key == SIGNATURE and not sep:
                self._state = _HEADER
                self._fields, self._key_lines = {}, {}
                return None
            raise StatementError(E_NOT_STATEMENT, line=lineno)
        if key in MARKERS and key:
            return self._marker(lineno, key, value.strip(" \t"))
        if not sep:
            raise StatementError(E_NOT_KEY_VALUE, {"text": clip(raw.strip(" \t"))}, line=lineno)
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
            self.warnings.append(warning(W_OUTSIDE, lineno, key))
        return None

    def _marker(self, lineno: int, key: str, value: str) -> Document | None:
        state = self._state
        if state == _DOCUMENT:
            if key != DOC_END:
                raise StatementError(E_DOCUMENT_NOT_CLOSED, {"start": self._start}, line=lineno, key=key)
            self._state = _OUTSIDE
            try:
                return typed_document(self._fields, self._kind, self._start, self._dates)
            except FieldError as exc:
                raise self._error(exc, self._key_lines.get(exc.key, self._start)) from None
        if state == _ACCOUNT:
            if key != ACC_END:
                raise StatementError(E_ACCOUNT_NOT_CLOSED, {"start": self._start}, line=lineno, key=key)
            self.sections.append(self._account())
            self._state = _OUTSIDE
            return None
        if key in (DOC_END, ACC_END):
            raise StatementError(E_UNEXPECTED_END, line=lineno, key=key)
        if state == _HEADER:
            self._finish_header()
        if key == FILE_END:
            self._state = _END
            self.finished = True
            return None
        self._state = _DOCUMENT if key == DOC else _ACCOUNT
        self._fields, self._key_lines = {}, {}
        self._start, self._kind = lineno, value
        return None

    def _account(self) -> AccountSection:
        dates, typed = self._dates, self._typed
        return AccountSection(
            line=self._start,
            account=self._fields.get("РасчСчет", ""),
            date_from=typed("ДатаНачала", parse_date, dates),
            date_to=typed("ДатаКонца", parse_date, dates),
            opening_kopecks=typed("НачальныйОстаток", parse_kopecks, True),  # balances may be negative
            received_kopecks=typed("ВсегоПоступило", parse_kopecks, True),
            debited_kopecks=typed("ВсегоСписано", parse_kopecks, True),
            closing_kopecks=typed("КонечныйОстаток", parse_kopecks, True),
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
            self.warnings.append(warning(W_NO_FILE_END))

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
                self.warnings.append(warning(W_AFTER_END, self._after_end))
                self._state = _DONE
                break
            block = self._next_block(base)
            if block is None:
                self._at_eof()
                break
            if self._state == _END:  # only blank lines may follow; anything else ends the reading
                rest = block.lstrip(b" \t\r\n")
                if rest:
                    self._after_end = base + count_breaks(block, len(block) - len(rest))
                base += count_breaks(block)
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
            if self._state == _OUTSIDE and keys[i] == DOC:
                try:
                    j = index(DOC_END, i + 1, n)
                except ValueError:
                    j = 0
                if j:
                    f = dict(zip(keys[i + 1 : j], values[i + 1 : j], strict=True))
                    if len(f) == j - i - 1 and (f.keys() <= KNOWN or self._accept(f)):  # else a key repeats
                        try:
                            doc = typed_document(f, values[i], base + i, dates)
                        except FieldError as exc:
                            raise self._error(exc, base + key_index(keys, i, j, exc.key)) from None
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
                        j = index(DOC_END, i + 1)
                    except ValueError:
                        j = 0
                    if j:
                        try:
                            f = dict(map(_split, lines[i + 1 : j], _EQS, _ONES))
                        except ValueError:  # a line without "=": blank or a marker
                            f = None
                        if f is not None and len(f) == j - i - 1 and (f.keys() <= KNOWN or self._accept(f)):
                            try:
                                doc = typed_document(f, line[_DOC_PREFIX_LEN:], base + i, dates)
                            except FieldError as exc:
                                raise self._error(exc, base + key_line(lines, i, j, exc.key)) from None
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
