"""The bytes of a 1CClientBankExchange statement as text: blocks of whole lines, encoding, padding, line ends.

``BlockReader`` is the lower half of the reader (``debitor.onec.parser.StatementReader`` builds on it): it
reads a binary stream in blocks of whole lines (none longer than ``max_line_bytes``; a last line without
its line end is noted, as the file may have been cut there) and turns a block into text in one of two
ways: ``_flat``, for a regular block (every line one ``Key=Value``, one line end style, no padding), gives
its keys and values from one decode with a code table that maps ``=`` and line ends to ``\\n``;
``_lines`` unifies line ends, removes padding and gives the lines. Bytes that are not text are a
``StatementError`` naming the line.

Encoding: the first 64 KiB decide (valid UTF-8 with non-ASCII bytes → UTF-8, else whichever of
cp1251 and cp866 spells the key names); ``Кодировка=`` decides only when the bytes do not, and a
declaration the bytes contradict is a warning. In a cp1251/cp866 file a line whose bytes are valid
UTF-8 with non-ASCII bytes is read as UTF-8, with a warning. Such a line shows either by a byte the
code page lacks or by its key, which is then not a standard one: a standard (Cyrillic) key in
cp1251/cp866 is never valid UTF-8, so only lines with other keys need the check.
"""

from __future__ import annotations

import codecs
import re
from typing import BinaryIO

from debitor.onec.errors import (
    E_BINARY,
    E_EMPTY,
    E_ENCODING,
    E_NOT_STATEMENT,
    E_TOO_LONG,
    E_UNDECODABLE,
    W_UTF8_LINE,
    StatementError,
    StatementWarning,
    warning,
)
from debitor.onec.statement import DOC_END, FILE_END, SIGNATURE

DEFAULT_MAX_LINE_BYTES = 1 << 18  # far beyond any real line; bounds memory on binary input
_READ_SIZE = 1 << 18
_HEAD_SIZE = 1 << 16  # what the encoding is detected on
_BOM = b"\xef\xbb\xbf"

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


def count_breaks(data: bytes, end: int | None = None) -> int:
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


def key_line(lines: list[str], start: int, end: int, key: str) -> int:
    """Index of the (last) line of ``key`` between a document's start and end, else its start."""
    for k in range(end - 1, start, -1):
        if lines[k].partition("=")[0] == key:
            return k
    return start


def key_index(keys: list[str], start: int, end: int, key: str) -> int:
    """The same for the keys of a flat block (``BlockReader._flat``)."""
    for k in range(end - 1, start, -1):
        if keys[k] == key:
            return k
    return start


class BlockReader:
    """A statement's bytes as blocks of whole lines and their text; ``encoding`` is what the bytes are in
    (the header's ``Кодировка=`` may still set it, ``_set_encoding``), ``warnings`` what was repaired."""

    def __init__(self, stream: BinaryIO, max_line_bytes: int):
        if max_line_bytes < 256:
            raise ValueError("max_line_bytes must be at least 256")
        self._stream = stream
        self._limit = max_line_bytes
        self._read_size = min(_READ_SIZE, max_line_bytes)
        self.warnings: list[StatementWarning] = []
        self._carry = b""
        self._eof = False
        self._after_end: int | None = None  # the line of text after КонецФайла
        self._cut: tuple[int, bytes] | None = None  # (line, bytes) of a last line without its line end

        head = self._read_head()
        detected = _detect(head)
        if detected is None and not head.isascii():  # Cyrillic keys in some other code page (KOI8-R, …)
            raise StatementError(E_ENCODING)
        self._detected = detected is not None
        self._set_encoding(detected or "cp1251")
        self._pushback = head

    def _set_encoding(self, encoding: str) -> None:
        self.encoding = encoding
        self._doc_end = DOC_END.encode(encoding)

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
            raise StatementError(E_NOT_STATEMENT, line=count_breaks(head[: len(head) - len(body)]) + 1)
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
                raise StatementError(E_TOO_LONG, {"limit": limit}, line=line_no + count_breaks(data, cut))
            return data[:cut]
        self._carry = b""
        if not carry:
            return None
        if not carry.endswith(b"\r"):
            self._cut = (line_no, carry[:256])
        return carry + b"\n"  # the last line may lack its line end

    # ---- decoding --------------------------------------------------------------------------------

    def _bad_byte(self, block: bytes, pos: int, base: int) -> StatementError:
        line = base + count_breaks(block, pos)
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
            marker = FILE_END.encode(self.encoding)
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
            self.warnings.append(warning(W_UTF8_LINE, line, encoding=self.encoding))
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
