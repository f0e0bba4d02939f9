"""What the 1CClientBankExchange reader says about a statement: the messages, and the two shapes they come in.

``StatementError`` is a defect that stops the reading, ``StatementWarning`` one the reader repaired or
skipped; both carry an English msgid (``E_*``, ``W_*``) with its parameters and the line and key it is
about, and are translated only when shown (``localized()``). ``FieldError`` is a bad value found by the
field rules (``debitor.onec.fields``), which do not know the line; the reader turns it into a
``StatementError`` that names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from debitor.schemas import N_

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


def warning(message: str, line: int | None = None, key: str | None = None, **params) -> StatementWarning:
    return StatementWarning(message, {"line": line, "key": key, **params}, line, key)


class FieldError(Exception):
    """A bad value; the caller knows the line and turns it into a StatementError."""

    def __init__(self, message: str, key: str, value: str | None, params: dict | None = None):
        super().__init__(key)
        self.message = message
        self.key = key
        self.value = value
        self.params = params or {}


def clip(text: str | None, n: int = 60) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"
