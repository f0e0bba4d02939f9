"""Cash application: apply part of a payment to an invoice, or take it back. Services flush only."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.invoices.models import OPEN_STATES, Invoice
from debitor.invoices.services import settle_state
from debitor.payments.models import Payment, PaymentAllocation, PaymentState
from debitor.timeline.models import Visibility
from debitor.timeline.services import record


def _payment_state(payment: Payment) -> None:
    if payment.applied_kopecks == 0:
        payment.state = PaymentState.UNMATCHED
    elif payment.applied_kopecks < payment.amount_kopecks:
        payment.state = PaymentState.PARTIALLY_APPLIED
    else:
        payment.state = PaymentState.APPLIED


def same_group(payment: Payment, invoice: Invoice) -> bool:
    """A payment may settle invoices of its client, of the client's agency, or of its sub-clients."""
    if payment.client_id is None or payment.client_id == invoice.client_id:
        return True
    client, payer = invoice.client, payment.client
    return (
        client.parent_id == payer.id
        or payer.parent_id == client.id
        or (client.parent_id is not None and client.parent_id == payer.parent_id)
    )


def apply_payment(
    payment: Payment, invoice: Invoice, amount_kopecks: int | None = None, *, actor=None, reason: str = ""
) -> PaymentAllocation:
    """Apply ``amount`` (default: as much as both allow) of a payment to an open invoice."""
    if invoice.state not in OPEN_STATES:
        raise DomainError(_l("Invoice %(n)s is not open for payment", n=invoice.number or invoice.id))
    if payment.currency != invoice.currency:
        raise DomainError(_l("Payment and invoice currencies differ"))
    if not same_group(payment, invoice):
        raise DomainError(_l("The payment belongs to another client"))
    outstanding = invoice.total_kopecks - invoice.paid_kopecks
    amount = min(payment.unapplied_kopecks, outstanding) if amount_kopecks is None else amount_kopecks
    if amount <= 0:
        raise DomainError(_l("Nothing left to apply"), "amount")
    if amount > payment.unapplied_kopecks or amount > outstanding:
        raise DomainError(_l("Amount exceeds what is left on the payment or the invoice"), "amount")
    if payment.client_id is None:
        payment.client_id = invoice.client_id
    alloc = PaymentAllocation(
        payment=payment,
        invoice_id=invoice.id,
        amount_kopecks=amount,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(alloc)
    payment.applied_kopecks += amount
    invoice.paid_kopecks += amount
    invoice.paid_on = payment.received_on if invoice.paid_kopecks >= invoice.total_kopecks else None
    settle_state(invoice)
    _payment_state(payment)
    db.session.flush()
    record(
        "payment_applied",
        actor=actor,
        invoice=invoice,
        payment=payment,
        visibility=Visibility.CLIENT,
        data={"amount": amount, "reason": reason, "payment_date": payment.received_on.isoformat()},
    )
    return alloc


def unapply(allocation: PaymentAllocation, *, actor=None) -> None:
    if allocation.reversed_at is not None:
        raise DomainError(_l("This allocation was already taken back"))
    allocation.reversed_at = utcnow()
    payment, invoice = allocation.payment, allocation.invoice
    payment.applied_kopecks -= allocation.amount_kopecks
    invoice.paid_kopecks -= allocation.amount_kopecks
    invoice.paid_on = None
    settle_state(invoice)
    _payment_state(payment)
    db.session.flush()
    record(
        "payment_unapplied",
        actor=actor,
        invoice=invoice,
        payment=payment,
        data={"amount": allocation.amount_kopecks},
    )


def unapplied_credit(client_id: int) -> int:
    """Money the client paid that is not applied to any invoice (its credit with us)."""
    q = sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_kopecks - Payment.applied_kopecks), 0)).where(
        Payment.client_id == client_id
    )
    return int(db.session.scalar(q))


__all__ = ["apply_payment", "unapply", "unapplied_credit"]
