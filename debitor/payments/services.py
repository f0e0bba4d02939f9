"""Cash application: apply part of a payment to an invoice, or take it back. Services flush only."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.bulk import insert_rows, update_rows
from debitor.clients.models import ClientInn
from debitor.db import db, in_values, utcnow
from debitor.errors import DomainError
from debitor.invoices.models import OPEN_STATES, SETTLED_STATES, Invoice, settlement_figures
from debitor.invoices.models import SETTLEMENT as INVOICE_SETTLEMENT
from debitor.payments.models import SETTLEMENT, Direction, Payment, PaymentAllocation, PaymentRefund, PaymentState
from debitor.states import settle, transition_rows
from debitor.timeline.models import Event, Visibility
from debitor.timeline.services import record


def _payment_state(payment: Payment, actor=None) -> None:
    settle(
        payment,
        SETTLEMENT,
        actor=actor,
        amount=payment.amount_kopecks,
        settled=payment.applied_kopecks + payment.refunded_kopecks,
    )


def settle_state(invoice: Invoice, *, actor=None) -> None:
    """Move an issued invoice between issued / partially paid / paid from its paid amount."""
    if invoice.state in SETTLED_STATES:
        settle(invoice, INVOICE_SETTLEMENT, actor=actor, **settlement_figures(invoice))


def settle_payments(ids: list[int], *, actor=None) -> list[int]:
    """Move the payments ``ids`` to the state their applied and refunded amounts give (bulk ``_payment_state``)."""
    figures = {"amount": Payment.amount_kopecks, "settled": Payment.applied_kopecks + Payment.refunded_kopecks}
    return transition_rows(Payment, [in_values(Payment.id, ids)], SETTLEMENT, figures=figures, actor=actor)


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
    """Apply ``amount`` (default: as much as both allow) of a payment to an open invoice (never to a credit
    note: it is issued, so "open", but it lowers the debt itself and is not paid)."""
    if invoice.is_credit_note:
        raise DomainError(_l("A credit note is not paid: it reduces the debt by itself"))
    if invoice.state not in OPEN_STATES:
        raise DomainError(_l("Invoice %(n)s is not open for payment", n=invoice.number or invoice.id))
    if payment.currency != invoice.currency:
        raise DomainError(_l("Payment and invoice currencies differ"))
    if not same_group(payment, invoice):
        raise DomainError(_l("The payment belongs to another client"))
    outstanding = invoice.outstanding_kopecks  # credit notes included
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
    settled = invoice.paid_kopecks + invoice.credited_kopecks >= invoice.total_kopecks
    invoice.paid_on = payment.received_on if settled else None
    settle_state(invoice, actor=actor)
    _payment_state(payment, actor)
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
    settle_state(invoice, actor=actor)
    _payment_state(payment, actor)
    db.session.flush()
    record(
        "payment_unapplied",
        actor=actor,
        invoice=invoice,
        payment=payment,
        data={"amount": allocation.amount_kopecks},
    )


def unapplied_credit(client_id: int) -> int:
    """Money the client paid that is neither applied to an invoice nor paid back (its credit with us),
    less what we paid back to the client beyond the payments it was matched to. Negative when we paid it
    more than it had with us: that is money it owes back, and its balance (and statement) say so."""
    incoming = Payment.direction == Direction.INCOMING
    q = sa.select(
        sa.func.coalesce(sa.func.sum(Payment.unapplied_kopecks).filter(incoming), 0),
        sa.func.coalesce(sa.func.sum(Payment.unapplied_kopecks).filter(~incoming), 0),
    ).where(Payment.client_id == client_id)
    unapplied, unmatched_refunds = db.session.execute(q).one()
    return int(unapplied) - int(unmatched_refunds)


REFUND_COLUMNS = (Payment.id, Payment.client_id, Payment.currency, Payment.received_on, Payment.amount_kopecks,
                  Payment.applied_kopecks, Payment.refunded_kopecks)  # fmt: skip


def balance(ident: int, client_id: int, currency: str, on, amount: int, applied: int, refunded: int) -> dict:
    """A payment as refund matching works on it (``plan_refunds``); the arguments in REFUND_COLUMNS' order."""
    return {"id": ident, "client_id": client_id, "currency": currency, "on": on, "amount": amount,
            "applied": applied, "refunded": refunded}  # fmt: skip


