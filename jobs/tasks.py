"""Job entry points. They receive ids, run in their own app context and unit of work, and are safe to run
twice."""

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
    from jobs.outbox import deliver_due

    return len(deliver_due())


@in_app_context
def collection_run(day: str | None = None) -> dict:
    """The collection run as of ``day`` (ISO; today by default), in one transaction: a run that fails or
    is killed leaves nothing, and the next one takes what it would have."""
    from datetime import date

    from debitor.collection.run import run
    from debitor.dates import today

    return run(date.fromisoformat(day) if day else today())


@in_app_context
def import_statement(statement_id: int) -> dict:
    """Import an uploaded bank statement: claimed (running for its page) in a transaction of its own, imported
    in one, failed in another if that raises; one claimed by another run or finished is left alone."""
    from debitor.db import db
    from debitor.payments.importing import import_claimed, import_failed
    from debitor.payments.models import BankStatement
    from jobs.rows import run_claimed

    statement = run_claimed(BankStatement, statement_id, import_claimed, import_failed) or db.session.get(
        BankStatement, statement_id
    )
    return {"state": statement.state.value, **(statement.summary or {})} if statement else {}


@in_app_context
def sweep_statements() -> int:
    """Enqueue uploads still queued after a minute (their enqueue was lost, e.g. Redis was down)."""
    from debitor.payments.importing import stale_queued_ids
    from jobs.queues import JOB_TIMEOUT, get_queue

    ids = stale_queued_ids()
    for ident in ids:  # with the same time limit as when the upload enqueued it (RQ's default is 3 minutes)
        get_queue().enqueue("jobs.tasks.import_statement", ident, job_id=f"statement-{ident}", job_timeout=JOB_TIMEOUT)
    return len(ids)


@in_app_context
def pick_up_statements() -> list[dict]:
    """Import the statements 1C or the bank client dropped into the exchange folder."""
    from debitor.payments.folder import pick_up

    return pick_up()


@in_app_context
def export_enterprise_data() -> int:
    """Write this and last month's EnterpriseData files for 1C to ONEC_EXCHANGE_DIR/out (unchanged files
    are left alone)."""
    from debitor.onec.enterprise_data import export_to_folder

    return len(export_to_folder())


@in_app_context
def export_invoices(export_id: int) -> dict:
    """Write a queued invoice export to its file; one already claimed or finished is left alone."""
    from debitor.db import db
    from debitor.exports.models import Export
    from debitor.exports.services import build, fail
    from jobs.rows import run_claimed

    export = run_claimed(Export, export_id, build, fail, rows_written=0) or db.session.get(Export, export_id)
    return {"state": export.state.value, "rows": export.rows_written} if export else {}


@in_app_context
def sweep_exports() -> dict:
    """Queue exports whose enqueue was lost or whose worker died, and delete those past keeping."""
    from debitor.exports.services import purge_expired, stale_ids
    from jobs.queues import JOB_TIMEOUT, get_queue

    ids = stale_ids()
    for ident in ids:
        get_queue().enqueue("jobs.tasks.export_invoices", ident, job_id=f"export-{ident}", job_timeout=JOB_TIMEOUT)
    return {"queued": len(ids), "purged": purge_expired()}
