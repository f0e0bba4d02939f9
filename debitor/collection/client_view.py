"""What a client sees of collection: in the portal a banner for its due and overdue documents and under each
invoice what was sent about it and when; and, once a policy's penalty step was taken for a document, its
penalty (on the invoice pages, staff's too, and the statement of account).

Both read only what the client may see: letters that went out (their subject and when; never a body, a
staff note, a task or a skip), and its own open documents. The caller scopes to the signed-in client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from debitor.business_days import BusinessDays
from debitor.collection.models import CollectionAction, Outcome, StepAction
from debitor.collection.penalties import Penalty
from debitor.collection.services import business_days, invoice_penalty
from debitor.db import db
from debitor.invoices import rules
from debitor.invoices.models import Invoice, open_sql, outstanding_sql
from debitor.outbox.models import OutboxMessage, OutboxState

DUE_SOON_DAYS = 3  # the banner announces a document this many days before its due date (the first reminder's)


@dataclass(frozen=True)
class BannerLine:
    number: str
    due_on: date
    outstanding_kopecks: int
    days_overdue: int


@dataclass(frozen=True)
class Banner:
    overdue: list[BannerLine]
    due: list[BannerLine]

    @property
    def overdue_kopecks(self) -> int:
        return sum(line.outstanding_kopecks for line in self.overdue)

    @property
    def due_kopecks(self) -> int:
        return sum(line.outstanding_kopecks for line in self.due)


def banner(client_id: int, day: date) -> Banner | None:
    """The client's open documents that are overdue, or due within ``DUE_SOON_DAYS`` (or sooner, where a
    policy's banner step was taken for one); None when there are none."""
    shown = sa.exists().where(
        CollectionAction.invoice_id == Invoice.id, CollectionAction.action == StepAction.BANNER,
        CollectionAction.outcome == Outcome.TAKEN,
    )  # fmt: skip
    rows = db.session.execute(
        sa.select(Invoice, outstanding_sql())
        .where(Invoice.client_id == client_id, open_sql(), Invoice.due_on.is_not(None))
        .where(sa.or_(Invoice.due_on <= day + timedelta(days=DUE_SOON_DAYS), shown))
        .order_by(Invoice.due_on, Invoice.id)
    ).all()
    lines = [
        BannerLine(inv.number, inv.due_on, owed, rules.calendar().days_overdue(inv.due_on, day))
        for inv, owed in rows
        if owed > 0
    ]
    if not lines:
        return None
    return Banner([x for x in lines if x.days_overdue], [x for x in lines if not x.days_overdue])


@dataclass(frozen=True)
class SentLetter:
    sent_at: datetime
    subject: str
    claim: bool  # the pre-trial claim, not a reminder


def letters_sent(invoice_id: int) -> list[SentLetter]:
    """The collection letters that went out about the invoice (its own, and consolidated ones listing it),
    oldest first."""
    actions = db.session.scalars(
        sa.select(CollectionAction).where(
            CollectionAction.invoice_id == invoice_id, CollectionAction.action.in_([StepAction.EMAIL, StepAction.CLAIM])
        )
    ).all()
    # a consolidated letter's mark names the letter's own action (``data["with"]``), whose key the outbox row has
    keys = {f"collection:{a.data.get('with') or a.dedupe_key}": a.action for a in actions}
    if not keys:
        return []
    messages = db.session.execute(
        sa.select(OutboxMessage.dedupe_key, OutboxMessage.sent_at, OutboxMessage.subject)
        .where(OutboxMessage.dedupe_key.in_(list(keys)), OutboxMessage.state == OutboxState.SENT)
        .order_by(OutboxMessage.sent_at, OutboxMessage.id)
    ).all()
    return [SentLetter(at, subject, keys[key] == StepAction.CLAIM) for key, at, subject in messages]


def _penalty_taken():
    return sa.exists().where(
        CollectionAction.invoice_id == Invoice.id, CollectionAction.action == StepAction.PENALTY,
        CollectionAction.outcome == Outcome.TAKEN,
    )  # fmt: skip


def penalty_shown(invoice: Invoice, day: date, calendar: BusinessDays | None = None) -> Penalty | None:
    """The invoice's penalty as of ``day``, once the policy's penalty step was taken for it (None before, or
    when nothing accrued)."""
    if not db.session.scalar(sa.select(_penalty_taken()).where(Invoice.id == invoice.id)):
        return None
    penalty = invoice_penalty(invoice, day, calendar)
    return penalty if penalty is not None and penalty.total_kopecks > 0 else None


def penalties_shown(client_id: int, day: date) -> list[tuple[Invoice, Penalty]]:
    """Each of the client's invoices with a penalty shown (``penalty_shown``), by due date."""
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.client_id == client_id, _penalty_taken()).order_by(Invoice.due_on, Invoice.id)
    ).all()
    calendar = business_days() if invoices else None
    found = [(inv, invoice_penalty(inv, day, calendar)) for inv in invoices]
    return [(inv, p) for inv, p in found if p is not None and p.total_kopecks > 0]
