"""Where a statement import writes: many rows at once, in one transaction.

``SessionSink`` writes through the app's session (SQLite, and anything small). ``PostgresWriter`` is
the fast path for PostgreSQL: a connection and a thread of its own, fed batch by batch through a short
queue, so that the server inserts one batch (COPY; index and foreign-key work) while the importer
reads, parses and matches the next one. Its transaction is the import's: committed once, at the end,
together with the statement's final state, or rolled back whole.

The importer's own session only reads. It takes no row locks the writer would then wait for; an
invoice is updated by the amount this import adds (``paid = paid + delta``), never by overwriting what
it read, so that a clerk's allocation made meanwhile is not lost, and only while it is still open —
otherwise the import stops and is rolled back.
"""

from __future__ import annotations

import csv
import io
import operator
import queue
import threading
from datetime import date, datetime
from typing import NamedTuple

import orjson
import sqlalchemy as sa
from psycopg.types.json import Json

from debitor.db import db, psycopg_connection
from debitor.invoices.models import Invoice
from debitor.payments.models import BankStatement, Direction, Payment, PaymentState
from debitor.payments.reading import DOC_COLUMNS

DELTA_SQL = (
    "UPDATE invoices SET paid_kopecks = paid_kopecks + v.delta, "
    "state = CASE WHEN paid_kopecks + v.delta >= total_kopecks THEN 'paid' ELSE 'partially_paid' END, "
    "paid_on = CASE WHEN paid_kopecks + v.delta >= total_kopecks THEN v.paid_on END "
    "FROM unnest(%s::integer[], %s::bigint[], %s::date[]) AS v(id, delta, paid_on) "
    "WHERE invoices.id = v.id AND invoices.state IN ('issued', 'partially_paid')"
)


# refunds matched by an import: the refund is applied, the money it returns paid back — by the amounts the
# import adds, and only while that much is still unused (a clerk may have applied it meanwhile)
REFUNDED_SQL = (
    "UPDATE payments SET applied_kopecks = applied_kopecks + v.applied, "
    "refunded_kopecks = refunded_kopecks + v.refunded, "
    "state = CASE WHEN applied_kopecks + v.applied + refunded_kopecks + v.refunded >= amount_kopecks "
    "THEN 'applied' ELSE 'partially_applied' END "
    "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS v(id, applied, refunded) "
    "WHERE payments.id = v.id AND amount_kopecks - applied_kopecks - refunded_kopecks >= v.applied + v.refunded"
)


class Decided(NamedTuple):
    """What the import decided for a payment: the row's columns besides the document's own."""

    client_id: int | None
    state: str = PaymentState.UNMATCHED.value
    applied: int = 0
    confidence: int | None = None
    reasons: list | tuple = ()  # matching.Reason: a dataclass, written as its fields' JSON object


# a payment's columns in the import's COPY: its id, whose and which statement's, the document's own, the decision
PAYMENT_COLUMNS = ("id", "organisation_id", "statement_id", *DOC_COLUMNS, "client_id", "state", "applied_kopecks",
                   "match_confidence", "match_reasons", "created_at")  # fmt: skip


class InvoicesChanged(Exception):
    """An invoice the import pays was closed (paid, cancelled) by someone else meanwhile."""


class PaymentsChanged(Exception):
    """Money a refund of the statement returns was applied or paid back by someone else meanwhile."""


def _to_json(value) -> str:
    """JSON text for COPY: orjson (C) where the standard encoder took about a second of a 100 000-payment
    import for the match reasons and event data; it writes a dataclass (a match reason) as the object of
    its fields."""
    return orjson.dumps(value).decode()


def _converter(column: sa.Column):
    """How COPY wants a column's Python value, where it differs: enums by value, JSON as JSON text."""
    if isinstance(column.type, sa.JSON):
        return lambda v: None if v is None else _to_json(v)
    if isinstance(column.type, sa.Enum):
        return _plain
    return None


