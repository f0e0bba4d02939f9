"""The staff invoice table's query string: filters, sort and the keyset cursor, read and written back.

``InvoiceTableQuery`` reads (and checks) the query string into a ``TableQuery``; ``TableQuery.args`` writes
a view back as link arguments. The SQL it selects is built in ``debitor.invoices.queries``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any

from flask_babel import gettext
from marshmallow import ValidationError, post_load, validates_schema
from marshmallow import fields as mf

from debitor.invoices.models import InvoiceState
from debitor.schemas import MAX_ID, N_, Day, Id, QuerySchema, one_of

STATUSES = ("open", "overdue", "all", *(s.value for s in InvoiceState))
OPEN_STATUSES = {"open", "overdue", InvoiceState.ISSUED.value, InvoiceState.PARTIALLY_PAID.value}
SETTLED_STATUSES = {InvoiceState.DRAFT.value, InvoiceState.PAID.value, InvoiceState.CANCELLED.value}
DATE_SORTS = {"issued_on", "due_on"}
SORTS = ("issued_on", "due_on", "number", "total", "outstanding", "client")
DEFAULT_DIRECTION = {
    "issued_on": "desc",
    "due_on": "asc",
    "number": "desc",
    "total": "desc",
    "outstanding": "desc",
    "client": "asc",
}


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after (or, going back, before) the row with this sort key and id."""

    sort: str
    direction: str
    key: Any
    id: int
    before: bool = False

    def encode(self) -> str:
        key = self.key.isoformat() if isinstance(self.key, date) else self.key
        raw = json.dumps([self.sort, self.direction, key, self.id, int(self.before)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor in ``token``; ValueError when it is not one this module made."""
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            sort, direction, key, row_id, before = raw
        except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError, TypeError, ValueError) as exc:
            raise ValueError("not a cursor") from exc
        if sort not in SORTS or direction not in ("asc", "desc") or type(row_id) is not int or before not in (0, 1):
            raise ValueError("not a cursor")
        if not 0 < row_id <= MAX_ID or (type(key) is int and abs(key) > MAX_ID):
            raise ValueError("not a cursor: a number no row has")  # an OverflowError in the database otherwise
        if key is not None:
            if sort in DATE_SORTS:
                key = date.fromisoformat(key) if isinstance(key, str) else None
            elif (sort == "client") != isinstance(key, str) or isinstance(key, bool | float):
                key = None
            if key is None:
                raise ValueError("not a cursor key")
        return cls(sort, direction, key, row_id, bool(before))


@dataclass(frozen=True)
class TableQuery:
    """The table's filters, sort and page, as read from the query string."""

    status: str = "open"
    client_id: int | None = None
    manager_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None
    overdue_min_days: int | None = None
    q: str = ""
    sort: str = "due_on"
    direction: str = "asc"
    cursor: Cursor | None = None

    def args(self, **changes) -> dict[str, str]:
        """Query-string arguments for a link to this view (defaults and the cursor left out), with changes."""
        cursor = changes.pop("cursor", None)
        query = replace(self, cursor=None, **changes)
        out: dict[str, str] = {}
        for f in fields(query):
            value = getattr(query, f.name)
            if f.name in ("sort", "direction", "cursor") or value in (None, ""):
                continue
            if f.name == "status" and value == "open":
                continue
            out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        if query.sort != default_sort(query.status):
            out["sort"] = query.sort
        if query.direction != DEFAULT_DIRECTION[query.sort] or "sort" in out:
            out["direction"] = query.direction
        if cursor is not None:
            out["cursor"] = cursor.encode()
        return out

    def sorted_by(self, sort: str) -> dict[str, str]:
        """Arguments for a column header: sort by it, or turn the direction round if it is the sort."""
        if sort == self.sort:
            return self.args(direction="asc" if self.direction == "desc" else "desc")
        return self.args(sort=sort, direction=DEFAULT_DIRECTION[sort])

    def with_status(self, status: str) -> dict[str, str]:
        """Arguments for a status tab: a sort left at its default follows the new status's default."""
        if self.sort == default_sort(self.status) and self.direction == DEFAULT_DIRECTION[self.sort]:
            sort = default_sort(status)
            return self.args(status=status, sort=sort, direction=DEFAULT_DIRECTION[sort])
        return self.args(status=status)

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the table beyond the default status."""
        return bool(
            self.status != "open"
            or self.client_id
            or self.manager_id
            or self.issued_from
            or self.issued_to
            or self.overdue_min_days
            or self.q
        )


def default_sort(status: str) -> str:
    return "due_on" if status in OPEN_STATUSES else "issued_on"


def _days(value: int) -> None:
    if not 1 <= value <= 3650:
        raise ValidationError(gettext("Must be from %(min)s to %(max)s", min=1, max=3650))


def _search_length(value: str) -> None:
    if len(value) > 100:
        raise ValidationError(gettext("At most %(max)s characters", max=100))


class InvoiceTableQuery(QuerySchema):
    """The staff invoice table's query string. Unknown parameters are ignored (``lang``, htmx's own)."""

    status = mf.String(load_default="open", validate=one_of(STATUSES, N_("Unknown status “%(value)s”")))
    client_id = Id()
    manager_id = Id()
    issued_from = Day()
    issued_to = Day()
    overdue_min_days = mf.Integer(strict=False, validate=_days)
    q = mf.String(load_default="", validate=_search_length)
    sort = mf.String(validate=one_of(SORTS, N_("Cannot sort by “%(value)s”")))
    direction = mf.String(validate=one_of(("asc", "desc"), N_("Direction must be asc or desc, not “%(value)s”")))
    cursor = mf.String()

    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            raise ValidationError(gettext("The period ends before it starts"), "issued_to")

    @post_load
    def _make(self, data, **kwargs) -> TableQuery:
        data.setdefault("sort", default_sort(data["status"]))
        data.setdefault("direction", DEFAULT_DIRECTION[data["sort"]])
        token = data.pop("cursor", None)
        query = TableQuery(**data)
        if token is None:
            return query
        try:
            cursor = Cursor.decode(token)
        except ValueError:
            cursor = None
        if cursor is None or (cursor.sort, cursor.direction) != (query.sort, query.direction):
            message = gettext("This page link is not valid (any more): start again from the first page")
            raise ValidationError(message, "cursor")
        return replace(query, cursor=cursor)
