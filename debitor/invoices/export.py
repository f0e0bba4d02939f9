"""Invoice exports for Excel: CSV streamed row by row, and XLSX.

The CSV is what a Russian Excel opens with a double click: UTF-8 with a byte-order mark (without it
Excel reads cp1251), ``;`` between fields (the list separator of the Russian locale), amounts in
rubles with a decimal comma and dates as ДД.ММ.ГГГГ, so that both are numbers and dates in the sheet.
The XLSX is written with xlsxwriter in constant-memory mode (one row in memory at a time): amounts are
numbers with two decimals, dates are dates.

Rows are read from the database in batches (``yield_per``, a server-side cursor on PostgreSQL), so a
whole filtered set of a million invoices streams without being loaded at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import BinaryIO

import sqlalchemy as sa
import xlsxwriter
from flask_babel import gettext as _

from debitor import csvfile
from debitor.db import db
from debitor.invoices.queries import TableRow
from debitor.money import to_decimal

BATCH = 2000


def iter_rows(stmt: sa.Select) -> Iterator[TableRow]:
    """The rows of a select made by ``debitor.invoices.queries``, fetched in batches."""
    for row in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        yield TableRow(**row._mapping)


def headers() -> list[str]:
    return [
        _("Number"),
        _("Client"),
        _("INN"),
        _("Issued"),
        _("Due"),
        _("Days overdue"),
        _("Amount"),
        _("Paid"),
        _("To pay"),
        _("Currency"),
        _("Status"),
    ]


def _values(row: TableRow, today: date, state_label: Callable[[str], str]) -> list:
    """One row's cells: amounts as Decimal rubles, dates as dates, None for blanks."""
    return [
        row.number,
        row.client_name,
        row.client_inn,
        row.issued_on,
        row.due_on,
        row.days_overdue(today) or None,
        to_decimal(row.signed_total_kopecks),
        to_decimal(row.paid_kopecks),
        to_decimal(row.outstanding_kopecks),
        row.currency,
        state_label(row.status),
    ]


def state_label(state: str) -> str:
    """The status column: the state as the table names it, in the current language."""
    from debitor.labels import LABELS

    return str(LABELS.get(state, state))


def csv_chunks(rows: Iterable[TableRow], *, today: date, state_label: Callable[[str], str] = str) -> Iterator[str]:
    """The CSV text in chunks of a few hundred rows, starting with the BOM and the header."""
    buf = io.StringIO()
    writer = csvfile.Writer(buf)
    buf.write("\ufeff")
    writer.writerow(headers())
    for n, row in enumerate(rows, start=1):
        writer.writerow(_values(row, today, state_label))
        if n % 500 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


WIDTHS = (10, 36, 14, 11, 11, 9, 15, 15, 15, 8, 18)


def write_xlsx(rows: Iterable[TableRow], out: BinaryIO, *, today: date, state_label: Callable[[str], str] = str) -> int:
    """Write the rows as one sheet to ``out``; returns how many rows were written."""
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": False})
    sheet = book.add_worksheet(_("Invoices"))
    bold = book.add_format({"bold": True, "bottom": 1})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "dd.mm.yyyy"})
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, headers(), bold)
    n = 0
    for n, row in enumerate(rows, start=1):
        for col, value in enumerate(_values(row, today, state_label)):
            if value is None:
                continue
            if isinstance(value, Decimal):
                sheet.write_number(n, col, float(value), money)
            elif isinstance(value, date):
                sheet.write_datetime(n, col, value, day)
            elif isinstance(value, int):
                sheet.write_number(n, col, value)
            else:
                sheet.write_string(n, col, str(value))
    sheet.autofilter(0, 0, max(n, 1), len(WIDTHS) - 1)
    book.close()
    return n
