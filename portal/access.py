"""Every portal query goes through here and is scoped to the logged-in client.

Nothing in ``portal/`` may load a client-owned row by id without these helpers: an id that
belongs to another client is a 404, exactly as if it did not exist.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import abort
from flask_login import current_user, login_required

from debitor.auth.models import PortalUser
from debitor.db import db
from debitor.invoices.models import Invoice, InvoiceState


def client_required(view):
    """Logged in as a portal user (a staff session gets 403 here, not another client's data)."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not isinstance(current_user._get_current_object(), PortalUser):
            abort(403)
        return view(*args, **kwargs)

    wrapper.portal_client_only = True  # read by the access-matrix test
    return wrapper


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
