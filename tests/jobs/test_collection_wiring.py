"""The collection run wired in: the CLI, the job (and "run now"), and the outbox re-checking a letter at send
time — an email queued before the invoice was paid never reaches the SMTP server."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from debitor.collection.defaults import install_defaults
from debitor.collection.models import CollectionAction, CollectionPolicy, Outcome
from debitor.db import db
from debitor.outbox.models import OutboxMessage, OutboxState
from debitor.payments.services import apply_payment
from debitor.timeline.models import Event
from jobs import tasks
from jobs.queues import get_queue
from tests import factories as f
from tests.conftest import run_jobs
from tests.staff.test_staff_invoice_table import login

DUE = date(2026, 3, 10)  # a Tuesday; the default policy's friendly reminder is on Saturday the 7th
REMINDER = (DUE - timedelta(days=3)).isoformat()
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def world(app):
    install_defaults()
    org = f.organisation()
    client = f.client(org)
    inv = f.issued(org, client, on=date(2026, 2, 28))
    assert inv.due_on == DUE
    db.session.commit()
    return org, client, inv


def count(model) -> int:
    with db.engine.connect() as conn:  # what is committed, not what this session holds
        return conn.scalar(sa.select(sa.func.count()).select_from(model))


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["collection", *args])


def test_the_cli_prints_the_summary_and_takes_each_step_once(app, world):
    result = cli(app, "run", "--today", REMINDER)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"today": REMINDER, "evaluated": 1, "actions": {"email": 1}, "skipped": {}}
    assert count(CollectionAction) == 1 and count(OutboxMessage) == 1
    again = json.loads(cli(app, "run", "--today", REMINDER).output)
    assert again == {"today": REMINDER, "evaluated": 1, "actions": {}, "skipped": {}}
    assert count(OutboxMessage) == 1


def test_a_dry_run_prints_the_same_and_writes_nothing(app, world):
    events = count(Event)
    result = cli(app, "run", "--today", REMINDER, "--dry-run")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"today": REMINDER, "evaluated": 1, "actions": {"email": 1}, "skipped": {}}
    assert count(CollectionAction) == 0 and count(OutboxMessage) == 0 and count(Event) == events


@pytest.mark.parametrize("bad", ["tomorrow", "2026-02-30", "99999-01-01", "2026-3-1", "20260301", "2026-W10-1", ""])
def test_a_bad_date_is_a_usage_error_without_a_traceback(app, world, bad):
    result = cli(app, "run", "--today", bad)
    assert result.exit_code == 2
    assert f"{bad!r} is not a date of the form YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert count(CollectionAction) == 0


def test_install_defaults_installs_once(app):
    first = cli(app, "install-defaults")
    assert first.exit_code == 0 and "installed the policy" in first.output
    assert cli(app, "install-defaults").output.strip() == "a policy exists; letters completed"
    assert count(CollectionPolicy) == 1


def test_the_job_runs_as_of_a_day(app, world):
    assert tasks.collection_run(REMINDER)["actions"] == {"email": 1}
    assert count(CollectionAction) == 1 and count(OutboxMessage) == 1
    assert tasks.collection_run(REMINDER)["actions"] == {}


def test_a_run_that_fails_midway_leaves_nothing(app, world, monkeypatch):
    org, client, _inv = world
    for _ in range(4):
        f.issued(org, client, on=date(2026, 2, 28))
    db.session.commit()
    events = count(Event)
    monkeypatch.setitem(app.config, "COLLECTION_BATCH", 2)  # three batches: the second fails after the first
    calls = []

    def events_then_fail(mine, skipped, now):
        calls.append(len(mine))
        if len(calls) == 2:
            raise RuntimeError("the worker's database connection went away")
        real(mine, skipped, now)

    from debitor.collection import run as run_module

    real = run_module._events
    monkeypatch.setattr(run_module, "_events", events_then_fail)
    with pytest.raises(RuntimeError):
        tasks.collection_run(REMINDER)
    assert calls == [2, 2]
    assert count(CollectionAction) == 0 and count(OutboxMessage) == 0 and count(Event) == events
    monkeypatch.setattr(run_module, "_events", real)
    assert tasks.collection_run(REMINDER)["actions"] == {"email": 5}
    assert count(OutboxMessage) == 5


def test_run_now_twice_queues_one_job(app, world):
    from debitor.collection.run import run_now

    for _ in range(2):
        run_now()
        db.session.commit()
    assert get_queue().get_job_ids() == ["collection-run"]
    assert run_jobs(app) == 1
    assert count(CollectionAction) == 1  # today is far past the demo invoice's due date: its latest step


def test_an_email_queued_before_the_payment_is_dropped_at_send_time(app, world, smtp):
    org, client, inv = world
    assert tasks.collection_run(REMINDER)["actions"] == {"email": 1}
    apply_payment(f.payment(org, client, inv.total_kopecks), inv)
    msg = db.session.scalar(sa.select(OutboxMessage))
    msg.next_attempt_at = LONG_AGO  # inside the sending hours
    db.session.commit()
    smtp.clear()
    assert tasks.sweep_outbox() == 1
    assert smtp.messages == []
    db.session.expire_all()
    assert (msg.state, msg.last_error, msg.sent_at, msg.attempts) == (OutboxState.DROPPED, "paid", None, 0)
    (action,) = db.session.scalars(sa.select(CollectionAction))
    assert (action.outcome, action.reason) == (Outcome.DROPPED, "paid")
    kinds = [e.kind for e in db.session.scalars(sa.select(Event).where(Event.invoice_id == inv.id))]
    assert "collection_step_dropped" in kinds and "email_dropped" in kinds and "email_sent" not in kinds
    assert tasks.sweep_outbox() == 0
    page = login_clerk(app).get("/staff/mail?state=dropped").get_data(as_text=True)
    assert msg.subject in page and "Документы оплачены до отправки" in page


def test_an_email_still_due_goes_out(app, world, smtp):
    tasks.collection_run(REMINDER)
    msg = db.session.scalar(sa.select(OutboxMessage))
    msg.next_attempt_at = LONG_AGO
    db.session.commit()
    smtp.clear()
    assert tasks.sweep_outbox() == 1
    assert [m["Subject"] for m in smtp.messages] == [msg.subject]


def test_a_letter_is_not_sent_before_its_sending_hours(app, world, smtp):
    tasks.collection_run(REMINDER)
    msg = db.session.scalar(sa.select(OutboxMessage))
    msg.next_attempt_at = datetime.now(UTC) + timedelta(hours=3)
    db.session.commit()
    smtp.clear()
    assert tasks.deliver_outbox(msg.id) == "pending"
    assert tasks.sweep_outbox() == 0
    assert smtp.messages == []
    db.session.expire_all()
    assert (msg.state, msg.attempts) == (OutboxState.PENDING, 0)


def login_clerk(app):
    from debitor.auth.models import Role

    f.staff(Role.CLERK, "clerk@staff.test")
    db.session.commit()
    return login(app)