def unused_money(client_ids, *, lock: bool) -> dict[tuple[int, str], list[dict]]:
    """(client, currency) -> the clients' incoming payments neither applied nor paid back wholly, oldest
    first: what refunds may return."""
    q = (
        sa.select(*REFUND_COLUMNS)
        .where(in_values(Payment.client_id, client_ids), Payment.direction == Direction.INCOMING)
        # the clerk's queue (ix_payments_queue): what is not wholly dealt with, among it what is left
        .where(Payment.state != PaymentState.APPLIED)
        .where(Payment.unapplied_kopecks > 0)
        .order_by(Payment.received_on, Payment.id)
    )
    out: dict[tuple[int, str], list[dict]] = {}
    for row in db.session.execute(q.with_for_update() if lock else q):
        out.setdefault((row.client_id, row.currency), []).append(balance(*row))
    return out


def refunds_to_match(*where, lock: bool) -> list[dict]:
    """Outgoing payments (``where``) of a client with something left to match, oldest first: refunds that may
    return money of the client's (``plan_refunds``)."""
    q = (
        sa.select(*REFUND_COLUMNS)
        .where(*where, Payment.direction == Direction.OUTGOING)
        .where(Payment.client_id.is_not(None), Payment.unapplied_kopecks > 0)
        .order_by(Payment.received_on, Payment.id)
    )
    return [balance(*row) for row in db.session.execute(q.with_for_update() if lock else q)]


def plan_refunds(refunds: list[dict], unused: dict[tuple[int, str], list[dict]], now) -> tuple[list, dict, list]:
    """Each refund (oldest first) takes its client's unused incoming money received no later than itself,
    oldest first; what a refund cannot match stays unmatched. Changes the balances it is given and returns
    (links, {payment id: its balance as it ends up}, timeline events)."""
    links, events, changed = [], [], {}
    for back in refunds:
        for paid in unused.get((back["client_id"], back["currency"]), []):
            take = min(paid["amount"] - paid["applied"] - paid["refunded"], back["amount"] - back["applied"])
            if take <= 0 or paid["on"] > back["on"]:
                continue
            paid["refunded"] += take
            back["applied"] += take
            changed[paid["id"]], changed[back["id"]] = paid, back
            links.append({"refund_id": back["id"], "payment_id": paid["id"], "amount_kopecks": take, "created_at": now})
            data = {"amount": take, "refund": back["id"], "refund_date": back["on"].isoformat()}
            events.append({"occurred_at": now, "kind": "payment_refunded", "visibility": Visibility.STAFF,
                           "client_id": back["client_id"], "payment_id": paid["id"], "data": data})  # fmt: skip
    return links, changed, events


def link_refunds(refund_ids: list[int]) -> int:
    """Match refunds to the money they return (``plan_refunds``). That money leaves the clerk's queue and
    the client's credit. Done in a few statements whatever the number of refunds, with the payments
    involved locked; safe to call again (only what is left of a refund is matched). A statement import
    matches its own refunds without locks, by the amounts it adds (``payments.importer``)."""
    if not refund_ids:
        return 0
    refunds = refunds_to_match(in_values(Payment.id, refund_ids), lock=True)
    if not refunds:
        return 0
    unused = unused_money({r["client_id"] for r in refunds}, lock=True)
    links, changed, events = plan_refunds(refunds, unused, utcnow())
    if not links:
        return 0
    insert_rows(PaymentRefund.__table__, links)
    updates = [
        {"id": b["id"], "applied_kopecks": b["applied"], "refunded_kopecks": b["refunded"]} for b in changed.values()
    ]
    update_rows(Payment.__table__, updates)
    settle_payments(list(changed))
    insert_rows(Event.__table__, events)
    db.session.expire_all()  # payments loaded in the session now show the matched amounts
    return sum(link["amount_kopecks"] for link in links)


