"""Incoming bank payments and their allocations to invoices (many-to-many cash application)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import KOPECKS, CreatedMixin, IdMixin, UTCDateTime, db, enum_column


class PaymentState(enum.StrEnum):
    UNMATCHED = "unmatched"
    PARTIALLY_APPLIED = "partially_applied"
    APPLIED = "applied"


class Payment(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "payments"
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    state: Mapped[PaymentState] = mapped_column(enum_column(PaymentState), default=PaymentState.UNMATCHED, index=True)
    external_key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # bank document identity
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")  # manual | onec | demo
    received_on: Mapped[date] = mapped_column(sa.Date, index=True)
    amount_kopecks: Mapped[int] = mapped_column(KOPECKS)
    applied_kopecks: Mapped[int] = mapped_column(KOPECKS, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    payer_name: Mapped[str] = mapped_column(sa.String(300), default="")
    payer_inn: Mapped[str] = mapped_column(sa.String(12), default="", index=True)
    payer_account: Mapped[str] = mapped_column(sa.String(20), default="")
    payer_bik: Mapped[str] = mapped_column(sa.String(9), default="")
    doc_number: Mapped[str] = mapped_column(sa.String(40), default="")
    doc_date: Mapped[date | None] = mapped_column(sa.Date)
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    client = relationship("Client")
    allocations: Mapped[list[PaymentAllocation]] = relationship(back_populates="payment")
    __table_args__ = (
        sa.CheckConstraint("amount_kopecks > 0", name="amount_positive"),
        sa.CheckConstraint("applied_kopecks >= 0 AND applied_kopecks <= amount_kopecks", name="applied_range"),
    )

    def __init__(self, **kw):
        kw.setdefault("state", PaymentState.UNMATCHED)
        kw.setdefault("applied_kopecks", 0)
        super().__init__(**kw)

    @property
    def unapplied_kopecks(self) -> int:
        return self.amount_kopecks - self.applied_kopecks


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
