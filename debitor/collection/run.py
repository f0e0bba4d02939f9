"""Taking what a collection run planned: the actions' rows first (their unique keys), then their effects.

Per batch, the planned steps' ``CollectionAction`` rows are inserted with ON CONFLICT DO NOTHING: a row
already there (another run at the same time, a re-run) means the step is taken and nothing else happens.
Only the rows this run inserted get their effect — the outbox row, the task — and their timeline event, in
the same transaction, so a step's email exists exactly when its record does. Letters are queued for the
outbox sweep at the first moment inside the sending hours. Services flush; the caller's unit of work
commits once.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from debitor.auth.models import Role
from debitor.business_days import BusinessDays
from debitor.clients.models import Client
from debitor.collection.engine import Evaluation, Planned, document_key, evaluate, skip_key
from debitor.collection.models import CollectionAction, Outcome, StepAction
from debitor.collection.schemas import WRITES
from debitor.collection.services import business_days, invoice_penalty, template_for
from debitor.collection.templates import TEXT, uses
from debitor.dates import company_tz
from debitor.db import db, utcnow
from debitor.documents.services import Fmt
from debitor.invoices.models import Invoice
from debitor.languages import default_language
from debitor.money import format_money
from debitor.orgs.models import Organisation
from debitor.outbox.models import OutboxMessage
from debitor.tasks.services import create_task
from debitor.timeline.models import Event
from debitor.urls import absolute_url
from debitor.work import later

log = logging.getLogger(__name__)
EVENT = {Outcome.TAKEN: "collection_step_taken", Outcome.SKIPPED: "collection_step_skipped"}


def run(day: date, *, dry_run: bool = False, client_ids: list[int] | None = None) -> dict:
    """Evaluate every open document on ``day`` and take what is due; the summary the CLI prints."""
    calendar = business_days()
    evaluation = evaluate(db.session, day, calendar, client_ids=client_ids)
    if dry_run:
        return evaluation.summary()
    actions, skipped = take(evaluation, calendar)
    return {"today": day.isoformat(), "evaluated": evaluation.evaluated, "actions": dict(sorted(actions.items())),
            "skipped": dict(sorted(skipped.items()))}  # fmt: skip


def run_now() -> None:
    """The staff's "run now": today's run, by a worker once this transaction commits (two clicks while it
    waits in the queue are one job, and a run is idempotent anyway)."""
    later("collection_run", job_id="collection-run")


def take(evaluation: Evaluation, calendar: BusinessDays) -> tuple[Counter, Counter]:
    """Take the planned steps; what was taken, by action, and what was skipped, by reason (a pause or a letter
    that cannot go counts on every run; a step another run took first counts for that run)."""
    letters = Letters(calendar)
    now = utcnow()
    actions, skips = Counter(), Counter()
    for p in evaluation.planned:
        if p.outcome == Outcome.SKIPPED:
            skips[p.reason] += 1
    size, pause = int(current_app.config["COLLECTION_BATCH"]), float(current_app.config["COLLECTION_BATCH_PAUSE"])
    for start in range(0, len(evaluation.planned), size):
        mine = _claim(evaluation.planned[start : start + size], now)
        taken = [p for p in mine if p.outcome == Outcome.TAKEN]
        cannot = letters.queue([p for p in taken if p.step.action in WRITES], now)
        skips.update(reason for _p, reason in cannot.values())
        skipped = _unclaim(cannot, now)
        for p in taken:
            if p.key in skipped:
                continue
            actions[p.step.action.value] += 1
            if p.step.action == StepAction.TASK:
                _task(p, now)
        # penalty, banner, pause campaigns: the record is the effect; the invoice page, the portal and the
        # campaign connectors read it
        _events(mine, skipped, now)
        log.info("collection run %s: steps %d-%d of %d taken", evaluation.day, start + 1,
                 min(start + size, len(evaluation.planned)), len(evaluation.planned))  # fmt: skip
        if pause:
            time.sleep(pause)
    db.session.flush()
    return actions, skips


def _insert():
    return (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(CollectionAction)


def _row(p: Planned, now: datetime, **over) -> dict:
    return {
        "dedupe_key": p.key, "on_day": p.day, "client_id": p.client_id, "step_id": p.step.id,
        "policy_id": p.step.policy_id, "policy_version": p.step.policy_version, "action": p.step.action,
        "outcome": p.outcome, "reason": p.reason, "invoice_ids": list(p.invoice_ids), "data": {}, "created_at": now,
        "invoice_id": p.invoice_ids[0] if len(p.invoice_ids) == 1 else None, **over,
    }  # fmt: skip


def _claim(planned: list[Planned], now: datetime) -> list[Planned]:
    """Insert the batch's rows; the planned steps whose row this run inserted (and so whose effect it owns)."""
    if not planned:
        return []
    inserted = set(
        db.session.scalars(
            _insert()
            .values([_row(p, now) for p in planned])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(CollectionAction.dedupe_key)
        )
    )
    mine = [p for p in planned if p.key in inserted]
    marks = [  # a consolidated reminder: each document's own (step, document) key, taken with it
        _row(p, now, dedupe_key=document_key(p.step.id, i), invoice_id=i, invoice_ids=[], data={"with": p.key})
        for p in mine
        if len(p.invoice_ids) > 1
        for i in p.invoice_ids
    ]
    if marks:
        db.session.execute(_insert().values(marks).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    return mine


def _unclaim(skipped: dict[str, tuple[Planned, str]], now: datetime) -> dict[str, str]:
    """Letters that could not go (no billing contact, no letter): their rows give way to a skip's, so that the
    step is taken on a later run once it can be; the skips recorded for the first time, with their reasons."""
    if not skipped:
        return {}
    db.session.execute(sa.delete(CollectionAction).where(CollectionAction.dedupe_key.in_(list(skipped))))
    rows = {skip_key(p.key, reason): (p, reason) for p, reason in skipped.values()}
    fresh = set(
        db.session.scalars(
            _insert()
            .values([_row(p, now, dedupe_key=k, outcome=Outcome.SKIPPED, reason=r) for k, (p, r) in rows.items()])
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(CollectionAction.dedupe_key)
        )
    )
    return {p.key: reason for k, (p, reason) in rows.items() if k in fresh} | {
        p.key: "" for k, (p, _r) in rows.items() if k not in fresh
    }


def _set(keys: Iterable[str], **values) -> None:
    keys = list(keys)
    if keys:
        db.session.execute(sa.update(CollectionAction).where(CollectionAction.dedupe_key.in_(keys)).values(**values))


def _task(p: Planned, now: datetime) -> None:
    invoice = db.session.get(Invoice, p.invoice_ids[0])
    task = create_task(
        "collection",
        p.step.title or _("Call about invoice %(number)s", number=invoice.number),
        role=Role(p.step.task_role),
        due_at=now + timedelta(hours=p.step.task_sla_hours or 24),
        invoice=invoice,
    )
    _set([p.key], task_id=task.id)


def _events(mine: list[Planned], skipped: dict[str, str], now: datetime) -> None:
    """One event per step taken or skipped; a skip recorded before (``skipped`` says "") gets none."""
    rows = []
    for p in mine:
        if skipped.get(p.key) == "":
            continue
        outcome, reason = (Outcome.SKIPPED, skipped[p.key]) if p.key in skipped else (p.outcome, p.reason)
        rows.append({
            "kind": EVENT[outcome], "occurred_at": now, "client_id": p.client_id,
            "invoice_id": p.invoice_ids[0] if len(p.invoice_ids) == 1 else None,
            "data": {"step": p.step.id, "action": p.step.action.value, "offset": p.step.offset_days, "reason": reason,
                     "invoices": list(p.invoice_ids)},
        })  # fmt: skip
    if rows:
        db.session.execute(sa.insert(Event), rows)


def sending_time(now: datetime) -> datetime:
    """The first moment at or after ``now`` inside the sending hours (company time zone)."""
    start, end = (int(h) for h in current_app.config["COLLECTION_SENDING_HOURS"])
    local = now.astimezone(company_tz())
    if start <= local.hour < end:
        return now
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, start, tzinfo=company_tz()).astimezone(now.tzinfo)


