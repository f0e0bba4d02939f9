"""The collection run: the latest due step only, once; pauses; consolidated reminders; the dry run is what
the run then does. Invoices due Tuesday 10 March 2026, a plain working week."""

import os
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from debitor.clients.models import Client
from debitor.clients.services import add_contact
from debitor.collection.defaults import install_defaults
from debitor.collection.engine import dry_run, evaluate
from debitor.collection.models import CollectionAction, Outcome
from debitor.collection.run import run
from debitor.collection.services import business_days, default_policy, save_policy, set_client_collection
from debitor.db import db
from debitor.outbox.models import OutboxMessage
from debitor.payments.services import apply_payment
from debitor.tasks.models import Task
from jobs.tasks import sweep_outbox
from tests import factories as f
from tests.conftest import is_postgres

DUE = date(2026, 3, 10)
ISSUED = date(2026, 2, 28)  # the factory's client pays in 10 days


@pytest.fixture
def world(app):
    install_defaults()
    org = f.organisation()
    client = f.client(org)
    inv = f.issued(org, client, on=ISSUED)
    assert inv.due_on == DUE
    return org, client, inv


def actions(**where):
    q = sa.select(CollectionAction).order_by(CollectionAction.id)
    for key, value in where.items():
        q = q.where(getattr(CollectionAction, key) == value)
    return list(db.session.scalars(q))


def mails():
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.like("collection:%"))))


def test_each_day_takes_its_step_once(world):
    _org, client, inv = world
    assert run(DUE - timedelta(days=4)) == {"today": "2026-03-06", "evaluated": 1, "actions": {}, "skipped": {}}
    first = run(DUE - timedelta(days=3))
    assert first == {"today": "2026-03-07", "evaluated": 1, "actions": {"email": 1}, "skipped": {}}
    assert run(DUE - timedelta(days=3))["actions"] == {}  # the same day again: nothing twice
    assert run(DUE - timedelta(days=1))["actions"] == {}  # still the same step
    assert run(DUE)["actions"] == {"email": 1}
    (before, today) = mails()
    assert before.subject == f"Напоминание: счёт № {inv.number} к оплате 10.03.2026"
    assert "Сегодня, 10.03.2026, последний день оплаты" in today.body_text
    assert before.recipients == client.contacts[0].email and before.invoice_id == inv.id
    assert [a.outcome for a in actions(invoice_id=inv.id)] == [Outcome.TAKEN, Outcome.TAKEN]


def test_only_the_latest_due_step_is_taken(world):
    _org, _client, inv = world
    # twelve days late on the first run: the reminders before and the first notice are never sent
    summary = run(DUE + timedelta(days=12))
    assert summary["actions"] == {"email": 1, "penalty": 1}  # day +10: the second notice and the penalty
    (mail,) = mails()
    assert mail.subject == f"Повторно: задолженность по счёту № {inv.number}"
    assert run(DUE + timedelta(days=14))["actions"] == {}
    assert run(DUE + timedelta(days=15))["actions"] == {"task": 1}
    (task,) = db.session.scalars(sa.select(Task))
    assert task.invoice_id == inv.id and task.role.value == "account_manager"


def test_an_edited_policy_takes_only_the_latest_due_step_and_never_repeats_one(world):
    _org, _client, inv = world
    run(DUE + timedelta(days=3))
    policy = default_policy()
    steps = [{"id": s.id, "offset_days": s.offset_days, "action": s.action.value, "template_key": s.template_key,
              "task_role": s.task_role.value if s.task_role else None, "task_sla_hours": s.task_sla_hours,
              "title": s.title} for s in policy.steps]  # fmt: skip
    version = policy.version
    for s in steps:  # the first notice moves from day +3 to day +2: it was taken, it is not sent again
        if s["template_key"] == "notice_first":
            s["offset_days"] = 2
    steps.append({"offset_days": 4, "action": "task", "task_role": "clerk", "task_sla_hours": 8, "title": "Check"})
    steps.append({"offset_days": 5, "action": "banner"})
    save_policy({"name": policy.name, "is_default": True, "steps": steps}, policy)
    assert policy.version == version + 1
    assert run(DUE + timedelta(days=3))["actions"] == {}
    assert run(DUE + timedelta(days=6))["actions"] == {"banner": 1}  # day +4's task was missed: never burst out
    assert len(mails()) == 1


def test_a_hold_or_a_dispute_pauses_and_the_step_comes_after(world):
    _org, client, inv = world
    set_client_collection(client, policy_id=None, hold=True, reason="переговоры о реструктуризации")
    assert run(DUE + timedelta(days=3)) == {"today": "2026-03-13", "evaluated": 1, "actions": {},
                                            "skipped": {"hold": 1}}  # fmt: skip
    assert run(DUE + timedelta(days=4))["skipped"] == {"hold": 1}  # counted each run, recorded once
    assert len(actions(outcome=Outcome.SKIPPED)) == 1
    set_client_collection(client, policy_id=None, hold=False)
    assert run(DUE + timedelta(days=4))["actions"] == {"email": 1}
    assert mails()[0].subject == f"Счёт № {inv.number} просрочен"


