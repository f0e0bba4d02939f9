"""Statement of account (акт сверки взаимных расчётов) of one client for a period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.payments.models import Direction, Payment

ROW_ORDER = {"invoice": 0, "credit_note": 1, "payment": 2, "refund": 3}


@dataclass(frozen=True, slots=True)
class StatementRow:
    on: date  # the date the row counts on (issue date, or the date the payment was received)
    kind: str  # "invoice" (debit) | "credit_note" (credit) | "payment" (credit)
    number: str  # document number: the invoice / credit note number, the payment order number
    doc_date: date | None  # the document's own date (a payment order's date may precede its receipt)
    debit_kopecks: int
    credit_kopecks: int
    ref_id: int  # invoice or payment id
    corrects: str | None = None  # for a credit note: the number of the invoice it corrects


@dataclass(frozen=True, slots=True)
class Statement:
    """Balances are from our side: positive means the client owes us, negative means we owe the client
    (an overpayment)."""

    client_id: int
    start: date
    end: date
    opening_kopecks: int
    rows: list[StatementRow] = field(default_factory=list)
    debit_kopecks: int = 0
    credit_kopecks: int = 0
    closing_kopecks: int = 0


def _counted_documents(client_id: int):
    """The client's invoices and credit notes that count in its balance.

    Drafts never count. A credit note (сторно) counts unless it is itself cancelled. A cancelled
    invoice counts only when a credit note reverses it (the storno pair then nets to zero and both
    documents stay visible, as in the books); one cancelled without a credit note does not count."""
    note = aliased(Invoice)
    reversed_by_note = (
        sa.select(note.id)
        .where(note.corrects_id == Invoice.id, note.kind == InvoiceKind.CREDIT_NOTE, note.state != InvoiceState.DRAFT)
        .exists()
    )
    return sa.and_(
        Invoice.client_id == client_id,
        Invoice.state != InvoiceState.DRAFT,
        Invoice.issued_on.is_not(None),
        sa.or_(
            Invoice.state != InvoiceState.CANCELLED,
            sa.and_(Invoice.kind == InvoiceKind.INVOICE, reversed_by_note),
        ),
    )


def _balance_before(client_id: int, start: date) -> int:
    signed = sa.case((Invoice.kind == InvoiceKind.CREDIT_NOTE, -Invoice.total_kopecks), else_=Invoice.total_kopecks)
    documents = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(signed), 0)).where(
            _counted_documents(client_id), Invoice.issued_on < start
        )
    )
    signed_paid = sa.case(
        (Payment.direction == Direction.OUTGOING, -Payment.amount_kopecks), else_=Payment.amount_kopecks
    )
    paid = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(signed_paid), 0)).where(
            Payment.client_id == client_id, Payment.received_on < start
        )
    )
    return int(documents) - int(paid)


def _document_rows(client_id: int, start: date, end: date) -> list[StatementRow]:
    corrected = aliased(Invoice)
    q = (
        sa.select(Invoice, corrected)
        .outerjoin(corrected, corrected.id == Invoice.corrects_id)
        .where(_counted_documents(client_id), Invoice.issued_on >= start, Invoice.issued_on <= end)
    )
    rows = []
    for inv, corr in db.session.execute(q):
        note = inv.kind == InvoiceKind.CREDIT_NOTE
        rows.append(
            StatementRow(
                on=inv.issued_on,
                kind="credit_note" if note else "invoice",
                number=inv.number or "",
                doc_date=inv.issued_on,
                debit_kopecks=0 if note else inv.total_kopecks,
                credit_kopecks=inv.total_kopecks if note else 0,
                ref_id=inv.id,
                corrects=corr.number if corr is not None else None,
            )
        )
    return rows


def _payment_rows(client_id: int, start: date, end: date) -> list[StatementRow]:
    q = sa.select(Payment).where(
        Payment.client_id == client_id, Payment.received_on >= start, Payment.received_on <= end
    )
    rows = []
    for p in db.session.scalars(q):
        refund = p.direction == Direction.OUTGOING  # money we paid back to the client
        rows.append(
            StatementRow(
                on=p.received_on,
                kind="refund" if refund else "payment",
                number=p.doc_number or "",
                doc_date=p.doc_date or p.received_on,
                debit_kopecks=p.amount_kopecks if refund else 0,
                credit_kopecks=0 if refund else p.amount_kopecks,
                ref_id=p.id,
            )
        )
    return rows


def statement_of_account(client_id: int, start: date, end: date) -> Statement:
    """The client's statement of account for ``start``..``end`` (both days included). Reads only.

    What counts, from our side:

    - debit: the client's issued invoices (any state but draft) on their ``issued_on``; a cancelled
      invoice only if a credit note reverses it (otherwise it never existed for the balance);
    - credit: the client's credit notes (сторно; not drafts, not cancelled) on their ``issued_on``,
      and every payment received from the client (``Payment.client_id``) on its ``received_on``,
      whether or not it is applied to invoices (unapplied money is still the client's money);
    - debit too: money we paid back to the client (an outgoing payment to it: a refund of an overpayment);
    - opening balance: debit minus credit of everything dated before ``start``;
    - closing balance: opening + debit turnover − credit turnover; positive = the client owes us.

    Rows are sorted by date, then invoices before credit notes before payments, then by id.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    opening = _balance_before(client_id, start)
    rows = _document_rows(client_id, start, end) + _payment_rows(client_id, start, end)
    rows.sort(key=lambda r: (r.on, ROW_ORDER[r.kind], r.ref_id))
    debit = sum(r.debit_kopecks for r in rows)
    credit = sum(r.credit_kopecks for r in rows)
    return Statement(
        client_id=client_id,
        start=start,
        end=end,
        opening_kopecks=opening,
        rows=rows,
        debit_kopecks=debit,
        credit_kopecks=credit,
        closing_kopecks=opening + debit - credit,
    )
