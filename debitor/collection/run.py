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
from debitor.bulk import insert_rows, to_json, update_rows, values_tables
from debitor.business_days import BusinessDays
from debitor.clients.models import Client
from debitor.collection.engine import Evaluation, Planned, document_key, evaluate, plan, skip_key
from debitor.collection.models import CollectionAction, Outcome, StepAction
from debitor.collection.schemas import WRITES
from debitor.collection.services import business_days, penalties, template_for
from debitor.collection.templates import TEXT, uses
from debitor.dates import company_tz
from debitor.db import db, utcnow
from debitor.documents.services import Fmt
from debitor.invoices.models import Invoice
from debitor.languages import default_language
from debitor.money import format_money
from debitor.orgs.models import Organisation
from debitor.outbox.models import OUTBOX_FLOW, OutboxMessage
from debitor.tasks.services import create_many
from debitor.timeline.models import Event, Visibility
from debitor.urls import absolute_url
from debitor.work import later

log = logging.getLogger(__name__)
EVENT = {Outcome.TAKEN: "collection_step_taken", Outcome.SKIPPED: "collection_step_skipped"}


def run(day: date, *, dry_run: bool = False, client_ids: list[int] | None = None) -> dict:
    """Evaluate every open document on ``day`` and take what is due; the summary the CLI prints."""
    calendar = business_days()
    if dry_run:
        return evaluate(db.session, day, calendar, client_ids=client_ids).summary()
    evaluation = Evaluation(day)
    letters, now = Letters(calendar), utcnow()
    actions, skips = Counter(), Counter()
    size, pause = int(current_app.config["COLLECTION_BATCH"]), float(current_app.config["COLLECTION_BATCH_PAUSE"])
    for planned in plan(db.session, evaluation, calendar, client_ids=client_ids):
        for start in range(0, len(planned), size):
            take(planned[start : start + size], letters, now, actions, skips)
            log.info("collection run %s: %d documents read, %d steps taken", day, evaluation.evaluated,
                     sum(actions.values()))  # fmt: skip
            if pause:  # a test's kill needs the run to last; 0 in production
                time.sleep(pause)
    db.session.flush()
    return {"today": day.isoformat(), "evaluated": evaluation.evaluated, "actions": dict(sorted(actions.items())),
            "skipped": dict(sorted(skips.items()))}  # fmt: skip


def run_now() -> None:
    """The staff's "run now": today's run, by a worker once this transaction commits (two clicks while it
    waits in the queue are one job, and a run is idempotent anyway)."""
    later("collection_run", job_id="collection-run")


def take(planned: list[Planned], letters: Letters, now: datetime, actions: Counter, skips: Counter) -> None:
    """Take a batch of planned steps, counting what was taken, by action, and what was skipped, by reason (a
    pause or a letter that cannot go counts on every run; a step another run took first counts for that run)."""
    skips.update(p.reason for p in planned if p.outcome == Outcome.SKIPPED)
    claimed = _claim(planned, now)
    mine = [p for p in planned if p.key in claimed]
    taken = [p for p in mine if p.outcome == Outcome.TAKEN]
    cannot = letters.queue([p for p in taken if p.step.action in WRITES], now)
    skips.update(reason for _p, reason in cannot.values())
    skipped = _unclaim(cannot, now)
    taken = [p for p in taken if p.key not in skipped]
    actions.update(p.step.action.value for p in taken)
    _tasks([p for p in taken if p.step.action == StepAction.TASK], claimed, now)
    # penalty, banner, pause campaigns: the record is the effect; the invoice page, the portal and the
    # campaign connectors read it
    _events(mine, skipped, now)


