"""Staff: payments received — the clerk's queue (unmatched first), one payment with the matcher's
reasons and ranked suggestions, and matching by hand: apply to one invoice or split across several,
take an allocation back, apply again. Every change is on the invoice's and the payment's timeline."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from debitor.db import db
from debitor.errors import DomainError
from debitor.money import format_money
from debitor.payments.by_hand import ROW_FIELDS, HandMatchInput, apply_by_hand, payment_page
from debitor.payments.models import TRANSFERS, Direction, Payment, PaymentAllocation, PaymentRefund, PaymentState
from debitor.payments.services import link_refunds, unapply, unlink_refund
from staff.blueprint import bp
from web.common import arg_id, form_with_rows, load_form, paginate, render
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


def _page(p: Payment, errors: dict | None = None, form: dict | None = None, status: int = 200):
    typed = (form or {}).get("rows", [])
    return render(
        "staff/payment.html",
        status_code=status,
        payment=p,
        errors=errors or {},
        rows=typed + [{}] * max(ROWS - len(typed), 0),  # the split form's rows, as the clerk filled them in
        **payment_page(p),
    )


@bp.get("/payments/<int:payment_id>")
def payment(payment_id: int):
    return _page(_payment(payment_id))


@bp.post("/payments/<int:payment_id>/apply")
def payment_apply(payment_id: int):
    p = db.session.scalar(sa.select(Payment).where(Payment.id == payment_id).with_for_update()) or abort(404)
    raw = form_with_rows("rows", ROW_FIELDS)
    data, errors = load_form(HandMatchInput(), raw)
    if data is not None:
        try:
            with db.session.begin_nested():  # the page shows the payment as it was
                apply_by_hand(p, data, actor=current_user)
        except DomainError as exc:
            errors = exc.as_errors()
    if errors:
        return _page(p, errors, raw, status=400)
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
