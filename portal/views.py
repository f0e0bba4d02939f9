"""Portal pages: home with balance, invoices, one invoice and its PDFs, statement of account."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from debitor.collection.client_view import banner, letters_sent, penalty_shown
from debitor.dates import today
from debitor.db import db
from debitor.invoices.client_list import InvoiceFilter, filtered
from debitor.invoices.models import Invoice
from debitor.kpi.services import client_balance
from debitor.languages import supported
from debitor.payments.models import PaymentAllocation
from debitor.schemas import Day, QuerySchema
from debitor.timeline.services import timeline
from portal.access import client_id, get_invoice, invoices_query
from web.auth_views import register_auth
from web.common import load_form, paginate, render
from web.documents import pdf_file, pdf_response

bp = Blueprint("portal", __name__)
register_auth(bp, "client", "portal.home", "/")


@bp.get("/home")
def home():
    latest = db.session.scalars(invoices_query().order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(5))
    return render(
        "portal/home.html",
        balance=client_balance(client_id(), today()),
        invoices=list(latest),
        today=today(),
        client=current_user.client,
        banner=banner(client_id(), today()),
    )


@bp.get("/invoices")
def invoices():
    args, errors = load_form(InvoiceFilter(), dict(request.args))
    if errors:
        args = InvoiceFilter().load({})
    query = filtered(invoices_query(), args, today())
    rows, pager = paginate(query.order_by(Invoice.issued_on.desc(), Invoice.id.desc()))
    return render(
        "portal/invoices.html",
        "portal/_invoice_rows.html",
        invoices=rows,
        **pager,
        filters=args,
        status=args["status"],
        errors=errors,
        today=today(),
        banner=banner(client_id(), today()),
        status_code=400 if errors else 200,
    )


@bp.get("/invoices/<int:invoice_id>/pdf")
def invoice_pdf(invoice_id: int):
    return pdf_response(get_invoice(invoice_id), "invoice", request.args.get("lang"))


@bp.get("/invoices/<int:invoice_id>/act.pdf")
def invoice_act_pdf(invoice_id: int):
    inv = get_invoice(invoice_id)
    if inv.is_credit_note:
        abort(404)
    return pdf_response(inv, "act", request.args.get("lang"))


@bp.get("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    inv = get_invoice(invoice_id)
    allocations = db.session.scalars(
        sa.select(PaymentAllocation).where(
            PaymentAllocation.invoice_id == inv.id, PaymentAllocation.reversed_at.is_(None)
        )
    )
    events = timeline(invoice_id=inv.id, client_visible_only=True)
    return render("portal/invoice.html", invoice=inv, allocations=list(allocations), events=events, today=today(),
                  letters=letters_sent(inv.id), penalty=penalty_shown(inv, today()))  # fmt: skip


class PeriodInput(QuerySchema):
    date_from = Day(load_default=None, data_key="from")
    date_to = Day(load_default=None, data_key="to")


def _period() -> tuple[date, date, dict]:
    """The statement period from the query string; by default the year so far."""
    args, errors = load_form(PeriodInput(), dict(request.args))
    now = today()
    start = (args or {}).get("date_from") or date(now.year, 1, 1)
    end = (args or {}).get("date_to") or now
    if end < start:
        errors = {"to": [_("The period ends before it starts")]}
        start, end = end, start
    return start, end, errors


@bp.get("/statement")
def statement():
    from debitor.documents.statement import statement_of_account

    start, end, errors = _period()
    return render(
        "portal/statement.html",
        st=statement_of_account(client_id(), start, end),
        start=start,
        end=end,
        errors=errors,
        client=current_user.client,
        status_code=400 if errors else 200,
    )


@bp.get("/statement.pdf")
def statement_pdf():
    from debitor.documents.services import statement_document

    start, end, errors = _period()
    if errors:
        abort(400)
    lang = request.args.get("lang")
    version = statement_document(current_user.client, start, end, lang if supported(lang) else str(get_locale()))
    return pdf_file(version)
