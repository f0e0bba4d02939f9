"""Cash application invariants: partial, one payment for many invoices, overpayment credit, unapply."""

import pytest
import sqlalchemy as sa

from debitor.dates import today
from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import InvoiceState
from debitor.kpi.services import client_balance
from debitor.payments.models import PaymentState
from debitor.payments.services import apply_payment, unapply
from debitor.timeline.models import Event
from tests import factories as f


def test_partial_then_full():
    org = f.organisation()
    c = f.client(org)
    inv = f.issued(org, c, lines=((1, 1000_00),))
    p1 = f.payment(org, c, 400_00)
    apply_payment(p1, inv)
    assert (inv.state, inv.paid_kopecks, p1.state) == (
        InvoiceState.PARTIALLY_PAID,
        400_00,
        PaymentState.APPLIED,
    )
    p2 = f.payment(org, c, 600_00)
    apply_payment(p2, inv)
    assert inv.state == InvoiceState.PAID and inv.outstanding_kopecks == 0 and inv.paid_on == p2.received_on


def test_one_payment_for_many_invoices_and_overpayment_credit():
    org = f.organisation()
    c = f.client(org)
    a, b = f.issued(org, c, lines=((1, 300_00),)), f.issued(org, c, lines=((1, 500_00),))
    p = f.payment(org, c, 1000_00)
    apply_payment(p, a)
    apply_payment(p, b)
    assert a.state == b.state == InvoiceState.PAID
    assert p.state == PaymentState.PARTIALLY_APPLIED and p.unapplied_kopecks == 200_00
    balance = client_balance(c.id, today())
    assert (balance.receivable, balance.credit, balance.balance) == (0, 200_00, -200_00)


def test_cannot_apply_more_than_left_or_to_other_clients_invoice():
    org = f.organisation()
    c, other = f.client(org), f.client(org)
    inv = f.issued(org, c, lines=((1, 100_00),))
    p = f.payment(org, c, 500_00)
    with pytest.raises(DomainError):
        apply_payment(p, inv, 200_00)
    with pytest.raises(DomainError):
        apply_payment(p, f.issued(org, other))
    assert inv.paid_kopecks == 0 and p.applied_kopecks == 0


def test_agency_payment_may_settle_sub_client_invoice():
    org = f.organisation()
    agency = f.client(org, "Агентство")
    sub = f.client(org, "Рекламодатель", parent_id=agency.id)
    inv = f.issued(org, sub, lines=((1, 100_00),))
    apply_payment(f.payment(org, agency, 100_00), inv)
    assert inv.state == InvoiceState.PAID


def test_unapply_restores_both_sides_and_keeps_history():
    org = f.organisation()
    c = f.client(org)
    inv = f.issued(org, c, lines=((1, 100_00),))
    p = f.payment(org, c, 100_00)
    alloc = apply_payment(p, inv)
    unapply(alloc)
    assert (inv.state, inv.paid_kopecks, p.state, p.applied_kopecks) == (
        InvoiceState.ISSUED,
        0,
        PaymentState.UNMATCHED,
        0,
    )
    assert alloc.reversed_at is not None
    with pytest.raises(DomainError):
        unapply(alloc)
    events = db.session.scalars(sa.select(Event).where(Event.invoice_id == inv.id).order_by(Event.id)).all()
    moves = [(e.kind, e.data.get("from_state"), e.data.get("to_state")) for e in events]
    assert moves == [
        ("invoice_issued", "draft", "issued"),
        ("state_changed", "issued", "paid"),  # the invoice's own move, written by the transition
        ("payment_applied", None, None),
        ("state_changed", "paid", "issued"),
        ("payment_unapplied", None, None),
    ]
    payment_moves = db.session.scalars(
        sa.select(Event.data).where(Event.subject == "payment", Event.subject_id == p.id).order_by(Event.id)
    ).all()
    assert [(d["from_state"], d["to_state"]) for d in payment_moves] == [
        ("unmatched", "applied"),
        ("applied", "unmatched"),
    ]


def test_a_credit_note_is_never_paid():
    """A credit note is issued (so in an "open" state) but lowers the debt itself: money applied to it would
    vanish from the client's balance and its statement alike."""
    from debitor.invoices.services import cancel_with_credit_note

    org = f.organisation()
    c = f.client(org)
    note = cancel_with_credit_note(f.issued(org, c, lines=((1, 100_00),)), reason="ошибка")
    p = f.payment(org, c, 100_00)
    with pytest.raises(DomainError):
        apply_payment(p, note)
    assert p.applied_kopecks == 0 and note.paid_kopecks == 0
    assert client_balance(c.id, today()).balance == -100_00  # the payment is credit
