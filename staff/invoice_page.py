"""Staff: one invoice — lines, payments, full timeline and the actions the role allows."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from debitor.dates import today
from debitor.db import db
from debitor.invoices.models import Invoice
from debitor.payments.models import PaymentAllocation
from debitor.timeline.services import timeline
from debitor.web.common import render
from staff.access import role_required
from staff.views import bp


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
