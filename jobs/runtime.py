"""One Flask app per worker process; each job runs inside its own app context, session and unit of work."""

from __future__ import annotations

import functools

from flask import Flask

_app: Flask | None = None


def app() -> Flask:
    global _app
    if _app is None:
        from web.app import create_app

        _app = create_app()
    return _app


def set_app(flask_app: Flask) -> None:
    """Used by tests and the worker CLI to run jobs against an already created app."""
    global _app
    _app = flask_app


def in_app_context(func):
    """Run a job inside an app context, with a fresh session removed afterwards, in one transaction:
    committed when the job returns, rolled back when it raises (RQ then records the job as failed)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from debitor.db import db
        from debitor.work import unit_of_work

        with app().app_context():
            try:
                with unit_of_work():
                    return func(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


QUIET = ("alembic", "weasyprint", "fontTools")  # chatty at INFO about their own internals


def configure_logging() -> None:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