class SessionSink:
    def insert(self, table: sa.Table, rows: list[dict], *, with_ids: bool = False) -> list[int]:
        if not rows:
            return []
        if with_ids:
            stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            return list(db.session.execute(stmt, rows).scalars())
        db.session.execute(table.insert(), rows)
        return []

    def insert_payments(self, org_id: int, statement_id: int, now: datetime, payments: list) -> list[int]:
        """(document's columns as CSV, Decided) -> the new payments' ids, in order."""
        rows = []
        for columns, d in payments:
            row = dict(zip(DOC_COLUMNS, next(csv.reader([columns])), strict=True))
            row.update(
                statement_line=int(row["statement_line"]), amount_kopecks=int(row["amount_kopecks"]),
                received_on=date.fromisoformat(row["received_on"]), doc_date=date.fromisoformat(row["doc_date"]),
                direction=Direction(row["direction"]), organisation_id=org_id, statement_id=statement_id,
                client_id=d.client_id, state=PaymentState(d.state), applied_kopecks=d.applied,
                match_confidence=d.confidence, match_reasons=orjson.loads(_to_json(d.reasons)), created_at=now,
            )  # fmt: skip
            rows.append(row)
        return self.insert(Payment.__table__, rows, with_ids=True)

    def add_paid(self, deltas: list[tuple[int, int, object]]) -> None:
        """(invoice id, kopecks added, the day it was settled)."""
        stmt = (
            sa.update(Invoice)
            .where(Invoice.id == sa.bindparam("ident"), Invoice.state.in_(["issued", "partially_paid"]))
            .values(
                paid_kopecks=Invoice.paid_kopecks + sa.bindparam("delta"),
                state=sa.case(
                    (Invoice.paid_kopecks + sa.bindparam("delta") >= Invoice.total_kopecks, "paid"),
                    else_="partially_paid",
                ),
                paid_on=sa.case(
                    (Invoice.paid_kopecks + sa.bindparam("delta") >= Invoice.total_kopecks, sa.bindparam("day")),
                    else_=None,
                ),
            )
            .execution_options(synchronize_session=False)
        )
        for ident, delta, day in deltas:  # one by one: the row count tells a closed invoice
            if db.session.execute(stmt, {"ident": ident, "delta": delta, "day": day}).rowcount != 1:
                raise InvoicesChanged(ident)

    def add_refunded(self, deltas: list[tuple[int, int, int]]) -> None:
        """(payment id, kopecks of it applied, kopecks of it paid back) that refund matching adds."""
        stmt = (
            sa.update(Payment)
            .where(Payment.id == sa.bindparam("ident"))
            .where(Payment.unapplied_kopecks >= sa.bindparam("a") + sa.bindparam("r"))
            .values(
                applied_kopecks=Payment.applied_kopecks + sa.bindparam("a"),
                refunded_kopecks=Payment.refunded_kopecks + sa.bindparam("r"),
                state=sa.case((Payment.unapplied_kopecks <= sa.bindparam("a") + sa.bindparam("r"), "applied"),
                              else_="partially_applied"),
            )
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        for ident, applied, refunded in deltas:
            if db.session.execute(stmt, {"ident": ident, "a": applied, "r": refunded}).rowcount != 1:
                raise PaymentsChanged(ident)

    def finish(self, statement: BankStatement, values: dict) -> None:
        for key, value in values.items():
            setattr(statement, key, value)
        db.session.flush()

    def abort(self) -> None:
        pass


class PostgresWriter:
    def __init__(self, engine: sa.Engine) -> None:
        self._pooled = engine.raw_connection()
        self.conn = self._pooled.dbapi_connection
        self.queue: queue.Queue = queue.Queue(maxsize=8)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._loop, name="statement-writer", daemon=True)
        self.thread.start()

    # the thread

    def _loop(self) -> None:
        while True:
            work = self.queue.get()
            if work is None:
                return
            if self.error is None:
                try:
                    work()
                except BaseException as exc:  # noqa: BLE001 - handed to the importer's thread
                    self.error = exc

    def _submit(self, work) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(work)

    # what the importer calls

    def _ids(self, table: sa.Table, n: int) -> list[int]:
        """``n`` new ids (sequences are outside transactions: the reading session may draw them)."""
        seq = f"{table.name}_id_seq"
        return list(db.session.scalars(sa.select(sa.func.nextval(seq)).select_from(sa.func.generate_series(1, n))))

    def insert(self, table: sa.Table, rows: list[dict], *, with_ids: bool = False) -> list[int]:
        if not rows:
            return []
        ids = self._ids(table, len(rows)) if with_ids else []
        sql, values = copy_statement(table, rows, ids)

        def work() -> None:
            _copy(self.conn, sql, values)

        self._submit(work)
        return ids

    def insert_payments(self, org_id: int, statement_id: int, now: datetime, payments: list) -> list[int]:
        """(document's columns as CSV, Decided) -> the new payments' ids, in order. Each line is the
        document's CSV (made by the reader) between the columns decided here."""
        table = Payment.__table__
        ids = self._ids(table, len(payments))
        at = now.isoformat()
        lines = []
        for pid, (columns, d) in zip(ids, payments, strict=True):
            client = "" if d.client_id is None else d.client_id
            confidence = "" if d.confidence is None else d.confidence
            reasons = _to_json(d.reasons).replace('"', '""')
            lines.append(f'{pid},{org_id},{statement_id},{columns},{client},{d.state},{d.applied},{confidence},'
                         f'"{reasons}",{at}\n')  # fmt: skip
        sql, text = _copy_sql(table, PAYMENT_COLUMNS), "".join(lines)

        def work() -> None:
            _copy_text(self.conn, sql, text)

        self._submit(work)
        return ids

    def add_paid(self, deltas: list[tuple[int, int, object]]) -> None:
        if not deltas:
            return
        ids, amounts, days = (list(x) for x in zip(*deltas, strict=True))

        def work() -> None:
            with self.conn.cursor() as cur:
                cur.execute(DELTA_SQL, (ids, amounts, days))
                if cur.rowcount != len(ids):
                    raise InvoicesChanged(len(ids) - cur.rowcount)

        self._submit(work)

    def add_refunded(self, deltas: list[tuple[int, int, int]]) -> None:
        if not deltas:
            return
        arrays = [list(x) for x in zip(*deltas, strict=True)]

        def work() -> None:
            with self.conn.cursor() as cur:
                cur.execute(REFUNDED_SQL, arrays)
                if cur.rowcount != len(deltas):
                    raise PaymentsChanged(len(deltas) - cur.rowcount)

        self._submit(work)

    def finish(self, statement: BankStatement, values: dict) -> None:
        """Write the statement's final state in the same transaction, then commit everything."""
        table = BankStatement.__table__
        names = list(values)
        params = [
            Json(v) if isinstance(table.c[k].type, sa.JSON) and v is not None else _plain(v) for k, v in values.items()
        ]
        sql = f"UPDATE bank_statements SET {', '.join(f'{n} = %s' for n in names)} WHERE id = %s"  # noqa: S608
        params.append(statement.id)  # read here: the thread has no app context for the ORM

        def work() -> None:
            with self.conn.cursor() as cur:
                cur.execute(sql, params)

        self._submit(work)
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            self._close(commit=False)
            raise self.error
        self._close(commit=True)

    def abort(self) -> None:
        if self.thread.is_alive():
            self.error = self.error or RuntimeError("aborted")
            self.queue.put(None)
            self.thread.join()
        self._close(commit=False)

    def _close(self, *, commit: bool) -> None:
        if self._pooled is None:
            return
        try:
            if commit:
                self.conn.commit()
            else:
                self.conn.rollback()
        finally:
            self._pooled.close()
            self._pooled = None