def unlink_refund(link: PaymentRefund, *, actor=None) -> None:
    """Take back a refund's match (the clerk found it returned other money): the incoming money is in the
    queue and the credit again, the refund unmatched; the link stays, marked, in the history."""
    if link.reversed_at is not None:
        raise DomainError(_l("This match was already taken back"))
    payments = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Payment).where(Payment.id.in_([link.payment_id, link.refund_id])).with_for_update()
        )
    }
    payment, refund = payments[link.payment_id], payments[link.refund_id]
    link.reversed_at = utcnow()
    payment.refunded_kopecks -= link.amount_kopecks
    refund.applied_kopecks -= link.amount_kopecks
    _payment_state(payment, actor)
    _payment_state(refund, actor)
    db.session.flush()
    record(
        "payment_refund_unlinked",
        actor=actor,
        client=refund.client_id,
        payment=payment,
        data={"amount": link.amount_kopecks, "refund": refund.id},
    )


def apply_credit(invoice: Invoice, *, actor=None) -> int:
    """Settle a newly issued invoice from the client's credit (overpayments kept on its payments),
    oldest payment first; returns the amount applied."""
    credit = unapplied_credit(invoice.client_id)
    if credit <= 0 or invoice.is_credit_note or invoice.state not in OPEN_STATES:
        return 0
    q = (
        sa.select(Payment)
        .where(
            Payment.client_id == invoice.client_id,
            Payment.direction == Direction.INCOMING,
            Payment.unapplied_kopecks > 0,
            Payment.currency == invoice.currency,
        )
        .order_by(Payment.received_on, Payment.id)
        .with_for_update()
    )
    applied = 0
    for payment in db.session.scalars(q):
        owing = invoice.outstanding_kopecks
        amount = min(payment.unapplied_kopecks, owing, credit - applied)
        if amount <= 0:
            break
        apply_payment(payment, invoice, amount, actor=actor, reason="credit")
        applied += amount
    return applied


def apply_allocations(payment: Payment, amounts: dict[int, int], *, actor=None, reason: str = "manual") -> None:
    """The clerk's match or split: apply ``amounts`` (invoice id -> kopecks) of one payment, all or none."""
    if payment.direction != Direction.INCOMING:
        raise DomainError(_l("Only incoming payments settle invoices"))
    if not amounts:
        raise DomainError(_l("Choose at least one invoice"), "invoice")
    if sum(amounts.values()) > payment.unapplied_kopecks:
        raise DomainError(_l("The amounts add up to more than is left on the payment"), "amount")
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.id.in_(amounts)).order_by(Invoice.id).with_for_update()
    ).all()
    if len(invoices) != len(amounts):
        raise DomainError(_l("An invoice was not found"), "invoice")
    if payment.organisation_id != invoices[0].organisation_id:
        raise DomainError(_l("An invoice was not found"), "invoice")
    for inv in sorted(invoices, key=lambda i: (i.issued_on or i.created_at.date(), i.id)):
        apply_payment(payment, inv, amounts[inv.id], actor=actor, reason=reason)


def remember_payer_inn(payment: Payment, *, actor=None) -> ClientInn | None:
    """Add the payer's INN to the payment's client (another legal entity it pays from), so that its next
    payments are recognised; nothing when the INN is someone's already."""
    from debitor.clients.services import inn_owner

    if not payment.payer_inn or payment.client_id is None or inn_owner(payment.payer_inn) is not None:
        return None
    extra = ClientInn(client_id=payment.client_id, inn=payment.payer_inn, name=payment.payer_name[:300])
    db.session.add(extra)
    db.session.flush()
    record("client_updated", actor=actor, client=payment.client_id, data={"extra_inn": payment.payer_inn})
    return extra


__all__ = [
    "apply_allocations",
    "apply_credit",
    "apply_payment",
    "link_refunds",
    "plan_refunds",
    "unused_money",
    "remember_payer_inn",
    "unapplied_credit",
    "unapply",
    "unlink_refund",
]
