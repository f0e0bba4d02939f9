"""The reconciliation report: does what the bank says agree with what we recorded?

For a period: each imported statement's own totals (ВсегоПоступило / ВсегоСписано per account) against
its documents and against the payments now in the database (money in: clients' and transfers from our
other accounts; money out: to anyone and transfers to our other accounts); money from payers we could not
put to a client; transfers between our own accounts and those whose other side no statement has brought
yet; invoices shown as paid that no bank payment settled (paid by hand, or from demo data); and client
balances — what clients owe on open invoices against the credit they hold.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from debitor.clients.models import Client
from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState, open_sql, owed_sql
from debitor.money import to_decimal
from debitor.payments.models import (
    MONEY_IN,
    TRANSFERS,
    BankStatement,
    Direction,
    Payment,
    PaymentAllocation,
    StatementState,
)

LIMIT = 200  # rows per list on the page; the CSV has the same


@dataclass
class StatementCheck:
    statement: BankStatement
    account: str
    bank_received: int | None
    bank_debited: int | None
    documents_received: int
    documents_debited: int
    stored_received: int
    stored_debited: int

    @property
    def ok(self) -> bool:
        bank_ok = (self.bank_received in (None, self.documents_received)) and (
            self.bank_debited in (None, self.documents_debited)
        )
        return bank_ok


@dataclass
class Report:
    date_from: date
    date_to: date
    statements: list[StatementCheck] = field(default_factory=list)
    received: int = 0
    received_count: int = 0
    applied: int = 0
    refunded: int = 0
    unknown_payers: list[Payment] = field(default_factory=list)
    unknown_total: int = 0
    transfers_out: int = 0  # between our own accounts: out of one
    transfers_in: int = 0  # and into the other
    unpaired_transfers: list[Payment] = field(default_factory=list)  # whose other side is not recorded (yet)
    paid_without_bank: list[Invoice] = field(default_factory=list)
    paid_without_bank_count: int = 0
    balances: list[tuple] = field(default_factory=list)  # (client id, name, inn, owed, credit)

    def tables(self, _):
        """(title, header, rows) per section, for the CSV export."""
        yield (
            _("Statements"),
            [_("Statement"), _("File"), _("Account"), _("Bank: received"), _("Documents: received"),
             _("Recorded: received"), _("Bank: debited"), _("Documents: debited"), _("Recorded: debited")],
            [[c.statement.id, c.statement.filename, c.account, _rub(c.bank_received), _rub(c.documents_received),
              _rub(c.stored_received), _rub(c.bank_debited), _rub(c.documents_debited), _rub(c.stored_debited)]
             for c in self.statements],
        )  # fmt: skip
        yield (
            _("Payments from unknown payers"),
            [_("Date"), _("Number"), _("Payer"), _("INN"), _("Amount"), _("Purpose")],
            [[p.received_on, p.doc_number, p.payer_name, p.payer_inn, _rub(p.amount_kopecks), p.purpose]
             for p in self.unknown_payers],
        )  # fmt: skip
        yield (
            _("Transfers between our accounts without their other side"),
            [_("Date"), _("Number"), _("Account"), _("Other account"), _("Amount"), _("Purpose")],
            [[p.received_on, p.doc_number, p.our_account, p.payer_account,
              _rub(-p.amount_kopecks if p.direction == Direction.TRANSFER_OUT else p.amount_kopecks), p.purpose]
             for p in self.unpaired_transfers],
        )  # fmt: skip
        yield (
            _("Invoices paid without a bank payment"),
            [_("Invoice"), _("Client"), _("Paid on"), _("Amount")],
            [[inv.number, inv.client.short_name, inv.paid_on, _rub(inv.total_kopecks)]
             for inv in self.paid_without_bank],
        )  # fmt: skip
        yield (
            _("Client balances"),
            [_("Client"), _("INN"), _("Owes"), _("Credit"), _("Balance")],
            [
                [name, inn, _rub(owed), _rub(credit), _rub(owed - credit)]
                for _id, name, inn, owed, credit in self.balances
            ],
        )


def _rub(kopecks: int | None) -> Decimal | None:
    return None if kopecks is None else to_decimal(kopecks)


def reconcile(date_from: date, date_to: date) -> Report:
    report = Report(date_from, date_to)
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    statements = db.session.scalars(
        sa.select(BankStatement)
        .where(
            BankStatement.state == StatementState.DONE,
            sa.or_(
                sa.and_(BankStatement.date_from <= date_to, BankStatement.date_to >= date_from),
                sa.and_(BankStatement.date_from.is_(None), BankStatement.created_at >= start,
                        BankStatement.created_at < end),
            ),
        )
        .order_by(BankStatement.id)
    ).all()  # fmt: skip
    if statements:
        stored: dict[tuple, int] = defaultdict(int)  # (statement, account, True: money in) -> kopecks
        for sid, account, direction, total in db.session.execute(
            sa.select(Payment.statement_id, Payment.our_account, Payment.direction, sa.func.sum(Payment.amount_kopecks))
            .where(Payment.statement_id.in_([s.id for s in statements]))
            .group_by(Payment.statement_id, Payment.our_account, Payment.direction)
        ):
            stored[(sid, account, direction in MONEY_IN)] += int(total)
        for st in statements:
            for sec in st.sections or []:
                acc = sec["account"]
                report.statements.append(
                    StatementCheck(
                        st, acc, sec.get("received"), sec.get("debited"),
                        sec.get("documents_received", 0), sec.get("documents_debited", 0),
                        stored[(st.id, acc, True)],
                        stored[(st.id, acc, False)],
                    )
                )  # fmt: skip
            if not st.sections:
                for acc in st.accounts or []:
                    got_in, got_out = stored[(st.id, acc, True)], stored[(st.id, acc, False)]
                    report.statements.append(StatementCheck(st, acc, None, None, got_in, got_out, got_in, got_out))
    in_period = Payment.received_on.between(date_from, date_to)
    incoming = Payment.direction == Direction.INCOMING
    count, received, applied = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(Payment.amount_kopecks), 0),
                  sa.func.coalesce(sa.func.sum(Payment.applied_kopecks), 0)).where(in_period, incoming)
    ).one()  # fmt: skip
    report.received_count, report.received, report.applied = int(count), int(received), int(applied)
    report.refunded = int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_kopecks), 0)).where(
                in_period, Payment.direction == Direction.OUTGOING, Payment.client_id.is_not(None)
            )
        )
    )
    _transfers(report, in_period)
    unknown = sa.select(Payment).where(in_period, incoming, Payment.client_id.is_(None))
    report.unknown_payers = db.session.scalars(unknown.order_by(Payment.received_on, Payment.id).limit(LIMIT)).all()
    report.unknown_total = int(
        db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount_kopecks), 0)).where(
            in_period, incoming, Payment.client_id.is_(None)))
    )  # fmt: skip
    bank_paid = (
        sa.select(PaymentAllocation.invoice_id)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.reversed_at.is_(None), Payment.source != "manual")
    )
    no_bank = sa.and_(
        Invoice.state == InvoiceState.PAID,
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.paid_on.between(date_from, date_to),
        Invoice.id.not_in(bank_paid),
    )
    report.paid_without_bank_count = int(db.session.scalar(sa.select(sa.func.count()).where(no_bank)))
    report.paid_without_bank = db.session.scalars(
        sa.select(Invoice)
        .options(selectinload(Invoice.client))
        .where(no_bank)
        .order_by(Invoice.paid_on, Invoice.id)
        .limit(LIMIT)
    ).all()
    owed = (
        sa.select(Invoice.client_id, sa.func.sum(owed_sql()).label("owed"))
        .where(open_sql())
        .group_by(Invoice.client_id)
        .subquery()
    )
    # as payments.services.unapplied_credit: unused money in, less refunds not matched to any of it
    credit_in = sa.func.sum(Payment.unapplied_kopecks).filter(incoming)
    credit_out = sa.func.sum(Payment.unapplied_kopecks).filter(~incoming)
    credit = (
        sa.select(
            Payment.client_id,
            (sa.func.coalesce(credit_in, 0) - sa.func.coalesce(credit_out, 0)).label("credit"),
        )
        .where(Payment.client_id.is_not(None))
        .group_by(Payment.client_id)
        .subquery()
    )
    owed_c, credit_c = sa.func.coalesce(owed.c.owed, 0), sa.func.coalesce(credit.c.credit, 0)
    rows = db.session.execute(
        sa.select(Client.id, Client.short_name, Client.inn, owed_c, credit_c)
        .outerjoin(owed, owed.c.client_id == Client.id)
        .outerjoin(credit, credit.c.client_id == Client.id)
        .where(sa.or_(owed_c != 0, credit_c != 0))
        .order_by((owed_c - credit_c).desc(), Client.id)
        .limit(LIMIT)
    ).all()
    report.balances = [(cid, name, inn, int(o), int(c)) for cid, name, inn, o, c in rows]
    return report


def _transfers(report: Report, in_period) -> None:
    """Money moved between our own accounts in the period, out and in, and the sides whose other side is not
    recorded: the other account's statement is not imported yet, or the money is on its way."""
    out = Payment.direction == Direction.TRANSFER_OUT
    report.transfers_out, report.transfers_in = (
        int(x)
        for x in db.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(Payment.amount_kopecks).filter(out), 0),
                sa.func.coalesce(sa.func.sum(Payment.amount_kopecks).filter(~out), 0),
            ).where(in_period, Payment.direction.in_(TRANSFERS))
        ).one()
    )
    other = aliased(Payment)
    its_other_side = (
        sa.select(other.id)
        .where(other.direction.in_(TRANSFERS), other.direction != Payment.direction)
        .where(other.our_account == Payment.payer_account, other.payer_account == Payment.our_account)
        .where(other.doc_number == Payment.doc_number, other.doc_date == Payment.doc_date)
        .where(other.amount_kopecks == Payment.amount_kopecks)
        .exists()
    )
    report.unpaired_transfers = db.session.scalars(
        sa.select(Payment)
        .where(in_period, Payment.direction.in_(TRANSFERS), ~its_other_side)
        .order_by(Payment.received_on, Payment.id)
        .limit(LIMIT)
    ).all()
