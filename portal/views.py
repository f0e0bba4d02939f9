"""Portal pages: home with balance, invoices, one invoice, account settings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, request
from flask_login import current_user

from debitor.dates import today
from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceState
from debitor.kpi.services import client_balance
from debitor.payments.models import PaymentAllocation
from debitor.timeline.services import timeline
from debitor.web.auth_views import register_auth
from debitor.web.common import paginate, render
from portal.access import client_id, client_required, get_invoice, invoices_query

bp = Blueprint("portal", __name__)
register_auth(bp, "client", "portal.home", "/")

STATUS_FILTERS = {
    "open": (InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID),
    "paid": (InvoiceState.PAID,),
    "cancelled": (InvoiceState.CANCELLED,),
}


@bp.get("/home")
@client_required
def home():
    latest = db.session.scalars(invoices_query().order_by(Invoice.issued_on.desc(), Invoice.id.desc()).limit(5))
    return render(
        "portal/home.html",
        balance=client_balance(client_id(), today()),
        invoices=list(latest),
        today=today(),
        client=current_user.client,
    )


@bp.get("/invoices")
@client_required
def invoices():
    status = request.args.get("status", "")
    q = invoices_query()
    if status == "overdue":
        q = q.where(Invoice.state.in_(STATUS_FILTERS["open"]), Invoice.due_on < today())
    elif status in STATUS_FILTERS:
        q = q.where(Invoice.state.in_(STATUS_FILTERS[status]))
    rows, pager = paginate(q.order_by(Invoice.issued_on.desc(), Invoice.id.desc()))
    return render(
        "portal/invoices.html",
        "portal/_invoice_rows.html",
        invoices=rows,
        **pager,
        status=status,
        today=today(),
    )


@bp.get("/invoices/<int:invoice_id>")
@client_required
def invoice(invoice_id: int):
    inv = get_invoice(invoice_id)
    allocations = db.session.scalars(
        sa.select(PaymentAllocation).where(
            PaymentAllocation.invoice_id == inv.id, PaymentAllocation.reversed_at.is_(None)
        )
    )
    events = timeline(invoice_id=inv.id, client_visible_only=True)
    return render("portal/invoice.html", invoice=inv, allocations=list(allocations), events=events, today=today())
