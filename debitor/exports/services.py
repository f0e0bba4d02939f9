"""Invoice-table exports too big for one request: asked for in the staff workspace, written by a worker,
kept for download for ``EXPORT_KEEP_HOURS`` (24).

A request builds a file only while that is sure to fit in the web server's timeout (the table's inline
limits); a bigger filtered set becomes an ``Export`` row, queued after commit. The job (``jobs.tasks``)
claims it in one UPDATE (a second run of the same job, or a second worker, finds it claimed and does
nothing) and calls ``build``, which reads
the rows in batches with a server-side cursor, writes them to a temporary file (CSV streamed, XLSX in
xlsxwriter's constant-memory mode), and stores the finished file with the row. A worker that dies leaves
the row running; the sweep queues it again once it is older than any export can take.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from debitor import jobrows
from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.exports.models import Export, ExportState
from debitor.invoices import export as files
from debitor.invoices.queries import InvoiceTableQuery, TableQuery, export_select
from debitor.money import format_count
from debitor.states import transition
from debitor.work import later, set_progress

XLSX_MAX_ROWS = 1_048_575  # a worksheet's rows, less the header
PROGRESS_EVERY = 5000  # rows


def progress_key(export_id: int) -> str:
    return f"debitor:export:{export_id}:progress"


def request_export(query: TableQuery, fmt: str, *, on: date, rows: int, actor, locale: str) -> Export:
    """Queue an export of the whole filtered set (the job is enqueued when the caller commits)."""
    if fmt == "xlsx" and rows > XLSX_MAX_ROWS:
        raise DomainError(
            _l("%(num)s invoices do not fit on one Excel sheet (at most %(max)s rows): export them as CSV or "
               "narrow the filter.", num=format_count(rows, locale), max=format_count(XLSX_MAX_ROWS, locale)),
        )  # fmt: skip
    export = Export(
        created_by_id=actor.id,
        format=fmt,
        params=query.args(),
        as_of=on,
        locale=locale,
        rows_expected=rows,
        filename=f"invoices-{on.isoformat()}.{fmt}",
    )
    db.session.add(export)
    db.session.flush()
    later("export_invoices", export.id, job_id=f"export-{export.id}")
    return export


def build(export_id: int) -> Export:
    """Build the file of a claimed (running) export and store it with the row."""
    export = db.session.get(Export, export_id)
    with force_locale(export.locale), tempfile.TemporaryFile() as out:
        written = _write(export, out)
        out.seek(0)
        content = out.read()
    export.content, export.size, export.rows_written = content, len(content), written
    export.finished_at, export.error = utcnow(), ""
    transition(export, ExportState.DONE, data={"rows": written})
    return export


def fail(export_id: int, exc: Exception) -> Export:
    """End an export whose build raised as failed, with the error its page shows."""
    export = db.session.get(Export, export_id)
    export.finished_at, export.error = utcnow(), f"{type(exc).__name__}: {exc}"[:1000]
    transition(export, ExportState.FAILED)
    return export


def _write(export: Export, out) -> int:
    """Write the file to ``out``; returns the number of invoices in it."""
    query = InvoiceTableQuery().load(export.params)
    rows = files.iter_rows(export_select(query, export.as_of))
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            if count % PROGRESS_EVERY == 0:
                set_progress(progress_key(export.id), rows=count)
            yield row

    if export.format == "xlsx":
        files.write_xlsx(counted(), out, today=export.as_of, state_label=files.state_label)
    else:
        for chunk in files.csv_chunks(counted(), today=export.as_of, state_label=files.state_label):
            out.write(chunk.encode("utf-8"))
    return count


def stale_ids() -> list[int]:
    """Exports waiting for a worker: queued for over a minute (the enqueue was lost), or whose worker died
    (nothing was stored, so running again is safe)."""
    return jobrows.stale_ids(Export)


def purge_expired() -> int:
    """Delete exports older than the keeping time (finished or failed), files and all."""
    hours = current_app.config["EXPORT_KEEP_HOURS"]
    deleted = db.session.execute(
        sa.delete(Export).where(
            Export.state.in_([ExportState.DONE, ExportState.FAILED]),
            Export.created_at < utcnow() - timedelta(hours=hours),
        )
    ).rowcount
    return deleted


def expires_at(export: Export):
    return export.created_at + timedelta(hours=current_app.config["EXPORT_KEEP_HOURS"])


def describe_state(export: Export) -> str:
    return {
        ExportState.QUEUED: _("Waiting for a worker…"),
        ExportState.RUNNING: _("Writing the file…"),
        ExportState.DONE: _("Ready"),
        ExportState.FAILED: _("Failed"),
    }[export.state]
