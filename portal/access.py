"""Every portal query goes through here and is scoped to the logged-in client.

Nothing in ``portal/`` may load a client-owned row by id without these helpers: an id that
belongs to another client is a 404, exactly as if it did not exist. That only a signed-in client (no
staff session) reaches a portal page is the access table's rule (``web/access_rules.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceState


def client_id() -> int:
    return current_user.client_id


def invoices_query() -> sa.Select:
    """The client's invoices that it may see (never drafts)."""
    return sa.select(Invoice).where(Invoice.client_id == client_id(), Invoice.state != InvoiceState.DRAFT)


def get_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.scalar(invoices_query().where(Invoice.id == invoice_id))
    if invoice is None:
        abort(404)
    return invoice
