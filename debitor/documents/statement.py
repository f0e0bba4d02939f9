"""Statement of account (акт сверки взаимных расчётов) of one client for a period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from debitor.clients.models import Client
from debitor.collection.client_view import penalties_shown
from debitor.dates import local
from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.legal_names import short_legal_name
from debitor.payments.models import Direction, Payment, PaymentAllocation

# rows of one day: documents first, then each payment followed by what of it settled someone else's invoices
ROW_ORDER = {
    "invoice": (0, 0),
    "credit_note": (1, 0),
    "payment": (2, 0),
    "third_party_payment": (2, 0),
    "payment_for_other": (2, 1),
    "refund": (3, 0),
}


@dataclass(frozen=True, slots=True)
class StatementRow:
    on: date  # the date the row counts on (issue date, or the date the payment was received)
    # "invoice" (debit) | "credit_note" (credit) | "payment" (credit: the client's own payment, all of it)
    # | "third_party_payment" (credit: another client's payment applied to this client's invoices)
    # | "payment_for_other" (debit: the part of the client's payment applied to another client's invoices)
    # | "refund" (debit: money we paid back to the client)
    kind: str
    number: str  # document number: the invoice / credit note number, the payment order number
    doc_date: date | None  # the document's own date (a payment order's date may precede its receipt)
    debit_kopecks: int
    credit_kopecks: int
    ref_id: int  # invoice or payment id
    corrects: str | None = None  # for a credit note: the number of the invoice it corrects
    # third-party rows: the other client (who paid for this one, or was paid for), by its short legal name
    party: str | None = None
    invoices: tuple[str, ...] = ()  # third-party rows: the numbers of the invoices the money settled


@dataclass(frozen=True, slots=True)
class StatementPenalty:
    """The penalty accrued on one invoice by the statement's last day (not in the balance: it is owed once
    claimed or invoiced)."""

    number: str
    due_on: date
    days: int
    total_kopecks: int
    capped: bool


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
    penalties: tuple[StatementPenalty, ...] = ()

    @property
    def penalty_kopecks(self) -> int:
        return sum(p.total_kopecks for p in self.penalties)


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


def _document_rows(client_id: int, start: date) -> list[StatementRow]:
    corrected = aliased(Invoice)
    q = (
        sa.select(Invoice, corrected)
        .outerjoin(corrected, corrected.id == Invoice.corrects_id)
        .where(_counted_documents(client_id), Invoice.issued_on >= start)
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


def _payment_rows(client_id: int, start: date) -> list[StatementRow]:
    """The client's own payments, all of each (also what of it went to others' invoices: see below)."""
    q = sa.select(Payment).where(Payment.client_id == client_id, Payment.received_on >= start)
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


def _third_party_rows(client_id: int, start: date, *, paid_for_us: bool) -> list[StatementRow]:
    """Money that crossed between clients (an agency paying its sub-client's invoices, or the other way):
    with ``paid_for_us``, other clients' payments applied to this client's invoices (a credit, naming the
    payer); otherwise the parts of this client's payments applied to other clients' invoices (a debit,
    naming whom it paid for). Dated when the money was applied (it was the payer's own until then), one
    row per payment, other client and day; an allocation taken back later is a reversing row on that day,
    so that a statement already signed for an earlier period never changes."""
    other = aliased(Client)
    ours, theirs = (Invoice.client_id, Payment.client_id) if paid_for_us else (Payment.client_id, Invoice.client_id)
    q = (
        sa.select(PaymentAllocation, Payment, Invoice, other)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .join(other, other.id == theirs)
        .where(ours == client_id, theirs != client_id)
        .order_by(Payment.id, other.id, Invoice.issued_on, Invoice.id)
    )
    grouped: dict[tuple, tuple[Payment, Client, int, list[str]]] = {}
    for alloc, p, inv, party in db.session.execute(q):
        moves = [(max(local(alloc.created_at).date(), p.received_on), alloc.amount_kopecks)]
        if alloc.reversed_at is not None:
            moves.append((max(local(alloc.reversed_at).date(), p.received_on), -alloc.amount_kopecks))
        for on, amount in moves:
            if on < start:
                continue
            key = (p.id, party.id, on, amount > 0)
            _p, _c, total, numbers = grouped.get(key, (p, party, 0, []))
            grouped[key] = (p, party, total + amount, [*numbers, inv.number or ""])
    rows = []
    for (_pid, _cid, on, _forward), (p, party, total, numbers) in grouped.items():
        credit = total if paid_for_us else -total  # a reversal (total < 0) moves the other way
        rows.append(
            StatementRow(
                on=on,
                kind="third_party_payment" if paid_for_us else "payment_for_other",
                number=p.doc_number or "",
                doc_date=p.doc_date or p.received_on,
                debit_kopecks=max(-credit, 0),
                credit_kopecks=max(credit, 0),
                ref_id=p.id,
                party=short_legal_name(party.legal_name),  # running text: «за ООО «…»», not «за Общество …»
                invoices=tuple(numbers),
            )
        )
    return rows


def _rows_from(client_id: int, start: date) -> list[StatementRow]:
    """Every row of the client's account dated ``start`` or later, in statement order."""
    rows = [
        *_document_rows(client_id, start),
        *_payment_rows(client_id, start),
        *_third_party_rows(client_id, start, paid_for_us=True),
        *_third_party_rows(client_id, start, paid_for_us=False),
    ]
    rows.sort(key=lambda r: (r.on, ROW_ORDER[r.kind][0], r.ref_id, ROW_ORDER[r.kind][1], r.party or ""))
    return rows


def statement_of_account(client_id: int, start: date, end: date) -> Statement:
    """The client's statement of account for ``start``..``end`` (both days included). Reads only.

    What counts, from our side:

    - debit: the client's issued invoices (any state but draft) on their ``issued_on``; a cancelled
      invoice only if a credit note reverses it (otherwise it never existed for the balance);
    - credit: the client's credit notes (сторно; not drafts, not cancelled) on their ``issued_on``,
      and every payment received from the client (``Payment.client_id``) on its ``received_on``,
      whether or not it is applied to invoices (unapplied money is still the client's money);
    - credit too: another client's payment applied to this client's invoices (an agency paying for its
      sub-client), on the payment's ``received_on``, naming the payer; and the other way round a debit
      for what of the client's own payment was applied to another client's invoices;
    - debit too: money we paid back to the client (an outgoing payment to it: a refund of an overpayment).

    The opening balance is the sum of every row before the period and the closing one the opening plus the
    period's turnover: the document adds up. That it ends where the portal's home does today
    (``kpi.services.client_balance``: open invoices less unused credit) is what the tests check, over
    random histories of own, agency, partial and over payments, refunds and credit notes.

    Rows are sorted by date, then invoices before credit notes before payments, each payment followed by
    what of it went to other clients' invoices, then by id.
    """
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    every = _rows_from(client_id, date.min)
    opening = sum(r.debit_kopecks - r.credit_kopecks for r in every if r.on < start)
    rows = [r for r in every if start <= r.on <= end]
    debit = sum(r.debit_kopecks for r in rows)
    credit = sum(r.credit_kopecks for r in rows)
    closing = opening + debit - credit
    return Statement(
        client_id=client_id,
        start=start,
        end=end,
        opening_kopecks=opening,
        rows=rows,
        debit_kopecks=debit,
        credit_kopecks=credit,
        closing_kopecks=closing,
        penalties=tuple(
            StatementPenalty(inv.number or "", inv.due_on, sum(r.days for r in p.rows), p.total_kopecks, p.capped)
            for inv, p in penalties_shown(client_id, end)
        ),
    )
