"""Collection policies, their templates and the calendar they run on: saved through checks, never half.

Services flush, never commit. Saving a policy keeps the ids of the steps that stay (what they took stays
taken), deletes the steps that go, and raises the policy's version when anything changed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from debitor.auth.models import Role
from debitor.business_days import BusinessDays
from debitor.clients.models import Client
from debitor.collection.models import (
    CalendarException,
    CollectionPolicy,
    CollectionStep,
    CollectionTemplate,
    KeyRate,
    StepAction,
)
from debitor.collection.penalties import Penalty, PenaltyTerms, accrue
from debitor.collection.schemas import WRITES, PolicyInput
from debitor.collection.templates import refuse_if_wrong
from debitor.contracts.models import Contract
from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.languages import languages
from debitor.payments.models import Payment, PaymentAllocation
from debitor.timeline.services import record

STEP_FIELDS = ("offset_days", "action", "template_key", "task_role", "task_sla_hours", "title")


class PolicyInvalid(DomainError):
    """The editor's input, refused: ``errors`` as marshmallow gives them (``steps.2.offset_days``…)."""

    def __init__(self, errors: dict):
        super().__init__(_l("The policy was not saved: correct the marked fields."))
        self.errors = errors

    def as_errors(self) -> dict:
        return self.errors


def check_policy(data: dict) -> dict:
    """The editor's input, loaded and checked (also against the templates there are), or ``PolicyInvalid``."""
    try:
        loaded = PolicyInput().load(data)
    except ValidationError as error:
        raise PolicyInvalid(error.messages) from error
    keys = set(db.session.scalars(sa.select(CollectionTemplate.key)))
    for n, step in enumerate(loaded["steps"]):
        if StepAction(step["action"]) in WRITES and step["template_key"] not in keys:
            raise PolicyInvalid({"steps": {n: {"template_key": [str(_l("There is no such letter"))]}}})
    return loaded


def save_policy(data: dict, policy: CollectionPolicy | None = None, *, actor=None) -> CollectionPolicy:
    loaded = check_policy(data)
    taken = db.session.scalar(sa.select(CollectionPolicy.id).where(CollectionPolicy.name == loaded["name"]))
    if taken is not None and (policy is None or taken != policy.id):
        raise PolicyInvalid({"name": [str(_l("Another policy has this name"))]})
    created = policy is None
    if created:
        policy = CollectionPolicy(name=loaded["name"], version=1)
        db.session.add(policy)
    changed = created
    for key in ("name", "consolidated", "escalate_after_hours"):
        if getattr(policy, key) != loaded[key]:
            setattr(policy, key, loaded[key])
            changed = True
    if loaded["is_default"] and not policy.is_default:
        db.session.execute(sa.update(CollectionPolicy).where(CollectionPolicy.is_default).values(is_default=False))
        db.session.flush()
        policy.is_default, changed = True, True
    old = {s.id: s for s in policy.steps}
    keep = []
    for n, step in enumerate(loaded["steps"]):
        values = {k: step[k] for k in STEP_FIELDS}
        values["action"] = StepAction(values["action"])
        values["task_role"] = Role(values["task_role"]) if values["task_role"] else None
        if step["id"] is not None:
            if step["id"] not in old:
                raise PolicyInvalid({"steps": {n: {"id": [str(_l("This step is not in the policy"))]}}})
            row = old.pop(step["id"])
            for k, v in values.items():
                if getattr(row, k) != v:
                    setattr(row, k, v)
                    changed = True
        else:
            row, changed = CollectionStep(**values), True
        keep.append(row)
    changed = changed or bool(old)
    policy.steps = keep  # the steps left in ``old`` go (their actions keep their record, step_id emptied)
    if changed and not created:
        policy.version += 1
    policy.updated_at = utcnow()
    db.session.flush()
    if changed:
        record("collection_policy_saved", actor=actor, data={"policy": policy.id, "version": policy.version})
    return policy


def default_policy() -> CollectionPolicy | None:
    return db.session.scalar(sa.select(CollectionPolicy).where(CollectionPolicy.is_default))


def policy_for(client: Client) -> CollectionPolicy | None:
    if client.collection_policy_id is not None:
        return db.session.get(CollectionPolicy, client.collection_policy_id)
    return default_policy()


def set_client_collection(client: Client, *, policy_id: int | None, hold: bool, reason: str = "", actor=None):
    """Which policy reminds the client (None: the default), or a hold that stops collection for it."""
    if policy_id is not None and db.session.get(CollectionPolicy, policy_id) is None:
        raise DomainError(_l("There is no such policy"), "collection_policy_id")
    reason = reason.strip()
    if hold and not reason:
        raise DomainError(_l("Say why collection is held for this client"), "collection_hold_reason")
    if len(reason) > 300:
        raise DomainError(_l("At most 300 characters"), "collection_hold_reason")
    was = client.collection_hold
    client.collection_policy_id, client.collection_hold = policy_id, hold
    client.collection_hold_reason = reason if hold else ""
    db.session.flush()
    if was != hold:
        record("collection_held" if hold else "collection_resumed", actor=actor, client=client.id,
               data={"reason": reason} if hold else {})  # fmt: skip


def save_template(key: str, language: str, *, subject: str, body: str, name: str = "") -> CollectionTemplate:
    """A letter's text in one language, refused (with the line) unless it renders with the documented
    variables only."""
    key = key.strip()
    if not key or len(key) > 60 or not key.replace("_", "").isalnum() or not key.isascii():
        raise DomainError(_l("A letter's key is up to 60 Latin letters, digits and underscores"), "key")
    if language not in languages():
        raise DomainError(_l("Not a language of this installation: %(value)s", value=language), "language")
    if not subject.strip() or len(subject) > 300 or "\n" in subject:
        raise DomainError(_l("A subject is one line of at most 300 characters"), "subject")
    refuse_if_wrong(subject, "subject")
    refuse_if_wrong(body, "body")
    row = db.session.scalar(
        sa.select(CollectionTemplate).where(CollectionTemplate.key == key, CollectionTemplate.language == language)
    )
    if row is None:
        row = CollectionTemplate(key=key, language=language)
        db.session.add(row)
    row.name, row.subject, row.body, row.updated_at = name.strip()[:120], subject.strip(), body, utcnow()
    db.session.flush()
    return row


