"""What the collection workspace shows: the policies at a glance, and a dry run as rows a person reads —
of the saved policies, or of a policy as the editor has it before it is saved.

A dry run of unsaved input saves it inside a savepoint, evaluates, and rolls the savepoint back: the engine
reads exactly what saving would leave (step ids, version, the default), and nothing of it stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from debitor.clients.models import Client
from debitor.collection.engine import Step, dry_run
from debitor.collection.models import (
    CalendarException,
    CollectionAction,
    CollectionPolicy,
    CollectionStep,
    KeyRate,
    Outcome,
)
from debitor.collection.schemas import WRITES
from debitor.collection.services import business_days, save_policy
from debitor.db import db
from debitor.invoices.models import Invoice

DAYS = 14


@dataclass(frozen=True)
class PolicyRow:
    policy: CollectionPolicy
    steps: int
    clients: int  # clients on it by choice; the default's figure adds those without a choice


@dataclass(frozen=True)
class DryRow:
    """One thing a run would do on ``day``: the step for the documents of a client, or why it waits."""

    day: date
    client_id: int
    client: str
    documents: tuple[tuple[int, str], ...]  # (id, number)
    step: Step
    outcome: Outcome
    reason: str
    recipients: tuple[str, ...]  # a letter's addresses (none: it will be skipped for want of one)


def policy_rows() -> list[PolicyRow]:
    steps = dict(
        db.session.execute(
            sa.select(CollectionStep.policy_id, sa.func.count()).group_by(CollectionStep.policy_id)
        ).all()
    )
    chosen = dict(
        db.session.execute(
            sa.select(Client.collection_policy_id, sa.func.count())
            .where(Client.collection_policy_id.is_not(None))
            .group_by(Client.collection_policy_id)
        ).all()
    )
    unchosen = db.session.scalar(sa.select(sa.func.count()).where(Client.collection_policy_id.is_(None)))
    return [
        PolicyRow(p, steps.get(p.id, 0), chosen.get(p.id, 0) + (unchosen if p.is_default else 0))
        for p in db.session.scalars(sa.select(CollectionPolicy).order_by(CollectionPolicy.name))
    ]


def clients_of(policy: CollectionPolicy) -> list[int]:
    """The clients a policy reminds: those that chose it, and, for the default, those that chose none."""
    on_it = Client.collection_policy_id == policy.id
    if policy.is_default:
        on_it = sa.or_(on_it, Client.collection_policy_id.is_(None))
    return list(db.session.scalars(sa.select(Client.id).where(on_it)))


def dry_rows(today: date, client_ids: list[int] | None = None, days: int = DAYS) -> list[DryRow]:
    """What runs on ``today`` and the days after it would take or skip (for ``client_ids``: all when None)."""
    planned = [p for ev in dry_run(db.session, today, business_days(), days=days, client_ids=client_ids)
               for p in ev.planned]  # fmt: skip
    clients = {
        c.id: c
        for c in db.session.scalars(
            sa.select(Client)
            .where(Client.id.in_({p.client_id for p in planned}))
            .options(selectinload(Client.contacts))
        )
    }
    ids = {i for p in planned for i in p.invoice_ids}
    numbers = {i.id: i.number for i in db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(ids)))}
    rows = []
    for p in planned:
        client = clients[p.client_id]
        to = tuple(c.email for c in client.contacts if c.receives_invoices) if p.step.action in WRITES else ()
        docs = tuple((i, numbers.get(i) or "") for i in p.invoice_ids)
        rows.append(DryRow(p.day, client.id, client.short_name, docs, p.step, p.outcome, p.reason, to))
    return rows


def saved_dry_run(today: date, policy: CollectionPolicy | None = None) -> list[DryRow]:
    return dry_rows(today, clients_of(policy) if policy is not None else None)


def unsaved_dry_run(data: dict, policy: CollectionPolicy | None, today: date) -> list[DryRow]:
    """The dry run of the clients on ``policy`` as ``data`` would leave it (``PolicyInvalid`` when it is
    refused); the policy is saved in a savepoint that is rolled back, so nothing of it stays."""
    savepoint = db.session.begin_nested()
    try:
        edited = save_policy(data, policy)
        return dry_rows(today, clients_of(edited))
    finally:
        savepoint.rollback()


def calendar_exceptions() -> list[CalendarException]:
    return list(db.session.scalars(sa.select(CalendarException).order_by(CalendarException.day)))


def holidays_around(today: date, days: int = 183) -> list[tuple[date, str, bool]]:
    """The production calendar's named days from half a year before ``today`` to half a year after:
    (day, name, whether it is worked after all — an administrator's exception)."""
    calendar = business_days()
    out = []
    for n in range(-days, days + 1):
        day = today + timedelta(days=n)
        name = calendar.holiday_name(day)
        if name:
            out.append((day, name, calendar.is_working_day(day)))
    return out


def key_rate_rows() -> list[KeyRate]:
    return list(db.session.scalars(sa.select(KeyRate).order_by(KeyRate.valid_from.desc())))


def client_history(client_id: int, limit: int = 50) -> list[tuple[CollectionAction, CollectionStep | None]]:
    """The steps taken, skipped or dropped for a client, newest first, with the step when it still exists."""
    q = (
        sa.select(CollectionAction, CollectionStep)
        .outerjoin(CollectionStep, CollectionStep.id == CollectionAction.step_id)
        .where(CollectionAction.client_id == client_id)
        .order_by(CollectionAction.on_day.desc(), CollectionAction.id.desc())
        .limit(limit)
    )
    return [(a, s) for a, s in db.session.execute(q).all()]


def policy_choices() -> list[CollectionPolicy]:
    return list(db.session.scalars(sa.select(CollectionPolicy).order_by(CollectionPolicy.name)))
