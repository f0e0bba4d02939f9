"""transition_rows: many rows moved by one rule, each move checked against its machine and written as an event."""

import pytest
import sqlalchemy as sa

from debitor.db import db
from debitor.invoices.models import SETTLEMENT, Invoice, InvoiceState, settlement_columns
from debitor.invoices.services import cancel_with_credit_note
from debitor.states import TransitionError, transition_rows
from debitor.timeline.models import Event
from tests import factories as f


def test_a_rule_moves_each_row_to_its_own_state_and_writes_one_event_each():
    org = f.organisation()
    c = f.client(org)
    full, part, none = (f.issued(org, c, lines=((1, 100_00),)) for _ in range(3))
    full.paid_kopecks, part.paid_kopecks = full.total_kopecks, 40_00  # as a bulk import adds them, states not yet
    db.session.flush()
    ids = [full.id, part.id, none.id]
    moved = transition_rows(Invoice, [Invoice.id.in_(ids)], SETTLEMENT, figures=settlement_columns())
    assert moved == sorted([full.id, part.id])  # the unpaid one is where the rule puts it already
    db.session.expire_all()
    assert [db.session.get(Invoice, i).state for i in ids] == [
        InvoiceState.PAID,
        InvoiceState.PARTIALLY_PAID,
        InvoiceState.ISSUED,
    ]
    events = db.session.execute(
        sa.select(Event.invoice_id, Event.data).where(Event.kind == "state_changed").order_by(Event.invoice_id)
    ).all()
    assert [(i, d["from_state"], d["to_state"]) for i, d in events] == [
        (full.id, "issued", "paid"),
        (part.id, "issued", "partially_paid"),
    ]
    assert transition_rows(Invoice, [Invoice.id.in_(ids)], SETTLEMENT, figures=settlement_columns()) == []


def test_a_move_the_machine_forbids_is_refused_and_nothing_moves():
    org = f.organisation()
    c = f.client(org)
    cancelled = f.issued(org, c, lines=((1, 100_00),))
    cancel_with_credit_note(cancelled, reason="ошибка в сумме")
    cancelled.paid_kopecks = cancelled.total_kopecks  # a rule would call it paid; a cancelled invoice never is
    db.session.flush()
    with pytest.raises(TransitionError):
        transition_rows(Invoice, [Invoice.id == cancelled.id], SETTLEMENT, figures=settlement_columns())
    db.session.expire_all()
    assert db.session.get(Invoice, cancelled.id).state == InvoiceState.CANCELLED


def test_one_target_moves_only_rows_it_may_be_reached_from():
    org = f.organisation()
    c = f.client(org)
    draft, issued = f.draft(org, c), f.issued(org, c)
    moved = transition_rows(Invoice, [Invoice.id.in_([draft.id, issued.id])], InvoiceState.CANCELLED)
    assert moved == [issued.id]
    db.session.expire_all()
    assert db.session.get(Invoice, draft.id).state == InvoiceState.DRAFT
