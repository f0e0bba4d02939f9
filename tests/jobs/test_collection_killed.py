"""A worker SIGKILLed in the middle of a collection run: its transaction dies with it, and the next run
takes every step, so that at a real SMTP server each due letter arrives exactly once, none missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

from debitor.collection.defaults import install_defaults
from debitor.collection.models import CollectionAction
from debitor.collection.run import run
from debitor.db import db
from debitor.outbox.models import OutboxMessage
from jobs.tasks import sweep_outbox
from tests import factories as f
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]
DUE = date(2026, 3, 10)
REMINDER = "2026-03-07"  # the default policy's friendly reminder, three days before
# The CLI as a worker runs it, with the run's progress logged so that the test knows when it is mid-way
WORKER = (
    "import logging, sys\n"
    "logging.basicConfig(level=logging.INFO, stream=sys.stderr)\n"
    "from flask.cli import main\n"
    "sys.argv = ['flask', 'collection', 'run', '--today', sys.argv[1]]\n"
    "main()\n"
)


def committed(model) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_run_killed_midway_then_run_again_sends_each_letter_once(app, smtp):
    install_defaults()
    org = f.organisation()
    clients = [f.client(org) for _ in range(8)]
    invoices = [f.issued(org, clients[n % 8], on=date(2026, 2, 28)) for n in range(40)]
    assert {i.due_on for i in invoices} == {DUE}
    db.session.commit()
    env = {**os.environ, "DATABASE_URL": database_url(), "DEBITOR_REDIS_URL": app.config["REDIS_URL"],
           "DEBITOR_ENV": "test", "FLASK_APP": "wsgi", "DEBITOR_COLLECTION_BATCH": "5",
           "DEBITOR_COLLECTION_BATCH_PAUSE": "30"}  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, REMINDER], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline, seen = time.monotonic() + 120, []
        while time.monotonic() < deadline:  # the first batch is written (not committed), the second waits
            line = worker.stderr.readline()
            seen.append(line)
            if "steps 1-5 of 40 taken" in line or not line:
                break
        assert "steps 1-5 of 40 taken" in seen[-1], "".join(seen)
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.stdout.close()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL
    time.sleep(0.5)  # the database notices the dropped connection and rolls its transaction back
    assert committed(CollectionAction) == 0 and committed(OutboxMessage) == 0

    assert run(date.fromisoformat(REMINDER))["actions"] == {"email": 40}
    db.session.commit()
    assert run(date.fromisoformat(REMINDER))["actions"] == {}
    for message in db.session.scalars(sa.select(OutboxMessage)):
        message.next_attempt_at = datetime(2026, 1, 1, tzinfo=UTC)  # inside the sending hours, long due
    db.session.commit()
    smtp.clear()
    assert sweep_outbox() == 40
    assert sweep_outbox() == 0
    subjects = sorted(m["Subject"] for m in smtp.messages)
    assert subjects == sorted(f"Напоминание: счёт № {i.number} к оплате 10.03.2026" for i in invoices)
