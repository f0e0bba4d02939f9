"""Rows a worker works through (a statement import, a whole-table export): claimed by one run only, and
found again when their enqueue or their worker was lost. The transactions around a claim and a run are the
job's (``jobs.rows``).

Such a model has ``state`` (an enum with QUEUED and RUNNING), ``created_at`` and ``started_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from debitor.db import db, utcnow
from debitor.states import transition_rows
from debitor.work import JOB_TIMEOUT


def _states(model):
    states = model.__mapper__.columns["state"].type.enum_class
    return states.QUEUED, states.RUNNING


def stuck_before() -> datetime:
    """A row running since before this has lost its worker: no job may run that long (JOB_TIMEOUT)."""
    return utcnow() - timedelta(seconds=JOB_TIMEOUT + 300)


def claim(model, ident: int, **values) -> bool:
    """Mark a queued row (or one whose worker died) as running, in one UPDATE: False when another run has
    it or it is finished, so that a job run twice, or by two workers, works once (a second UPDATE waits for
    the first one's transaction and then finds the row running)."""
    queued, running = _states(model)
    where = [
        model.id == ident,
        sa.or_(model.state == queued, sa.and_(model.state == running, model.started_at < stuck_before())),
    ]
    claimed = transition_rows(model, where, running, values={"started_at": utcnow(), **values})
    loaded = db.session.identity_map.get(db.session.identity_key(model, ident))
    if loaded is not None:  # the UPDATE went past the session: its copy of the row reads it again
        db.session.expire(loaded)
    return len(claimed) == 1


def stale_ids(model, *where, minutes: int = 1) -> list[int]:
    """Rows waiting for a worker: still queued ``minutes`` after they were made (the enqueue was lost), or
    running for longer than any job takes (the worker died)."""
    queued, running = _states(model)
    q = sa.select(model.id).where(
        *where,
        sa.or_(
            sa.and_(model.state == queued, model.created_at < utcnow() - timedelta(minutes=minutes)),
            sa.and_(model.state == running, model.started_at < stuck_before()),
        ),
    )
    return list(db.session.scalars(q.order_by(model.id)))
