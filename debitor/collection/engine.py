"""The collection run: for every open document, the step of its client's policy that is due, taken once.

The rule, shown in the policy editor too: on a day, a document's steps whose date has come (its due date,
moved to a working day, plus the step's offset) are candidates, and only the **latest** of them is taken —
a policy edited, a run missed for a week or a new client with old debts never bursts out every step a
document "missed". A step taken is a ``CollectionAction`` keyed by (step, document) — (step, client, day)
for a consolidated reminder, whose documents are marked too — written with its outbox row or task in the
run's transaction, so that two runs at once, a worker killed mid-run or a re-run take nothing twice.

A document is paused while a pause reason holds for it (``PAUSES``: a client's hold, an open dispute; the
next issues add promises to pay): its step is skipped with that reason and taken once the pause ends (if it
is still the latest due). A dry run evaluates the same way and writes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from debitor.business_days import BusinessDays
from debitor.clients.models import Client
from debitor.collection.models import CollectionAction, CollectionPolicy, Outcome, StepAction
from debitor.disputes.models import Dispute, DisputeState
from debitor.invoices.models import Invoice, open_sql

BATCH = 5_000


@dataclass(frozen=True)
class Step:
    """A policy's step as the run reads it (plain values: the run never touches the ORM objects)."""

    id: int
    policy_id: int
    policy_version: int
    consolidated: bool
    offset_days: int
    action: StepAction
    template_key: str
    task_role: str | None
    task_sla_hours: int | None
    title: str


@dataclass(frozen=True)
class Planned:
    """What a run takes (or skips, with the reason) for a document — or a client's documents."""

    key: str
    day: date  # the run's day
    client_id: int
    invoice_ids: tuple[int, ...]
    step: Step
    due_on: date  # the step's own date
    outcome: Outcome = Outcome.TAKEN
    reason: str = ""


# a pause: (reason, the condition on ``Invoice`` under which its collection waits)
PAUSES: list[tuple[str, Callable[[], sa.ColumnElement[bool]]]] = [
    ("hold", lambda: Client.collection_hold.is_(True)),
    ("dispute", lambda: sa.exists().where(Dispute.invoice_id == Invoice.id, Dispute.state == DisputeState.OPEN)),
]


def register_pause(reason: str, condition: Callable[[], sa.ColumnElement[bool]]) -> None:
    """Another reason for a document's collection to wait (promises to pay register theirs)."""
    if reason not in {r for r, _ in PAUSES}:
        PAUSES.append((reason, condition))


def policies(session) -> tuple[dict[int, list[Step]], int | None]:
    """Each policy's steps by offset, and the default policy's id."""
    out: dict[int, list[Step]] = {}
    default = None
    for policy in session.scalars(sa.select(CollectionPolicy)):
        if policy.is_default:
            default = policy.id
        out[policy.id] = [
            Step(
                s.id,
                policy.id,
                policy.version,
                policy.consolidated,
                s.offset_days,
                s.action,
                s.template_key,
                s.task_role.value if s.task_role else None,
                s.task_sla_hours,
                s.title,
            )  # fmt: skip
            for s in sorted(policy.steps, key=lambda s: (s.offset_days, s.id))
        ]
    return out, default


def latest_due(steps: list[Step], term_end: date, day: date) -> list[Step]:
    """The steps with the latest date on or before ``day`` (several when they share their offset)."""
    days = (day - term_end).days
    due = [s for s in steps if s.offset_days <= days]
    if not due:
        return []
    last = due[-1].offset_days
    return [s for s in due if s.offset_days == last]


def document_key(step_id: int, invoice_id: int) -> str:
    return f"s{step_id}:i{invoice_id}"


def client_key(step_id: int, client_id: int, day: date) -> str:
    return f"s{step_id}:c{client_id}:{day.isoformat()}"


def skip_key(key: str, reason: str) -> str:
    """A skip is recorded once per reason and never stands for the step: it is still taken later."""
    return f"{key}:skip:{reason}"


@dataclass
class Evaluation:
    day: date
    evaluated: int = 0
    planned: list[Planned] = field(default_factory=list)

    def summary(self) -> dict:
        actions, skipped = Counter(), Counter()
        for p in self.planned:
            if p.outcome == Outcome.TAKEN:
                actions[p.step.action.value] += 1
            else:
                skipped[p.reason] += 1
        return {"today": self.day.isoformat(), "evaluated": self.evaluated, "actions": dict(sorted(actions.items())),
                "skipped": dict(sorted(skipped.items()))}  # fmt: skip


