"""The demo company is believable and consistent: every state present, money adds up, numbers gapless."""

import sqlalchemy as sa

from debitor.collection.services import invoice_penalty
from debitor.contracts.models import Contract, ContractState
from debitor.dates import today
from debitor.db import db
from debitor.demo import CLIENT_PASSWORD, STAFF_PASSWORD, load_demo
from debitor.disputes.models import DisputeState
from debitor.identifiers import validate_inn
from debitor.invoices.models import Invoice, InvoiceState, open_sql
from debitor.models import Client, Dispute, Event, Payment, PaymentAllocation, PaymentState, Task
from tests.conftest import post_form


def test_demo_data(app):
    summary = load_demo(seed=7)
    db.session.commit()
    assert 48 <= summary.counts["clients"] <= 60
    assert {s for (s,) in db.session.execute(sa.select(Invoice.state).distinct())} == set(InvoiceState)
    assert {s for (s,) in db.session.execute(sa.select(Contract.state).distinct())} == set(ContractState)
    assert {s for (s,) in db.session.execute(sa.select(Payment.state).distinct())} == set(PaymentState)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dispute)) >= 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) >= 5
    assert db.session.scalar(sa.select(sa.func.count()).where(Client.parent_id.is_not(None))) >= 5
    for inn in db.session.scalars(sa.select(Client.inn)):
        validate_inn(inn)

    active = PaymentAllocation.reversed_at.is_(None)
    per_invoice = sa.select(PaymentAllocation.invoice_id, sa.func.sum(PaymentAllocation.amount_kopecks)).where(active)
    paid = dict(db.session.execute(per_invoice.group_by(PaymentAllocation.invoice_id)).all())
    for inv in db.session.scalars(sa.select(Invoice)):
        assert paid.get(inv.id, 0) == inv.paid_kopecks, inv.id
        assert inv.total_kopecks == sum(x.amount_kopecks for x in inv.lines)
    per_payment = sa.select(PaymentAllocation.payment_id, sa.func.sum(PaymentAllocation.amount_kopecks)).where(active)
    applied = dict(db.session.execute(per_payment.group_by(PaymentAllocation.payment_id)).all())
    for p in db.session.scalars(sa.select(Payment)):
        assert applied.get(p.id, 0) == p.applied_kopecks
    bundled = db.session.execute(
        sa.select(PaymentAllocation.payment_id).group_by(PaymentAllocation.payment_id).having(sa.func.count() > 1)
    ).all()
    assert bundled, "some payments settle several invoices"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Payment.applied_kopecks < Payment.amount_kopecks, Payment.client_id.is_not(None)
            )
        )
        > 0
    )  # credit

    # credit notes: what each invoice was credited is the sum of the credit notes correcting it, and what it
    # owes is its total less payments and credits (one disputed invoice is partly credited)
    notes = sa.select(Invoice.corrects_id, sa.func.sum(Invoice.total_kopecks)).where(Invoice.kind == "credit_note")
    credited = dict(db.session.execute(notes.group_by(Invoice.corrects_id)).all())
    assert sorted(credited) and any(db.session.get(Invoice, i).state != InvoiceState.CANCELLED for i in credited)
    for inv in db.session.scalars(sa.select(Invoice).where(Invoice.kind == "invoice")):
        assert inv.credited_kopecks == credited.get(inv.id, 0), inv.id
        if inv.state in (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID):
            assert inv.outstanding_kopecks == inv.total_kopecks - inv.paid_kopecks - inv.credited_kopecks > 0
    assert {s for (s,) in db.session.execute(sa.select(Dispute.state).distinct())} == {
        DisputeState.OPEN,
        DisputeState.CREDITED,
        DisputeState.REJECTED,
    }
    # every state was reached through the services: each contract's moves are on its timeline
    for contract in db.session.scalars(sa.select(Contract)):
        moves = db.session.scalars(
            sa.select(Event.kind)
            .where(Event.contract_id == contract.id, Event.subject == "contract")
            .order_by(Event.id)
        ).all()
        expected = {
            ContractState.DRAFT: [],
            ContractState.AWAITING_ACK: ["contract_sent"],
            ContractState.ACKNOWLEDGED: ["contract_sent", "contract_acknowledged"],
            ContractState.ACK_OVERDUE: ["contract_sent", "contract_ack_overdue"],
            ContractState.TERMINATED: ["contract_terminated"],
        }[contract.state]
        assert moves == expected, contract.number
    overdue = db.session.scalars(sa.select(Contract.id).where(Contract.state == ContractState.ACK_OVERDUE)).all()
    assert set(overdue) <= set(
        db.session.scalars(sa.select(Task.contract_id).where(Task.kind == "contract_ack_overdue"))
    )

    rows = db.session.execute(
        sa.select(Invoice.number_year, sa.func.count(), sa.func.max(Invoice.number_seq))
        .where(Invoice.number_seq.is_not(None), Invoice.kind == "invoice")
        .group_by(Invoice.number_year)
    ).all()
    assert rows and all(count == top for _, count, top in rows)

    staff = app.test_client()
    assert post_form(staff, "/staff/", {"email": "clerk@debitor.local", "password": STAFF_PASSWORD}).status_code == 303
    portal = app.test_client()
    assert post_form(portal, "/", {"email": "client@debitor.local", "password": CLIENT_PASSWORD}).status_code == 303
    assert portal.get("/invoices").status_code == 200


def test_the_demo_statements_are_never_made_in_the_future(app):
    from datetime import timedelta

    from tests import factories as f

    f.organisation()

    from debitor.dates import today
    from debitor.demo_bank import demo_statement
    from debitor.onec.parser import parse

    for day, made in [(today(), today()), (today() - timedelta(days=1), today())]:
        name, data = demo_statement(day)
        assert parse(data).header.created_on == made, name  # issue 12, point 12: was tomorrow


def test_the_demo_runs_its_default_policy(app):
    """Today's collection run of the demo: letters queued, tasks made, penalties on overdue invoices, the
    held client skipped."""
    summary = load_demo(seed=7).collection
    assert summary["actions"].get("email", 0) >= 1 and summary["actions"].get("task", 0) >= 1, summary
    assert summary["skipped"].get("hold", 0) >= 1, summary
    tasks = db.session.scalars(sa.select(Task).where(Task.kind == "collection")).all()
    assert tasks and all(t.invoice_id for t in tasks)
    overdue = next(i for i in db.session.scalars(sa.select(Invoice).where(open_sql())) if i.days_overdue(today()) > 20)
    penalty = invoice_penalty(overdue, today())
    assert penalty is not None and penalty.total_kopecks > 0
