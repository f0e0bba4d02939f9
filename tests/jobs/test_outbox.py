"""Outbox: queued in the transaction, delivered by the worker over real SMTP, exactly once."""

from datetime import timedelta

import sqlalchemy as sa

from debitor.db import db, utcnow
from debitor.outbox.models import OutboxMessage, OutboxState
from debitor.outbox.services import deliver, due_message_ids, queue_email
from jobs import tasks
from jobs.queues import get_queue
from tests.conftest import run_jobs


def _queue(key="k1"):
    return queue_email(to=["a@client.test"], subject="Счёт № 1", text="Текст", dedupe_key=key)


def test_commit_enqueues_and_worker_delivers_once(app, smtp):
    msg = _queue()
    db.session.commit()
    assert get_queue(app).count == 1
    run_jobs(app)
    assert [m["Subject"] for m in smtp.messages] == ["Счёт № 1"]
    # a second run of the same job, and a sweep, send nothing more
    assert tasks.deliver_outbox(msg.id) == "sent"
    assert tasks.sweep_outbox() == 0
    assert len(smtp.messages) == 1
    assert db.session.get(OutboxMessage, msg.id).state == OutboxState.SENT


def test_rollback_sends_nothing(app, smtp):
    _queue()
    db.session.rollback()
    assert get_queue(app).count == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_same_key_is_one_message():
    a, b = _queue("same"), _queue("same")
    assert a.id == b.id


def test_smtp_failure_retries_later_then_gives_up(app, smtp):
    msg = _queue()
    db.session.commit()
    app.config["MAIL_PORT"], port = 1, app.config["MAIL_PORT"]  # nothing listens there
    try:
        assert deliver(msg.id) == "pending"
        msg = db.session.get(OutboxMessage, msg.id)
        assert msg.attempts == 1 and "Error" in msg.last_error and msg.next_attempt_at > utcnow()
        assert due_message_ids() == []  # backing off
        msg.attempts = app.config["MAIL_MAX_ATTEMPTS"] - 1
        msg.next_attempt_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert deliver(msg.id) == "failed"
    finally:
        app.config["MAIL_PORT"] = port
    assert smtp.messages == []


def test_sweep_delivers_when_the_enqueue_was_lost(app, smtp):
    _queue()
    db.session.commit()
    get_queue(app).empty()  # as if Redis had been down at commit time
    assert tasks.sweep_outbox() == 1
    assert len(smtp.messages) == 1
