"""Staff: payments received — the clerk's queue (unmatched first), one payment with the matcher's
reasons and ranked suggestions, and matching by hand: apply to one invoice or split across several,
take an allocation back, apply again. Every change is on the invoice's and the payment's timeline."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from debitor.clients.services import inn_owner
from debitor.db import db
from debitor.errors import DomainError
from debitor.identifiers import IdentifierError, validate_inn
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceKind
from debitor.invoices.numbers import parse_number
from debitor.money import MoneyError, format_money, parse_kopecks
from debitor.payments.matching import Facts, suggestions
from debitor.payments.models import TRANSFERS, Direction, Payment, PaymentAllocation, PaymentRefund, PaymentState
from debitor.payments.services import apply_allocations, link_refunds, remember_payer_inn, unapply, unlink_refund
from debitor.schemas import parse_id
from debitor.timeline.models import Event
from staff.blueprint import bp
from web.common import arg_id, paginate, render
from web.locale import select_locale

ROWS = 5  # rows of the split form


@bp.get("/payments")
def payments():
    state = request.args.get("state", "")
    q = sa.select(Payment).options(selectinload(Payment.client))  # each row names its client
    if state == "open":  # the clerk's queue: incoming money not (fully) put to invoices
        q = q.where(Payment.state != PaymentState.APPLIED, Payment.direction == Direction.INCOMING)
    elif state == "outgoing":
        q = q.where(Payment.direction == Direction.OUTGOING)
    elif state == "transfers":  # between our own accounts
        q = q.where(Payment.direction.in_(TRANSFERS))
    elif state in {s.value for s in PaymentState}:
        q = q.where(Payment.state == PaymentState(state), Payment.direction == Direction.INCOMING)
    statement_id = arg_id("statement")
    if statement_id:  # the payments one statement brought, in its order
        q = q.where(Payment.statement_id == statement_id)
        order = (Payment.statement_line, Payment.id)
    else:
        order = (Payment.received_on.desc(), Payment.id.desc())
    rows, pager = paginate(q.order_by(*order))
    return render(
        "staff/payments.html",
        "staff/_payment_rows.html",
        payments=rows,
        state=state,
        statement_id=statement_id,
        **pager,
    )


def _payment(payment_id: int) -> Payment:
    return db.session.get(Payment, payment_id) or abort(404)


def _facts(p: Payment) -> Facts:
    return Facts(p.unapplied_kopecks, p.currency, p.payer_inn, p.purpose, p.received_on)


def _page(p: Payment, errors: dict | None = None, form: dict | None = None, status: int = 200):
    allocations = db.session.scalars(
        sa.select(PaymentAllocation).where(PaymentAllocation.payment_id == p.id).order_by(PaymentAllocation.id)
    ).all()
    refunds = db.session.scalars(
        sa.select(PaymentRefund)
        .options(selectinload(PaymentRefund.refund), selectinload(PaymentRefund.payment))
        .where(sa.or_(PaymentRefund.payment_id == p.id, PaymentRefund.refund_id == p.id))
        .order_by(PaymentRefund.id)
    ).all()
    ranked = []
    if p.direction == Direction.INCOMING and p.unapplied_kopecks > 0:
        ranked = suggestions(_facts(p), p.organisation_id)[:5]
    events = db.session.scalars(
        sa.select(Event).where(Event.payment_id == p.id).order_by(Event.occurred_at.desc(), Event.id.desc()).limit(50)
    ).all()
    learnable = bool(p.payer_inn) and p.direction == Direction.INCOMING and inn_owner(p.payer_inn) is None
    try:
        validate_inn(p.payer_inn)
    except IdentifierError:
        learnable = False
    return render(
        "staff/payment.html",
        status_code=status,
        learnable=learnable,
        payment=p,
        allocations=allocations,
        refunds=refunds,
        suggestions=ranked,
        events=events,
        errors=errors or {},
        form=form or {},
        rows=ROWS,
    )


@bp.get("/payments/<int:payment_id>")
def payment(payment_id: int):
    return _page(_payment(payment_id))


def _lookup(p: Payment, text: str) -> Invoice:
    """The open invoice a clerk typed: "42", "№ 42" or "42/2026" (number/year when the number recurs)."""
    number = parse_number(text)
    if number is None or number.kind != InvoiceKind.INVOICE:
        raise DomainError(_("“%(text)s” is not an invoice number (write 42 or 42/2026)", text=text))
    q = sa.select(Invoice).where(
        Invoice.organisation_id == p.organisation_id,
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


def _amounts(p: Payment) -> tuple[dict[int, int], dict[str, list[str]]]:
    """invoice id -> kopecks from the form: hidden ``invoice_id-N`` (a suggestion) or typed ``invoice-N``."""
    amounts: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for n in range(50):
        ident, typed = request.form.get(f"invoice_id-{n}"), (request.form.get(f"invoice-{n}") or "").strip()
        raw = (request.form.get(f"amount-{n}") or "").strip()
        if not ident and not typed:
            if raw:
                errors[f"invoice-{n}"] = [_("Which invoice is this amount for?")]
            continue
        try:
            if ident:
                inv = db.session.get(Invoice, parse_id(ident)) if parse_id(ident) else None
                if inv is None:
                    raise DomainError(_("An invoice was not found"))
            else:
                inv = _lookup(p, typed)
        except DomainError as exc:
            errors[f"invoice-{n}"] = [str(exc.message)]
            continue
        if raw:
            try:
                amount = parse_kopecks(raw)
            except MoneyError:
                errors[f"amount-{n}"] = [_("“%(text)s” is not an amount", text=raw)]
                continue
            if amount <= 0:
                errors[f"amount-{n}"] = [_("The amount must be greater than zero")]
                continue
        else:  # as much as the invoice owes and the payment has left
            amount = min(inv.total_kopecks - inv.paid_kopecks, p.unapplied_kopecks - sum(amounts.values()))
        if inv.id in amounts:
            errors[f"invoice-{n}"] = [_("Invoice № %(n)s is listed twice", n=inv.number)]
            continue
        amounts[inv.id] = amount
    if not amounts and not errors:
        errors["invoice-0"] = [_("Choose at least one invoice")]
    return amounts, errors


@bp.post("/payments/<int:payment_id>/apply")
def payment_apply(payment_id: int):
    p = db.session.scalar(sa.select(Payment).where(Payment.id == payment_id).with_for_update()) or abort(404)
    amounts, errors = _amounts(p)
    if not errors:
        try:
            with db.session.begin_nested():  # the page shows the payment as it was
                apply_allocations(p, amounts, actor=current_user, reason=request.form.get("reason", "manual")[:20])
                if request.form.get("remember_inn") and p.client_id:
                    remember_payer_inn(p, actor=current_user)
        except DomainError as exc:
            errors = {"_schema": [str(exc.message)]}  # about the whole match, not one row
    if errors:
        return _page(p, errors, dict(request.form), status=400)
    flash(_("The payment is applied."), "success")
    return redirect(url_for("staff.payment", payment_id=payment_id), code=303)


def _take_back(payment_id: int, action, done: str):
    """Run an undo service (an allocation or a refund match) and go back to the payment, saying how it went."""
    try:
        with db.session.begin_nested():  # a refused undo leaves nothing; the redirect commits the rest
            action()
    except DomainError as exc:
        flash(str(exc.message), "danger")
    else:
        flash(done, "success")
    return redirect(url_for("staff.payment", payment_id=payment_id), code=303)


@bp.post("/payments/<int:payment_id>/allocations/<int:allocation_id>/unapply")
def payment_unapply(payment_id: int, allocation_id: int):
    alloc = db.session.get(PaymentAllocation, allocation_id)
    if alloc is None or alloc.payment_id != payment_id:
        abort(404)
    done = _("The allocation is taken back; the amount is free to apply again.")
    return _take_back(payment_id, lambda: unapply(alloc, actor=current_user), done)


@bp.post("/payments/<int:payment_id>/refunds/<int:link_id>/unlink")
def payment_refund_unlink(payment_id: int, link_id: int):
    """Take back a refund's match, from either payment's page."""
    link = db.session.get(PaymentRefund, link_id)
    if link is None or payment_id not in (link.payment_id, link.refund_id):
        abort(404)
    done = _("The match is taken back: the money is the client's credit again.")
    return _take_back(payment_id, lambda: unlink_refund(link, actor=current_user), done)


@bp.post("/payments/<int:payment_id>/refunds/match")
def payment_refund_match(payment_id: int):
    """Match what is left of a refund to the client's unused money, as the import does."""
    refund = _payment(payment_id)
    if refund.direction != Direction.OUTGOING or refund.client_id is None:
        abort(404)  # only money paid out to a client returns its money
    matched = link_refunds([refund.id])
    if matched:
        amount = format_money(matched, refund.currency, select_locale())
        flash(_("Matched %(amount)s of the client's money.", amount=amount), "success")
    else:
        flash(_("The client has no unused money received before this refund."), "warning")
    return redirect(url_for("staff.payment", payment_id=payment_id), code=303)
