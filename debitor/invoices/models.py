"""Invoices, their lines and the locked document counters that number them without gaps."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import KOPECKS, CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.states import Derived, StateMachine


class InvoiceState(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


OPEN_STATES = (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID)
CREDIT_NOTE_STATUS = "credit_note"  # what an issued credit note's badge says: it is never a bill to pay


def shown_status(kind: str, state: str) -> str:
    """The status a document's badge shows: its state, except that an issued credit note is a credit note
    (its state only says it is in force)."""
    if kind == InvoiceKind.CREDIT_NOTE and state != InvoiceState.DRAFT:
        return CREDIT_NOTE_STATUS
    return state


def signed_total(kind: str, total_kopecks: int) -> int:
    """The total as lists show it: a credit note lowers what the client owes, so it is negative."""
    return -total_kopecks if kind == InvoiceKind.CREDIT_NOTE else total_kopecks


INVOICE_FLOW = StateMachine(
    "invoice",
    {
        InvoiceState.DRAFT: {InvoiceState.ISSUED},
        InvoiceState.ISSUED: {InvoiceState.PARTIALLY_PAID, InvoiceState.PAID, InvoiceState.CANCELLED},
        InvoiceState.PARTIALLY_PAID: {InvoiceState.PAID, InvoiceState.ISSUED, InvoiceState.CANCELLED},
        InvoiceState.PAID: {InvoiceState.PARTIALLY_PAID, InvoiceState.ISSUED},
    },
    initial=InvoiceState.DRAFT,
)
SETTLED_STATES = (*OPEN_STATES, InvoiceState.PAID)  # the states SETTLEMENT moves an invoice between
# An issued invoice is paid when its payments cover the total, partly paid when some money is applied.
SETTLEMENT = Derived(
    lambda total, paid: [(paid >= total, InvoiceState.PAID), (paid > 0, InvoiceState.PARTIALLY_PAID)],
    InvoiceState.ISSUED,
)


@INVOICE_FLOW.governs
class Invoice(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "invoices"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind), default=InvoiceKind.INVOICE)
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    state: Mapped[InvoiceState] = mapped_column(enum_column(InvoiceState), default=InvoiceState.DRAFT)
    number_year: Mapped[int | None] = mapped_column()
    number_seq: Mapped[int | None] = mapped_column()
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    period_start: Mapped[date | None] = mapped_column(sa.Date)
    period_end: Mapped[date | None] = mapped_column(sa.Date)
    issued_on: Mapped[date | None] = mapped_column(sa.Date)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    vat_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    subtotal_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)  # net of VAT
    vat_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)
    total_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)  # gross, what the client pays
    paid_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)
    paid_on: Mapped[date | None] = mapped_column(sa.Date)
    # the supplier's, bank's, buyer's and contract's requisites as they were at issue (invoices.requisites)
    requisites_id: Mapped[int | None] = mapped_column(sa.ForeignKey("requisite_sets.id"))

    client = relationship("Client")
    requisite_set: Mapped[RequisiteSet | None] = relationship()
    contract = relationship("Contract")
    organisation = relationship("Organisation")
    corrects: Mapped[Invoice | None] = relationship(remote_side="Invoice.id")
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "kind", "number_year", "number_seq", name="uq_invoice_number"),
        sa.CheckConstraint("paid_kopecks >= 0", name="paid_nonneg"),
        sa.CheckConstraint("state = 'draft' OR number_seq IS NOT NULL", name="issued_has_number"),
        sa.Index("ix_invoices_state_due", "state", "due_on"),
        # (client_id, state) and (issued_on) are served by ix_invoices_client_issued / ix_invoices_issued_id
        # the staff table's common views (see migration 0003)
        sa.Index(
            "ix_invoices_open_due",
            "due_on",
            "id",
            postgresql_include=["client_id", "state", "kind", "total_kopecks", "paid_kopecks"],
            postgresql_where=sa.text("state IN ('issued', 'partially_paid')"),
            sqlite_where=sa.text("state IN ('issued', 'partially_paid')"),
        ),
        sa.Index(
            "ix_invoices_open_client",
            "client_id",
            "due_on",
            "id",
            postgresql_include=["state", "kind", "total_kopecks", "paid_kopecks"],
            postgresql_where=sa.text("state IN ('issued', 'partially_paid')"),
            sqlite_where=sa.text("state IN ('issued', 'partially_paid')"),
        ),
        sa.Index(
            "ix_invoices_client_issued",
            "client_id",
            "issued_on",
            "id",
            postgresql_include=["state", "kind", "total_kopecks", "paid_kopecks"],
        ),
        sa.Index("ix_invoices_issued_id", "issued_on", "id"),
        sa.Index("ix_invoices_number_seq", "number_seq"),
    )

    def __init__(self, **kw):
        kw.setdefault("state", InvoiceState.DRAFT)  # usable before the first flush
        kw.setdefault("kind", InvoiceKind.INVOICE)
        kw.setdefault("paid_kopecks", 0)
        super().__init__(**kw)

    @property
    def number(self) -> str | None:
        if self.number_seq is None:
            return None
        prefix = "К-" if self.kind == InvoiceKind.CREDIT_NOTE else ""
        return f"{prefix}{self.number_seq}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE

    @property
    def status(self) -> str:
        return shown_status(self.kind, self.state)

    @property
    def signed_total_kopecks(self) -> int:
        return signed_total(self.kind, self.total_kopecks)

    @property
    def outstanding_kopecks(self) -> int:
        if self.state not in OPEN_STATES or self.is_credit_note:
            return 0
        return max(self.total_kopecks - self.paid_kopecks, 0)

    def days_overdue(self, today: date) -> int:
        if self.state not in OPEN_STATES or self.due_on is None or self.is_credit_note:
            return 0
        return max((today - self.due_on).days, 0)


def settlement_figures(invoice: Invoice) -> dict[str, int]:
    """What ``SETTLEMENT`` reads of one invoice (``settlement_columns`` is the same for SQL)."""
    return {"total": invoice.total_kopecks, "paid": invoice.paid_kopecks}


def settlement_columns() -> dict[str, sa.ColumnElement]:
    """``settlement_figures`` as columns, for ``transition_rows`` over many invoices."""
    return {"total": Invoice.total_kopecks, "paid": Invoice.paid_kopecks}


class RequisiteSet(IdMixin, CreatedMixin, db.Model):
    """One combination of supplier, bank account, buyer and contract requisites that invoices were issued
    with; stored once however many invoices share it (``debitor.invoices.requisites``)."""

    __tablename__ = "requisite_sets"
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)  # of the canonical JSON of ``data``
    data: Mapped[dict] = mapped_column(sa.JSON)


class InvoiceLine(IdMixin, db.Model):
    __tablename__ = "invoice_lines"
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    description: Mapped[str] = mapped_column(sa.String(500))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(18, 3), default=Decimal(1))
    unit: Mapped[str] = mapped_column(sa.String(20), default="усл.")
    unit_price_kopecks: Mapped[int] = mapped_column(KOPECKS)
    amount_kopecks: Mapped[int] = mapped_column(KOPECKS)  # gross line amount
    vat_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)
    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class DocumentCounter(db.Model):
    """Last number used per organisation, document kind and year; locked while a number is taken."""

    __tablename__ = "document_counters"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
