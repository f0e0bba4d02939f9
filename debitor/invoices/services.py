"""Invoice rules: numbering, totals, issuing. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from debitor.dates import today
from debitor.db import db, insert_or_ignore, utcnow
from debitor.errors import DomainError
from debitor.invoices.models import (
    INVOICE_FLOW,
    OPEN_STATES,
    SETTLEMENT,
    DocumentCounter,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    InvoiceState,
    settlement_figures,
)
from debitor.invoices.requisites import freeze
from debitor.money import format_money, vat_included
from debitor.orgs.services import vat_rate_on
from debitor.states import settle, transition
from debitor.timeline.models import Visibility
from debitor.timeline.services import record


def next_number(organisation_id: int, kind: str, year: int) -> int:
    """Take the next number of a gapless series. The counter row stays locked until commit, so
    concurrent transactions queue up and a rolled-back one gives its number back."""
    insert_or_ignore(DocumentCounter, organisation_id=organisation_id, kind=kind, year=year, last_value=0)
    value = db.session.execute(
        sa.update(DocumentCounter)
        .where(
            DocumentCounter.organisation_id == organisation_id,
            DocumentCounter.kind == kind,
            DocumentCounter.year == year,
        )
        .values(last_value=DocumentCounter.last_value + 1)
        .returning(DocumentCounter.last_value)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return value


def line_amount(quantity: Decimal, unit_price_kopecks: int) -> int:
    return int((Decimal(quantity) * unit_price_kopecks).to_integral_value(ROUND_HALF_UP))


def add_line(
    invoice: Invoice,
    description: str,
    quantity: Decimal | int | str,
    unit_price_kopecks: int,
    unit: str = "усл.",
) -> InvoiceLine:
    if invoice.state != InvoiceState.DRAFT:
        raise DomainError(_l("Only a draft can be changed"))
    quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise DomainError(_l("Quantity must be greater than zero"), "quantity")
    if unit_price_kopecks < 0:
        raise DomainError(_l("Price cannot be negative"), "unit_price")
    line = InvoiceLine(
        description=description,
        quantity=quantity,
        unit=unit,
        unit_price_kopecks=unit_price_kopecks,
        amount_kopecks=line_amount(quantity, unit_price_kopecks),
        position=len(invoice.lines) + 1,
    )
    invoice.lines.append(line)
    recalculate(invoice)
    return line


def recalculate(invoice: Invoice, rate: Decimal | None = None) -> None:
    """Totals from lines. Prices include VAT; VAT is computed per line and summed (как в 1С)."""
    if rate is None:
        rate = vat_rate_on(invoice.issued_on or today(), invoice.organisation)
    for line in invoice.lines:
        line.amount_kopecks = line_amount(line.quantity, line.unit_price_kopecks)
        line.vat_kopecks = vat_included(line.amount_kopecks, rate)
    invoice.total_kopecks = sum(x.amount_kopecks for x in invoice.lines)
    invoice.vat_kopecks = sum(x.vat_kopecks for x in invoice.lines)
    invoice.subtotal_kopecks = invoice.total_kopecks - invoice.vat_kopecks
    invoice.vat_rate = rate


def issue_invoice(invoice: Invoice, *, actor=None, on: date | None = None) -> Invoice:
    """Freeze a draft: number it (gapless per organisation and year), fix the VAT rate by the issue
    date, set the due date from the payment terms and record the event."""
    INVOICE_FLOW.check(invoice.state, InvoiceState.ISSUED)
    check_issuable(invoice)
    on = on or today()
    db.session.flush()  # the draft and its lines have ids before numbering
    invoice.issued_on = on
    recalculate(invoice, vat_rate_on(on, invoice.organisation))
    if invoice.total_kopecks <= 0:
        raise DomainError(_l("An invoice total must be greater than zero"), "lines")
    terms = invoice.contract.payment_terms_days if invoice.contract else invoice.client.payment_terms_days
    invoice.due_on = on + timedelta(days=terms)
    invoice.number_year = on.year
    invoice.number_seq = next_number(invoice.organisation_id, invoice.kind.value, on.year)
    invoice.issued_at = utcnow()
    freeze(invoice)
    transition(
        invoice,
        InvoiceState.ISSUED,
        event="invoice_issued",
        actor=actor,
        visibility=Visibility.CLIENT,
        data={"number": invoice.number, "total": invoice.total_kopecks},
    )
    from debitor.payments.services import apply_credit  # payments build on invoices

    apply_credit(invoice, actor=actor)
    return invoice


def credit_note(
    invoice: Invoice,
    *,
    lines: Mapping[int, int | Decimal] | None = None,
    amount: int | None = None,
    reason: str,
    actor=None,
    on: date | None = None,
) -> Invoice:
    """Credit part of an issued invoice with a credit note (корректировка): chosen lines, or an amount.

    ``lines`` maps a line id of this invoice to what of it is credited: an ``int`` is kopecks of the line's
    gross amount, a ``Decimal`` a quantity (at the line's price); ``amount`` instead takes kopecks off the
    invoice as a whole. The credit note is a new document numbered in the credit-note series (К-N), with the
    VAT rate of the invoice it corrects; the invoice keeps its content, and what it still owes
    (``outstanding_kopecks``) drops by the credit — a credit covering all that was left settles it. Payments
    already applied stay: a credit may take off at most what is still owed (and a line at most what is left
    of it). Returns the credit note.
    """
    _check_creditable(invoice)
    if not reason.strip():
        raise DomainError(_l("Say why the invoice is corrected"), "reason")
    if (lines is None) == (amount is None):
        raise DomainError(_l("Credit either chosen lines or an amount"), "lines" if lines is not None else "amount")
    items = _credited_lines(invoice, lines) if lines is not None else [_credited_amount(invoice, amount)]
    credit = sum(line.amount_kopecks for line in items)
    owed = invoice.total_kopecks - invoice.paid_kopecks - invoice.credited_kopecks
    if credit > owed:
        raise DomainError(
            _l(
                "The credit (%(credit)s) is more than is still owed on the invoice (%(owed)s)",
                credit=format_money(credit, invoice.currency),
                owed=format_money(max(owed, 0), invoice.currency),
            ),
            "amount" if amount is not None else "lines",
        )
    note = _issue_credit_note(invoice, items, reason=reason, actor=actor, on=on or today())
    if invoice.credited_kopecks >= invoice.total_kopecks:  # all of it credited: the full case, it is cancelled
        _cancelled(invoice, note, reason, actor)
        return note
    record(
        "invoice_credited",
        actor=actor,
        invoice=invoice,
        visibility=Visibility.CLIENT,
        data={"number": invoice.number, "credit_note": note.number, "amount": note.total_kopecks, "reason": reason},
    )
    if invoice.paid_kopecks + invoice.credited_kopecks >= invoice.total_kopecks and invoice.paid_on is None:
        invoice.paid_on = note.issued_on  # nothing is owed from the day of the credit
    settle(invoice, SETTLEMENT, actor=actor, **settlement_figures(invoice))
    return note


def cancel_with_credit_note(invoice: Invoice, *, reason: str, actor=None, on: date | None = None) -> Invoice:
    """Cancel an issued invoice the only allowed way: a credit note (сторно) for all of it still in force.

    The invoice itself is never edited or deleted: it keeps its number and content and becomes cancelled;
    the credit note (``credit_note``'s full case) has the same lines and the VAT rate of the invoice it
    corrects — or, when part was credited before, one line for the rest. Returns the credit note.
    """
    if invoice.kind != InvoiceKind.INVOICE:
        raise DomainError(_l("Only an invoice can be cancelled with a credit note"))
    INVOICE_FLOW.check(invoice.state, InvoiceState.CANCELLED)
    if invoice.paid_kopecks:
        raise DomainError(_l("Take back the payments applied to this invoice before cancelling it"))
    if not reason.strip():
        raise DomainError(_l("Say why the invoice is cancelled"), "reason")
    if invoice.credited_kopecks:
        items = [_credited_amount(invoice, invoice.total_kopecks - invoice.credited_kopecks)]
    else:
        items = _credited_lines(invoice, {line.id: line.quantity for line in invoice.lines})
    note = _issue_credit_note(invoice, items, reason=reason, actor=actor, on=on or today())
    _cancelled(invoice, note, reason, actor)
    return note


def _cancelled(invoice: Invoice, note: Invoice, reason: str, actor) -> None:
    transition(
        invoice,
        InvoiceState.CANCELLED,
        event="invoice_cancelled",
        actor=actor,
        reason=reason,
        visibility=Visibility.CLIENT,
        data={"number": invoice.number, "reason": reason, "credit_note": note.number},
    )


def _check_creditable(invoice: Invoice) -> None:
    if invoice.kind != InvoiceKind.INVOICE:
        raise DomainError(_l("Only an invoice can be corrected with a credit note"))
    if invoice.state not in OPEN_STATES and invoice.state != InvoiceState.PAID:
        raise DomainError(_l("Only an issued invoice can be corrected with a credit note"))


def _credited_lines(invoice: Invoice, chosen: Mapping[int, int | Decimal]) -> list[InvoiceLine]:
    """The credit note's lines for ``chosen`` lines of ``invoice`` (see ``credit_note``), checked."""
    if not chosen:
        raise DomainError(_l("Choose at least one line to credit"), "lines")
    own = {line.id: line for line in invoice.lines}
    before = dict(
        db.session.execute(
            sa.select(InvoiceLine.corrects_line_id, sa.func.sum(InvoiceLine.amount_kopecks))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.corrects_line_id.in_(list(own)), Invoice.state != InvoiceState.DRAFT)
            .group_by(InvoiceLine.corrects_line_id)
        ).all()
    )
    items = []
    for line_id, what in chosen.items():
        line = own.get(line_id)
        if line is None:
            raise DomainError(_l("The line is not a line of this invoice"), "lines")
        left = line.amount_kopecks - int(before.get(line.id, 0))
        if isinstance(what, bool) or not isinstance(what, int | Decimal):
            raise DomainError(_l("Give an amount in kopecks or a quantity"), "lines")
        if isinstance(what, Decimal):
            if not what.is_finite() or what <= 0 or what > line.quantity:
                raise DomainError(_l("The quantity must be more than zero and at most the line's"), "lines")
            quantity, price = what, line.unit_price_kopecks
            value = line.amount_kopecks if what == line.quantity else line_amount(what, price)
            unit = line.unit
        else:
            if what <= 0:
                raise DomainError(_l("The amount must be greater than zero"), "lines")
            quantity, price, value, unit = Decimal(1), what, what, "усл."
        if value > left:
            raise DomainError(_l("More than is left of line %(n)s is credited", n=line.position), "lines")
        items.append(
            InvoiceLine(
                description=line.description,
                quantity=quantity,
                unit=unit,
                unit_price_kopecks=price,
                amount_kopecks=value,
                corrects_line_id=line.id,
            )
        )
    return items


def _credited_amount(invoice: Invoice, amount) -> InvoiceLine:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(_l("The amount must be greater than zero"), "amount")
    return InvoiceLine(
        description=f"Уменьшение стоимости услуг по счёту № {invoice.number} от {invoice.issued_on:%d.%m.%Y}",
        quantity=Decimal(1),
        unit="усл.",
        unit_price_kopecks=amount,
        amount_kopecks=amount,
    )


def _issue_credit_note(invoice: Invoice, items: list[InvoiceLine], *, reason: str, actor, on: date) -> Invoice:
    """Number and issue a credit note of ``items`` against ``invoice`` and add it to what was credited."""
    note = Invoice(
        organisation=invoice.organisation,
        client=invoice.client,
        contract=invoice.contract,
        kind=InvoiceKind.CREDIT_NOTE,
        corrects_id=invoice.id,
        currency=invoice.currency,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
    )
    rate = invoice.vat_rate if invoice.vat_rate is not None else Decimal(0)
    for position, line in enumerate(items, start=1):
        line.position = position
        line.vat_kopecks = vat_included(line.amount_kopecks, rate)
        note.lines.append(line)
    db.session.add(note)
    db.session.flush()
    note.issued_on = on
    note.vat_rate = invoice.vat_rate
    note.total_kopecks = sum(x.amount_kopecks for x in note.lines)
    note.vat_kopecks = sum(x.vat_kopecks for x in note.lines)
    note.subtotal_kopecks = note.total_kopecks - note.vat_kopecks
    note.number_year = on.year
    note.number_seq = next_number(invoice.organisation_id, InvoiceKind.CREDIT_NOTE.value, on.year)
    note.issued_at = utcnow()
    freeze(note)
    data = {"number": note.number, "corrects": invoice.number, "reason": reason, "total": note.total_kopecks}
    transition(
        note, InvoiceState.ISSUED, event="credit_note_issued", actor=actor, visibility=Visibility.CLIENT, data=data
    )
    invoice.credited_kopecks += note.total_kopecks
    db.session.flush()
    return note


def check_issuable(invoice: Invoice) -> None:
    """Everything an invoice needs before it may be issued, as clear errors (nothing is changed)."""
    if invoice.organisation.primary_account is None:
        raise DomainError(_l("The organisation has no bank account: add one before issuing invoices"), "bank_account")
    if not invoice.lines:
        raise DomainError(_l("An invoice needs at least one line"), "lines")


def create_draft(organisation, data: dict, *, actor=None) -> Invoice:
    """A draft from ``DraftInput`` data; the client and contract must exist and belong together."""
    from debitor.clients.models import Client
    from debitor.contracts.models import Contract

    client = db.session.get(Client, data["client_id"])
    if client is None:
        raise DomainError(_l("Choose a client"), "client_id")
    contract = None
    if data.get("contract_id"):
        contract = db.session.get(Contract, data["contract_id"])
        if contract is None or contract.client_id != client.id:
            raise DomainError(_l("The contract belongs to another client"), "contract_id")
    invoice = Invoice(organisation=organisation, client=client, contract=contract, currency=client.currency)
    db.session.add(invoice)
    _fill_draft(invoice, data)
    db.session.flush()
    record("invoice_drafted", actor=actor, invoice=invoice, client=client.id, data={"total": invoice.total_kopecks})
    return invoice


def update_draft(invoice: Invoice, data: dict, *, actor=None) -> Invoice:
    if invoice.state != InvoiceState.DRAFT:
        raise DomainError(_l("Only a draft can be changed"))
    if data["client_id"] != invoice.client_id:
        raise DomainError(_l("A draft cannot move to another client; create a new one"), "client_id")
    invoice.lines.clear()
    db.session.flush()
    _fill_draft(invoice, data)
    db.session.flush()
    record("invoice_draft_changed", actor=actor, invoice=invoice, data={"total": invoice.total_kopecks})
    return invoice


def _fill_draft(invoice: Invoice, data: dict) -> None:
    invoice.period_start, invoice.period_end = data.get("period_start"), data.get("period_end")
    for line in data["lines"]:
        add_line(invoice, line["description"], line["quantity"], line["price"], unit=line.get("unit") or "усл.")
