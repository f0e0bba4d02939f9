"""Sending invoices to the client's billing contacts, through the outbox (so never twice, never lost).

The PDF is not rendered here: the outbox row carries an attachment spec (``invoice:<id>:<locale>``)
that the worker resolves at delivery time (``debitor.documents.services.resolve_attachment``). An
issued invoice is frozen, so what the worker renders is exactly what was issued.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceKind, InvoiceState
from debitor.outbox.models import OutboxMessage
from debitor.outbox.services import queue_email
from debitor.timeline.services import record


def billing_recipients(invoice: Invoice) -> list[str]:
    return [c.email for c in invoice.client.contacts if c.receives_invoices]


def check_sendable(invoice: Invoice) -> list[str]:
    """The recipients, or a DomainError saying why the invoice cannot be sent."""
    to = billing_recipients(invoice)
    if not to:
        raise DomainError(
            _l("Client %(name)s has no billing contact to send invoices to", name=invoice.client.short_name), "contacts"
        )
    return to


def send_invoice(invoice: Invoice, *, actor=None, resend: bool = False) -> OutboxMessage:
    """Queue the invoice email with its PDF. The first send is keyed by the invoice (issuing twice
    queues one message); each explicit re-send is a new message, keyed by its sequence number."""
    if invoice.state == InvoiceState.DRAFT:
        raise DomainError(_l("A draft cannot be sent; issue it first"))
    if resend and invoice.state not in (*OPEN_STATES, InvoiceState.PAID) and invoice.kind == InvoiceKind.INVOICE:
        raise DomainError(_l("Only issued invoices can be sent again"))
    to = check_sendable(invoice)
    key = f"invoice:{invoice.id}:sent"
    if resend:
        n = invoice_sends(invoice.id) + 1
        key = f"invoice:{invoice.id}:resent:{n}"
    existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
    if existing is not None:
        return existing  # already queued (or sent): sending is idempotent
    locale = invoice.client.language or "ru"
    with force_locale(locale):
        kind = _("Credit note") if invoice.kind == InvoiceKind.CREDIT_NOTE else _("Invoice")
        subject = _(
            "%(kind)s № %(number)s from %(org)s", kind=kind, number=invoice.number, org=invoice.organisation.short_name
        )
        text = render_template("email/invoice.txt", invoice=invoice, kind=kind)
        html = render_template("email/invoice.html", invoice=invoice, kind=kind)
    msg = queue_email(
        to=to,
        subject=subject,
        text=text,
        html=html,
        dedupe_key=key,
        client_id=invoice.client_id,
        invoice_id=invoice.id,
        attachments=[f"invoice:{invoice.id}:{locale}"],
    )
    record("invoice_queued_for_sending", actor=actor, invoice=invoice, data={"to": ", ".join(to), "resend": resend})
    return msg


def invoice_sends(invoice_id: int) -> int:
    q = sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.invoice_id == invoice_id)
    return db.session.scalar(q)


def issue_and_send(invoice: Invoice, *, actor=None) -> Invoice:
    """Issue a draft and queue it to the billing contacts in the same transaction. Everything that
    would stop the sending is checked first, so an invoice is never issued but unsendable."""
    from debitor.invoices.services import check_issuable, issue_invoice

    check_issuable(invoice)
    check_sendable(invoice)
    issue_invoice(invoice, actor=actor)
    send_invoice(invoice, actor=actor)
    return invoice
