"""Task services: create for a role or a person, move through the flow, and the inbox each user sees."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role
from debitor.db import db
from debitor.errors import DomainError
from debitor.states import TransitionError
from debitor.tasks.models import TaskState
from debitor.tasks.services import (
    cancel_task,
    complete_task,
    counts,
    create_task,
    inbox,
    is_late,
    move_task,
    start_task,
)
from debitor.timeline.models import Event
from tests import factories as f

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def task(title, role=Role.CLERK, hours=24, **kw):
    return create_task("call", title, role=role, due_at=NOW + timedelta(hours=hours), **kw)


def test_a_task_moves_and_writes_its_events():
    org = f.organisation()
    client = f.client(org)
    invoice = f.issued(org, client)
    clerk = f.staff(Role.CLERK)
    t = task("Позвонить в бухгалтерию", invoice=invoice, actor=clerk)
    assert (t.state, t.client_id, t.invoice_id, t.closed_at) == (TaskState.OPEN, client.id, invoice.id, None)
    start_task(t, actor=clerk)
    move_task(t, TaskState.OPEN, actor=clerk)  # put back
    complete_task(t, actor=clerk)
    assert t.state == TaskState.DONE and t.closed_at is not None
    with pytest.raises(TransitionError):
        start_task(t)
    kinds = db.session.scalars(
        sa.select(Event.kind).where(Event.subject == "task", Event.subject_id == t.id).order_by(Event.id)
    ).all()
    assert kinds == ["task_created", "task_started", "task_reopened", "task_done"]
    other = task("Отменить")
    with pytest.raises(DomainError) as err:
        cancel_task(other, reason=" ")
    assert err.value.field == "reason"
    cancel_task(other, reason="не нужно")
    assert other.state == TaskState.CANCELLED


def test_what_a_task_needs():
    org = f.organisation()
    am = f.staff(Role.ACCOUNT_MANAGER)
    cases = [
        (dict(title=" "), "title"),
        (dict(title="x", due_at=datetime(2026, 4, 1, 12)), "due_at"),  # no time zone
        (dict(title="x", assignee=am), "assignee"),  # a clerk's task for an account manager
        (dict(title="x", invoice=f.issued(org, f.client(org)), client=f.client(org)), "client"),
    ]
    for kw, field in cases:
        due = kw.pop("due_at", NOW)
        with pytest.raises(DomainError) as err:
            create_task("call", role=Role.CLERK, due_at=due, **kw)
        assert err.value.field == field, kw
    with pytest.raises(DomainError) as err:
        create_task(" ", "x", role=Role.CLERK, due_at=NOW)
    assert err.value.field == "kind"


def test_the_inbox_by_role_and_assignee_late_first():
    clerk, other_clerk, manager, admin = (
        f.staff(Role.CLERK),
        f.staff(Role.CLERK),
        f.staff(Role.MANAGER),
        f.staff(Role.ADMIN),
    )
    soon = task("для роли, через 2 ч", hours=2)
    late = task("для роли, просрочена", hours=-3)
    mine = task("мне лично", hours=30, assignee=clerk)
    theirs = task("коллеге", hours=1, assignee=other_clerk)
    boss = task("руководителю", role=Role.MANAGER, hours=5)
    done = task("сделана", hours=-10)
    complete_task(done)
    assert inbox(clerk) == [late, soon, mine]
    assert inbox(other_clerk) == [late, theirs, soon]
    assert inbox(manager) == [boss]
    assert inbox(admin) == [] and inbox(admin, scope="all") == [late, theirs, soon, boss, mine]
    assert inbox(clerk, scope="all") == [late, soon, mine]  # only an administrator sees everybody's
    assert inbox(clerk, include_closed=True) == [late, soon, mine, done]  # open first, then closed
    assert [is_late(t, NOW) for t in (late, soon, done)] == [True, False, False]
    assert counts(NOW) == (5, 1)
