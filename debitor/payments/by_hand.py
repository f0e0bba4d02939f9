"""Matching a payment by hand, as the clerk's page does it (and an API would): the rows the clerk filled in
(an invoice picked from the suggestions or typed by number, and an amount or nothing for "all it owes"),
checked and applied all or none, and the facts the payment's page shows."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validates_schema
from sqlalchemy.orm import selectinload

from debitor.clients.schemas import KopecksField
from debitor.clients.services import inn_owner
from debitor.db import db
from debitor.errors import DomainError
from debitor.identifiers import IdentifierError, validate_inn
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceKind
from debitor.invoices.numbers import parse_number
from debitor.payments.matching import Facts, suggestions
from debitor.payments.models import Direction, Payment, PaymentAllocation, PaymentRefund
from debitor.payments.services import apply_allocations, remember_payer_inn
from debitor.schemas import Id, InputSchema, length
from debitor.timeline.models import Event

ROW_FIELDS = ("invoice_id", "invoice", "amount")
SUGGESTIONS_SHOWN = 5


def _positive(amount: int) -> None:
    if amount <= 0:
        raise ValidationError(_("The amount must be greater than zero"))


class HandRow(InputSchema):
    invoice_id = Id(load_default=None)  # a suggestion's invoice
    invoice = fields.String(load_default=None, validate=length(max=40))  # the number the clerk typed
    # none: as much as the invoice owes and the payment has left
    amount = KopecksField(load_default=None, validate=_positive)

    @validates_schema
    def _names_an_invoice(self, data, **kwargs):
        if data.get("invoice_id") is None and not data.get("invoice"):
            raise ValidationError(_("Which invoice is this amount for?"), "invoice")


class HandMatchInput(InputSchema):
    rows = fields.List(fields.Nested(HandRow), load_default=list)
    reason = fields.String(load_default="manual")  # how the clerk chose: "manual" or "suggestion"
    remember_inn = fields.Boolean(load_default=False)

    @validates_schema
    def _some_row(self, data, **kwargs):
        if not data.get("rows"):
            raise ValidationError({"rows": {0: {"invoice": [_("Choose at least one invoice")]}}})


class RowsRefused(DomainError):
    """Some rows name no open invoice or repeat one: the errors by row field (``rows.N.invoice``)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(next(iter(errors.values()))[0])
        self.errors = errors

    def as_errors(self) -> dict[str, list[str]]:
        return self.errors


def lookup(payment: Payment, text: str) -> Invoice:
    """The open invoice a clerk typed: "42", "№ 42" or "42/2026" (number/year when the number recurs)."""
    number = parse_number(text)
    if number is None or number.kind != InvoiceKind.INVOICE:
        raise DomainError(_("“%(text)s” is not an invoice number (write 42 or 42/2026)", text=text))
    q = sa.select(Invoice).where(
        Invoice.organisation_id == payment.organisation_id,
        Invoice.kind == InvoiceKind.INVOICE,
        Invoice.number_seq == number.seq,
        Invoice.state.in_(list(OPEN_STATES)),
    )
    if number.year:
        q = q.where(Invoice.number_year == number.year)
    found = db.session.scalars(q.order_by(Invoice.number_year.desc()).limit(3)).all()
    if not found:
        raise DomainError(_("There is no open invoice № %(text)s", text=text.strip()))
    if len(found) > 1:
        raise DomainError(_("Several open invoices № %(n)s: write the year too, e.g. %(n)s/%(y)s", n=number.seq,
                            y=found[0].number_year))  # fmt: skip
    return found[0]


def amounts(payment: Payment, rows: list[dict]) -> dict[int, int]:
    """invoice id -> kopecks for the checked rows (``HandMatchInput``); ``RowsRefused`` names each bad row."""
    out: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for n, row in enumerate(rows):
        try:
            if row["invoice_id"] is not None:
                inv = db.session.get(Invoice, row["invoice_id"])
                if inv is None:
                    raise DomainError(_("An invoice was not found"))
            else:
                inv = lookup(payment, row["invoice"])
        except DomainError as exc:
            errors[f"rows.{n}.invoice"] = [str(exc.message)]
            continue
        if inv.id in out:
            errors[f"rows.{n}.invoice"] = [_("Invoice № %(n)s is listed twice", n=inv.number)]
            continue
        left = payment.unapplied_kopecks - sum(out.values())
        out[inv.id] = row["amount"] or min(inv.total_kopecks - inv.paid_kopecks, left)
    if errors:
        raise RowsRefused(errors)
    return out


def apply_by_hand(payment: Payment, data: dict, *, actor) -> None:
    """Apply the clerk's rows to their invoices, all or none, and remember the payer's INN when asked. A
    refusal of the whole match (more than the payment has left, say) is about no one row."""
    found = amounts(payment, data["rows"])
    try:
        apply_allocations(payment, found, actor=actor, reason=data["reason"][:20])  # what the event keeps
        if data["remember_inn"] and payment.client_id:
            remember_payer_inn(payment, actor=actor)
    except DomainError as exc:
        raise DomainError(exc.message) from exc


def _learnable(payment: Payment) -> bool:
    """The payer's INN may be remembered as the client's: a valid INN nobody owns, on money received."""
    if not payment.payer_inn or payment.direction != Direction.INCOMING or inn_owner(payment.payer_inn):
        return False
    try:
        validate_inn(payment.payer_inn)
    except IdentifierError:
        return False
    return True


def payment_page(payment: Payment) -> dict:
    """What the payment's page shows: allocations, refund matches, the matcher's suggestions while money is
    left, the latest events, and whether the payer's INN can be learnt."""
    allocations = db.session.scalars(
        sa.select(PaymentAllocation).where(PaymentAllocation.payment_id == payment.id).order_by(PaymentAllocation.id)
    ).all()
    refunds = db.session.scalars(
        sa.select(PaymentRefund)
        .options(selectinload(PaymentRefund.refund), selectinload(PaymentRefund.payment))
        .where(sa.or_(PaymentRefund.payment_id == payment.id, PaymentRefund.refund_id == payment.id))
        .order_by(PaymentRefund.id)
    ).all()
    ranked = []
    if payment.direction == Direction.INCOMING and payment.unapplied_kopecks > 0:
        facts = Facts(payment.unapplied_kopecks, payment.currency, payment.payer_inn, payment.purpose,
                      payment.received_on)  # fmt: skip
        ranked = suggestions(facts, payment.organisation_id)[:SUGGESTIONS_SHOWN]
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.payment_id == payment.id)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(50)
    ).all()
    return {
        "allocations": allocations,
        "refunds": refunds,
        "suggestions": ranked,
        "events": events,
        "learnable": _learnable(payment),
    }
