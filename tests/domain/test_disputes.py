"""Dispute services: opened by the invoice's own client on its own lines, resolved by staff (with a credit
note, a corrected invoice or a rejection), closing the tasks about it.

The invoice: 2 × 500,00 and 1 × 220,00 = 1 220,00 ₽ at 22 % VAT.
"""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.db import db
from debitor.disputes.models import DisputeState
from debitor.disputes.services import disputes, open_dispute, open_dispute_count, resolve_dispute
from debitor.errors import DomainError
from debitor.invoices.models import InvoiceState
from debitor.tasks.models import TaskState
from debitor.tasks.services import create_task
from debitor.timeline.models import Event, Visibility
from tests import factories as f


@pytest.fixture
def setting():
    org = f.organisation()
    client = f.client(org)
    invoice = f.issued(org, client, on=date(2026, 3, 2), lines=((2, 500_00), (1, 220_00)))
    return org, client, invoice


def test_a_dispute_resolved_with_a_credit_note(setting):
    org, client, invoice = setting
    user, manager = f.portal_user(client), f.staff(Role.MANAGER)
    first = invoice.lines[0]
    dispute = open_dispute(invoice, reason="  Кликов было меньше ", by=user, line_id=first.id)
    assert (dispute.state, dispute.client_id, dispute.invoice_line_id, dispute.reason, dispute.opened_by_id) == (
        DisputeState.OPEN,
        client.id,
        first.id,
        "Кликов было меньше",
        user.id,
    )
    task = create_task("dispute", "Спор по счёту № 1", role=Role.MANAGER, due_at=datetime(2026, 3, 9, tzinfo=UTC),
                       dispute=dispute, invoice=invoice)  # fmt: skip
    assert open_dispute_count() == 1 and disputes(client_id=client.id, open_only=True) == [dispute]
    resolve_dispute(
        dispute,
        DisputeState.CREDITED,
        resolution="Сняли 100 кликов",
        actor=manager,
        credit_lines={first.id: 150_00},
    )
    assert (dispute.state, dispute.resolution, dispute.resolved_by_id) == (
        DisputeState.CREDITED,
        "Сняли 100 кликов",
        manager.id,
    )
    assert (invoice.state, invoice.credited_kopecks, invoice.outstanding_kopecks) == (
        InvoiceState.ISSUED,
        150_00,
        1070_00,
    )
    assert task.state == TaskState.DONE
    q = sa.select(Event.kind, Event.visibility, Event.invoice_id).where(
        Event.dispute_id == dispute.id, Event.kind != "task_created"
    )
    assert sorted(db.session.execute(q.order_by(Event.id)).all()) == [
        ("dispute_opened", Visibility.CLIENT, invoice.id),
        ("dispute_resolved", Visibility.CLIENT, invoice.id),
    ]
    resolved = db.session.scalars(sa.select(Event).where(Event.kind == "dispute_resolved")).one()
    assert (resolved.data["credit_note"], resolved.data["credited"]) == ("К-1", 150_00)
    assert open_dispute_count() == 0
    with pytest.raises(DomainError) as err:
        resolve_dispute(dispute, DisputeState.REJECTED, resolution="ещё раз", actor=manager)
    assert err.value.field == "dispute"


def test_who_may_dispute_what(setting):
    org, client, invoice = setting
    other_invoice = f.issued(org, client)
    stranger = f.portal_user(f.client(org))
    cases = [
        (dict(by=stranger), "invoice"),  # another client's user
        (dict(by=f.portal_user(client), line_id=other_invoice.lines[0].id), "invoice_line_id"),
        (dict(by=f.portal_user(client), reason=" "), "reason"),
        (dict(by=None), "by"),
    ]
    for kw, field in cases:
        kw.setdefault("reason", "не согласны")
        with pytest.raises(DomainError) as err:
            open_dispute(invoice, **kw)
        assert err.value.field == field, kw
    with pytest.raises(DomainError) as err:
        open_dispute(f.draft(org, client), reason="x", by=f.portal_user(client))
    assert err.value.field == "invoice"
    clerk = f.staff(Role.CLERK)
    recorded = open_dispute(invoice, reason="позвонили и не согласны", by=clerk)  # staff record it for the client
    assert (recorded.opened_by_id, recorded.client_id) == (None, client.id)


def test_resolving_needs_an_answer_and_the_right_outcome(setting):
    org, client, invoice = setting
    manager = f.staff(Role.MANAGER)
    dispute = open_dispute(invoice, reason="дорого", by=f.portal_user(client))
    cases = [
        (dict(outcome=DisputeState.OPEN, resolution="x"), "outcome"),
        (dict(outcome=DisputeState.REJECTED, resolution=" "), "resolution"),
        (dict(outcome=DisputeState.REJECTED, resolution="x", actor=f.portal_user(client)), "actor"),
        (dict(outcome=DisputeState.CREDITED, resolution="x"), "credit"),
        (dict(outcome=DisputeState.REJECTED, resolution="x", credit_amount=100), "credit"),
        (dict(outcome=DisputeState.CREDITED, resolution="x", credit_amount=2000_00), "amount"),  # > 1 220,00
    ]
    for kw, field in cases:
        kw.setdefault("actor", manager)
        outcome = kw.pop("outcome")
        with pytest.raises(DomainError) as err:
            resolve_dispute(dispute, outcome, **kw)
        assert err.value.field == field, kw
    assert dispute.state == DisputeState.OPEN and invoice.credited_kopecks == 0
    resolve_dispute(dispute, DisputeState.REJECTED, resolution="Цена по договору", actor=manager)
    assert (dispute.state, invoice.outstanding_kopecks) == (DisputeState.REJECTED, 1220_00)
