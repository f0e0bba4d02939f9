"""The staff invoice table over a million invoices: the filtered select, keyset pages, the totals of the
filtered set and the export's select (the query string is ``debitor.invoices.table_query``).

Pages are keyset ("seek") pages, never OFFSET: the opaque cursor carries the sort key and id of the
row a page starts after (or ends before), and the page is ``WHERE (key, id) > (:key, :id) ORDER BY
key, id LIMIT n`` — as cheap on page 20 000 as on page 1, with no duplicates or gaps when invoices
come and go between two clicks. NULL keys (a draft has no number and no dates, a credit note no due
date) sort as the greatest values, last ascending and first descending, which is how a PostgreSQL
b-tree returns them, so the common views are plain index scans (the indexes are in migration 0003).

"Open", "overdue" and "outstanding" are ``debitor.invoices.rules``, in SQL from ``debitor.invoices.models``
(``open_sql``, ``due_before_sql``, ``outstanding_sql``), as on the home pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from debitor.clients.models import Client, ClientInn, fold
from debitor.db import db, in_values
from debitor.invoices import rules
from debitor.invoices.models import (
    Invoice,
    InvoiceKind,
    InvoiceState,
    due_before_sql,
    is_invoice_sql,
    open_sql,
    open_states_sql,
    outstanding_sql,
    owed_sql,
    shown_status,
    signed_total,
)
from debitor.invoices.numbers import parse_number
from debitor.invoices.table_query import (  # noqa: F401 - the table's query string, imported from here too
    DEFAULT_DIRECTION,
    OPEN_STATUSES,
    SETTLED_STATUSES,
    SORTS,
    STATUSES,
    Cursor,
    InvoiceTableQuery,
    TableQuery,
    default_sort,
)

PAGE_SIZE = 50
SEARCH_IDS_MAX = 1000  # more matching clients than this: a subquery instead of a list of ids
INN_PREFIX_MIN = 4  # shorter digit strings are invoice numbers only
RECEIVABLE = ("open", "overdue")  # the statuses that mean what clients owe: open invoices only


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
        return outstanding_sql(), False
    return Client.short_name, False


# --- the filtered set -----------------------------------------------------------------------------


def _receivable(query: TableQuery) -> bool:
    """Whether the filter means open invoices only (what clients owe)."""
    return query.status in RECEIVABLE or bool(query.overdue_min_days)


def conditions(query: TableQuery, today: date) -> list[sa.ColumnElement[bool]]:
    """The WHERE clauses of the filtered set (on ``invoices`` only: clients are reached by subqueries)."""
    out: list[sa.ColumnElement[bool]] = []
    if query.status not in (*RECEIVABLE, "all"):
        out.append(Invoice.state == sa.literal(query.status, literal_execute=True))
    if _receivable(query):  # what clients owe: invoices (not credit notes) awaiting payment
        out.append(open_sql())
    if query.status == "overdue" or query.overdue_min_days:
        out.append(due_before_sql(today, query.overdue_min_days or 1))
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
        same = [Invoice.number_seq == number.seq, Invoice.kind == sa.literal(number.kind.value, literal_execute=True)]
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
    credited_kopecks: int
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
        return rules.is_open(self.kind, self.state)

    @property
    def status(self) -> str:
        return shown_status(self.kind, self.state)

    @property
    def signed_total_kopecks(self) -> int:
        return signed_total(self.kind, self.total_kopecks)

    @property
    def outstanding_kopecks(self) -> int:
        return rules.outstanding(self.kind, self.state, self.total_kopecks, self.paid_kopecks, self.credited_kopecks)

    def days_overdue(self, today: date) -> int:
        return rules.days_overdue(self.kind, self.state, self.due_on, today)


ROW_COLUMNS = (
    Invoice.id,
    Invoice.kind,
    Invoice.state,
    Invoice.number_seq,
    Invoice.issued_on,
    Invoice.due_on,
    Invoice.total_kopecks,
    Invoice.paid_kopecks,
    Invoice.credited_kopecks,
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
    if not key_can_be_null or _receivable(query):
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

    An open invoice always owes ``total - paid - credited`` (a settled one is ``paid``), so where the filter
    already means open invoices the outstanding sum needs no CASE: one index-only scan of
    ``ix_invoices_open_due`` at 90k open invoices.
    """
    # credit notes count negative, as their rows show them (signed_total); open invoices are never one
    total = sa.func.sum(sa.case((is_invoice_sql(), Invoice.total_kopecks), else_=-Invoice.total_kopecks))
    if _receivable(query):  # open invoices only
        owing = sa.func.sum(owed_sql())
        total = sa.func.sum(Invoice.total_kopecks)
    elif query.status in OPEN_STATUSES:  # issued / partially paid: credit notes too, which owe nothing
        owing = sa.func.sum(owed_sql()).filter(is_invoice_sql())
    elif query.status in SETTLED_STATUSES:
        owing = sa.literal(0)
    else:
        owing = sa.func.sum(owed_sql()).filter(open_states_sql(), is_invoice_sql(), owed_sql() > 0)
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