def test_paid_documents_are_not_evaluated(world):
    org, client, inv = world
    apply_payment(f.payment(org, client, inv.total_kopecks), inv)
    assert run(DUE + timedelta(days=3)) == {"today": "2026-03-13", "evaluated": 0, "actions": {}, "skipped": {}}


def test_no_billing_contact_is_a_skip_recorded_once_and_the_step_comes_when_one_is_added(world):
    org, _client, _inv = world
    lonely = f.client(org, contact_email="")
    f.issued(org, lonely, on=ISSUED)
    first = run(DUE)
    assert (first["actions"], first["skipped"]) == ({"email": 1}, {"no_recipient": 1})
    again = run(DUE)  # tried again, not recorded again
    assert (again["actions"], again["skipped"]) == ({}, {"no_recipient": 1})
    rows = actions(client_id=lonely.id)
    assert [(a.outcome, a.reason) for a in rows] == [(Outcome.SKIPPED, "no_recipient")]
    add_contact(lonely, "Бухгалтерия", "buh@lonely.test")
    assert run(DUE)["actions"] == {"email": 1}
    assert [a.outcome for a in actions(client_id=lonely.id)] == [Outcome.SKIPPED, Outcome.TAKEN]
    assert len([m for m in mails() if m.client_id == lonely.id]) == 1
    assert run(DUE)["actions"] == {}


def test_a_consolidated_policy_sends_one_letter_per_client(world):
    org, client, inv = world
    second = f.issued(org, client, on=ISSUED)
    notice = {"offset_days": 3, "action": "email", "template_key": "notice_first"}
    policy = save_policy({"name": "Агентства", "consolidated": True, "steps": [notice]})
    set_client_collection(client, policy_id=policy.id, hold=False)
    assert run(DUE + timedelta(days=3))["actions"] == {"email": 1}
    (mail,) = mails()
    assert mail.invoice_id is None
    assert run(DUE + timedelta(days=4))["actions"] == {}  # the documents are marked: no letter the next day
    assert {a.invoice_id for a in actions() if a.invoice_id} == {inv.id, second.id}


def test_the_dry_run_is_what_the_runs_then_do(world):
    org, _client, _inv = world
    f.issued(org, f.client(org), on=date(2026, 3, 2))  # due 12 March
    start = DUE - timedelta(days=5)
    planned = dry_run(db.session, start, business_days(), days=14)
    # the first is due Tuesday 10 March (reminded on Saturday the 7th), the second Thursday the 12th (the 9th)
    assert [ev.summary()["actions"] for ev in planned][:5] == [{}, {}, {"email": 1}, {}, {"email": 1}]
    for n, ev in enumerate(planned):
        expected = [(p.key, p.client_id) for p in ev.planned]
        before = {a.dedupe_key for a in actions()}
        assert run(start + timedelta(days=n))["actions"] == ev.summary()["actions"]
        done = [(a.dedupe_key, a.client_id) for a in actions() if a.dedupe_key not in before]
        assert done == expected, n
    assert len(mails()) == 6 and db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 0


def test_evaluate_writes_nothing(world):
    evaluate(db.session, DUE + timedelta(days=30), business_days())
    assert actions() == [] and mails() == []
    assert db.session.get(Client, world[1].id).collection_hold is False


@pytest.mark.postgres
def test_concurrent_runs_send_each_letter_once(app, smtp):
    """Four runs at once on PostgreSQL over 30 documents, then the outbox sweep: each letter arrives once."""
    if not is_postgres():
        if os.environ.get("CI"):
            pytest.fail("CI must run this test on PostgreSQL (set DATABASE_URL)")
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no concurrency to test")
    install_defaults()
    org = f.organisation()
    clients = [f.client(org) for _ in range(10)]
    for n in range(30):
        f.issued(org, clients[n % 10], on=ISSUED)
    db.session.commit()
    errors, results, barrier = [], [], threading.Barrier(4)

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append(run(DUE + timedelta(days=3)))
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
                db.session.rollback()
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 4 and sum(r["actions"].get("email", 0) for r in results) == 30
    db.session.expire_all()
    assert len(mails()) == 30
    smtp.clear()
    for message in mails():
        message.next_attempt_at = datetime(2026, 1, 1, tzinfo=UTC)  # inside the sending hours, long due
    db.session.commit()
    assert sweep_outbox() == 30
    db.session.commit()
    assert sorted(m["To"] for m in smtp.messages) == sorted(c.contacts[0].email for c in clients for _ in range(3))
    assert sweep_outbox() == 0
