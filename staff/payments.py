"""Staff: payments received, unmatched first."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request

from debitor.payments.models import Payment, PaymentState
from debitor.web.common import paginate, render
from staff.access import role_required
from staff.views import bp


@bp.get("/payments")
@role_required()
def payments():
    state = request.args.get("state", "")
    q = sa.select(Payment)
    if state == "open":
        q = q.where(Payment.state != PaymentState.APPLIED)
    elif state in {s.value for s in PaymentState}:
        q = q.where(Payment.state == PaymentState(state))
    rows, pager = paginate(q.order_by(Payment.received_on.desc(), Payment.id.desc()))
    return render("staff/payments.html", "staff/_payment_rows.html", payments=rows, state=state, **pager)
