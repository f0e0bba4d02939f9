"""CSV as every file the app writes has it: `;`-separated for a Russian Excel, amounts with a decimal comma,
dates as 13.06.2026, and text that cannot run as a formula.

A payer's name or a purpose from a bank statement, or a client's name, is text from outside: a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be a formula to Excel or
LibreOffice (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``), so such text gets a leading apostrophe, as OWASP
recommends. Numbers are written as numbers (a negative balance stays ``-1500,00``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """One value as its CSV cell."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Writer:
    """``csv.writer`` with every value passed through ``cell``."""

    def __init__(self, out: TextIO) -> None:
        self._writer = csv.writer(out, delimiter=";", lineterminator="\r\n")

    def writerow(self, values: Iterable) -> None:
        self._writer.writerow([cell(v) for v in values])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)
