"""State machines: one table of moves per aggregate, and the one function that moves a state.

Every stateful table (invoice, payment, statement, export, outbox message, contract, dispute, task) has a
``StateMachine``; ``transition`` checks the move, sets the state and writes the timeline event in one
call, and ``transition_rows`` does the same for many rows at once in SQL. Nothing else assigns a state
(``tests/domain/test_layers.py`` greps for it). States that follow from amounts (an invoice is paid when
its payments cover it) are a ``Derived`` rule, evaluated in Python for one object and as a SQL ``CASE``
for many. The same tables draw the process diagram, so what is drawn is what the code allows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from debitor.errors import DomainError

STATE_CHANGED = "state_changed"  # the event a move writes unless the caller names a business event
TIMELINE_REFS = ("client", "contract", "invoice", "payment", "dispute")  # the events table's own columns


class TransitionError(DomainError):
    def __init__(self, kind: str, current: enum.Enum | None, target: enum.Enum):
        self.kind, self.current, self.target = kind, current, target
        shown = current.value if current is not None else None
        super().__init__(f"{kind}: cannot go from {shown!r} to {target.value!r}")


class StateMachine:
    """Allowed moves between the states of one aggregate; ``initial`` is the state a new row starts in.

    ``client_visible`` are the targets whose move the client sees in the portal's timeline.
    """

    def __init__(
        self,
        kind: str,
        moves: Mapping[enum.Enum, set[enum.Enum]],
        *,
        initial: enum.Enum,
        client_visible: Iterable[enum.Enum] = (),
    ):
        self.kind = kind
        self.moves = {k: frozenset(v) for k, v in moves.items()}
        self.initial = initial
        self.states = type(initial)
        self.client_visible = frozenset(client_visible)
        self.model = None
        FLOWS[kind] = self

    def governs(self, model):
        """Class decorator: this machine moves ``model.state``."""
        self.model = model
        model.__flow__ = self
        return model

    def can(self, current: enum.Enum, target: enum.Enum) -> bool:
        return target in self.moves.get(current, ())

    def check(self, current: enum.Enum, target: enum.Enum) -> None:
        if not self.can(current, target):
            raise TransitionError(self.kind, current, target)

    def sources(self, target: enum.Enum) -> list[enum.Enum]:
        """The states from which ``target`` may be reached."""
        return [s for s, targets in self.moves.items() if target in targets]

    def edges(self) -> list[tuple[enum.Enum, enum.Enum]]:
        return [(a, b) for a, targets in self.moves.items() for b in sorted(targets, key=lambda s: s.value)]


FLOWS: dict[str, StateMachine] = {}


def worker_row_flow(kind: str, states) -> StateMachine:
    """The machine of a row a worker works through (an import, an export): queued, running, done or failed.
    A running row moves to running again when a new run takes over from a worker that died (``jobrows``)."""
    return StateMachine(
        kind,
        {
            states.QUEUED: {states.RUNNING, states.FAILED},
            states.RUNNING: {states.RUNNING, states.DONE, states.FAILED},
        },
        initial=states.QUEUED,
    )


class Derived:
    """A state that follows from figures, defined once: ``cases(**figures)`` returns ``(condition, state)``
    pairs in order, and the first true one wins (else ``default``). Given numbers, the conditions are
    booleans (``of``); given columns, they are SQL and the rule becomes a ``CASE`` (``sql``)."""

    def __init__(self, cases: Callable[..., list[tuple[Any, enum.Enum]]], default: enum.Enum):
        self.cases, self.default = cases, default

    def of(self, **figures: int) -> enum.Enum:
        for condition, state in self.cases(**figures):
            if condition:
                return state
        return self.default

    def sql(self, **columns: sa.ColumnElement) -> sa.Case:
        return sa.case(
            *[(c, sa.literal(s.value)) for c, s in self.cases(**columns)], else_=sa.literal(self.default.value)
        )


def flow_of(obj_or_model) -> StateMachine:
    flow = getattr(obj_or_model, "__flow__", None)
    if flow is None:
        raise TypeError(f"{obj_or_model!r} has no state machine")
    return flow


def transition(
    obj,
    target: enum.Enum,
    *,
    actor=None,
    reason: str = "",
    data: dict | None = None,
    event: str = STATE_CHANGED,
    visibility=None,
    **refs,
):
    """Move ``obj`` to ``target``: check the move, set the state, write the timeline event. Returns the event.

    ``event`` names a business event (``invoice_issued``) when the move is one; its data then carries the
    move too (``from_state``, ``to_state``, ``reason``). ``refs`` are further objects the event concerns
    (see ``timeline.record``).
    """
    from debitor.db import db
    from debitor.timeline.services import record

    flow = flow_of(obj)
    current = obj.state
    if current is None:  # a new object: it starts in the initial state
        current = flow.initial
    flow.check(current, target)
    obj.state = target
    db.session.flush()
    return record(
        event,
        actor=actor,
        visibility=_visibility(flow, target, visibility),
        **_event(flow, obj, current, target, reason, data),
        **refs,
    )


def settle(obj, rule: Derived, *, actor=None, **figures: int):
    """Move ``obj`` to the state ``rule`` derives from ``figures``, if that is another one."""
    target = rule.of(**figures)
    if target != obj.state:
        return transition(obj, target, actor=actor)
    return None


def transition_rows(
    model,
    where: Iterable[sa.ColumnElement[bool]],
    target: enum.Enum | Derived,
    *,
    actor=None,
    values: Mapping[str, Any] | None = None,
    reason: str = "",
    data: dict | None = None,
    figures: Mapping[str, sa.ColumnElement] | None = None,
    event: str = STATE_CHANGED,
) -> list[int]:
    """``transition`` for every row of ``model`` matching ``where``: to one ``target`` state (rows from which
    it may not be reached are left as they are), or to the state a ``Derived`` rule gives from ``figures``
    (rows already there are left alone; a row the rule would move where its machine forbids raises). Sets
    ``values`` on the moved rows too, writes one event per moved row, returns the moved rows' ids.

    The rows are read and locked (FOR UPDATE on PostgreSQL), checked against the machine, then moved by one
    UPDATE with the same conditions, so that two runs at once move a row once.
    """
    from debitor.db import db

    flow = flow_of(model)
    where = list(where)
    if isinstance(target, Derived):
        new = target.sql(**(figures or {}))
        where.append(model.state != new)
        rows = db.session.execute(sa.select(model.id, model.state, new).where(*where).with_for_update()).all()
    else:
        sources = flow.sources(target)
        if not sources:
            raise TransitionError(flow.kind, None, target)
        where.append(model.state.in_(sources))
        rows = [
            (i, s, target)
            for i, s in db.session.execute(sa.select(model.id, model.state).where(*where).with_for_update())
        ]
    current_of = {}
    for ident, current, goes_to in rows:
        flow.check(current, flow.states(goes_to))
        current_of[ident] = current
    moved = db.session.execute(
        sa.update(model)
        .where(*where)
        .values(state=new if isinstance(target, Derived) else target, **(values or {}))
        .returning(model.id, model.state)
        .execution_options(synchronize_session=False)
    ).all()
    by_target: dict[enum.Enum, list[dict]] = {}
    for ident, new in moved:
        if ident not in current_of:  # it came to match after the rows were read: moved unchecked, so refuse
            raise TransitionError(flow.kind, None, flow.states(new))
        by_target.setdefault(flow.states(new), []).append(
            _event(flow, None, current_of[ident], flow.states(new), reason, data, ident=ident)
        )
    for new, events in by_target.items():
        _record_many(model, flow, new, events, actor, event)
    return sorted(ident for ident, _ in moved)


def _visibility(flow: StateMachine, target: enum.Enum, given):
    from debitor.timeline.models import Visibility

    if given is not None:
        return given
    return Visibility.CLIENT if target in flow.client_visible else Visibility.STAFF


def _event(flow, obj, current, target, reason, data, *, ident=None) -> dict:
    move = {"from_state": current.value, "to_state": target.value}
    if reason:
        move["reason"] = reason
    refs = {"subject": flow.kind, "subject_id": ident if obj is None else obj.id, "data": {**(data or {}), **move}}
    if obj is not None:
        if flow.kind in TIMELINE_REFS:
            refs[flow.kind] = obj
        if getattr(obj, "client_id", None) is not None and flow.kind != "client":
            refs["client"] = obj.client_id
    elif flow.kind in TIMELINE_REFS:
        refs[flow.kind] = ident
    return refs


def settle_rows(
    model,
    rule: Derived,
    *,
    rows: list[dict],
    columns: Mapping[str, Any],
    where: Callable[[Any], list[sa.ColumnElement[bool]]],
    values: Callable[[Any], Mapping[str, Any]],
    figures: Callable[[Any], Mapping[str, sa.ColumnElement]],
    actor=None,
) -> list[int]:
    """Change figures of many rows, each by its own amounts, and move each to the state ``rule`` derives from
    its figures as changed, in one UPDATE (per part of ``bulk.values_tables``). ``rows`` are joined as a table
    ``v`` with ``columns``; ``where(v)`` picks the rows, ``values(v)`` are the columns set on each (what the
    figures add, e.g. ``paid = paid + v.delta``) and ``figures(v)`` the rule's figures after that change.
    The rows are read and locked first; one event is written per row whose state moved, and a move its
    machine forbids raises. Returns the ids of the rows updated, for the caller to compare with ``rows``."""
    from debitor.bulk import values_tables
    from debitor.db import db

    flow = flow_of(model)
    updated, events = [], []
    client = [model.client_id] if hasattr(model, "client_id") else []
    clients = {}
    for v in values_tables(columns, rows):
        conditions = where(v)
        current_of = dict(
            db.session.execute(
                sa.select(model.id, model.state)
                .select_from(model)
                .join(v, sa.and_(*conditions))
                .with_for_update(of=model)
            ).all()
        )
        moved = db.session.execute(
            sa.update(model)
            .where(*conditions)
            .values(state=rule.sql(**figures(v)), **values(v))
            .returning(model.id, model.state, *client)
            .execution_options(synchronize_session=False)
        ).all()
        for ident, new, *whose in moved:
            new = flow.states(new)
            if ident not in current_of:  # it came to match after the rows were read: moved unchecked, so refuse
                raise TransitionError(flow.kind, None, new)
            updated.append(ident)
            if new != current_of[ident]:
                flow.check(current_of[ident], new)
                events.append((new, _event(flow, None, current_of[ident], new, "", None, ident=ident)))
                if whose:
                    clients[ident] = whose[0]
    by_target: dict[enum.Enum, list[dict]] = {}
    for new, e in events:
        by_target.setdefault(new, []).append(e)
    for new, group in by_target.items():
        _record_many(model, flow, new, group, actor, STATE_CHANGED, clients)
    return sorted(updated)


def _record_many(model, flow, target, events: list[dict], actor, kind: str, clients: dict | None = None) -> None:
    """The events of a bulk move, in one INSERT (COPY on PostgreSQL); ``clients``: the rows' clients where
    the caller read them already."""
    from debitor.bulk import insert_rows
    from debitor.db import db, in_values, utcnow
    from debitor.timeline.models import Event

    if not events:
        return
    now = utcnow()
    if clients is None and hasattr(model, "client_id"):
        ids = [e["subject_id"] for e in events]
        clients = dict(db.session.execute(sa.select(model.id, model.client_id).where(in_values(model.id, ids))).all())
    clients = clients or {}
    visibility = _visibility(flow, target, None)
    staff = actor is not None and actor.kind == "staff"
    rows = []
    for e in events:
        row = {
            "occurred_at": now,
            "kind": kind,
            "visibility": visibility,
            "subject": e["subject"],
            "subject_id": e["subject_id"],
            "data": e["data"],
            "client_id": clients.get(e["subject_id"]),
            "actor_staff_id": actor.id if staff else None,
            "actor_portal_user_id": actor.id if actor is not None and not staff else None,
        }
        if flow.kind in TIMELINE_REFS and flow.kind != "client":
            row[f"{flow.kind}_id"] = e["subject_id"]
        rows.append(row)
    insert_rows(Event.__table__, rows)