def _plain(value):
    return getattr(value, "value", value)


# --- COPY and UPDATE of many rows, also for the services (refund matching) --------------------------------


def copy_statement(table: sa.Table, rows: list[dict], ids: list[int] | None = None) -> tuple[str, list[list]]:
    """``COPY table FROM STDIN`` for rows of the same keys (and ``ids`` for the id column), with the rows as
    the lists COPY wants."""
    names = list(rows[0])
    converters = [(i, conv) for i, name in enumerate(names) if (conv := _converter(table.c[name]))]
    pick = operator.itemgetter(*names)
    values = []
    for n, row in enumerate(rows):
        v = list(pick(row)) if len(names) > 1 else [pick(row)]
        for i, conv in converters:
            v[i] = conv(v[i])
        values.append([ids[n], *v] if ids else v)
    return _copy_sql(table, ["id", *names] if ids else names), values


def _copy_sql(table: sa.Table, names) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    # CSV written by the csv module (C): an unquoted empty field is NULL, except in the NOT NULL columns
    # (FORCE_NOT_NULL), where it is the empty string those columns hold
    not_null = ", ".join(f'"{n}"' for n in names if not table.c[n].nullable) or '"id"'
    return f"COPY {table.name} ({columns}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({not_null}))"  # noqa: S608


def _copy(conn, sql: str, values: list[list]) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(values)
    _copy_text(conn, sql, text.getvalue())


def _copy_text(conn, sql: str, text: str) -> None:
    with conn.cursor() as cur, cur.copy(sql) as copy:
        copy.write(text)


def insert_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert rows of the same keys in the session's transaction: one COPY on PostgreSQL (thousands of
    rows in milliseconds, where an executemany of the ORM takes most of a second)."""
    if not rows:
        return
    raw = psycopg_connection()
    if raw is None:
        db.session.execute(table.insert(), rows)
        return
    _copy(raw, *copy_statement(table, rows))


def update_rows(table: sa.Table, rows: list[dict]) -> None:
    """Set columns of rows by id (every row gives ``id`` and the same other keys): one ``UPDATE … FROM
    unnest(arrays)`` on PostgreSQL."""
    if not rows:
        return
    names = [n for n in rows[0] if n != "id"]
    raw = psycopg_connection()
    if raw is None:
        stmt = sa.update(table).where(table.c.id == sa.bindparam("_id")).values({n: sa.bindparam(n) for n in names})
        db.session.execute(stmt, [{**{n: r[n] for n in names}, "_id": r["id"]} for r in rows])
        return
    dialect = db.session.get_bind().dialect
    kinds = [table.c[n].type.compile(dialect=dialect) for n in ["id", *names]]
    arrays = [[_plain(r[n]) for r in rows] for n in ["id", *names]]
    sets = ", ".join(f'"{n}" = v."{n}"' for n in names)
    unnest = ", ".join(f"%s::{kind}[]" for kind in kinds)
    alias = ", ".join(f'"{n}"' for n in ["id", *names])
    sql = f"UPDATE {table.name} SET {sets} FROM unnest({unnest}) AS v({alias}) WHERE {table.name}.id = v.id"  # noqa: S608
    with raw.cursor() as cur:
        cur.execute(sql, arrays)
