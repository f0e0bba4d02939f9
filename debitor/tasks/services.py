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
from debitor.timeline.models import Event
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


def colleagues(task: Task) -> list[StaffUser]:
    """Who a task may be given to: the active users of its role, and administrators."""
    q = sa.select(StaffUser).where(StaffUser.is_active_flag.is_(True), StaffUser.role.in_([task.role, Role.ADMIN]))
    return list(db.session.scalars(q.order_by(StaffUser.name, StaffUser.id)))


def assign_task(task: Task, assignee: StaffUser | None, *, actor=None) -> Task:
    """Give an active task to a colleague of its role (None: back to the role's shared inbox)."""
    if task.state not in ACTIVE_TASK_STATES:
        raise DomainError(_l("The task is closed"), "assignee")
    if assignee is not None and (not assignee.is_active or assignee.role not in (task.role, Role.ADMIN)):
        raise DomainError(_l("The task can only be assigned to an active colleague of that role"), "assignee")
    task.assignee_id = assignee.id if assignee is not None else None
    db.session.flush()
    to = assignee.name if assignee else ""
    record("task_assigned", actor=actor, subject="task", subject_id=task.id, client=task.client_id,
           invoice=task.invoice_id, data={"title": task.title, "assignee": to})  # fmt: skip
    return task


def claim_task(task: Task, user: StaffUser) -> Task:
    """``user`` takes the task on: it becomes theirs and in progress."""
    if task.assignee_id != user.id:
        assign_task(task, user, actor=user)
    if task.state != TaskState.IN_PROGRESS:
        start_task(task, actor=user)
    return task


MAX_COMMENT = 2_000


def comment_task(task: Task, text: str, *, actor) -> Task:
    """A comment appended to the task's note (who and when), and on the timeline."""
    text = text.strip()
    if not text:
        raise DomainError(_l("Write the comment"), "comment")
    if len(text) > MAX_COMMENT:
        raise DomainError(_l("At most %(n)s characters", n=MAX_COMMENT), "comment")
    stamp = utcnow().strftime("%Y-%m-%d %H:%M UTC")
    task.note = f"{task.note}\n\n" if task.note else ""
    task.note += f"{actor.name}, {stamp}:\n{text}"
    db.session.flush()
    record("task_commented", actor=actor, subject="task", subject_id=task.id, client=task.client_id,
           invoice=task.invoice_id, data={"title": task.title, "comment": text})  # fmt: skip
    return task


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


def inbox_counts(user: StaffUser, now: datetime) -> tuple[int, int]:
    """The user's inbox: how many active tasks, and how many of them are late (the navigation's figures)."""
    q = sa.select(sa.func.count()).select_from(inbox_select(user).order_by(None).subquery())
    late = sa.select(sa.func.count()).select_from(inbox_select(user).where(Task.due_at < now).order_by(None).subquery())
    return db.session.scalar(q), db.session.scalar(late)


def counts(now: datetime) -> tuple[int, int]:
    """Active tasks, and how many of them are past their due time (the staff home's figures)."""
    q = sa.select(sa.func.count()).select_from(Task).where(Task.state.in_(ACTIVE_TASK_STATES))
    return db.session.scalar(q), db.session.scalar(q.where(Task.due_at < now))


def task_events(task: Task) -> list[Event]:
    """What happened to a task, oldest first: made, taken on, passed on, commented, finished."""
    q = sa.select(Event).where(Event.subject == "task", Event.subject_id == task.id)
    return list(db.session.scalars(q.order_by(Event.occurred_at, Event.id)))


def create_many(kind: str, rows: list[dict]) -> list[int]:
    """Tasks a process makes by the thousand (a collection run): each row gives ``title``, ``role``, ``due_at``
    and the ``client_id`` / ``invoice_id`` it is about; the new tasks' ids, in the rows' order, each with its
    task_created event. Inserted by COPY on PostgreSQL (a collection run over 500 000 documents may make as
    many; the ORM takes ~0.3 ms a task)."""
    from debitor.bulk import insert_rows, new_ids
    from debitor.db import psycopg_connection
    from debitor.tasks.models import TASK_FLOW
    from debitor.timeline.models import Visibility

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
