"""Credit notes for chosen lines or an amount: numbered, VAT as on the invoice, lowering what is owed.

The invoice of every test: 2 × 500,00 and 1 × 220,00 = 1 220,00 ₽ at 22 % VAT, issued 2 March 2026;
VAT 1 000,00 × 22/122 = 180,33 and 220,00 × 22/122 = 39,67.
"""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from debitor.db import db, in_values
from debitor.documents.statement import statement_of_account
from debitor.errors import DomainError
from debitor.invoices.models import SETTLEMENT, Invoice, InvoiceKind, InvoiceState, settlement_columns
from debitor.invoices.services import cancel_with_credit_note, credit_note
from debitor.kpi.services import client_balance
from debitor.payments.services import apply_payment
from debitor.states import transition_rows
from debitor.timeline.models import Event
from tests import factories as f

ON = date(2026, 3, 2)


@pytest.fixture
def invoice():
    org = f.organisation()
    inv = f.issued(org, f.client(org), on=ON, lines=((2, 500_00), (1, 220_00)))
    assert (inv.total_kopecks, inv.vat_kopecks) == (1220_00, 220_00)
    return inv


def test_a_line_credited_by_quantity(invoice):
    first = invoice.lines[0]
    note = credit_note(invoice, lines={first.id: Decimal(1)}, reason="один день не показывали", on=date(2026, 3, 10))
    assert (note.kind, note.number, note.corrects_id, note.state) == (
        InvoiceKind.CREDIT_NOTE,
        "К-1",
        invoice.id,
        InvoiceState.ISSUED,
    )
    assert [(x.quantity, x.unit_price_kopecks, x.amount_kopecks, x.vat_kopecks) for x in note.lines] == [
        (Decimal(1), 500_00, 500_00, 90_16)  # 500,00 × 22/122 = 90,16
    ]
    assert (note.total_kopecks, note.vat_kopecks, note.vat_rate) == (500_00, 90_16, invoice.vat_rate)
    assert note.lines[0].corrects_line_id == first.id
    assert (invoice.state, invoice.credited_kopecks, invoice.outstanding_kopecks) == (
        InvoiceState.ISSUED,
        500_00,
        720_00,
    )
    assert (invoice.number, len(invoice.lines), invoice.total_kopecks) == ("1", 2, 1220_00)  # the invoice is untouched
    apply_payment(f.payment(invoice.organisation, invoice.client, 720_00), invoice)
    assert (invoice.state, invoice.outstanding_kopecks) == (InvoiceState.PAID, 0)


def test_an_amount_credited_after_a_payment_respects_the_payment(invoice):
    apply_payment(f.payment(invoice.organisation, invoice.client, 1000_00), invoice)
    assert invoice.state == InvoiceState.PARTIALLY_PAID
    with pytest.raises(DomainError) as err:
        credit_note(invoice, amount=300_00, reason="скидка")
    assert err.value.field == "amount" and "220,00" in str(err.value.message)
    note = credit_note(invoice, amount=220_00, reason="скидка", on=date(2026, 3, 12))
    assert (note.total_kopecks, note.vat_kopecks) == (220_00, 39_67)
    assert (invoice.state, invoice.outstanding_kopecks, invoice.paid_on) == (InvoiceState.PAID, 0, date(2026, 3, 12))
    with pytest.raises(DomainError):  # nothing is owed any more
        credit_note(invoice, amount=1, reason="ещё")


