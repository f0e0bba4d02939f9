"""Staff: payments received, unmatched first."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, request

from debitor.db import db
from debitor.payments.models import Payment, PaymentState
from debitor.web.common import render
from staff.access import role_required
from staff.views import bp


@bp.get("/payments")
@role_required()
def payments():
    state = request.args.get("state", "")
    page = max(request.args.get("page", 1, type=int), 1)
    size = current_app.config["PAGE_SIZE"]
    q = sa.select(Payment)
    if state == "open":
        q = q.where(Payment.state != PaymentState.APPLIED)
    elif state in {s.value for s in PaymentState}:
        q = q.where(Payment.state == PaymentState(state))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(q.subquery()))
    rows = db.session.scalars(
        q.order_by(Payment.received_on.desc(), Payment.id.desc()).offset((page - 1) * size).limit(size)
    )
    return render(
        "staff/payments.html",
        "staff/_payment_rows.html",
        payments=list(rows),
        state=state,
        total=total,
        page=page,
        pages=max((total + size - 1) // size, 1),
    )
