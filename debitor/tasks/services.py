"""Tasks: create one for a role (optionally a person) with a due time, move it, and read an inbox.

Every move goes through ``debitor.states.transition`` and writes its event (task_started, task_reopened,
task_done, task_cancelled); creating one writes task_created. Services flush, never commit.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.auth.models import Role, StaffUser
from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.states import transition
from debitor.tasks.models import ACTIVE_TASK_STATES, Task, TaskState
from debitor.timeline.services import record

MOVES = {  # target → the business event its move writes
    TaskState.IN_PROGRESS: "task_started",
    TaskState.OPEN: "task_reopened",
    TaskState.DONE: "task_done",
    TaskState.CANCELLED: "task_cancelled",
}


def create_task(
    kind: str,
    title: str,
    *,
    role: Role,
    due_at: datetime,
    assignee: StaffUser | None = None,
    client=None,
    invoice=None,
    contract=None,
    dispute=None,
    note: str = "",
    actor=None,
) -> Task:
    """A new open task in ``role``'s inbox (and ``assignee``'s, who must hold that role or be an administrator).

    ``client`` defaults to the client of the invoice, contract or dispute it is about; they must agree."""
    if not kind.strip() or len(kind) > 40:
        raise DomainError(_l("Name the kind of task"), "kind")
    if not title.strip() or len(title) > 300:
        raise DomainError(_l("A task needs a title of at most 300 characters"), "title")
    role = Role(role)
    if due_at.tzinfo is None:
        raise DomainError(_l("The due time needs a time zone"), "due_at")
    if assignee is not None and (not assignee.is_active or assignee.role not in (role, Role.ADMIN)):
        raise DomainError(_l("The task can only be assigned to an active colleague of that role"), "assignee")
    owners = {x.client_id for x in (invoice, contract, dispute) if x is not None}
    if client is not None:
        owners.add(client.id)
    if len(owners) > 1:
        raise DomainError(_l("The task's invoice, contract and dispute belong to different clients"), "client")
    task = Task(
        kind=kind,
        title=title.strip(),
        role=role,
        due_at=due_at,
        assignee_id=assignee.id if assignee is not None else None,
        client_id=owners.pop() if owners else None,
        invoice_id=invoice.id if invoice is not None else None,
        contract_id=contract.id if contract is not None else None,
        dispute_id=dispute.id if dispute is not None else None,
        note=note,
    )
    db.session.add(task)
    db.session.flush()
    record(
        "task_created",
        actor=actor,
        subject="task",
        subject_id=task.id,
        client=task.client_id,
        invoice=task.invoice_id,
        contract=task.contract_id,
        dispute=task.dispute_id,
        data={"title": task.title, "kind": kind, "role": role.value, "due_at": due_at.isoformat()},
    )
    return task


def move_task(task: Task, target: TaskState, *, actor=None, reason: str = "") -> Task:
    """Start, reopen, finish or cancel a task (cancelling needs a reason)."""
    if target == TaskState.CANCELLED and not reason.strip():
        raise DomainError(_l("Say why the task is cancelled"), "reason")
    transition(task, target, event=MOVES[target], actor=actor, reason=reason, data={"title": task.title})
    task.closed_at = None if target in ACTIVE_TASK_STATES else utcnow()
    db.session.flush()
    return task


def start_task(task: Task, *, actor=None) -> Task:
    return move_task(task, TaskState.IN_PROGRESS, actor=actor)


def complete_task(task: Task, *, actor=None, reason: str = "") -> Task:
    return move_task(task, TaskState.DONE, actor=actor, reason=reason)


def cancel_task(task: Task, *, reason: str, actor=None) -> Task:
    return move_task(task, TaskState.CANCELLED, actor=actor, reason=reason)


def close_tasks(*, actor=None, reason: str = "", **about) -> list[Task]:
    """Finish the active tasks about an object (``dispute=…``, ``contract=…``, ``invoice=…``)."""
    where = [getattr(Task, f"{name}_id") == obj.id for name, obj in about.items()]
    tasks = db.session.scalars(sa.select(Task).where(Task.state.in_(ACTIVE_TASK_STATES), *where).order_by(Task.id))
    return [complete_task(t, actor=actor, reason=reason) for t in tasks]


def is_late(task: Task, now: datetime) -> bool:
    """Past its due time (SLA) and still to do."""
    return task.state in ACTIVE_TASK_STATES and task.due_at < now


def inbox_select(user: StaffUser, *, scope: str = "mine", include_closed: bool = False) -> sa.Select:
    """The tasks a staff user's inbox lists: assigned to them, or to their role and nobody in particular
    (an administrator may see everybody's with ``scope="all"``). Open ones first, then the soonest due
    (so the late ones lead), then the oldest; closed ones only with ``include_closed``, after the rest."""
    q = sa.select(Task)
    if not include_closed:
        q = q.where(Task.state.in_(ACTIVE_TASK_STATES))
    if scope != "all" or user.role != Role.ADMIN:
        q = q.where(sa.or_(Task.assignee_id == user.id, sa.and_(Task.assignee_id.is_(None), Task.role == user.role)))
    active_first = sa.case((Task.state.in_(ACTIVE_TASK_STATES), 0), else_=1)
    return q.order_by(active_first, Task.due_at, Task.id)


def inbox(user: StaffUser, *, scope: str = "mine", include_closed: bool = False, limit: int = 200) -> list[Task]:
    return list(db.session.scalars(inbox_select(user, scope=scope, include_closed=include_closed).limit(limit)))


def counts(now: datetime) -> tuple[int, int]:
    """Active tasks, and how many of them are past their due time (the staff home's figures)."""
    q = sa.select(sa.func.count()).select_from(Task).where(Task.state.in_(ACTIVE_TASK_STATES))
    return db.session.scalar(q), db.session.scalar(q.where(Task.due_at < now))


def create_many(kind: str, rows: list[dict]) -> list[int]:
    """Tasks a process makes by the thousand (a collection run): each row gives ``title``, ``role``, ``due_at``
    and the ``client_id`` / ``invoice_id`` it is about; the new tasks' ids, in the rows' order, each with its
    task_created event. Inserted by COPY on PostgreSQL (a collection run over 500 000 documents may make as
    many; the ORM takes ~0.3 ms a task)."""
    from debitor.bulk import insert_rows, new_ids
    from debitor.db import psycopg_connection
    from debitor.tasks.models import TASK_FLOW
    from debitor.timeline.models import Event, Visibility

    if not rows:
        return []
    now = utcnow()
    tasks = []
    for row in rows:
        title = row["title"].strip()
        if not title or len(title) > 300 or row["due_at"].tzinfo is None:
            raise DomainError(_l("A task needs a title of at most 300 characters"), "title")
        tasks.append({"kind": kind, "title": title, "role": Role(row["role"]), "state": TASK_FLOW.initial,
                      "due_at": row["due_at"], "client_id": row["client_id"], "invoice_id": row.get("invoice_id"),
                      "note": "", "created_at": now})  # fmt: skip
    if psycopg_connection() is not None:
        ids = new_ids(Task.__table__, len(tasks))
        insert_rows(Task.__table__, [{"id": i, **t} for i, t in zip(ids, tasks, strict=True)])
    else:
        objects = [Task(**t) for t in tasks]
        db.session.add_all(objects)
        db.session.flush()
        ids = [t.id for t in objects]
    insert_rows(Event.__table__, [
        {"kind": "task_created", "occurred_at": now, "visibility": Visibility.STAFF,
         "client_id": t["client_id"], "invoice_id": t["invoice_id"], "subject": "task", "subject_id": i,
         "data": {"title": t["title"], "kind": kind, "role": t["role"].value, "due_at": t["due_at"].isoformat()}}
        for i, t in zip(ids, tasks, strict=True)
    ])  # fmt: skip
    return ids
