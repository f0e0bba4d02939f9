"""Disputes: a client contests an invoice or one of its lines; staff resolve it with a credit note, a
corrected invoice or a reasoned rejection.

Opening writes dispute_opened (the client sees it); resolving moves the dispute through
``debitor.states.transition`` with dispute_resolved, and finishes the tasks about it. Services flush only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.db import db, utcnow
from debitor.disputes.models import Dispute, DisputeState
from debitor.errors import DomainError
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.invoices.services import credit_note
from debitor.states import transition
from debitor.tasks.services import close_tasks
from debitor.timeline.models import Visibility
from debitor.timeline.services import record

OUTCOMES = (DisputeState.CREDITED, DisputeState.CORRECTED, DisputeState.REJECTED)


def open_dispute(invoice: Invoice, *, reason: str, by, line_id: int | None = None) -> Dispute:
    """A dispute on ``invoice`` (or one of its lines) raised by ``by``: a portal user of the invoice's client
    (another client's invoice is refused as if it did not exist), or a staff user recording it for the client.
    """
    if by is None:
        raise DomainError(_l("Say who raises the dispute"), "by")
    client_side = by.kind == "client"
    if client_side and by.client_id != invoice.client_id:
        raise DomainError(_l("Invoice not found"), "invoice")
    if invoice.kind != InvoiceKind.INVOICE or invoice.state in (InvoiceState.DRAFT, InvoiceState.CANCELLED):
        raise DomainError(_l("Only an issued invoice can be disputed"), "invoice")
    if line_id is not None and line_id not in {line.id for line in invoice.lines}:
        raise DomainError(_l("The line is not a line of this invoice"), "invoice_line_id")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say what is wrong with the invoice"), "reason")
    dispute = Dispute(
        client_id=invoice.client_id,
        invoice_id=invoice.id,
        invoice_line_id=line_id,
        reason=reason,
        opened_by_id=by.id if client_side else None,
        opened_at=utcnow(),
    )
    db.session.add(dispute)
    db.session.flush()
    record(
        "dispute_opened",
        actor=by,
        invoice=invoice,
        dispute=dispute,
        client=invoice.client_id,
        subject="dispute",
        subject_id=dispute.id,
        visibility=Visibility.CLIENT,
        data={"number": invoice.number, "reason": reason},
    )
    return dispute


def resolve_dispute(
    dispute: Dispute,
    outcome: DisputeState,
    *,
    resolution: str,
    actor,
    credit_lines: Mapping[int, int | Decimal] | None = None,
    credit_amount: int | None = None,
) -> Dispute:
    """Close an open dispute: ``CREDITED`` issues a credit note on its invoice (``credit_lines`` or
    ``credit_amount``, as ``invoices.services.credit_note`` takes them), ``CORRECTED`` says a corrected
    invoice replaces it, ``REJECTED`` answers why not. The answer (``resolution``) is what the client reads."""
    if outcome not in OUTCOMES:
        raise DomainError(_l("Choose how the dispute is resolved"), "outcome")
    if actor is None or actor.kind != "staff":
        raise DomainError(_l("A dispute is resolved by staff"), "actor")
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(_l("Write the answer to the client"), "resolution")
    if dispute.state != DisputeState.OPEN:
        raise DomainError(_l("This dispute is already resolved"), "dispute")
    data = {"number": dispute.invoice.number, "resolution": resolution}
    if outcome == DisputeState.CREDITED:
        if credit_lines is None and credit_amount is None:
            raise DomainError(_l("Say what the credit note credits"), "credit")
        note = credit_note(
            dispute.invoice, lines=credit_lines, amount=credit_amount, reason=resolution, actor=actor, on=None
        )
        data |= {"credit_note": note.number, "credited": note.total_kopecks}
    elif credit_lines is not None or credit_amount is not None:
        raise DomainError(_l("Only a dispute resolved with a credit note credits anything"), "credit")
    dispute.resolution = resolution
    dispute.resolved_by_id = actor.id
    dispute.resolved_at = utcnow()
    transition(
        dispute,
        outcome,
        event="dispute_resolved",
        actor=actor,
        data=data,
        invoice=dispute.invoice_id,
    )
    close_tasks(dispute=dispute, actor=actor, reason=resolution)
    return dispute


def disputes_select(*, client_id: int | None = None, invoice_id: int | None = None, open_only: bool = False):
    """Disputes, the newest first: of a client, of an invoice, or every one; only open ones with ``open_only``."""
    q = sa.select(Dispute)
    if client_id is not None:
        q = q.where(Dispute.client_id == client_id)
    if invoice_id is not None:
        q = q.where(Dispute.invoice_id == invoice_id)
    if open_only:
        q = q.where(Dispute.state == DisputeState.OPEN)
    return q.order_by(Dispute.opened_at.desc(), Dispute.id.desc())


def disputes(**filters) -> list[Dispute]:
    return list(db.session.scalars(disputes_select(**filters)))


def open_dispute_count(since: datetime | None = None) -> int:
    q = sa.select(sa.func.count()).select_from(Dispute).where(Dispute.state == DisputeState.OPEN)
    if since is not None:
        q = q.where(Dispute.opened_at >= since)
    return db.session.scalar(q)
