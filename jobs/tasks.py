"""Job entry points. They receive ids, run in their own app context and are safe to run twice."""

from __future__ import annotations

from jobs.runtime import in_app_context


@in_app_context
def deliver_outbox(message_id: int) -> str:
    """Deliver one outbox message; a message already sent is left alone."""
    from debitor.outbox.services import deliver

    return deliver(message_id)


@in_app_context
def sweep_outbox() -> int:
    """Deliver every pending message whose attempt is due (covers lost enqueues and retries)."""
    from debitor.outbox.services import deliver, due_message_ids

    ids = due_message_ids()
    for ident in ids:
        deliver(ident)
    return len(ids)
