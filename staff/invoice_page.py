"""Staff: one invoice — lines, payments, full timeline, PDFs, and the actions the role allows; the
draft editor."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from debitor.clients.models import Client
from debitor.clients.services import clients_matching
from debitor.collection.client_view import penalty_shown
from debitor.contracts.models import Contract
from debitor.dates import today
from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import Invoice, InvoiceState
from debitor.invoices.schemas import DraftInput
from debitor.invoices.sending import issue_and_send, send_invoice
from debitor.invoices.services import cancel_with_credit_note, create_draft, update_draft
from debitor.orgs.services import default_organisation
from debitor.payments.models import PaymentAllocation
from debitor.states import TransitionError
from debitor.timeline.services import timeline
from staff.access import editable_client
from staff.blueprint import bp
from web.common import arg_id, form_page, form_with_rows, render
from web.documents import pdf_response

LINE_FIELDS = ("description", "quantity", "unit", "price")


def _invoice(invoice_id: int) -> Invoice:
    return db.session.get(Invoice, invoice_id) or abort(404)


@bp.get("/invoices/<int:invoice_id>")
def invoice(invoice_id: int):
    inv = _invoice(invoice_id)
    allocations = db.session.scalars(sa.select(PaymentAllocation).where(PaymentAllocation.invoice_id == inv.id))
    corrected_by = db.session.scalar(sa.select(Invoice).where(Invoice.corrects_id == inv.id))
    return render(
        "staff/invoice.html",
        invoice=inv,
        allocations=list(allocations),
        corrected_by=corrected_by,
        events=timeline(invoice_id=inv.id),
        today=today(),
        penalty=penalty_shown(inv, today()),
    )


def _act(invoice_id: int, action, done: str):
    inv = _invoice(invoice_id)
    try:
        with db.session.begin_nested():  # a refused step leaves nothing; the redirect commits the rest
            action(inv)
    except (DomainError, TransitionError) as exc:
        flash(str(getattr(exc, "message", exc)), "danger")
    else:
        flash(done, "success")
    return redirect(url_for("staff.invoice", invoice_id=invoice_id), code=303)


@bp.post("/invoices/<int:invoice_id>/issue")
def invoice_issue(invoice_id: int):
    return _act(
        invoice_id,
        lambda inv: issue_and_send(inv, actor=current_user),
        _("Invoice issued and queued for sending to the billing contacts."),
    )


@bp.post("/invoices/<int:invoice_id>/send")
def invoice_send(invoice_id: int):
    return _act(
        invoice_id,
        lambda inv: send_invoice(inv, actor=current_user, resend=True),
        _("The invoice is queued for sending again."),
    )


@bp.post("/invoices/<int:invoice_id>/cancel")
def invoice_cancel(invoice_id: int):
    reason = request.form.get("reason", "")
    return _act(
        invoice_id,
        lambda inv: cancel_with_credit_note(inv, reason=reason, actor=current_user),
        _("The invoice is cancelled with a credit note."),
    )


@bp.get("/invoices/<int:invoice_id>/pdf")
def invoice_pdf(invoice_id: int):
    return pdf_response(_invoice(invoice_id), "invoice", request.args.get("lang"))


@bp.get("/invoices/<int:invoice_id>/act.pdf")
def invoice_act_pdf(invoice_id: int):
    return pdf_response(_invoice(invoice_id), "act", request.args.get("lang"))


def _draft_raw() -> dict:
    """The editor's fields as DraftInput data; a line with no description, quantity or price is an empty
    row of the form (its unit is prefilled)."""
    return form_with_rows("lines", LINE_FIELDS, filled=("description", "quantity", "price"))


def _draft_context(client: Client | None) -> dict:
    contracts = []
    if client is not None:
        contracts = list(db.session.scalars(sa.select(Contract).where(Contract.client_id == client.id)))
    return {"client": client, "contracts": contracts}


@bp.route("/invoices/new", methods=["GET", "POST"])
def invoice_new():
    client = db.session.get(Client, arg_id("client_id") or 0)
    if client is None:  # first pick the client
        search = request.args.get("q", "").strip()
        found = db.session.scalars(clients_matching(search).limit(20))
        return render("staff/invoice_pick_client.html", clients=list(found), q=search)
    editable_client(client)

    def create(data):
        editable_client(db.session.get(Client, data["client_id"]))  # the form's client, not only the page's
        inv = create_draft(default_organisation(), data, actor=current_user)
        flash(_("Draft saved."), "success")
        return redirect(url_for("staff.invoice", invoice_id=inv.id), code=303)

    form = {"client_id": client.id, "lines": [{"unit": "усл."}]}
    return form_page(
        "staff/invoice_form.html",
        DraftInput(),
        create,
        form=form,
        raw=_draft_raw,
        invoice=None,
        **_draft_context(client),
    )


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
def invoice_edit(invoice_id: int):
    inv = _invoice(invoice_id)
    editable_client(inv.client)
    if inv.state != InvoiceState.DRAFT:
        flash(_("Only a draft can be changed; cancel an issued invoice with a credit note."), "warning")
        return redirect(url_for("staff.invoice", invoice_id=inv.id))

    def save(data):
        editable_client(db.session.get(Client, data["client_id"]))
        update_draft(inv, data, actor=current_user)
        flash(_("Draft saved."), "success")
        return redirect(url_for("staff.invoice", invoice_id=inv.id), code=303)

    form = {
        "client_id": inv.client_id,
        "contract_id": inv.contract_id or "",
        "period_start": inv.period_start or "",
        "period_end": inv.period_end or "",
        "lines": [
            {
                "description": x.description,
                "quantity": x.quantity.normalize(),
                "unit": x.unit,
                "price": f"{x.unit_price_kopecks / 100:.2f}",
            }
            for x in inv.lines
        ],
    }
    return form_page(
        "staff/invoice_form.html",
        DraftInput(),
        save,
        form=form,
        raw=_draft_raw,
        invoice=inv,
        **_draft_context(inv.client),
    )
