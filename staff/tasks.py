"""Staff: the task inbox — tasks for my role or assigned to me, late ones first — and working a task:
take it on, give it to a colleague, comment, finish it.

Any staff user may work any task (a colleague covers for one who is away, as every role reads every
client); who it may be given to is the service's rule (a colleague of the task's role).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from debitor.auth.models import StaffUser
from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.tasks.models import Task
from debitor.tasks.services import (
    assign_task,
    claim_task,
    colleagues,
    comment_task,
    complete_task,
    inbox_counts,
    inbox_select,
    task_events,
)
from staff.blueprint import bp
from web.common import arg_id, render, safe_next


@bp.get("/tasks")
def tasks():
    scope = request.args.get("scope", "mine")
    q = inbox_select(current_user._get_current_object(), scope=scope)
    q = q.options(*(selectinload(rel) for rel in (Task.client, Task.assignee, Task.invoice, Task.contract)))
    rows = list(db.session.scalars(q.limit(200)))
    return render("staff/tasks.html", tasks=rows, now=utcnow(), scope=scope)


def _task(task_id: int) -> Task:
    return db.session.get(Task, task_id) or abort(404)


@bp.get("/tasks/<int:task_id>")
def task(task_id: int):
    t = _task(task_id)
    return render("staff/task.html", task=t, colleagues=colleagues(t), events=task_events(t), now=utcnow())


def _act(task_id: int, act, done: str):
    """Do ``act(task)``; a refusal is flashed, not raised: the task page says why."""
    t = _task(task_id)
    try:
        with db.session.begin_nested():
            act(t)
        flash(done, "success")
    except DomainError as error:
        flash(str(error.message), "danger")
    return redirect(safe_next(url_for("staff.task", task_id=t.id)), code=303)


@bp.post("/tasks/<int:task_id>/claim")
def task_claim(task_id: int):
    return _act(task_id, lambda t: claim_task(t, current_user._get_current_object()), _("The task is yours now."))


@bp.post("/tasks/<int:task_id>/assign")
def task_assign(task_id: int):
    user_id = arg_id("assignee_id")
    assignee = db.session.get(StaffUser, user_id) if user_id else None
    if request.form.get("assignee_id") and assignee is None:
        abort(404)
    return _act(task_id, lambda t: assign_task(t, assignee, actor=current_user), _("The task was passed on."))


@bp.post("/tasks/<int:task_id>/comment")
def task_comment(task_id: int):
    text = request.form.get("comment", "")
    return _act(task_id, lambda t: comment_task(t, text, actor=current_user), _("Comment added."))


@bp.post("/tasks/<int:task_id>/complete")
def task_complete(task_id: int):
    return _act(task_id, lambda t: complete_task(t, actor=current_user), _("The task is done."))


@bp.app_context_processor
def inbox_figures():
    """The navigation's counts: my inbox's active tasks, and the late ones."""

    def figures():
        user = current_user._get_current_object()
        return None if not isinstance(user, StaffUser) else inbox_counts(user, utcnow())

    return {"inbox_figures": figures}
