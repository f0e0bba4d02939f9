"""The queue, and enqueueing after a transaction commits what it asked for (``debitor.work.later``, new
outbox messages)."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from redis import Redis
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from debitor.outbox.services import PENDING_KEY
from debitor.work import JOB_TIMEOUT, JOBS_KEY, get_redis

__all__ = ["JOB_TIMEOUT", "get_queue", "get_redis", "wait_for_redis"]

log = logging.getLogger(__name__)


def wait_for_redis(connection: Redis, seconds: float = 20.0) -> None:
    """Block until Redis answers PING (processes may start before it), or raise after ``seconds``."""
    import time

    from redis.exceptions import ConnectionError as RedisConnectionError

    deadline = time.monotonic() + seconds
    while True:
        try:
            connection.ping()
            return
        except RedisConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def get_queue(app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=get_redis(app))


_listening = False


def init_app(app: Flask) -> None:
    """After each commit, enqueue delivery of the outbox messages that the transaction created.

    The listeners are global to SQLAlchemy sessions, so they are installed once per process however
    many apps are created; they use the app of the current context.
    """
    global _listening
    if _listening:
        return
    _listening = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session: Session) -> None:
        jobs = session.info.pop(JOBS_KEY, None)
        if jobs:
            try:
                q = get_queue()
                waiting = set(q.get_job_ids())
                for job, args, job_id in jobs:
                    if job_id not in waiting:  # RQ would queue the id twice (and run the job twice)
                        q.enqueue(f"jobs.tasks.{job}", *args, job_id=job_id, job_timeout=JOB_TIMEOUT)
                        waiting.add(job_id)
            except Exception:  # Redis down: the periodic sweep re-enqueues what is still queued
                log.exception("could not enqueue %s", jobs)
        ids = session.info.pop(PENDING_KEY, None)
        if not ids:
            return
        try:
            q = get_queue()
            for ident in ids:
                q.enqueue("jobs.tasks.deliver_outbox", ident, job_id=f"outbox-{ident}", retry=None)
        except Exception:  # Redis down: the periodic sweep will pick the messages up
            log.exception("could not enqueue outbox messages %s; the sweep will deliver them", ids)

    @event.listens_for(Session, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(PENDING_KEY, None)
        session.info.pop(JOBS_KEY, None)
