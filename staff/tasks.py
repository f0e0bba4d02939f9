"""Staff: the task inbox — tasks for my role or assigned to me, late ones first."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from debitor.auth.models import Role
from debitor.db import db, utcnow
from debitor.tasks.models import ACTIVE_TASK_STATES, Task
from staff.blueprint import bp
from web.common import render


@bp.get("/tasks")
def tasks():
    scope = request.args.get("scope", "mine")
    q = sa.select(Task).where(Task.state.in_(ACTIVE_TASK_STATES))
    if scope == "mine" or current_user.role != Role.ADMIN:
        q = q.where(
            sa.or_(
                Task.assignee_id == current_user.id,
                sa.and_(Task.assignee_id.is_(None), Task.role == current_user.role),
            )
        )
    q = q.options(*(selectinload(rel) for rel in (Task.client, Task.assignee, Task.invoice, Task.contract)))
    rows = list(db.session.scalars(q.order_by(Task.due_at, Task.id).limit(200)))
    return render("staff/tasks.html", tasks=rows, now=utcnow(), scope=scope)
