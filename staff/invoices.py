"""Staff: invoices — list with status filter and an invoice page with the full timeline."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request

from debitor.clients.models import Client
from debitor.dates import today
from debitor.invoices.models import OPEN_STATES, Invoice, InvoiceState
from debitor.web.common import paginate, render
from staff.access import role_required
from staff.views import bp


@bp.get("/invoices")
@role_required()
def invoices():
    status = request.args.get("status", "")
    q = sa.select(Invoice).join(Client, Client.id == Invoice.client_id)
    if status == "overdue":
        q = q.where(Invoice.state.in_(OPEN_STATES), Invoice.due_on < today())
    elif status in {s.value for s in InvoiceState}:
        q = q.where(Invoice.state == InvoiceState(status))
    rows, pager = paginate(q.order_by(Invoice.issued_on.desc().nulls_first(), Invoice.id.desc()))
    return render(
        "staff/invoices.html", "staff/_invoice_rows.html", invoices=rows, status=status, today=today(), **pager
    )
