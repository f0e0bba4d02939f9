"""Importing a 1C bank statement: one service behind three entries (an upload the worker imports, the
exchange folder a periodic job watches, ``flask onec import FILE``).

The whole statement is one transaction (``payments.importer``): a file that turns out bad at its last line
(garbage, a document for somebody else's account, a truncated end) leaves nothing behind, and the error names
the line. Around it, each in a unit of work of its own, the statement goes running (visible to its polling
page) before and failed after, should the import's transaction be rolled back. Progress (bytes read,
documents) goes to Redis while the transaction runs, for the polling fragment.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from debitor import jobrows
from debitor.db import BLOB_SLICE, blob_length, blob_slice, db, utcnow
from debitor.onec.errors import StatementError
from debitor.orgs.services import default_organisation
from debitor.payments.importer import Importer, ImportRefused, get_progress, problem, set_progress
from debitor.payments.models import BankStatement, StatementFile, StatementState
from debitor.schemas import N_
from debitor.states import transition
from debitor.work import unit_of_work

__all__ = ["ImportRefused", "get_progress", "import_claimed", "import_failed", "import_path", "new_statement", "run"]

log = logging.getLogger(__name__)


E_UNEXPECTED = N_(
    "The import stopped on an unexpected error (%(error)s); nothing was imported. Import the statement again; if "
    "the error comes back, give the file to the administrator."
)


def unexpected(exc: BaseException) -> dict:
    """An error the import did not foresee (a bug, the database refusing a row, a lost connection) as stored
    JSON: its kind and the first line of its text, which is what the administrator needs to find it in the log."""
    text = (str(exc).strip().splitlines() or [""])[0]
    text = text if len(text) <= 300 else text[:299] + "…"
    return {"message": E_UNEXPECTED, "params": {"error": f"{type(exc).__name__}: {text}".rstrip(": ")},
            "line": None, "key": None}  # fmt: skip


# --- entries --------------------------------------------------------------------------------------


def new_statement(source: str, filename: str, data_or_path: bytes | Path, *, actor=None) -> BankStatement:
    """A queued statement; an upload's bytes are stored with it (any worker host can read them). Its
    SHA-256 is taken while the import reads it, not in a pass of its own."""
    size = len(data_or_path) if isinstance(data_or_path, bytes) else data_or_path.stat().st_size
    try:
        organisation = default_organisation()  # until the file's account says whose statement it is
    except LookupError as exc:
        raise ImportRefused(N_("There is no organisation to import statements for")) from exc
    statement = BankStatement(
        organisation_id=organisation.id,
        source=source,
        filename=Path(filename).name[:255] or "statement.txt",
        sha256="",
        size_bytes=size,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(statement)
    db.session.flush()
    if isinstance(data_or_path, bytes):
        db.session.add(StatementFile(statement_id=statement.id, data=data_or_path))
    return statement


def import_path(path: Path, *, source: str = "cli", actor=None) -> BankStatement:
    with unit_of_work():
        statement = new_statement(source, path.name, path, actor=actor)
    return run(statement, path)


class BlobReader(io.RawIOBase):
    """Reads an uploaded statement's bytes from the database in 1 MiB slices (constant memory)."""

    def __init__(self, statement_id: int, chunk: int = BLOB_SLICE) -> None:
        self.where = StatementFile.statement_id == statement_id
        self.chunk, self.pos = chunk, 0
        self.size = blob_length(StatementFile.data, self.where)
        if self.size is None:
            raise ImportRefused(N_("The uploaded file is no longer stored: upload it again"))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.pos >= self.size:
            return 0
        part = blob_slice(StatementFile.data, self.where, self.pos, min(len(buffer), self.chunk, self.size - self.pos))
        buffer[: len(part)] = part
        self.pos += len(part)
        return len(part)


# --- the import ---------------------------------------------------------------------------------------