def test_what_may_be_credited(invoice):
    org = invoice.organisation
    other = f.issued(org, invoice.client, on=ON)
    second = invoice.lines[1]
    cases = [
        ({"lines": {other.lines[0].id: 100}}, "lines"),  # a line of another invoice
        ({"lines": {second.id: 0}}, "lines"),
        ({"lines": {second.id: Decimal(2)}}, "lines"),  # more than the line's quantity
        ({"lines": {second.id: True}}, "lines"),
        ({"lines": {}}, "lines"),
        ({"amount": 0}, "amount"),
        ({"amount": 100, "lines": {second.id: 100}}, "lines"),
        ({}, "amount"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as err:
            credit_note(invoice, reason="x", **kwargs)
        assert err.value.field == field, kwargs
    with pytest.raises(DomainError) as err:
        credit_note(invoice, amount=100, reason=" ")
    assert err.value.field == "reason"
    credit_note(invoice, lines={second.id: 200_00}, reason="x")
    with pytest.raises(DomainError) as err:  # 20,00 is left of that line
        credit_note(invoice, lines={second.id: 30_00}, reason="x")
    assert err.value.field == "lines"
    note = credit_note(invoice, lines={second.id: 20_00}, reason="x")
    assert (note.number, invoice.credited_kopecks, invoice.outstanding_kopecks) == ("К-2", 220_00, 1000_00)
    draft = f.draft(org, invoice.client)
    with pytest.raises(DomainError):
        credit_note(draft, amount=100, reason="x")
    with pytest.raises(DomainError):
        credit_note(note, amount=100, reason="x")


def test_crediting_everything_cancels_the_invoice(invoice):
    note = credit_note(invoice, lines={x.id: x.quantity for x in invoice.lines}, reason="ошибка")
    assert (note.total_kopecks, note.vat_kopecks) == (1220_00, 220_00)
    assert (invoice.state, invoice.outstanding_kopecks) == (InvoiceState.CANCELLED, 0)
    kinds = db.session.scalars(sa.select(Event.kind).where(Event.invoice_id == invoice.id).order_by(Event.id)).all()
    assert kinds[-1] == "invoice_cancelled"


def test_cancelling_after_a_partial_credit_credits_the_rest(invoice):
    credit_note(invoice, amount=200_00, reason="скидка", on=date(2026, 3, 5))
    note = cancel_with_credit_note(invoice, reason="договор расторгнут", on=date(2026, 3, 6))
    assert (note.number, note.total_kopecks, len(note.lines)) == ("К-2", 1020_00, 1)
    assert note.vat_kopecks == 183_93  # 1 020,00 × 22/122 = 183,93
    assert (invoice.state, invoice.credited_kopecks) == (InvoiceState.CANCELLED, 1220_00)


def test_the_statement_and_the_balance_count_a_partial_credit(invoice):
    client = invoice.client
    credit_note(invoice, amount=220_00, reason="скидка", on=date(2026, 3, 5))
    apply_payment(f.payment(invoice.organisation, client, 300_00, on=date(2026, 3, 7)), invoice)
    statement = statement_of_account(client.id, date(2026, 3, 1), date(2026, 3, 31))
    assert [(r.kind, r.debit_kopecks, r.credit_kopecks) for r in statement.rows] == [
        ("invoice", 1220_00, 0),
        ("credit_note", 0, 220_00),
        ("payment", 0, 300_00),
    ]
    assert statement.closing_kopecks == 700_00  # 1 220 − 220 − 300
    balance = client_balance(client.id, date(2026, 3, 8))
    assert (balance.receivable, balance.balance) == (700_00, 700_00)
    assert invoice.outstanding_kopecks == 700_00


def test_the_settlement_rule_counts_credits_in_python_and_sql(invoice):
    assert SETTLEMENT.of(total=100, paid=60, credited=40) == InvoiceState.PAID
    assert SETTLEMENT.of(total=100, paid=0, credited=40) == InvoiceState.ISSUED
    assert SETTLEMENT.of(total=100, paid=10, credited=40) == InvoiceState.PARTIALLY_PAID
    credit_note(invoice, amount=1000_00, reason="скидка")
    db.session.execute(
        sa.update(Invoice).where(Invoice.id == invoice.id).values(paid_kopecks=220_00)
    )  # as a bulk import would apply money: the rule, not this test, decides the state
    moved = transition_rows(Invoice, [in_values(Invoice.id, [invoice.id])], SETTLEMENT, figures=settlement_columns())
    db.session.refresh(invoice)
    assert (moved, invoice.state) == ([invoice.id], InvoiceState.PAID)
