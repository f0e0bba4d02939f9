"""Many rows at once, in the session's transaction: COPY on PostgreSQL (thousands of rows in milliseconds,
where an executemany of the ORM takes most of a second), the ORM elsewhere; and per-row values as a table to
join (``values_table``), so that one UPDATE changes every row by its own amounts."""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Mapping

import orjson
import sqlalchemy as sa

from debitor.db import db, psycopg_connection

SQLITE_ROWS = 400  # rows per UNION ALL elsewhere (SQLite allows 500 terms in one compound SELECT)


def to_json(value) -> str:
    """JSON text for COPY: orjson (C), several times faster than ``json`` for the match reasons and event
    data of a statement import (100 000 of each); it writes a dataclass as the object of its fields."""
    return orjson.dumps(value).decode()


def plain(value):
    """An enum by its value, anything else as it is."""
    return getattr(value, "value", value)


def _converter(column: sa.Column):
    """How COPY wants a column's Python value, where it differs: enums by value, JSON as JSON text."""
    if isinstance(column.type, sa.JSON):
        return lambda v: None if v is None else to_json(v)
    if isinstance(column.type, sa.Enum):
        return plain
    return None


def copy_sql(table: sa.Table, names) -> str:
    """``COPY table (names) FROM STDIN`` as CSV written by the csv module (C): an unquoted empty field is
    NULL, except in the NOT NULL columns (FORCE_NOT_NULL), where it is the empty string those columns hold."""
    columns = ", ".join(f'"{n}"' for n in names)
    not_null = ", ".join(f'"{n}"' for n in names if not table.c[n].nullable) or '"id"'
    return f"COPY {table.name} ({columns}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({not_null}))"  # noqa: S608


def copy_text(raw, sql: str, text: str) -> None:
    with raw.cursor() as cur, cur.copy(sql) as copy:
        copy.write(text)


def insert_rows(table: sa.Table, rows: list[dict]) -> None:
    """Insert rows of the same keys: one COPY on PostgreSQL."""
    if not rows:
        return
    raw = psycopg_connection()
    if raw is None:
        db.session.execute(table.insert(), rows)
        return
    names = list(rows[0])
    converters = [(i, conv) for i, name in enumerate(names) if (conv := _converter(table.c[name]))]
    pick = operator.itemgetter(*names)
    values = []
    for row in rows:
        v = list(pick(row)) if len(names) > 1 else [pick(row)]
        for i, conv in converters:
            v[i] = conv(v[i])
        values.append(v)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(values)
    copy_text(raw, copy_sql(table, names), text.getvalue())


def new_ids(table: sa.Table, n: int) -> list[int]:
    """``n`` ids drawn from the table's sequence (PostgreSQL), for rows COPY inserts with their ids."""
    seq = f"{table.name}_id_seq"
    return list(db.session.scalars(sa.select(sa.func.nextval(seq)).select_from(sa.func.generate_series(1, n))))


def values_tables(columns: Mapping[str, sa.types.TypeEngine], rows: list[dict], name: str = "v"):
    """``rows`` (dicts with ``columns``' keys) as tables to join in a statement: on PostgreSQL one
    ``unnest`` of an array per column (one parameter each, whatever the number of rows); elsewhere
    ``SELECT … UNION ALL`` of literals, in parts of ``SQLITE_ROWS``."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        arrays = [sa.bindparam(None, [plain(r[n]) for r in rows], type_=ARRAY(t)) for n, t in columns.items()]
        fn = sa.func.unnest(*arrays).table_valued(*(sa.column(n, t) for n, t in columns.items()))
        return [fn.render_derived(name=name)]
    parts = []
    for start in range(0, len(rows), SQLITE_ROWS):
        selects = [
            sa.select(*(sa.literal(plain(r[n]), t).label(n) for n, t in columns.items()))
            for r in rows[start : start + SQLITE_ROWS]
        ]
        parts.append((sa.union_all(*selects) if len(selects) > 1 else selects[0]).subquery(name))
    return parts


def update_rows(table: sa.Table, rows: list[dict]) -> None:
    """Set columns of rows by id (every row gives ``id`` and the same other keys) in one UPDATE per
    ``values_tables`` part."""
    if not rows:
        return
    names = list(rows[0])
    for v in values_tables({n: table.c[n].type for n in names}, rows):
        db.session.execute(sa.update(table).where(table.c.id == v.c.id).values({n: v.c[n] for n in names if n != "id"}))
