"""The outbox: side effects that leave the process, written in the same transaction as the change."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from debitor.db import CreatedMixin, IdMixin, UTCDateTime, db, enum_column
from debitor.states import StateMachine

# Where a one-time link goes in a message's bodies. The link itself is minted when the worker sends the
# message, by the resolver its ``secret_link`` names: no stored copy, staff page or log ever holds it.
SECRET_LINK = "[[secret-link]]"
SECRET_LINK_NOTE = _l("[one-time link: only the recipient gets it]")
# Errors the app itself records on a message (SMTP servers' own are shown as they came)
OWN_ERRORS = {
    "The one-time link is no longer valid; not sent.": _l("The one-time link is no longer valid; not sent."),
    "The one-time link was withdrawn by an upgrade; ask for a new one.": _l(
        "The one-time link was withdrawn by an upgrade; ask for a new one."
    ),
}


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS
    DROPPED = "dropped"  # not sent: a send check said it must not go any more (``last_error`` says why)


OUTBOX_FLOW = StateMachine(
    "outbox",
    {OutboxState.PENDING: {OutboxState.SENT, OutboxState.FAILED, OutboxState.DROPPED}},
    initial=OutboxState.PENDING,
)


@OUTBOX_FLOW.governs
class OutboxMessage(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "outbox_messages"
    kind: Mapped[str] = mapped_column(sa.String(30), default="email")
    dedupe_key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # same key = same message, once
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState), default=OutboxState.PENDING, index=True)
    recipients: Mapped[str] = mapped_column(sa.Text)  # comma-separated addresses
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clients.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("invoices.id"))
    attachments: Mapped[list] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )  # DocumentVersion ids, attached as PDFs
    # A one-time link (password reset, invitation) is never stored: the bodies hold SECRET_LINK where it
    # goes, and this says how the worker mints it at send time ({"resolver", "args"}). Staff see the bodies.
    secret_link: Mapped[dict | None] = mapped_column(sa.JSON)

    @property
    def visible_text(self) -> str:
        """The text as the staff workspace shows it: a one-time link is a note, never the link."""
        return self.body_text.replace(SECRET_LINK, str(SECRET_LINK_NOTE))

    @property
    def error_text(self) -> str:
        """``last_error`` in the reader's language where it is one of the app's own."""
        return str(OWN_ERRORS.get(self.last_error, self.last_error))
