"""The append-only event timeline: what happened to clients, contracts, invoices, payments and every other
aggregate whose state moved (``subject``)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from debitor.db import IdMixin, UTCDateTime, db, enum_column, utcnow


class Visibility(enum.StrEnum):
    CLIENT = "client"  # the client sees it in the portal (and staff too)
    STAFF = "staff"  # internal


class Event(IdMixin, db.Model):
    __tablename__ = "events"
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(60))
    visibility: Mapped[Visibility] = mapped_column(enum_column(Visibility), default=Visibility.STAFF)
    actor_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"))
    actor_portal_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_users.id"))
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id"))
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"))
    dispute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disputes.id"))
    # the aggregate a state move concerns, for every kind of aggregate (debitor.states): "invoice", "task"…
    subject: Mapped[str | None] = mapped_column(sa.String(20))
    subject_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    __table_args__ = (
        sa.Index("ix_events_client", "client_id", "occurred_at"),
        sa.Index("ix_events_invoice", "invoice_id", "occurred_at"),
        sa.Index("ix_events_contract", "contract_id", "occurred_at"),
        sa.Index("ix_events_payment", "payment_id", "occurred_at"),
        sa.Index("ix_events_subject", "subject", "subject_id", "occurred_at"),
    )
