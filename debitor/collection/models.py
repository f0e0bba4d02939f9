"""Collection: dunning policies and their steps, the record of every step taken, templates, and the two dated
tables the rules read (the calendar's exceptions and the Bank of Russia key rate).

A policy is an ordered list of steps, each ``offset_days`` from a document's due date (negative: before it).
Editing a policy raises its ``version``; steps keep their ids across edits, and what was taken is keyed by
(document, step), so an edit never re-sends a step already taken. Every step a run takes or skips is a
``CollectionAction`` with a unique ``dedupe_key``, written in the same transaction as its outbox row or task.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from debitor.auth.models import Role
from debitor.db import CreatedMixin, IdMixin, UTCDateTime, db, enum_column, utcnow


class StepAction(enum.StrEnum):
    EMAIL = "email"  # a reminder or notice from a template
    TASK = "task"  # a task for a role, with an SLA
    PENALTY = "penalty"  # penalties start to be shown and counted on the document
    CLAIM = "claim"  # the pre-trial claim letter (претензия): PDF and email
    PAUSE_CAMPAIGNS = "pause_campaigns"  # the ad platform is asked to pause the client's campaigns
    BANNER = "banner"  # a banner in the client's portal


class Outcome(enum.StrEnum):
    TAKEN = "taken"
    SKIPPED = "skipped"  # due but not taken (paused, no recipient…): the reason says why
    DROPPED = "dropped"  # queued, then not sent: the document was paid before the message went out


class CollectionPolicy(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "collection_policies"
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    consolidated: Mapped[bool] = mapped_column(default=False)  # one reminder per client listing its documents
    escalate_after_hours: Mapped[int] = mapped_column(default=24)  # a late task goes to a manager after this
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    steps: Mapped[list[CollectionStep]] = relationship(
        back_populates="policy",
        cascade="all, delete-orphan",
        order_by="(CollectionStep.offset_days, CollectionStep.id)",
    )
    __table_args__ = (
        sa.Index("uq_collection_policies_default", "is_default", unique=True, sqlite_where=sa.text("is_default"),
                 postgresql_where=sa.text("is_default")),
    )  # fmt: skip


class CollectionStep(IdMixin, db.Model):
    __tablename__ = "collection_steps"
    policy_id: Mapped[int] = mapped_column(sa.ForeignKey("collection_policies.id", ondelete="CASCADE"), index=True)
    offset_days: Mapped[int] = mapped_column()  # from the due date, moved to a working day (art. 193)
    action: Mapped[StepAction] = mapped_column(enum_column(StepAction))
    template_key: Mapped[str] = mapped_column(sa.String(60), default="")  # email and claim
    task_role: Mapped[Role | None] = mapped_column(enum_column(Role, name="collection_task_role"))
    task_sla_hours: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    policy: Mapped[CollectionPolicy] = relationship(back_populates="steps")


class CollectionTemplate(IdMixin, db.Model):
    """The text of an email or claim step, per language; ``body`` is checked by ``collection.templates``."""

    __tablename__ = "collection_templates"
    key: Mapped[str] = mapped_column(sa.String(60))
    language: Mapped[str] = mapped_column(sa.String(5))
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (sa.UniqueConstraint("key", "language"),)


class CollectionAction(IdMixin, CreatedMixin, db.Model):
    """A step taken or skipped for a document (or, consolidated, for a client on a day): once, by its key."""

    __tablename__ = "collection_actions"
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    on_day: Mapped[date] = mapped_column(sa.Date)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    step_id: Mapped[int | None] = mapped_column(sa.ForeignKey("collection_steps.id", ondelete="SET NULL"))
    policy_id: Mapped[int | None] = mapped_column(sa.ForeignKey("collection_policies.id", ondelete="SET NULL"))
    policy_version: Mapped[int] = mapped_column()
    action: Mapped[StepAction] = mapped_column(enum_column(StepAction))
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    reason: Mapped[str] = mapped_column(sa.String(60), default="")  # a skip's or drop's reason, as a key
    invoice_ids: Mapped[list] = mapped_column(sa.JSON, default=list)  # a consolidated reminder's documents
    outbox_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox_messages.id"))
    task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"))
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class CalendarException(IdMixin, db.Model):
    """A day the administrator declares working or not, over the production calendar of the package."""

    __tablename__ = "calendar_exceptions"
    day: Mapped[date] = mapped_column(sa.Date, unique=True)
    working: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(200), default="")


class KeyRate(IdMixin, db.Model):
    """The Bank of Russia key rate in force from a date (until the next row's date), for art. 395 interest."""

    __tablename__ = "key_rates"
    valid_from: Mapped[date] = mapped_column(sa.Date, unique=True)
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(6, 3))
    note: Mapped[str] = mapped_column(sa.String(200), default="")
