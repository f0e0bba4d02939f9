"""Writing and reading the timeline. Events are only ever added."""

from __future__ import annotations

import sqlalchemy as sa

from debitor.db import db, utcnow
from debitor.timeline.models import Event, Visibility


def record(
    kind: str,
    *,
    actor=None,
    visibility: Visibility = Visibility.STAFF,
    data: dict | None = None,
    subject: str | None = None,
    subject_id: int | None = None,
    **refs,
) -> Event:
    """Add an event; ``actor`` is a StaffUser, a PortalUser or None (the system).

    ``refs`` are the objects it concerns: client, contract, invoice, payment, dispute (objects or ids);
    ``subject`` and ``subject_id`` the aggregate whose state moved (``debitor.states.transition``).
    """
    event = Event(
        kind=kind, visibility=visibility, data=data or {}, occurred_at=utcnow(), subject=subject, subject_id=subject_id
    )
    if actor is not None:
        if actor.kind == "staff":
            event.actor_staff_id = actor.id
        else:
            event.actor_portal_user_id = actor.id
    for name in ("client", "contract", "invoice", "payment", "dispute"):
        value = refs.pop(name, None)
        if value is not None:
            setattr(event, f"{name}_id", value if isinstance(value, int) else value.id)
    if refs:
        raise TypeError(f"unknown timeline references: {sorted(refs)}")
    if event.client_id is None:
        for name in ("invoice", "contract", "payment"):
            owner = getattr(event, f"{name}_id")
            if owner is not None:
                event.client_id = _client_of(name, owner)
                break
    db.session.add(event)
    return event


def _client_of(kind: str, ident: int) -> int | None:
    table = sa.table(f"{kind}s", sa.column("id"), sa.column("client_id"))  # invoices, contracts, payments
    return db.session.scalar(sa.select(table.c.client_id).where(table.c.id == ident))


def timeline(
    *,
    client_id: int | None = None,
    invoice_id: int | None = None,
    contract_id: int | None = None,
    client_visible_only: bool = False,
    limit: int = 100,
) -> list[Event]:
    q = sa.select(Event).order_by(Event.occurred_at.desc(), Event.id.desc()).limit(limit)
    if client_id is not None:
        q = q.where(Event.client_id == client_id)
    if invoice_id is not None:
        q = q.where(Event.invoice_id == invoice_id)
    if contract_id is not None:
        q = q.where(Event.contract_id == contract_id)
    if client_visible_only:
        q = q.where(Event.visibility == Visibility.CLIENT)
    return list(db.session.scalars(q))
