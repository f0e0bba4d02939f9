"""Staff: invoices — list with status filter and an invoice page with the full timeline."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, request

from debitor.clients.models import Client
from debitor.dates import today
from debitor.db import db
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceState
from debitor.payments.models import PaymentAllocation
from debitor.timeline.services import timeline
from debitor.web.common import render
from staff.access import role_required
from staff.views import bp


@bp.get("/invoices")
@role_required()
def invoices():
    status = request.args.get("status", "")
    page = max(request.args.get("page", 1, type=int), 1)
    size = current_app.config["PAGE_SIZE"]
    q = sa.select(Invoice).join(Client, Client.id == Invoice.client_id)
    if status == "overdue":
        q = q.where(Invoice.state.in_(OPEN_STATES), Invoice.due_on < today())
    elif status in {s.value for s in InvoiceState}:
        q = q.where(Invoice.state == InvoiceState(status))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = db.session.scalars(
        q.order_by(Invoice.issued_on.desc().nulls_first(), Invoice.id.desc()).offset((page - 1) * size).limit(size)
    )
    return render(
        "staff/invoices.html",
        "staff/_invoice_rows.html",
        invoices=list(rows),
        status=status,
        total=total,
        page=page,
        pages=max((total + size - 1) // size, 1),
        today=today(),
    )


@bp.get("/invoices/<int:invoice_id>")
@role_required()
def invoice(invoice_id: int):
    inv = db.session.get(Invoice, invoice_id) or abort(404)
    allocations = db.session.scalars(sa.select(PaymentAllocation).where(PaymentAllocation.invoice_id == inv.id))
    return render(
        "staff/invoice.html",
        invoice=inv,
        allocations=list(allocations),
        events=timeline(invoice_id=inv.id),
        today=today(),
    )