def _open_documents(session, client_ids: list[int] | None) -> Iterator[tuple]:
    """(invoice id, client id, policy id, due date, pause reason or None) of every open document, by id."""
    reason = sa.case(*[(condition(), name) for name, condition in PAUSES], else_=sa.null())
    q = (
        sa.select(Invoice.id, Invoice.client_id, Client.collection_policy_id, Invoice.due_on, reason)
        .join(Client, Client.id == Invoice.client_id)
        .where(open_sql(), Invoice.due_on.is_not(None))
        .order_by(Invoice.id)
    )
    if client_ids is not None:
        q = q.where(Invoice.client_id.in_(client_ids))
    yield from session.execute(q.execution_options(yield_per=BATCH))


def _taken(session, invoice_ids: list[int]) -> set[tuple[int, int]]:
    """(step, document) pairs already taken (or dropped: a message not sent because the document was paid)."""
    rows = session.execute(
        sa.select(CollectionAction.step_id, CollectionAction.invoice_id).where(
            CollectionAction.invoice_id.in_(invoice_ids),
            CollectionAction.outcome != Outcome.SKIPPED,
            CollectionAction.step_id.is_not(None),
        )
    )
    return {(s, i) for s, i in rows}


def evaluate(
    session,
    day: date,
    calendar: BusinessDays,
    *,
    client_ids: list[int] | None = None,
    also_taken: set[tuple[int, int]] | None = None,
) -> Evaluation:
    """What a run on ``day`` takes and skips. ``also_taken`` are (step, document) pairs to count as taken
    (a dry run over several days: what its earlier days would have taken)."""
    result = Evaluation(day)
    for planned in plan(session, result, calendar, client_ids=client_ids, also_taken=also_taken):
        result.planned.extend(planned)
    return result


def plan(
    session,
    result: Evaluation,
    calendar: BusinessDays,
    *,
    client_ids: list[int] | None = None,
    also_taken: set[tuple[int, int]] | None = None,
) -> Iterator[list[Planned]]:
    """``evaluate`` a batch of documents at a time (a run takes each batch before it reads the next, so that
    500 000 documents never sit in memory at once); counts the documents in ``result.evaluated``."""
    day = result.day
    steps_of, default = policies(session)
    ends: dict[date, date] = {}
    consolidated: dict[tuple[int, int], list[int]] = {}
    steps_by_id: dict[int, Step] = {}

    def decide(batch: list[tuple]) -> list[Planned]:
        out = []
        taken = _taken(session, [row[0] for row in batch]) | (also_taken or set())
        for invoice_id, client_id, policy_id, due_on, paused in batch:
            steps = steps_of.get(policy_id if policy_id is not None else default)
            if not steps:
                continue
            if due_on not in ends:
                ends[due_on] = calendar.term_end(due_on)
            for step in latest_due(steps, ends[due_on], day):
                if (step.id, invoice_id) in taken:
                    continue
                key = document_key(step.id, invoice_id)
                step_day = ends[due_on] + timedelta(days=step.offset_days)
                if paused:
                    skip = skip_key(key, paused)
                    out.append(Planned(skip, day, client_id, (invoice_id,), step, step_day, Outcome.SKIPPED, paused))
                elif step.consolidated and step.action == StepAction.EMAIL:
                    consolidated.setdefault((step.id, client_id), []).append(invoice_id)
                    steps_by_id[step.id] = step
                else:
                    out.append(Planned(key, day, client_id, (invoice_id,), step, step_day))
        return out

    batch: list[tuple] = []
    for row in _open_documents(session, client_ids):
        result.evaluated += 1
        batch.append(tuple(row))
        if len(batch) >= BATCH:
            yield decide(batch)
            batch = []
    if batch:
        yield decide(batch)
    yield [
        Planned(client_key(step_id, client_id, day), day, client_id, tuple(ids), steps_by_id[step_id], day)
        for (step_id, client_id), ids in consolidated.items()
    ]


def dry_run(session, today: date, calendar: BusinessDays, days: int = 14, **kw) -> list[Evaluation]:
    """What runs on ``today`` and the ``days - 1`` days after it would do if nothing else changed."""
    out = []
    assumed: set[tuple[int, int]] = set()
    for n in range(days):
        ev = evaluate(session, today + timedelta(days=n), calendar, also_taken=assumed, **kw)
        for p in ev.planned:
            if p.outcome == Outcome.TAKEN:
                assumed |= {(p.step.id, i) for i in p.invoice_ids}
        out.append(ev)
    return out
