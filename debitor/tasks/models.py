"""Tasks in the staff inboxes: addressed to a role, optionally to a person, with a due time (SLA)."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.auth.models import Role
from debitor.db import CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.states import StateMachine


class TaskState(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


TASK_FLOW = StateMachine(
    "task",
    {
        TaskState.OPEN: {TaskState.IN_PROGRESS, TaskState.DONE, TaskState.CANCELLED},
        TaskState.IN_PROGRESS: {TaskState.OPEN, TaskState.DONE, TaskState.CANCELLED},
    },
    initial=TaskState.OPEN,
)
ACTIVE_TASK_STATES = (TaskState.OPEN, TaskState.IN_PROGRESS)


@TASK_FLOW.governs
class Task(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "tasks"
    kind: Mapped[str] = mapped_column(sa.String(40))  # e.g. contract_ack_overdue, broken_promise, dispute
    title: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[Role] = mapped_column(enum_column(Role, name="task_role"))
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState), default=TaskState.OPEN, index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id"))
    dispute_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disputes.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    assignee = relationship("StaffUser")
    client = relationship("Client")
    invoice = relationship("Invoice")
    contract = relationship("Contract")
