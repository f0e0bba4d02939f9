"""One transaction per job: a job body that raises leaves nothing behind; a long job's row, claimed in a
transaction of its own, ends failed with the error and nothing of the work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.clients.models import Client
from debitor.dates import today
from debitor.db import db
from debitor.exports.models import Export, ExportState
from debitor.exports.services import request_export
from debitor.invoices.queries import InvoiceTableQuery
from debitor.outbox.models import OutboxMessage, OutboxState
from debitor.outbox.services import queue_email
from jobs import tasks
from tests import factories as f


def committed(column, where):
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(column).where(where))


def test_an_export_whose_work_raises_leaves_nothing_and_ends_failed(app, monkeypatch):
    org = f.organisation()
    client = f.client(org, "Альфа")
    f.issued(org, client)
    clerk = f.staff(Role.CLERK)
    export = request_export(InvoiceTableQuery().load({}), "csv", on=today(), rows=1, actor=clerk, locale="ru")
    db.session.commit()

    def write_then_fail(export, out):
        out.write(b"half a file")
        db.session.execute(sa.update(Client).where(Client.id == client.id).values(short_name="Changed"))
        db.session.flush()
        raise OSError("disk full")

    monkeypatch.setattr("debitor.exports.services._write", write_then_fail)
    assert tasks.export_invoices(export.id) == {"state": "failed", "rows": 0}
    assert committed(Client.short_name, Client.id == client.id) == "Альфа"
    assert committed(Export.state, Export.id == export.id) == ExportState.FAILED
    assert committed(Export.error, Export.id == export.id) == "OSError: disk full"
    assert committed(Export.content, Export.id == export.id) is None


def test_a_job_body_that_raises_leaves_nothing(app, monkeypatch):
    msg = queue_email(to=["a@client.test"], subject="Счёт № 1", text="Текст", dedupe_key="unit-of-work")
    db.session.commit()

    def broken(email):
        raise ValueError("a bug, not a mail server's refusal")

    monkeypatch.setattr("debitor.outbox.services.smtp_send", broken)
    with pytest.raises(ValueError):
        tasks.deliver_outbox(msg.id)  # the attempt was counted before the send: rolled back with it
    assert committed(OutboxMessage.attempts, OutboxMessage.id == msg.id) == 0
    assert committed(OutboxMessage.state, OutboxMessage.id == msg.id) == OutboxState.PENDING
