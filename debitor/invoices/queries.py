"""The staff invoice table over a million invoices: the query-string schema, the filtered select,
keyset pages and the totals of the filtered set.

Pages are keyset ("seek") pages, never OFFSET: the opaque cursor carries the sort key and id of the
row a page starts after (or ends before), and the page is ``WHERE (key, id) > (:key, :id) ORDER BY
key, id LIMIT n`` — as cheap on page 20 000 as on page 1, with no duplicates or gaps when invoices
come and go between two clicks. NULL keys (a draft has no number and no dates, a credit note no due
date) sort as the greatest values, last ascending and first descending, which is how a PostgreSQL
b-tree returns them, so the common views are plain index scans (the indexes are in migration 0003).

"Open" means what clients owe: invoices (not credit notes) issued or partially paid; "overdue" is
open and past the due date, as on the home page.

The open states are written as SQL literals, not bound parameters, so that PostgreSQL can match the
partial indexes' ``WHERE state IN ('issued', 'partially_paid')`` whatever plan it caches.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext
from marshmallow import ValidationError, post_load, validates_schema
from marshmallow import fields as mf

from debitor.clients.models import Client, ClientInn, fold
from debitor.db import db, in_values
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceKind, InvoiceState, shown_status, signed_total
from debitor.invoices.numbers import parse_number
from debitor.schemas import MAX_ID, N_, Day, Id, QuerySchema, one_of

PAGE_SIZE = 50
SEARCH_IDS_MAX = 1000  # more matching clients than this: a subquery instead of a list of ids
STATUSES = ("open", "overdue", "all", *(s.value for s in InvoiceState))
OPEN_STATUSES = {"open", "overdue", InvoiceState.ISSUED.value, InvoiceState.PARTIALLY_PAID.value}
SETTLED_STATUSES = {InvoiceState.DRAFT.value, InvoiceState.PAID.value, InvoiceState.CANCELLED.value}
DATE_SORTS = {"issued_on", "due_on"}
SORTS = ("issued_on", "due_on", "number", "total", "outstanding", "client")
DEFAULT_DIRECTION = {
    "issued_on": "desc",
    "due_on": "asc",
    "number": "desc",
    "total": "desc",
    "outstanding": "desc",
    "client": "asc",
}
INN_PREFIX_MIN = 4  # shorter digit strings are invoice numbers only


def _literal(value: str):
    return sa.literal(value, literal_execute=True)


def is_open() -> sa.ColumnElement[bool]:
    return Invoice.state.in_([_literal(s.value) for s in OPEN_STATES])


def is_invoice() -> sa.ColumnElement[bool]:
    return Invoice.kind == _literal(InvoiceKind.INVOICE.value)


def outstanding_expr() -> sa.ColumnElement[int]:
    """What the client still owes, as ``Invoice.outstanding_kopecks`` computes it (credit notes owe nothing)."""
    owing = sa.and_(is_open(), is_invoice(), Invoice.total_kopecks > Invoice.paid_kopecks)
    return sa.case((owing, Invoice.total_kopecks - Invoice.paid_kopecks), else_=0)


def sort_key(sort: str) -> tuple[sa.ColumnElement, bool]:
    """The SQL expression a sort orders by, and whether it can be NULL."""
    if sort == "issued_on":
        return Invoice.issued_on, True
    if sort == "due_on":
        return Invoice.due_on, True
    if sort == "number":  # year, then number within the year; NULL for drafts
        return sa.cast(Invoice.number_year, sa.BigInteger) * 1_000_000_000 + Invoice.number_seq, True
    if sort == "total":
        return Invoice.total_kopecks, False
    if sort == "outstanding":
        return outstanding_expr(), False
    return Client.short_name, False


# --- the query string ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row with this sort key and id."""

    sort: str
    direction: str
    key: Any
    id: int
    before: bool = False

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, date) else self.key
        raw = json.dumps([self.sort, self.direction, key, self.id, int(self.before)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor in ``token``; ValueError when it is not one this module made."""
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            sort, direction, key, row_id, before = raw
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as exc:
            raise ValueError("not a cursor") from exc
        if sort not in SORTS or direction not in ("asc", "desc") or type(row_id) is not int or before not in (0, 1):
            raise ValueError("not a cursor")
        if not 0 < row_id <= MAX_ID or (type(key) is int and abs(key) > MAX_ID):
            raise ValueError("not a cursor: a number no row has")  # an OverflowError in the database otherwise
        if key is not None:
            if sort in DATE_SORTS:
                key = date.fromisoformat(key) if isinstance(key, str) else None
            elif (sort == "client") != isinstance(key, str) or isinstance(key, bool | float):
                key = None
            if key is None:
                raise ValueError("not a cursor key")
        return cls(sort, direction, key, row_id, bool(before))


@dataclass(frozen=True)
class TableQuery:
    """The table's filters, sort and page, as read from the query string."""

    status: str = "open"
    client_id: int | None = None
    manager_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    overdue_min_days: int | None = None
    q: str = ""
    sort: str = "due_on"
    direction: str = "asc"
    cursor: Cursor | None = None

    def args(self, **changes) -> dict[str, str]:
        """Query-string arguments for a link to this view (defaults and the cursor left out), with changes."""
        cursor = changes.pop("cursor", None)
        query = replace(self, cursor=None, **changes)
        out: dict[str, str] = {}
        for f in fields(query):
            value = getattr(query, f.name)
            if f.name in ("sort", "direction", "cursor") or value in (None, ""):
                continue
            if f.name == "status" and value == "open":
                continue
            out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        if query.sort != default_sort(query.status):
            out["sort"] = query.sort
        if query.direction != DEFAULT_DIRECTION[query.sort] or "sort" in out:
            out["direction"] = query.direction
        if cursor is not None:
            out["cursor"] = cursor.encode()
        return out

    def sorted_by(self, sort: str) -> dict[str, str]:
        """Arguments for a column header: sort by it, or turn the direction round if it is the sort."""
        if sort == self.sort:
            return self.args(direction="asc" if self.direction == "desc" else "desc")
        return self.args(sort=sort, direction=DEFAULT_DIRECTION[sort])

    def with_status(self, status: str) -> dict[str, str]:
        """Arguments for a status tab: a sort left at its default follows the new status's default."""
        if self.sort == default_sort(self.status) and self.direction == DEFAULT_DIRECTION[self.sort]:
            sort = default_sort(status)
            return self.args(status=status, sort=sort, direction=DEFAULT_DIRECTION[sort])
        return self.args(status=status)

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the table beyond the default status."""
        return bool(
            self.status != "open"
            or self.client_id
            or self.manager_id
            or self.issued_from
            or self.issued_to
            or self.overdue_min_days
            or self.q
        )


def default_sort(status: str) -> str:
    return "due_on" if status in OPEN_STATUSES else "issued_on"


def _days(value: int) -> None:
    if not 1 <= value <= 3650:
        raise ValidationError(gettext("Must be from %(min)s to %(max)s", min=1, max=3650))


def _search_length(value: str) -> None:
    if len(value) > 100:
        raise ValidationError(gettext("At most %(max)s characters", max=100))


class InvoiceTableQuery(QuerySchema):
    """The staff invoice table's query string. Unknown parameters are ignored (``lang``, htmx's own)."""

    status = mf.String(load_default="open", validate=one_of(STATUSES, N_("Unknown status “%(value)s”")))
    client_id = Id()
    manager_id = Id()
    issued_from = Day()
    issued_to = Day()
    overdue_min_days = mf.Integer(strict=False, validate=_days)
    q = mf.String(load_default="", validate=_search_length)
    sort = mf.String(validate=one_of(SORTS, N_("Cannot sort by “%(value)s”")))
    direction = mf.String(validate=one_of(("asc", "desc"), N_("Direction must be asc or desc, not “%(value)s”")))
    cursor = mf.String()

    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            raise ValidationError(gettext("The period ends before it starts"), "issued_to")

    @post_load
    def _make(self, data, **kwargs) -> TableQuery:
        data.setdefault("sort", default_sort(data["status"]))
        data.setdefault("direction", DEFAULT_DIRECTION[data["sort"]])
        token = data.pop("cursor", None)
        query = TableQuery(**data)
        if token is None:
            return query
        try:
            cursor = Cursor.decode(token)
        except ValueError:
            cursor = None
        if cursor is None or (cursor.sort, cursor.direction) != (query.sort, query.direction):
            message = gettext("This page link is not valid (any more): start again from the first page")
            raise ValidationError(message, "cursor")
        return replace(query, cursor=cursor)


# --- the filtered set -----------------------------------------------------------------------------


def conditions(query: TableQuery, today: date) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of the filtered set (on ``invoices`` only: clients are reached by subqueries)."""
    out: list[sa.ColumnElement[bool]] = []
    receivable = query.status in ("open", "overdue") or bool(query.overdue_min_days)
    if query.status not in ("open", "overdue", "all"):
        out.append(Invoice.state == _literal(query.status))
    if receivable:  # what clients owe: invoices (not credit notes) awaiting payment
        out += [is_open(), is_invoice()]
    if query.status == "overdue" or query.overdue_min_days:
        out.append(Invoice.due_on <= today - timedelta(days=query.overdue_min_days or 1))
    if query.client_id:
        out.append(Invoice.client_id == query.client_id)
    if query.manager_id:
        out.append(Invoice.client_id.in_(sa.select(Client.id).where(Client.account_manager_id == query.manager_id)))
    if query.issued_from:
        out.append(Invoice.issued_on >= query.issued_from)
    if query.issued_to:
        out.append(Invoice.issued_on <= query.issued_to)
    if query.q:
        out.append(search_condition(query.q))
    return out


def search_condition(text: str) -> sa.ColumnElement[bool]:
    """Invoices matching a search: the number ("42", "№ 42", "К-7" for a credit note), the client's
    name (case- and ё-insensitive, anywhere in the short or legal name) or the client's INN (a prefix of
    at least four digits, the main INN or an extra one)."""
    text = text.strip()
    found: list[sa.ColumnElement[bool]] = []
    number = parse_number(text)
    if number:
        same = [Invoice.number_seq == number.seq, Invoice.kind == _literal(number.kind.value)]
        found.append(sa.and_(*same, *([Invoice.number_year == number.year] if number.year else [])))
    clients = None
    if text.isascii() and text.isdigit():
        if len(text) >= INN_PREFIX_MIN:
            extra = sa.select(ClientInn.client_id).where(ClientInn.inn.startswith(text, autoescape=True))
            clients = sa.or_(Client.inn.startswith(text, autoescape=True), Client.id.in_(extra))
    elif not number:
        pattern = "%" + re.sub(r"([/%_])", r"/\1", fold(text)) + "%"
        clients = Client.search_text.like(pattern, escape="/")
    if clients is not None:
        found.append(_client_in(clients, key=text))
    return sa.or_(*found) if found else sa.false()


def _client_in(where: sa.ColumnElement[bool], key: str) -> sa.ColumnElement[bool]:
    """``client_id IN (…)``: a list of ids when the clients are few (PostgreSQL then ORs index ranges
    with the number search), the subquery itself when they are many. The ids are looked up once per
    session (= per request: the page and the totals both need them)."""
    found = db.session.info.setdefault("invoice_search_clients", {})
    if key not in found:  # through Core: hundreds of plain ids need no ORM rows (0.3–0.6 ms less)
        lookup = sa.select(Client.id).where(where).limit(SEARCH_IDS_MAX + 1)
        found[key] = db.session.connection().scalars(lookup).all()
    ids = found[key]
    if len(ids) > SEARCH_IDS_MAX:
        return Invoice.client_id.in_(sa.select(Client.id).where(where))
    if not ids:
        return sa.false()
    return in_values(Invoice.client_id, ids)  # one array parameter on PostgreSQL, not hundreds


# --- rows and pages ---------------------------------------------------------------------------------


@dataclass(slots=True)
class TableRow:
    """One invoice as the table and the exports show it."""

    id: int
    kind: str
    state: str
    number_seq: int | None
    issued_on: date | None
    due_on: date | None
    total_kopecks: int
    paid_kopecks: int
    currency: str
    client_id: int
    client_name: str
    client_inn: str
    sort_key: Any = None

    @property
    def number(self) -> str | None:
        if self.number_seq is None:
            return None
        return f"К-{self.number_seq}" if self.kind == InvoiceKind.CREDIT_NOTE else str(self.number_seq)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES and self.kind == InvoiceKind.INVOICE

    @property
    def status(self) -> str:
        return shown_status(self.kind, self.state)

    @property
    def signed_total_kopecks(self) -> int:
        return signed_total(self.kind, self.total_kopecks)

    @property
    def outstanding_kopecks(self) -> int:
        return max(self.total_kopecks - self.paid_kopecks, 0) if self.is_open else 0

    def days_overdue(self, today: date) -> int:
        if not self.is_open or self.due_on is None:
            return 0
        return max((today - self.due_on).days, 0)


ROW_COLUMNS = (
    Invoice.id,
    Invoice.kind,
    Invoice.state,
    Invoice.number_seq,
    Invoice.issued_on,
    Invoice.due_on,
    Invoice.total_kopecks,
    Invoice.paid_kopecks,
    Invoice.currency,
    Invoice.client_id,
    Client.short_name.label("client_name"),
    Client.inn.label("client_inn"),
)


@dataclass
class Page:
    rows: list[TableRow]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None


def _order(key: sa.ColumnElement, nullable: bool, direction: str) -> list[sa.ColumnElement]:
    if direction == "asc":
        return [key.asc().nulls_last() if nullable else key.asc(), Invoice.id.asc()]
    return [key.desc().nulls_first() if nullable else key.desc(), Invoice.id.desc()]


def _nullable(query: TableQuery) -> bool:
    """Whether the sort key can be NULL in the filtered set: drafts have no dates and no number,
    credit notes no due date; open and overdue invoices have all three."""
    key_can_be_null = sort_key(query.sort)[1]
    if not key_can_be_null or query.status in ("open", "overdue") or query.overdue_min_days:
        return False
    return query.sort == "due_on" or query.status in ("all", InvoiceState.DRAFT.value)


def _row_select(query: TableQuery, today: date) -> sa.Select:
    key = sort_key(query.sort)[0]
    stmt = sa.select(*ROW_COLUMNS, key.label("sort_key")).join(Client, Client.id == Invoice.client_id)
    return stmt.where(*conditions(query, today))


def rows_select(query: TableQuery, today: date) -> sa.Select:
    """The filtered set's rows (with the sort key as ``sort_key``), ordered, without a limit."""
    return _row_select(query, today).order_by(*_order(sort_key(query.sort)[0], _nullable(query), query.direction))


def page_select(query: TableQuery, today: date, size: int) -> sa.Select:
    """One page of the filtered set: ``size + 1`` rows (the extra one says whether there is more).

    After a cursor the page is ``(key, id) > (:key, :id)`` (``<`` descending), an index range. Where
    NULL keys can follow the cursor's row (ascending from a dated row, or descending from an undated
    one) the page is two index ranges, each limited, put together: ``… OR key IS NULL`` in one WHERE
    would make PostgreSQL filter its way from the first row of the index instead."""
    key, _ = sort_key(query.sort)
    nullable = _nullable(query)
    cursor, direction, limit = query.cursor, query.direction, size + 1
    if cursor is not None and cursor.before:  # going back: read backwards from the cursor, then flip
        direction = "asc" if direction == "desc" else "desc"
    base = _row_select(query, today)
    if cursor is None:
        return base.order_by(*_order(key, nullable, direction)).limit(limit)
    pair = sa.tuple_(key, Invoice.id)
    after = None if cursor.key is None else sa.tuple_(sa.literal(cursor.key, key.type), sa.literal(cursor.id))
    by_id = Invoice.id.asc() if direction == "asc" else Invoice.id.desc()
    if direction == "desc" and after is not None:  # NULLs came first: all before the cursor
        return base.where(pair < after).order_by(*_order(key, nullable, direction)).limit(limit)
    if direction == "asc" and after is None:  # among the NULLs, which come last
        return base.where(key.is_(None), Invoice.id > cursor.id).order_by(by_id).limit(limit)
    if direction == "asc":
        dated = base.where(pair > after).order_by(*_order(key, False, "asc"))
        if not nullable:
            return dated.limit(limit)
        parts = [dated, base.where(key.is_(None)).order_by(by_id)]
    else:  # descending from a NULL key: the rest of the NULLs, then every dated row
        parts = [
            base.where(key.is_(None), Invoice.id < cursor.id).order_by(by_id),
            base.where(key.is_not(None)).order_by(*_order(key, False, "desc")),
        ]
    both = sa.union_all(
        *(
            sa.select(part.add_columns(sa.literal(n).label("part")).limit(limit).subquery())
            for n, part in enumerate(parts)
        )
    ).subquery()
    outer = both.c.sort_key.asc() if direction == "asc" else both.c.sort_key.desc()
    inner = both.c.id.asc() if direction == "asc" else both.c.id.desc()
    return (
        sa.select(*(both.c[c.key] for c in ROW_COLUMNS), both.c.sort_key)
        .order_by(both.c.part, outer, inner)
        .limit(limit)
    )


def table_page(query: TableQuery, *, today: date, size: int = PAGE_SIZE) -> Page:
    """One page of the table and the cursors to the next and the previous page (None at either end)."""
    found = [TableRow(*row) for row in db.session.execute(page_select(query, today, size))]
    more = len(found) > size
    rows = found[:size]
    back = query.cursor is not None and query.cursor.before
    if back:
        rows.reverse()
    if not rows:
        return Page(rows, None, None)
    has_next = True if back else more
    has_prev = more if back else query.cursor is not None

    def at(row: TableRow, before: bool) -> Cursor:
        return Cursor(query.sort, query.direction, row.sort_key, row.id, before)

    return Page(rows, at(rows[-1], False) if has_next else None, at(rows[0], True) if has_prev else None)


# --- totals ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    count: int
    total_kopecks: int
    outstanding_kopecks: int


def totals_select(query: TableQuery, today: date) -> sa.Select:
    """Count, sum of totals and sum of what is still owed over the whole filtered set, in one aggregate.

    An open invoice always owes ``total - paid`` (a fully paid one is ``paid``), so where the filter
    already means open invoices the outstanding sum needs no CASE: one index-only scan of
    ``ix_invoices_open_due`` at 90k open invoices.
    """
    # credit notes count negative, as their rows show them (signed_total); open invoices are never one
    total = sa.func.sum(sa.case((is_invoice(), Invoice.total_kopecks), else_=-Invoice.total_kopecks))
    if query.status in ("open", "overdue") or query.overdue_min_days:  # open invoices only
        owing = sa.func.sum(Invoice.total_kopecks - Invoice.paid_kopecks)
        total = sa.func.sum(Invoice.total_kopecks)
    elif query.status in OPEN_STATUSES:  # issued / partially paid: credit notes too, which owe nothing
        owing = sa.func.sum(Invoice.total_kopecks - Invoice.paid_kopecks).filter(is_invoice())
    elif query.status in SETTLED_STATUSES:
        owing = sa.literal(0)
    else:
        owing = sa.func.sum(Invoice.total_kopecks - Invoice.paid_kopecks).filter(
            is_open(), is_invoice(), Invoice.total_kopecks > Invoice.paid_kopecks
        )
    return sa.select(
        sa.func.count(),
        sa.func.coalesce(total, 0),
        sa.func.coalesce(owing, 0),
    ).where(*conditions(query, today))


def totals(query: TableQuery, *, today: date) -> Totals:
    count, total, owing = db.session.execute(totals_select(query, today)).one()
    return Totals(int(count), int(total), int(owing))


def export_select(query: TableQuery, today: date, ids: list[int] | None = None) -> sa.Select:
    """The rows to export: the selected invoices (in the table's order), or the whole filtered set."""
    if ids is None:
        return rows_select(query, today)
    key, nullable = sort_key(query.sort)
    return (
        sa.select(*ROW_COLUMNS, key.label("sort_key"))
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.id.in_(ids))
        .order_by(*_order(key, nullable, query.direction))
    )
