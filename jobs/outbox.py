"""Delivering the outbox outside a job's own message (the sweep job, ``flask outbox sweep``)."""

from __future__ import annotations

from debitor.outbox.services import deliver, due_message_ids
from debitor.work import unit_of_work


def deliver_due() -> list[tuple[int, str]]:
    """Deliver every pending message whose attempt is due, each in a transaction of its own: an email sent
    is recorded as sent before the next one is tried. Returns (id, resulting state) pairs."""
    done = []
    for ident in due_message_ids():
        with unit_of_work():
            done.append((ident, deliver(ident)))
    return done
