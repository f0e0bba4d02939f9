"""The exchange folder: where 1C or the bank client drops statements for us to import.

    <ONEC_EXCHANGE_DIR>/in/          files to import (any name; 1C writes kl_to_1c.txt)
    <ONEC_EXCHANGE_DIR>/processing/  a file being imported (moved there first: two workers never take
                                     the same file, a rename is atomic)
    <ONEC_EXCHANGE_DIR>/done/        imported files, prefixed with the time and the statement id
    <ONEC_EXCHANGE_DIR>/failed/      files that could not be imported, each with a .error.txt beside it

A file modified in the last few seconds is left for the next run: the writer may not have finished.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from flask import current_app

from debitor.db import db, utcnow
from debitor.payments.importing import ImportRefused, import_path, statement_json
from debitor.payments.models import StatementState

log = logging.getLogger(__name__)

SETTLE_SECONDS = 5
STUCK_SECONDS = 30 * 60  # longer than any import (jobs.queues.JOB_TIMEOUT)


def exchange_dir() -> Path:
    configured = current_app.config.get("ONEC_EXCHANGE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "onec"


def folders() -> dict[str, Path]:
    root = exchange_dir()
    out = {name: root / name for name in ("in", "processing", "done", "failed", "out")}
    for path in out.values():
        path.mkdir(parents=True, exist_ok=True)
    return out


def pick_up(now: float | None = None) -> list[dict]:
    """Import every settled file in ``in/``; returns one summary per file."""
    dirs = folders()
    now = time.time() if now is None else now
    for stuck in dirs["processing"].iterdir():  # a worker died mid-import: the transaction was rolled back
        if stuck.is_file() and now - stuck.stat().st_mtime > STUCK_SECONDS:
            os.replace(stuck, dirs["in"] / stuck.name)
    results = []
    for path in sorted(p for p in dirs["in"].iterdir() if p.is_file() and not p.name.startswith(".")):
        if now - path.stat().st_mtime < SETTLE_SECONDS:
            continue
        taken = dirs["processing"] / path.name
        try:
            os.rename(path, taken)
        except FileNotFoundError:  # another worker took it
            continue
        os.utime(taken)  # taken now: what the stuck-file check above measures from
        results.append(_import(taken, dirs))
    return results


def _import(path: Path, dirs: dict[str, Path]) -> dict:
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    try:
        statement = import_path(path, source="folder")
    except Exception as err:  # nothing to import into (no organisation), or the database went away: the file
        db.session.rollback()  # leaves processing/ all the same, and the next one is imported
        if not isinstance(err, ImportRefused):
            log.exception("exchange folder: %s could not be imported", path.name)
        text = str(err) if isinstance(err, ImportRefused) else f"{type(err).__name__}: {err}"
        target = dirs["failed"] / f"{stamp}-{path.name}"
        os.replace(path, target)
        target.with_name(target.name + ".error.txt").write_text(text + "\n", encoding="utf-8")
        return {"file": path.name, "state": "failed", "error": text}
    if statement.state == StatementState.DONE:
        os.replace(path, dirs["done"] / f"{stamp}-{statement.id}-{path.name}")
    else:
        target = dirs["failed"] / f"{stamp}-{statement.id}-{path.name}"
        os.replace(path, target)
        target.with_name(target.name + ".error.txt").write_text(statement_json(statement) + "\n", encoding="utf-8")
    return {"file": path.name, "statement": statement.id, "state": statement.state.value}