def _insert():
    return (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(CollectionAction)


def _row(p: Planned, now: datetime, **over) -> dict:
    return {
        "dedupe_key": p.key, "on_day": p.day, "client_id": p.client_id, "step_id": p.step.id,
        "policy_id": p.step.policy_id, "policy_version": p.step.policy_version, "action": p.step.action,
        "outcome": p.outcome, "reason": p.reason, "invoice_ids": list(p.invoice_ids), "data": {}, "created_at": now,
        "invoice_id": p.invoice_ids[0] if len(p.invoice_ids) == 1 else None, **over,
    }  # fmt: skip


# the action rows as a table to insert from (``bulk.values_tables``: one array per column on PostgreSQL, where
# a 2 000-row VALUES list took 1.1 s to compile and send); JSON travels as text, enums by value
CLAIM_COLUMNS = {
    "dedupe_key": sa.String(), "on_day": sa.Date(), "client_id": sa.Integer(), "step_id": sa.Integer(),
    "policy_id": sa.Integer(), "policy_version": sa.Integer(), "action": sa.String(), "outcome": sa.String(),
    "reason": sa.String(), "invoice_ids": sa.Text(), "data": sa.Text(), "created_at": sa.DateTime(timezone=True),
    "invoice_id": sa.Integer(),
}  # fmt: skip
JSON_COLUMNS = ("invoice_ids", "data")


def _insert_new(rows: list[dict]) -> dict[str, int]:
    """Insert the rows whose keys are not taken yet; their keys and ids."""
    inserted: dict[str, int] = {}
    for row in rows:
        for name in JSON_COLUMNS:
            row[name] = to_json(row[name])
    for v in values_tables(CLAIM_COLUMNS, rows):
        columns = [sa.cast(v.c[n], sa.JSON) if n in JSON_COLUMNS else v.c[n] for n in CLAIM_COLUMNS]
        statement = (
            _insert()
            .from_select(list(CLAIM_COLUMNS), sa.select(*columns).where(sa.true()))  # SQLite: WHERE before ON CONFLICT
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(CollectionAction.dedupe_key, CollectionAction.id)
        )
        inserted.update(db.session.execute(statement).all())
    return inserted


def _claim(planned: list[Planned], now: datetime) -> dict[str, int]:
    """Insert the batch's rows; the keys (and row ids) of those this run inserted, whose effects it owns."""
    if not planned:
        return {}
    inserted = _insert_new([_row(p, now) for p in planned])
    mine = [p for p in planned if p.key in inserted]
    marks = [  # a consolidated reminder: each document's own (step, document) key, taken with it
        _row(p, now, dedupe_key=document_key(p.step.id, i), invoice_id=i, invoice_ids=[], data={"with": p.key})
        for p in mine
        if len(p.invoice_ids) > 1
        for i in p.invoice_ids
    ]
    if marks:
        _insert_new(marks)
    return inserted


def _unclaim(skipped: dict[str, tuple[Planned, str]], now: datetime) -> dict[str, str]:
    """Letters that could not go (no billing contact, no letter): their rows give way to a skip's, so that the
    step is taken on a later run once it can be; the skips recorded for the first time, with their reasons."""
    if not skipped:
        return {}
    db.session.execute(sa.delete(CollectionAction).where(CollectionAction.dedupe_key.in_(list(skipped))))
    rows = {skip_key(p.key, reason): (p, reason) for p, reason in skipped.values()}
    fresh = _insert_new([_row(p, now, dedupe_key=k, outcome=Outcome.SKIPPED, reason=r) for k, (p, r) in rows.items()])
    return {p.key: reason for k, (p, reason) in rows.items() if k in fresh} | {
        p.key: "" for k, (p, _r) in rows.items() if k not in fresh
    }


def _set(keys: Iterable[str], **values) -> None:
    keys = list(keys)
    if keys:
        db.session.execute(sa.update(CollectionAction).where(CollectionAction.dedupe_key.in_(keys)).values(**values))


def _tasks(planned: list[Planned], claimed: dict[str, int], now: datetime) -> None:
    if not planned:
        return
    ids = [p.invoice_ids[0] for p in planned]
    numbers = {i.id: i.number for i in db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(ids)))}
    made = create_many("collection", [
        {"title": p.step.title or _("Call about invoice %(number)s", number=numbers[p.invoice_ids[0]]),
         "role": Role(p.step.task_role), "due_at": now + timedelta(hours=p.step.task_sla_hours or 24),
         "client_id": p.client_id, "invoice_id": p.invoice_ids[0]}
        for p in planned
    ])  # fmt: skip
    update_rows(
        CollectionAction.__table__, [{"id": claimed[p.key], "task_id": t} for p, t in zip(planned, made, strict=True)]
    )


def _events(mine: list[Planned], skipped: dict[str, str], now: datetime) -> None:
    """One event per step taken or skipped; a skip recorded before (``skipped`` says "") gets none."""
    rows = []
    for p in mine:
        if skipped.get(p.key) == "":
            continue
        outcome, reason = (Outcome.SKIPPED, skipped[p.key]) if p.key in skipped else (p.outcome, p.reason)
        rows.append({
            "kind": EVENT[outcome], "occurred_at": now, "visibility": Visibility.STAFF, "client_id": p.client_id,
            "invoice_id": p.invoice_ids[0] if len(p.invoice_ids) == 1 else None,
            "data": {"step": p.step.id, "action": p.step.action.value, "offset": p.step.offset_days, "reason": reason,
                     "invoices": list(p.invoice_ids)},
        })  # fmt: skip
    insert_rows(Event.__table__, rows)


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
        counted = [invoices[i] for p in letters for i in p.invoice_ids if self.needs_penalty(p, clients[p.client_id])]
        penalty = {
            i: (x.total_kopecks if x else 0) for i, x in penalties(counted, letters[0].day, self.calendar).items()
        }
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
            owed = sum(penalty.get(d.id, 0) for d in docs) if needs_penalty else 0
            with force_locale(language):
                context = self.context(client, docs, p.day, language, owed)
                rows.append({
                    "kind": "email", "dedupe_key": f"collection:{p.key}", "state": OUTBOX_FLOW.initial,
                    "recipients": ", ".join(to), "subject": subject.render(context).strip()[:300],
                    "body_text": body.render(context), "body_html": "", "attempts": 0, "last_error": "",
                    "client_id": client.id, "invoice_id": docs[0].id if len(docs) == 1 else None,
                    "next_attempt_at": at, "attachments": [], "created_at": now,
                })  # fmt: skip
        if rows:
            insert_rows(OutboxMessage.__table__, rows)
            message = sa.select(OutboxMessage.id).where(
                OutboxMessage.dedupe_key == sa.literal("collection:") + CollectionAction.dedupe_key
            ).scalar_subquery()  # fmt: skip
            sent = [p.key for p in letters if p.key not in skipped]
            _set(sent, outbox_message_id=message)
        return skipped

    def needs_penalty(self, p: Planned, client: Client) -> bool:
        template = self.template(p.step.template_key, client.language or default_language())
        return template is not None and template[2]

    def context(self, client: Client, invoices: list[Invoice], day: date, language: str, penalty: int) -> dict:
        if self.org is None or self.org.id != client.organisation_id:
            self.org = db.session.get(Organisation, client.organisation_id)
        return letter_context(client, self.org, invoices, day, language, self.calendar, penalty_kopecks=penalty)


def letter_context(client, org, invoices, day, language, calendar, *, penalty_kopecks: int | None = None) -> dict:
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
    penalty = penalty_kopecks
    if penalty is None:
        penalty = sum(p.total_kopecks for p in penalties(invoices, day, calendar).values() if p)
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
