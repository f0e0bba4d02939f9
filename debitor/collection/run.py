"""Taking what a collection run planned: the action's row first (its unique key), then its effect.

Each planned step inserts its ``CollectionAction`` with ON CONFLICT DO NOTHING: a row already there (another
run at the same time, a re-run) means the step is taken and nothing else happens. Only a row this run
inserted gets its effect — the outbox row, the task — in the same transaction, so a step's email exists
exactly when its record does. Services flush; the caller's unit of work commits once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from debitor.auth.models import Role
from debitor.clients.models import Client
from debitor.collection.engine import Evaluation, Planned, evaluate
from debitor.collection.models import CollectionAction, Outcome, StepAction
from debitor.collection.services import business_days, invoice_penalty, template_for
from debitor.collection.templates import render
from debitor.db import db, utcnow
from debitor.documents.services import Fmt
from debitor.invoices.models import Invoice
from debitor.languages import default_language
from debitor.money import format_money
from debitor.orgs.models import Organisation
from debitor.outbox.services import queue_email
from debitor.tasks.services import create_task
from debitor.timeline.services import record
from debitor.urls import absolute_url

EVENT = {Outcome.TAKEN: "collection_step_taken", Outcome.SKIPPED: "collection_step_skipped"}


def run(day: date, *, dry_run: bool = False, client_ids: list[int] | None = None) -> dict:
    """Evaluate every open document on ``day`` and take what is due; the summary the CLI prints."""
    evaluation = evaluate(db.session, day, business_days(), client_ids=client_ids)
    if not dry_run:
        take(evaluation)
    return evaluation.summary()


def take(evaluation: Evaluation) -> None:
    now = utcnow()
    for planned in evaluation.planned:
        if not _claim(planned, now):
            continue
        if planned.outcome == Outcome.TAKEN:
            _effect(planned, now)
        record(EVENT[planned.outcome], client=planned.client_id,
               invoice=planned.invoice_ids[0] if len(planned.invoice_ids) == 1 else None,
               data={"step": planned.step.id, "action": planned.step.action.value, "offset": planned.step.offset_days,
                     "reason": planned.reason, "invoices": list(planned.invoice_ids)})  # fmt: skip
    db.session.flush()


def _insert():
    return (postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert)(CollectionAction)


def _claim(p: Planned, now: datetime) -> bool:
    """Insert the action's row(s); True when this run inserted the main one (and so owns its effect)."""
    row = {
        "dedupe_key": p.key, "on_day": p.day, "client_id": p.client_id, "step_id": p.step.id,
        "policy_id": p.step.policy_id, "policy_version": p.step.policy_version, "action": p.step.action,
        "outcome": p.outcome, "reason": p.reason, "invoice_ids": list(p.invoice_ids), "data": {}, "created_at": now,
        "invoice_id": p.invoice_ids[0] if len(p.invoice_ids) == 1 else None,
    }  # fmt: skip
    inserted = db.session.execute(
        _insert().values(row).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(CollectionAction.id)
    ).scalar()
    if inserted is None:
        return False
    if len(p.invoice_ids) > 1:  # a consolidated reminder: each document's own (step, document) key, taken with it
        from debitor.collection.engine import document_key

        marks = [{**row, "dedupe_key": document_key(p.step.id, i), "invoice_id": i, "invoice_ids": [],
                  "data": {"with": p.key}} for i in p.invoice_ids]  # fmt: skip
        db.session.execute(_insert().values(marks).on_conflict_do_nothing(index_elements=["dedupe_key"]))
    return True


def _effect(p: Planned, now: datetime) -> None:
    action = p.step.action
    if action in (StepAction.EMAIL, StepAction.CLAIM):
        _letter(p)
    elif action == StepAction.TASK:
        invoice = db.session.get(Invoice, p.invoice_ids[0])
        task = create_task(
            "collection",
            p.step.title or _("Call about invoice %(number)s", number=invoice.number),
            role=Role(p.step.task_role),
            due_at=now + timedelta(hours=p.step.task_sla_hours or 24),
            invoice=invoice,
        )
        _update(p, task_id=task.id)
    # penalty, banner, pause campaigns: the record is the effect; the invoice page, the portal and the
    # campaign connectors read it


def _update(p: Planned, **values) -> None:
    db.session.execute(sa.update(CollectionAction).where(CollectionAction.dedupe_key == p.key).values(**values))


def _letter(p: Planned) -> None:
    client = db.session.get(Client, p.client_id)
    to = [c.email for c in client.contacts if c.receives_invoices]
    if not to:
        _update(p, outcome=Outcome.SKIPPED, reason="no_recipient")
        return
    language = client.language or default_language()
    template = template_for(p.step.template_key, language)
    if template is None:
        _update(p, outcome=Outcome.SKIPPED, reason="no_template")
        return
    invoices = list(db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(p.invoice_ids)).order_by(Invoice.id)))
    with force_locale(language):
        context = letter_context(client, invoices, p.day, language)
        subject = render(template.subject, context)
        text = render(template.body, context)
    message = queue_email(to=to, subject=subject, text=text, dedupe_key=f"collection:{p.key}", client_id=client.id,
                          invoice_id=invoices[0].id if len(invoices) == 1 else None)  # fmt: skip
    message.next_attempt_at = sending_time(utcnow())
    _update(p, outbox_message_id=message.id)


def sending_time(now: datetime) -> datetime:
    """The first moment at or after ``now`` inside the sending hours (company time zone)."""
    from debitor.dates import company_tz

    start, end = (int(h) for h in current_app.config["COLLECTION_SENDING_HOURS"])
    local = now.astimezone(company_tz())
    if start <= local.hour < end:
        return now
    day = local.date() if local.hour < start else local.date() + timedelta(days=1)
    opening = datetime(day.year, day.month, day.day, start, tzinfo=company_tz())
    return opening.astimezone(now.tzinfo)


def letter_context(client: Client, invoices: list[Invoice], day: date, language: str, calendar=None) -> dict:
    """The documented variables (``collection.templates.VARIABLES``) for a letter about ``invoices``."""
    f = Fmt(language, client.currency)
    org = db.session.get(Organisation, client.organisation_id)
    calendar = calendar or business_days()

    def party(x) -> dict:
        name = getattr(x, "legal_name", None) or x.name
        return {"name": name, "short_name": x.short_name, "inn": x.inn, "kpp": x.kpp or ""}

    def document(inv: Invoice) -> dict:
        return {
            "number": inv.number, "issued_on": f.date(inv.issued_on), "due_on": f.date(inv.due_on),
            "total": format_money(inv.total_kopecks, inv.currency, language),
            "outstanding": format_money(inv.outstanding_kopecks, inv.currency, language),
            "days_overdue": calendar.days_overdue(inv.due_on, day) if inv.due_on else 0,
            "url": absolute_url("portal.invoice", invoice_id=inv.id),
        }  # fmt: skip

    docs = [document(inv) for inv in invoices]
    owed = sum(inv.outstanding_kopecks for inv in invoices)
    penalties = [invoice_penalty(inv, day, calendar) for inv in invoices]
    penalty = sum(p.total_kopecks for p in penalties if p is not None)
    return {
        "client": party(client),
        "organisation": {**party(org), "email": parseaddr(current_app.config["MAIL_FROM"])[1]},
        "invoice": docs[0],
        "documents": docs,
        "total_outstanding": format_money(owed, client.currency, language),
        "penalty": format_money(penalty, client.currency, language),
        "today": f.date(day),
        "portal_url": absolute_url("portal.home"),
    }
