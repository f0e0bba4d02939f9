"""Open, overdue and outstanding: one definition, the same in Python and in SQL, and a calendar hook.

Invoices due 10 March 2026 (a Tuesday), looked at on the 10th, 11th and 16th; a business-day calendar
that gives three days' grace moves both sides at once.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from debitor.db import db
from debitor.invoices import rules
from debitor.invoices.models import Invoice, InvoiceState, outstanding_sql, overdue_sql, status_sql
from debitor.invoices.services import cancel_with_credit_note, credit_note
from debitor.kpi.services import client_balance, staff_counts
from debitor.payments.services import apply_payment
from tests import factories as f

DUE = date(2026, 3, 10)


@pytest.fixture
def invoices():
    """open 1 000,00; partly paid 300,00 of 1 000,00 and credited 200,00; paid; cancelled; the two credit notes."""
    org = f.organisation()
    client = f.client(org, payment_terms_days=8)
    issued = [f.issued(org, client, on=date(2026, 3, 2), lines=((1, 1000_00),)) for _ in range(4)]
    assert {i.due_on for i in issued} == {DUE}
    plain, partly, paid, cancelled = issued
    apply_payment(f.payment(org, client, 300_00), partly)
    discount = credit_note(partly, amount=200_00, reason="скидка")
    apply_payment(f.payment(org, client, 1000_00), paid)
    note = cancel_with_credit_note(cancelled, reason="ошибка")
    return client, [plain, partly, paid, cancelled, note, discount]


def sql_ids(condition) -> set[int]:
    return set(db.session.scalars(sa.select(Invoice.id).where(condition)))


def test_python_and_sql_agree(invoices):
    client, docs = invoices
    plain, partly, paid, cancelled, note, discount = docs
    assert [d.outstanding_kopecks for d in docs] == [1000_00, 500_00, 0, 0, 0, 0]
    assert [d.is_open for d in docs] == [True, True, False, False, False, False]
    sql = dict(db.session.execute(sa.select(Invoice.id, outstanding_sql())).all())
    assert [sql[d.id] for d in docs] == [1000_00, 500_00, 0, 0, 0, 0]
    for today, late in [(DUE, set()), (DUE + timedelta(days=1), {plain.id, partly.id})]:
        assert {d.id for d in docs if d.is_overdue(today)} == late == sql_ids(overdue_sql(today))
    assert [d.days_overdue(date(2026, 3, 16)) for d in docs] == [6, 6, 0, 0, 0, 0]
    assert sql_ids(overdue_sql(date(2026, 3, 16), days=6)) == {plain.id, partly.id}
    assert sql_ids(overdue_sql(date(2026, 3, 16), days=7)) == set()
    assert sql_ids(status_sql("open", DUE)) == {plain.id, partly.id}
    assert sql_ids(status_sql("credit", DUE)) == {note.id, discount.id}
    assert sql_ids(status_sql("paid", DUE)) == {paid.id}
    assert sql_ids(status_sql("cancelled", DUE)) == {cancelled.id}
    with pytest.raises(ValueError):
        status_sql("nonsense", DUE)
    balance = client_balance(client.id, DUE + timedelta(days=1))
    assert (balance.receivable, balance.overdue, balance.overdue_count) == (1500_00, 1500_00, 2)
    counts = staff_counts(DUE, now=datetime(2026, 3, 10, 12, tzinfo=UTC))
    assert (counts.open_invoices, counts.open_amount, counts.overdue_invoices) == (2, 1500_00, 0)


class ThreeDaysGrace(rules.Calendar):
    """A stand-in for a business-day calendar: overdue only from the fourth day after the due date."""

    def overdue_since(self, due_on):
        return due_on + timedelta(days=4)

    def latest_overdue_due(self, today, days=1):
        return today - timedelta(days=days + 3)


def test_a_calendar_moves_python_and_sql_together(invoices):
    _client, docs = invoices
    plain = docs[0]
    previous = rules.set_calendar(ThreeDaysGrace())
    try:
        assert rules.overdue_since(DUE) == date(2026, 3, 14)
        for today, late in [(date(2026, 3, 13), False), (date(2026, 3, 14), True)]:
            assert plain.is_overdue(today) is late
            assert (plain.id in sql_ids(overdue_sql(today))) is late
        assert plain.days_overdue(date(2026, 3, 14)) == 4  # days since the due date, once overdue
    finally:
        rules.set_calendar(previous)
    assert rules.overdue_since(DUE) == date(2026, 3, 11)


def test_rules_on_values():
    assert rules.outstanding("invoice", InvoiceState.ISSUED, 100, 30, 20) == 50
    assert rules.outstanding("invoice", InvoiceState.PAID, 100, 100, 0) == 0
    assert rules.outstanding("credit_note", InvoiceState.ISSUED, 100, 0, 0) == 0
    assert rules.days_overdue("invoice", "issued", None, DUE) == 0