def template_for(key: str, language: str) -> CollectionTemplate | None:
    """The letter in the client's language, else in the first configured one."""
    rows = {
        t.language: t for t in db.session.scalars(sa.select(CollectionTemplate).where(CollectionTemplate.key == key))
    }
    return rows.get(language) or rows.get(languages()[0]) or next(iter(rows.values()), None)


_calendar: tuple[tuple, BusinessDays] | None = None  # (the exceptions it was made with, the calendar)


def business_days() -> BusinessDays:
    """The production calendar with the administrator's exceptions. The exceptions are read each time (a
    few rows): the calendar is made again only when they changed, in whichever process saved them."""
    global _calendar
    exceptions = tuple(db.session.execute(sa.select(CalendarException.day, CalendarException.working)).all())
    if _calendar is None or _calendar[0] != exceptions:
        _calendar = (exceptions, BusinessDays(dict(exceptions)))
    return _calendar[1]


def app_calendar() -> BusinessDays | None:
    """The calendar the invoice rules count "overdue" by in this request or job (``rules.set_calendar_source``):
    working days as the collection counts them, read once per app context; None (the plain calendar) with
    ``BUSINESS_DAYS`` off or outside the app."""
    if not has_app_context() or not current_app.config["BUSINESS_DAYS"]:
        return None
    if "debitor_calendar" not in g:
        g.debitor_calendar = business_days()
    return g.debitor_calendar


def set_calendar_exception(day: date, working: bool | None, note: str = "") -> None:
    """Declare ``day`` working or not (``None``: back to the production calendar)."""
    g.pop("debitor_calendar", None)  # the rest of this request counts by the new calendar too
    row = db.session.scalar(sa.select(CalendarException).where(CalendarException.day == day))
    if working is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CalendarException(day=day, working=working, note=note.strip()[:200]))
    else:
        row.working, row.note = working, note.strip()[:200]
    db.session.flush()


def key_rates() -> list[tuple[date, Decimal]]:
    return [(r.valid_from, r.percent) for r in db.session.scalars(sa.select(KeyRate).order_by(KeyRate.valid_from))]


def set_key_rate(valid_from: date, percent: Decimal, note: str = "") -> KeyRate:
    if not isinstance(percent, Decimal) or not percent.is_finite() or not Decimal(0) <= percent <= Decimal(100):
        raise DomainError(_l("A key rate is a percentage from 0 to 100"), "percent")
    row = db.session.scalar(sa.select(KeyRate).where(KeyRate.valid_from == valid_from))
    if row is None:
        row = KeyRate(valid_from=valid_from, percent=percent, note=note.strip()[:200])
        db.session.add(row)
    else:
        row.percent, row.note = percent, note.strip()[:200]
    db.session.flush()
    return row


def invoice_penalty(invoice: Invoice, day: date, calendar: BusinessDays | None = None) -> Penalty | None:
    """The penalty on an invoice as of ``day``: its contract's clause, or statutory interest without one;
    ``None`` for a document that carries none (a draft, a credit note, no due date) or a statutory one
    for days the key-rate table does not cover yet."""
    return penalties([invoice], day, calendar)[invoice.id]


def penalties(invoices: list[Invoice], day: date, calendar: BusinessDays | None = None) -> dict[int, Penalty | None]:
    """``invoice_penalty`` for many invoices, their payments, credit notes and contracts read at once."""
    out: dict[int, Penalty | None] = {i.id: None for i in invoices}
    owing = [
        i for i in invoices if i.kind == InvoiceKind.INVOICE and i.due_on is not None and i.state != InvoiceState.DRAFT
    ]
    if not owing:
        return out
    ids = [i.id for i in owing]
    lowered: dict[int, list] = {i: [] for i in ids}
    paid = (
        sa.select(PaymentAllocation.invoice_id, Payment.received_on, PaymentAllocation.amount_kopecks)
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id.in_(ids), PaymentAllocation.reversed_at.is_(None))
    )
    credited = sa.select(Invoice.corrects_id, Invoice.issued_on, Invoice.total_kopecks).where(
        Invoice.corrects_id.in_(ids), Invoice.kind == InvoiceKind.CREDIT_NOTE, Invoice.state != InvoiceState.DRAFT
    )
    for q in (paid, credited):
        for invoice_id, on, amount in db.session.execute(q):
            lowered[invoice_id].append((on, amount))
    contracts = {c.id: c for c in db.session.scalars(
        sa.select(Contract).where(Contract.id.in_({i.contract_id for i in owing if i.contract_id})))}  # fmt: skip
    calendar = calendar or business_days()
    rates = None
    for inv in owing:
        contract = contracts.get(inv.contract_id)
        try:
            terms = (
                PenaltyTerms(contract.penalty_rate_per_day, contract.penalty_cap_percent)
                if contract
                else PenaltyTerms()
            )
            if terms.statutory and rates is None:
                rates = key_rates()
            out[inv.id] = accrue(inv.total_kopecks, inv.due_on, day, terms, calendar=calendar,
                                 payments=lowered[inv.id], key_rates=rates or ())  # fmt: skip
        except DomainError:  # a clause the checks would refuse today, or a day without a key rate
            out[inv.id] = None
    return out