class Letters:
    """Letters of a run: the templates compiled once, the batch's clients and documents read at once."""

    def __init__(self, calendar: BusinessDays):
        self.calendar = calendar
        self.templates: dict[tuple[str, str], tuple | None] = {}
        self.org: Organisation | None = None

    def template(self, key: str, language: str):
        if (key, language) not in self.templates:
            row = template_for(key, language)
            self.templates[key, language] = None if row is None else (
                TEXT.from_string(row.subject), TEXT.from_string(row.body), uses(row.body, "penalty")
            )  # fmt: skip
        return self.templates[key, language]

    def queue(self, letters: list[Planned], now: datetime) -> dict[str, tuple[Planned, str]]:
        """Queue the letters' emails; the ones that cannot go, with why (no billing contact, no letter)."""
        if not letters:
            return {}
        whose = sa.select(Client).where(Client.id.in_({p.client_id for p in letters}))
        clients = {c.id: c for c in db.session.scalars(whose.options(selectinload(Client.contacts)))}
        ids = {i for p in letters for i in p.invoice_ids}
        invoices = {i.id: i for i in db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(ids)))}
        skipped, rows = {}, []
        at = sending_time(now)
        for p in letters:
            client = clients[p.client_id]
            to = [c.email for c in client.contacts if c.receives_invoices]
            language = client.language or default_language()
            template = self.template(p.step.template_key, language)
            if not to or template is None:
                skipped[p.key] = (p, "no_recipient" if not to else "no_template")
                continue
            subject, body, needs_penalty = template
            docs = [invoices[i] for i in p.invoice_ids]
            with force_locale(language):
                context = self.context(client, docs, p.day, language, needs_penalty)
                rows.append({
                    "kind": "email", "dedupe_key": f"collection:{p.key}", "recipients": ", ".join(to),
                    "subject": subject.render(context).strip()[:300], "body_text": body.render(context),
                    "client_id": client.id, "invoice_id": docs[0].id if len(docs) == 1 else None,
                    "next_attempt_at": at, "created_at": now,
                })  # fmt: skip
        if rows:
            db.session.execute(sa.insert(OutboxMessage), rows)
            message = sa.select(OutboxMessage.id).where(
                OutboxMessage.dedupe_key == sa.literal("collection:") + CollectionAction.dedupe_key
            ).scalar_subquery()  # fmt: skip
            sent = [p.key for p in letters if p.key not in skipped]
            _set(sent, outbox_message_id=message)
        return skipped

    def context(self, client: Client, invoices: list[Invoice], day: date, language: str, penalty: bool) -> dict:
        if self.org is None or self.org.id != client.organisation_id:
            self.org = db.session.get(Organisation, client.organisation_id)
        return letter_context(client, self.org, invoices, day, language, self.calendar, with_penalty=penalty)


