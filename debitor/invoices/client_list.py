"""A client's list of its invoices (the portal's, an API's): the filters of its query string, and the
documents they select from the rows the client may see. Statuses mean what ``status_sql`` says."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from marshmallow import fields

from debitor.invoices.models import Invoice, status_sql
from debitor.invoices.numbers import parse_number
from debitor.schemas import N_, Day, QuerySchema, length, one_of

STATUSES = ("", "open", "overdue", "paid", "cancelled", "credit")  # "": all the client may see


class InvoiceFilter(QuerySchema):
    """The client's invoice list's query string."""

    status = fields.String(load_default="", validate=one_of(STATUSES, N_("Unknown status: %(value)s")))
    date_from = Day(load_default=None, data_key="from")
    date_to = Day(load_default=None, data_key="to")
    q = fields.String(load_default="", validate=length(max=40))


def filtered(visible: sa.Select, args: dict, today: date) -> sa.Select:
    """``visible`` (the client's own documents) narrowed by the loaded ``InvoiceFilter`` arguments; a number
    that is no document number finds nothing."""
    q = visible
    if args["status"]:
        q = q.where(status_sql(args["status"], today))
    if args["date_from"]:
        q = q.where(Invoice.issued_on >= args["date_from"])
    if args["date_to"]:
        q = q.where(Invoice.issued_on <= args["date_to"])
    if args["q"]:
        number = parse_number(args["q"])
        if number is None:
            return q.where(sa.false())
        q = q.where(Invoice.kind == number.kind, Invoice.number_seq == number.seq)
        if number.year:
            q = q.where(Invoice.number_year == number.year)
    return q
