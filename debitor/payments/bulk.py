"""What a statement import writes, batch by batch, in its one transaction (the session's): payments by COPY
on PostgreSQL, and the amounts it adds to invoices and payments by one UPDATE per batch
(``states.settle_rows``), which moves each to the state its settlement rule gives.

An invoice is updated by the amount the import adds (``paid = paid + delta``), never by overwriting what the
import read, so that a clerk's allocation made meanwhile is not lost, and only while it is still open —
otherwise the import stops and is rolled back.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from typing import NamedTuple

import orjson
import sqlalchemy as sa

from debitor.bulk import copy_sql, copy_text, new_ids, to_json
from debitor.db import db, psycopg_connection
from debitor.invoices.models import SETTLEMENT as INVOICE_SETTLEMENT
from debitor.invoices.models import Invoice, InvoiceState, open_states_sql, settlement_columns
from debitor.payments.models import SETTLEMENT, Direction, Payment
from debitor.payments.reading import DOC_COLUMNS
from debitor.states import settle_rows


class Decided(NamedTuple):
    """What the import decided for a payment: the row's columns besides the document's own (its state is
    the one ``payments.models.SETTLEMENT`` gives for the amount and what is applied)."""

    client_id: int | None
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


def insert_payments(org_id: int, statement_id: int, now: datetime, payments: list) -> list[int]:
    """(document's columns as CSV, its amount, Decided) -> the new payments' ids, in order. On PostgreSQL
    each COPY line is the document's CSV (made by the reader) between the columns decided here."""
    raw = psycopg_connection()
    if raw is None:
        return _insert_payments_orm(org_id, statement_id, now, payments)
    table = Payment.__table__
    ids = new_ids(table, len(payments))
    at = now.isoformat()
    lines = []
    for pid, (columns, amount, d) in zip(ids, payments, strict=True):
        state = SETTLEMENT.of(amount=amount, settled=d.applied).value
        client = "" if d.client_id is None else d.client_id
        confidence = "" if d.confidence is None else d.confidence
        reasons = to_json(d.reasons).replace('"', '""')
        lines.append(f'{pid},{org_id},{statement_id},{columns},{client},{state},{d.applied},{confidence},'
                     f'"{reasons}",{at}\n')  # fmt: skip
    copy_text(raw, copy_sql(table, PAYMENT_COLUMNS), "".join(lines))
    return ids


def _insert_payments_orm(org_id: int, statement_id: int, now: datetime, payments: list) -> list[int]:
    rows = []
    for columns, amount, d in payments:
        row = dict(zip(DOC_COLUMNS, next(csv.reader([columns])), strict=True))
        row.update(
            statement_line=int(row["statement_line"]), amount_kopecks=amount,
            received_on=date.fromisoformat(row["received_on"]), doc_date=date.fromisoformat(row["doc_date"]),
            direction=Direction(row["direction"]), organisation_id=org_id, statement_id=statement_id,
            client_id=d.client_id, state=SETTLEMENT.of(amount=amount, settled=d.applied), applied_kopecks=d.applied,
            match_confidence=d.confidence, match_reasons=orjson.loads(to_json(d.reasons)), created_at=now,
        )  # fmt: skip
        rows.append(row)
    stmt = Payment.__table__.insert().returning(Payment.__table__.c.id, sort_by_parameter_order=True)
    return list(db.session.execute(stmt, rows).scalars())


def add_paid(deltas: list[tuple[int, int, date | None]]) -> None:
    """(invoice id, kopecks added, the day of the payment that settles it) for open invoices; each moves to
    the state ``invoices.models.SETTLEMENT`` gives, and a settled one records the day."""
    if not deltas:
        return
    columns = {"id": Invoice.id.type, "delta": sa.BigInteger(), "day": sa.Date()}
    rows = [{"id": i, "delta": delta, "day": day} for i, delta, day in deltas]

    def figures(v):
        return {**settlement_columns(), "paid": Invoice.paid_kopecks + v.c.delta}

    updated = settle_rows(
        Invoice,
        INVOICE_SETTLEMENT,
        rows=rows,
        columns=columns,
        where=lambda v: [Invoice.id == v.c.id, open_states_sql()],
        values=lambda v: {
            "paid_kopecks": Invoice.paid_kopecks + v.c.delta,
            "paid_on": sa.case((INVOICE_SETTLEMENT.sql(**figures(v)) == InvoiceState.PAID.value, v.c.day), else_=None),
        },
        figures=figures,
    )
    if len(updated) != len(rows):
        raise InvoicesChanged(len(rows) - len(updated))


def add_refunded(deltas: list[tuple[int, int, int]]) -> None:
    """(payment id, kopecks of it applied, kopecks of it paid back) that refund matching adds, only while that
    much of the payment is unused; each payment moves to the state its settlement rule gives."""
    if not deltas:
        return
    columns = {"id": Payment.id.type, "applied": sa.BigInteger(), "refunded": sa.BigInteger()}
    rows = [{"id": i, "applied": a, "refunded": r} for i, a, r in deltas]
    updated = settle_rows(
        Payment,
        SETTLEMENT,
        rows=rows,
        columns=columns,
        where=lambda v: [Payment.id == v.c.id, Payment.unapplied_kopecks >= v.c.applied + v.c.refunded],
        values=lambda v: {
            "applied_kopecks": Payment.applied_kopecks + v.c.applied,
            "refunded_kopecks": Payment.refunded_kopecks + v.c.refunded,
        },
        figures=lambda v: {
            "amount": Payment.amount_kopecks,
            "settled": Payment.applied_kopecks + v.c.applied + Payment.refunded_kopecks + v.c.refunded,
        },
    )
    if len(updated) != len(rows):
        raise PaymentsChanged(len(rows) - len(updated))
