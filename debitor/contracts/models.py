"""Contracts and the acknowledgement the client gives in the portal."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.db import CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.states import StateMachine


class ContractState(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_ACK = "awaiting_ack"
    ACKNOWLEDGED = "acknowledged"
    ACK_OVERDUE = "ack_overdue"
    TERMINATED = "terminated"


CONTRACT_FLOW = StateMachine(
    "contract",
    {
        ContractState.DRAFT: {ContractState.AWAITING_ACK, ContractState.TERMINATED},
        ContractState.AWAITING_ACK: {
            ContractState.ACKNOWLEDGED,
            ContractState.ACK_OVERDUE,
            ContractState.TERMINATED,
        },
        ContractState.ACK_OVERDUE: {ContractState.ACKNOWLEDGED, ContractState.TERMINATED},
        ContractState.ACKNOWLEDGED: {ContractState.TERMINATED},
    },
    initial=ContractState.DRAFT,
    client_visible=(ContractState.AWAITING_ACK, ContractState.ACKNOWLEDGED, ContractState.TERMINATED),
)


@CONTRACT_FLOW.governs
class Contract(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "contracts"
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    signed_on: Mapped[date] = mapped_column(sa.Date)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    state: Mapped[ContractState] = mapped_column(enum_column(ContractState), default=ContractState.DRAFT, index=True)
    ack_deadline: Mapped[date | None] = mapped_column(sa.Date)
    payment_terms_days: Mapped[int] = mapped_column(default=10)
    # the penalty clause: a percentage per day (none: statutory interest, art. 395), capped at a share of the debt
    penalty_rate_per_day: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 3), default=Decimal("0.100"))
    penalty_cap_percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 3))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("portal_users.id"))
    client = relationship("Client")
    __table_args__ = (sa.UniqueConstraint("client_id", "number"),)
