"""Invoices, their lines and the locked document counters that number them without gaps."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import KOPECKS, CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.invoices import rules
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
assert tuple(s.value for s in OPEN_STATES) == rules.OPEN_STATE_VALUES
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
# An issued invoice is paid when its payments and credit notes cover the total (nothing is owed), partly
# paid when some money is applied; one only partly credited and not paid is still just issued.
SETTLEMENT = Derived(
    lambda total, paid, credited: [
        (paid + credited >= total, InvoiceState.PAID),
        (paid > 0, InvoiceState.PARTIALLY_PAID),
    ],
    InvoiceState.ISSUED,
)


AMOUNT_COLUMNS = ("total_kopecks", "paid_kopecks", "credited_kopecks")  # covered by the table's indexes


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
    # what credit notes took off this invoice (gross, like the total): a full one cancels it, a partial one
    # lowers what is owed (``outstanding_kopecks``); what is owed is total − paid − credited
    credited_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0, server_default="0")
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
        sa.CheckConstraint("credited_kopecks >= 0", name="credited_nonneg"),
        sa.CheckConstraint("state = 'draft' OR number_seq IS NOT NULL", name="issued_has_number"),
        sa.Index("ix_invoices_state_due", "state", "due_on"),
        # (client_id, state) and (issued_on) are served by ix_invoices_client_issued / ix_invoices_issued_id
        # the staff table's common views (see migration 0003)
        sa.Index(
            "ix_invoices_open_due",
            "due_on",
            "id",
            postgresql_include=["client_id", "state", "kind", *AMOUNT_COLUMNS],
            postgresql_where=sa.text("state IN ('issued', 'partially_paid')"),
            sqlite_where=sa.text("state IN ('issued', 'partially_paid')"),
        ),
        sa.Index(
            "ix_invoices_open_client",
            "client_id",
            "due_on",
            "id",
            postgresql_include=["state", "kind", *AMOUNT_COLUMNS],
            postgresql_where=sa.text("state IN ('issued', 'partially_paid')"),
            sqlite_where=sa.text("state IN ('issued', 'partially_paid')"),
        ),
        sa.Index(
            "ix_invoices_client_issued",
            "client_id",
            "issued_on",
            "id",
            postgresql_include=["state", "kind", *AMOUNT_COLUMNS],
        ),
        sa.Index("ix_invoices_issued_id", "issued_on", "id"),
        sa.Index("ix_invoices_number_seq", "number_seq"),
    )

    def __init__(self, **kw):
        kw.setdefault("state", InvoiceState.DRAFT)  # usable before the first flush
        kw.setdefault("kind", InvoiceKind.INVOICE)
        kw.setdefault("paid_kopecks", 0)
        kw.setdefault("credited_kopecks", 0)
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
    def is_open(self) -> bool:
        return rules.is_open(self.kind, self.state)

    @property
    def outstanding_kopecks(self) -> int:
        return rules.outstanding(self.kind, self.state, self.total_kopecks, self.paid_kopecks, self.credited_kopecks)

    def days_overdue(self, today: date) -> int:
        return rules.days_overdue(self.kind, self.state, self.due_on, today)

    def is_overdue(self, today: date) -> bool:
        return rules.is_overdue(self.kind, self.state, self.due_on, today)


def settlement_figures(invoice: Invoice) -> dict[str, int]:
    """What ``SETTLEMENT`` reads of one invoice (``settlement_columns`` is the same for SQL)."""
    return {"total": invoice.total_kopecks, "paid": invoice.paid_kopecks, "credited": invoice.credited_kopecks}


def settlement_columns() -> dict[str, sa.ColumnElement]:
    """``settlement_figures`` as columns, for ``transition_rows`` over many invoices."""
    return {"total": Invoice.total_kopecks, "paid": Invoice.paid_kopecks, "credited": Invoice.credited_kopecks}


# --- open, overdue, outstanding for many invoices: ``debitor.invoices.rules`` in SQL ------------------------
# The open states are SQL literals, not bound parameters, so that PostgreSQL matches the partial indexes'
# ``WHERE state IN ('issued', 'partially_paid')`` whatever plan it caches.


def _literal(value: str):
    return sa.literal(value, literal_execute=True)


def is_invoice_sql() -> sa.ColumnElement[bool]:
    return Invoice.kind == _literal(rules.INVOICE)


def open_states_sql() -> sa.ColumnElement[bool]:
    return Invoice.state.in_([_literal(s) for s in rules.OPEN_STATE_VALUES])


def open_sql() -> sa.ColumnElement[bool]:
    """``rules.is_open``: invoices (not credit notes) issued or partly paid."""
    return sa.and_(open_states_sql(), is_invoice_sql())


def overdue_sql(today: date, days: int = 1) -> sa.ColumnElement[bool]:
    """Open and at least ``days`` days overdue on ``today`` (``rules.days_overdue(...) >= days``)."""
    return sa.and_(open_sql(), due_before_sql(today, days))


def due_before_sql(today: date, days: int = 1) -> sa.ColumnElement[bool]:
    """The due-date half of ``overdue_sql``, for queries that already filter open invoices."""
    return Invoice.due_on <= rules.calendar().latest_overdue_due(today, days)


def status_sql(status: str, today: date) -> sa.ColumnElement[bool]:
    """The documents a list's status filter means, the same for the portal, the staff table and the API:
    ``open`` (``open_sql``), ``overdue`` (``overdue_sql``), ``credit`` (credit notes in force), ``all``, or a
    state's own name (``paid``, ``cancelled``, ``draft``, ``issued``, ``partially_paid``). ValueError otherwise."""
    if status == "open":
        return open_sql()
    if status == "overdue":
        return overdue_sql(today)
    if status == "credit":
        return sa.and_(Invoice.kind == _literal(InvoiceKind.CREDIT_NOTE.value), Invoice.state != InvoiceState.DRAFT)
    if status == "all":
        return sa.true()
    return Invoice.state == _literal(InvoiceState(status).value)


def owed_sql() -> sa.ColumnElement[int]:
    """What an open invoice still owes (total − paid − credited): for rows already filtered with ``open_sql``."""
    return Invoice.total_kopecks - Invoice.paid_kopecks - Invoice.credited_kopecks


def outstanding_sql() -> sa.ColumnElement[int]:
    """``Invoice.outstanding_kopecks`` for any row: what is owed on an open invoice, else 0."""
    return sa.case((sa.and_(open_sql(), owed_sql() > 0), owed_sql()), else_=0)


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
    # a credit note's line: the line of the corrected invoice it credits (None: an amount off the whole invoice)
    corrects_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice_lines.id"))
    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity_positive"),)


class DocumentCounter(db.Model):
    """Last number used per organisation, document kind and year; locked while a number is taken."""

    __tablename__ = "document_counters"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
