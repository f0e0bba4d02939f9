"""At send time: a collection letter queued before a payment arrived is not sent once nothing in it is owed.

The outbox asks ``drop_reason`` before it sends a message; a letter whose documents are no longer open
(paid, credited, cancelled since it was queued) or are all paused now (a dispute opened, the client held)
is dropped: the outbox row does not go out, and the step's record says why (``Outcome.DROPPED``). The step
stays taken: a document paid is not reminded again.
"""

from __future__ import annotations

import sqlalchemy as sa

from debitor.clients.models import Client
from debitor.collection.engine import PAUSES
from debitor.collection.models import CollectionAction, Outcome
from debitor.db import db
from debitor.invoices.models import Invoice, open_sql
from debitor.timeline.services import record


def drop_reason(message_id: int) -> str | None:
    """Why the outbox message must not go out now ("paid", or a pause's reason), or None to send it."""
    action = db.session.scalar(
        sa.select(CollectionAction)
        .where(CollectionAction.outbox_message_id == message_id, CollectionAction.outcome == Outcome.TAKEN)
        .order_by(CollectionAction.id)
        .limit(1)
    )
    if action is None or not action.invoice_ids:
        return None
    reason = sa.case(*[(condition(), name) for name, condition in PAUSES], else_=sa.null())
    rows = db.session.execute(
        sa.select(Invoice.id, reason)
        .join(Client, Client.id == Invoice.client_id)
        .where(Invoice.id.in_(action.invoice_ids), open_sql())
    ).all()
    if not rows:
        return "paid"
    paused = {r for _i, r in rows}
    if None in paused:
        return None
    return sorted(paused)[0]


def record_drop(message_id: int, reason: str) -> None:
    """The letter's step (and a consolidated letter's documents) marked dropped, with the reason, on the
    timeline."""
    actions = list(
        db.session.scalars(sa.select(CollectionAction).where(CollectionAction.outbox_message_id == message_id))
    )
    for action in actions:
        action.outcome, action.reason = Outcome.DROPPED, reason
    main = next((a for a in actions if a.invoice_ids), None)
    if main is not None:
        record("collection_step_dropped", client=main.client_id, invoice=main.invoice_id,
               data={"step": main.step_id, "action": main.action.value, "reason": reason,
                     "invoices": list(main.invoice_ids)})  # fmt: skip
    db.session.flush()
