"""Numbers for the home pages: staff work counts and a client's balance. Real queries, no caches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from debitor.db import db
from debitor.invoices.models import Invoice, due_before_sql, open_sql, owed_sql
from debitor.payments.models import Direction, Payment, PaymentState
from debitor.payments.services import unapplied_credit
from debitor.tasks.services import counts as task_counts


@dataclass
class StaffCounts:
    open_invoices: int
    open_amount: int
    overdue_invoices: int
    overdue_amount: int
    unmatched_payments: int
    unmatched_amount: int
    open_tasks: int
    overdue_tasks: int


def staff_counts(today: date, now) -> StaffCounts:
    open_q = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(owed_sql()), 0)).where(open_sql())
    open_n, open_sum = db.session.execute(open_q).one()
    over_n, over_sum = db.session.execute(open_q.where(due_before_sql(today))).one()
    pay_n, pay_sum = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(Payment.unapplied_kopecks), 0),
        ).where(Payment.state != PaymentState.APPLIED, Payment.direction == Direction.INCOMING)  # the clerk's queue
    ).one()
    tasks_n, tasks_late = task_counts(now)
    return StaffCounts(open_n, int(open_sum), over_n, int(over_sum), pay_n, int(pay_sum), tasks_n, tasks_late)


@dataclass
class ClientBalance:
    receivable: int  # open invoices, still to pay
    overdue: int
    overdue_count: int
    credit: int  # paid but not applied to any invoice
    next_due_on: date | None

    @property
    def balance(self) -> int:
        """What the client owes (positive) or has in credit (negative)."""
        return self.receivable - self.credit


def client_balance(client_id: int, today: date) -> ClientBalance:
    owed = sa.func.coalesce(sa.func.sum(owed_sql()), 0)
    base = sa.select(owed, sa.func.count(), sa.func.min(Invoice.due_on)).where(
        Invoice.client_id == client_id, open_sql()
    )
    receivable = db.session.execute(base).one()[0]
    overdue, overdue_n, _ = db.session.execute(base.where(due_before_sql(today))).one()
    next_due = db.session.execute(base.where(~due_before_sql(today))).one()[2]  # the next date not yet overdue
    credit = unapplied_credit(client_id)  # less what was paid back to the client
    return ClientBalance(int(receivable), int(overdue), overdue_n, int(credit), next_due)
