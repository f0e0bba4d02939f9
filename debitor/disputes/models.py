"""Disputes a client raises on an invoice or one of its lines."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import IdMixin, UTCDateTime, db, enum_column, utcnow
from debitor.states import StateMachine


class DisputeState(enum.StrEnum):
    OPEN = "open"
    CREDITED = "credited"  # resolved with a credit note
    CORRECTED = "corrected"  # resolved with a corrected invoice
    REJECTED = "rejected"  # rejected with an answer


DISPUTE_FLOW = StateMachine(
    "dispute",
    {DisputeState.OPEN: {DisputeState.CREDITED, DisputeState.CORRECTED, DisputeState.REJECTED}},
    initial=DisputeState.OPEN,
    client_visible=(DisputeState.CREDITED, DisputeState.CORRECTED, DisputeState.REJECTED),
)


@DISPUTE_FLOW.governs
class Dispute(IdMixin, db.Model):
    __tablename__ = "disputes"
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    invoice_line_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoice_lines.id"))
    state: Mapped[DisputeState] = mapped_column(enum_column(DisputeState), default=DisputeState.OPEN, index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_users.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invoice = relationship("Invoice")
    client = relationship("Client")