def run(statement: BankStatement, source: BinaryIO | Path) -> BankStatement:
    """Import ``source`` (a file, or a stream) as ``statement``: running, visible to its page, in a unit of work
    of its own; then the import in one; failed in a third if that raises — also on an error nobody foresaw
    (logged with its traceback), so that no statement is left running. Only an interruption of the process
    itself (KeyboardInterrupt, SystemExit) leaves it running, for the sweep to find once the worker is gone.
    An upload's job composes the same steps around its claim (``jobs.tasks.import_statement``)."""
    sid = statement.id
    if statement.state != StatementState.RUNNING:
        with unit_of_work():
            statement.started_at = utcnow()
            transition(statement, StatementState.RUNNING)
    try:
        with unit_of_work():
            return import_claimed(sid, source)
    except Exception as exc:
        if not isinstance(exc, StatementError | ImportRefused):
            log.exception("statement %s: the import failed on an unexpected error", sid)
        with unit_of_work():
            return import_failed(sid, exc)


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while a statement is imported: the import holds some 300 000 long-lived
    objects and makes no cycles, and every full collection walked them all. Reference counting frees
    everything as before; the collector is back on when the import ends, however it ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def import_claimed(statement_id: int, source: BinaryIO | Path | None = None) -> BankStatement:
    """The import of a running statement, in the caller's transaction: from ``source``, or from an upload's
    stored bytes; they are deleted once it is done."""
    statement = db.session.get(BankStatement, statement_id)
    with collector_paused():  # 100 000 documents: 52.4 s with the cycle collector on, 31.2 s off (2026-12-03)
        Importer(statement, BlobReader(statement_id) if source is None else source).run()
    db.session.execute(sa.delete(StatementFile).where(StatementFile.statement_id == statement_id))
    db.session.flush()
    set_progress(statement_id, bytes=statement.bytes_read, documents=statement.documents_read, done=1)
    return statement


def import_failed(statement_id: int, exc: Exception) -> BankStatement:
    """End the statement as failed with the error, after the import's transaction was rolled back: nothing
    of it is kept, an upload's stored bytes neither."""
    known = isinstance(exc, StatementError | ImportRefused)
    statement = db.session.get(BankStatement, statement_id)
    statement.error, statement.finished_at = problem(exc) if known else unexpected(exc), utcnow()
    transition(statement, StatementState.FAILED)
    db.session.execute(sa.delete(StatementFile).where(StatementFile.statement_id == statement_id))
    set_progress(statement_id, documents=0, done=1)  # the bytes as far as the import had read them
    return statement


def statement_json(statement: BankStatement) -> str:
    """The CLI's JSON: the summary, warnings and error of an import."""
    return json.dumps(
        {
            "statement": statement.id,
            "file": statement.filename,
            "state": statement.state.value,
            **(statement.summary or {}),
            "warnings_list": [describe(w) for w in statement.warnings or []],
            "error": describe(statement.error) if statement.error else None,
        },
        ensure_ascii=False,
        indent=2,
    )


LINE = N_("line %(n)s")


def describe(p: dict, translate=lambda text: text, params: dict | None = None) -> str:
    """A stored error, warning or reason as a sentence: its message (``translate``d) with ``params``
    (default: the stored ones), after the line and key where the message does not name them itself."""
    params = p.get("params") or {} if params is None else params
    try:
        text = translate(p["message"]) % params
    except (KeyError, ValueError, TypeError):
        text = p["message"]
    where = []
    if p.get("line") and "%(line)s" not in p["message"]:
        where.append(translate(LINE) % {"n": p["line"]})
    if p.get("key") and "%(key)s" not in p["message"]:
        where.append(p["key"])
    return f"{', '.join(where)}: {text}" if where else text


def stale_queued_ids(minutes: int = 1) -> list[int]:
    """Uploads waiting for a worker: queued ``minutes`` after they came, or whose worker died."""
    return jobrows.stale_ids(BankStatement, BankStatement.source == "upload", minutes=minutes)
