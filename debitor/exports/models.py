"""A file a worker builds for a staff user (today: the invoice table's filtered set as CSV or XLSX)."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from debitor.db import CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.states import worker_row_flow


class ExportState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


EXPORT_FLOW = worker_row_flow("export", ExportState)


@EXPORT_FLOW.governs
class Export(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "exports"
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_users.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), default="invoices")
    format: Mapped[str] = mapped_column(sa.String(4))  # csv / xlsx
    params: Mapped[dict] = mapped_column(sa.JSON)  # the table's filter, as its URL arguments
    as_of: Mapped[date] = mapped_column(sa.Date)  # the day "days overdue" counts to, as when it was asked for
    locale: Mapped[str] = mapped_column(sa.String(5), default="ru")
    state: Mapped[ExportState] = mapped_column(enum_column(ExportState), default=ExportState.QUEUED)
    rows_expected: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    size: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    error: Mapped[str] = mapped_column(sa.Text, default="")
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by = relationship("StaffUser")

    def __init__(self, **kw):
        kw.setdefault("state", ExportState.QUEUED)
        kw.setdefault("rows_written", 0)
        super().__init__(**kw)

    @property
    def running(self) -> bool:
        return self.state in (ExportState.QUEUED, ExportState.RUNNING)
