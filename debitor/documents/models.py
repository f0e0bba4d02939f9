"""Rendered documents (PDF): stored once per version, identified by the hash of their source."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from debitor.db import CreatedMixin, IdMixin, db, enum_column


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"  # счёт на оплату (also a credit note, by the invoice's kind)
    ACT = "act"  # акт оказанных услуг
    STATEMENT = "statement"  # акт сверки


class DocumentVersion(IdMixin, CreatedMixin, db.Model):
    """One rendered version of a document. The same source (same ``source_sha256``) is never rendered
    twice: a re-download serves ``content``; a changed document is a new row."""

    __tablename__ = "document_versions"
    kind: Mapped[DocumentKind] = mapped_column(enum_column(DocumentKind))
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"), index=True)
    period_start: Mapped[date | None] = mapped_column(sa.Date)
    period_end: Mapped[date | None] = mapped_column(sa.Date)
    subject: Mapped[str] = mapped_column(sa.String(120))  # "invoice:42", "act:42", "statement:7:2026-01-01:2026-03-31"
    locale: Mapped[str] = mapped_column(sa.String(5))
    source_sha256: Mapped[str] = mapped_column(sa.String(64))  # of the HTML the PDF was rendered from
    content_sha256: Mapped[str] = mapped_column(sa.String(64))  # of the PDF bytes (shown, e.g. for signing)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    size: Mapped[int] = mapped_column()
    filename: Mapped[str] = mapped_column(sa.String(200))
    __table_args__ = (
        sa.UniqueConstraint("subject", "locale", "source_sha256", name="uq_document_version"),
        sa.Index("ix_document_versions_lookup", "subject", "locale", "created_at"),
    )
