"""Incoming bank payments and their allocations to invoices (many-to-many cash application)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import KOPECKS, CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.states import Derived, StateMachine, worker_row_flow


class PaymentState(enum.StrEnum):
    UNMATCHED = "unmatched"
    PARTIALLY_APPLIED = "partially_applied"
    APPLIED = "applied"


_PAYMENT_STATES = set(PaymentState)
PAYMENT_FLOW = StateMachine("payment", {s: _PAYMENT_STATES - {s} for s in PaymentState}, initial=PaymentState.UNMATCHED)
# Unmatched, partly or wholly dealt with: applied to invoices, or (incoming money) paid back.
SETTLEMENT = Derived(
    lambda amount, settled: [
        (settled == 0, PaymentState.UNMATCHED),
        (settled < amount, PaymentState.PARTIALLY_APPLIED),
    ],
    PaymentState.APPLIED,
)


class Direction(enum.StrEnum):
    INCOMING = "incoming"  # to our account: a client paying
    OUTGOING = "outgoing"  # from our account: a refund of an overpayment, or money to anyone else
    # between two accounts of the organisation (a bank document whose payer and payee are both ours): one
    # payment per side, out of one account and into the other; nobody's money, never in the clerk's queue
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"


MONEY_IN = frozenset({Direction.INCOMING, Direction.TRANSFER_IN})  # what a statement's ВсегоПоступило counts
TRANSFERS = (Direction.TRANSFER_OUT, Direction.TRANSFER_IN)


class StatementState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATEMENT_FLOW = worker_row_flow("statement", StatementState)


@STATEMENT_FLOW.governs
class BankStatement(IdMixin, CreatedMixin, db.Model):
    """One bank statement file brought in (uploaded, picked up from the exchange folder or given to the
    CLI) and what its import did. The file's bytes live in ``statement_files`` until it is imported."""

    __tablename__ = "bank_statements"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(10))  # upload | folder | cli
    filename: Mapped[str] = mapped_column(sa.String(255))
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[StatementState] = mapped_column(enum_column(StatementState), default=StatementState.QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bytes_read: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # progress
    documents_read: Mapped[int] = mapped_column(default=0)
    encoding: Mapped[str] = mapped_column(sa.String(10), default="")
    date_from: Mapped[date | None] = mapped_column(sa.Date)
    date_to: Mapped[date | None] = mapped_column(sa.Date)
    accounts: Mapped[list] = mapped_column(sa.JSON, default=list)  # our accounts in the statement
    summary: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # counts and sums, see payments.importing
    sections: Mapped[list] = mapped_column(sa.JSON, default=list)  # the bank's balances and totals per account
    warnings: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"message", "params", "line", "key"}]
    error: Mapped[dict | None] = mapped_column(sa.JSON)  # {"message", "params", "line", "key"}
    created_by = relationship("StaffUser")

    def __init__(self, **kw):
        kw.setdefault("state", StatementState.QUEUED)
        kw.setdefault("bytes_read", 0)
        kw.setdefault("documents_read", 0)
        super().__init__(**kw)


class StatementFile(IdMixin, db.Model):
    """An uploaded statement's bytes, kept in the database so that a worker on any host can read them;
    dropped once the import has finished. Never served back."""

    __tablename__ = "statement_files"
    statement_id: Mapped[int] = mapped_column(sa.ForeignKey("bank_statements.id"), unique=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


@PAYMENT_FLOW.governs
class Payment(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "payments"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    state: Mapped[PaymentState] = mapped_column(enum_column(PaymentState), default=PaymentState.UNMATCHED)
    external_key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # bank document identity
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")  # manual | onec | demo
    received_on: Mapped[date] = mapped_column(sa.Date, index=True)
    amount_kopecks: Mapped[int] = mapped_column(KOPECKS)
    # incoming: applied to invoices; outgoing (a refund): matched to the client's incoming money it returns
    applied_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)
    # incoming only: paid back to the client by refunds (payment_refunds); neither applicable nor credit
    refunded_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0, server_default="0")
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    payer_name: Mapped[str] = mapped_column(sa.String(300), default="")
    payer_inn: Mapped[str] = mapped_column(sa.String(12), default="")
    payer_account: Mapped[str] = mapped_column(sa.String(20), default="")
    payer_bik: Mapped[str] = mapped_column(sa.String(9), default="")
    doc_number: Mapped[str] = mapped_column(sa.String(40), default="")
    doc_date: Mapped[date | None] = mapped_column(sa.Date)
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    direction: Mapped[Direction] = mapped_column(
        enum_column(Direction), default=Direction.INCOMING, server_default=Direction.INCOMING.value
    )
    our_account: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    statement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank_statements.id"), index=True)
    statement_line: Mapped[int | None] = mapped_column()
    # the matcher's verdict: confidence 0-100 and its reasons [{"message", "params"}]
    match_confidence: Mapped[int | None] = mapped_column()
    match_reasons: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    client = relationship("Client")
    statement = relationship("BankStatement")
    allocations: Mapped[list[PaymentAllocation]] = relationship(back_populates="payment")
    __table_args__ = (
        sa.CheckConstraint("amount_kopecks > 0", name="amount_positive"),
        sa.CheckConstraint("applied_kopecks >= 0 AND applied_kopecks <= amount_kopecks", name="applied_range"),
        sa.CheckConstraint(
            "refunded_kopecks >= 0 AND applied_kopecks + refunded_kopecks <= amount_kopecks", name="refunded_range"
        ),
        # the clerk's queue: incoming money not (fully) applied, newest first
        sa.Index(
            "ix_payments_queue",
            "received_on",
            "id",
            postgresql_where=sa.text("state <> 'applied' AND direction = 'incoming'"),
            sqlite_where=sa.text("state <> 'applied' AND direction = 'incoming'"),
        ),
    )

    def __init__(self, **kw):
        kw.setdefault("state", PaymentState.UNMATCHED)
        kw.setdefault("applied_kopecks", 0)
        kw.setdefault("refunded_kopecks", 0)
        kw.setdefault("direction", Direction.INCOMING)
        kw.setdefault("match_reasons", [])
        super().__init__(**kw)

    @hybrid_property
    def unapplied_kopecks(self) -> int:
        """What is left to apply (incoming) or to match to the money it returns (outgoing); the same
        expression in SQL (the queue's sums, the client's credit)."""
        return self.amount_kopecks - self.applied_kopecks - self.refunded_kopecks


class PaymentAllocation(IdMixin, CreatedMixin, db.Model):
    """Part of a payment applied to one invoice; unapplying sets ``reversed_at`` (history is kept)."""

    __tablename__ = "payment_allocations"
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    amount_kopecks: Mapped[int] = mapped_column(KOPECKS)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment: Mapped[Payment] = relationship(back_populates="allocations")
    invoice = relationship("Invoice")
    __table_args__ = (sa.CheckConstraint("amount_kopecks > 0", name="amount_positive"),)


class PaymentRefund(IdMixin, CreatedMixin, db.Model):
    """Part of an incoming payment paid back to the client by an outgoing payment (a refund of an
    overpayment): the incoming money leaves the clerk's queue and the client's credit."""

    __tablename__ = "payment_refunds"
    refund_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)  # the outgoing payment
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), index=True)  # the incoming one
    amount_kopecks: Mapped[int] = mapped_column(KOPECKS)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a clerk took the match back

    refund: Mapped[Payment] = relationship(foreign_keys=[refund_id])
    payment: Mapped[Payment] = relationship(foreign_keys=[payment_id])
    __table_args__ = (sa.CheckConstraint("amount_kopecks > 0", name="amount_positive"),)