def letter_context(client, org, invoices, day, language, calendar, *, with_penalty: bool = True) -> dict:
    """The documented variables (``collection.templates.VARIABLES``) for a letter about ``invoices``."""
    f = Fmt(language, client.currency)

    def party(x) -> dict:
        return {"name": getattr(x, "legal_name", None) or x.name, "short_name": x.short_name, "inn": x.inn,
                "kpp": x.kpp or ""}  # fmt: skip

    def document(inv: Invoice) -> dict:
        return {
            "number": inv.number, "issued_on": f.date(inv.issued_on), "due_on": f.date(inv.due_on),
            "total": format_money(inv.total_kopecks, inv.currency, language),
            "outstanding": format_money(inv.outstanding_kopecks, inv.currency, language),
            "days_overdue": calendar.days_overdue(inv.due_on, day) if inv.due_on else 0,
            "url": absolute_url("portal.invoice", invoice_id=inv.id),
        }  # fmt: skip

    docs = [document(inv) for inv in invoices]
    penalty = 0
    if with_penalty:  # a query or two per document: only for the letters that show it
        penalty = sum(p.total_kopecks for p in (invoice_penalty(i, day, calendar) for i in invoices) if p)
    return {
        "client": party(client),
        "organisation": {**party(org), "email": parseaddr(current_app.config["MAIL_FROM"])[1]},
        "invoice": docs[0],
        "documents": docs,
        "total_outstanding": format_money(sum(i.outstanding_kopecks for i in invoices), client.currency, language),
        "penalty": format_money(penalty, client.currency, language),
        "today": f.date(day),
        "portal_url": absolute_url("portal.home"),
    }
