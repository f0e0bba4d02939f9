"""Database base: the SQLAlchemy handle, a UTC datetime type, enum columns and common mixins."""

from __future__ import annotations

import contextlib
import enum
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


_clock: ContextVar[datetime | None] = ContextVar("debitor_clock", default=None)


def utcnow() -> datetime:
    """Now, in UTC; ``frozen_clock`` can pin it (demo data written "in the past", tests)."""
    return _clock.get() or datetime.now(UTC)


@contextlib.contextmanager
def frozen_clock(at: datetime):
    token = _clock.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _clock.reset(token)


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], **kw) -> sa.Enum:
    """Store an enum by its value in a VARCHAR with a CHECK constraint (portable, readable in SQL)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        name=kw.pop("name", enum_cls.__name__.lower()),
        **kw,
    )


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True)


class CreatedMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


KOPECKS = sa.BigInteger


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite (the embedded default) enforces foreign keys and lets readers work beside one writer."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def in_values(column: sa.ColumnElement, values) -> sa.ColumnElement[bool]:
    """``column IN (values)``: on PostgreSQL one array parameter (``= ANY(:values)``), so that thousands
    of values make neither thousands of parameters nor a new statement text each time."""
    values = list(values)
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def psycopg_connection():
    """The session's own psycopg connection (in its transaction) on PostgreSQL, for COPY and array queries
    that bulk work needs; None on another database."""
    if db.session.get_bind().dialect.name != "postgresql":
        return None
    return db.session.connection().connection.dbapi_connection


BLOB_SLICE = 1 << 20


def blob_length(column: sa.ColumnElement, where: sa.ColumnElement[bool]) -> int | None:
    """The length of a stored binary value (None when there is no such row or value)."""
    return db.session.scalar(sa.select(sa.func.length(column)).where(where))


def blob_slice(column: sa.ColumnElement, where: sa.ColumnElement[bool], start: int, size: int) -> bytes:
    """``size`` bytes of a stored binary value from offset ``start`` (0-based), read by the database."""
    return db.session.scalar(sa.select(sa.func.substr(column, start + 1, size)).where(where)) or b""


def blob_slices(column: sa.ColumnElement, where: sa.ColumnElement[bool], length: int, size: int = BLOB_SLICE):
    """A stored binary value in slices of ``size`` bytes: a large file streams at constant memory."""
    for start in range(0, length, size):
        yield blob_slice(column, where, start, min(size, length - start))


def insert_or_ignore(model, **values) -> None:
    """INSERT … ON CONFLICT DO NOTHING, on PostgreSQL or SQLite: where two transactions may add the same
    unique row at once (a counter, a rendered version, a requisite set), one adds it and neither fails."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(
        insert(model).values(**values).on_conflict_do_nothing(), execution_options={"synchronize_session": False}
    )
