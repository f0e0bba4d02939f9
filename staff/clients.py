"""Staff: clients — list with search, create, edit, client page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from debitor.auth.models import Role, StaffUser
from debitor.clients.models import Client
from debitor.clients.schemas import ClientInput
from debitor.clients.services import CLIENT_FIELDS, clients_matching, create_client, update_client
from debitor.collection.services import set_client_collection
from debitor.collection.workspace import client_history, policy_choices
from debitor.dates import today
from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import Invoice
from debitor.kpi.services import client_balance
from debitor.orgs.services import default_organisation
from debitor.payments.models import Payment
from debitor.timeline.services import timeline
from staff.access import editable_client
from staff.blueprint import bp
from web.common import arg_id, form_page, paginate, render


@bp.get("/clients")
def clients():
    search = request.args.get("q", "").strip()
    rows, pager = paginate(clients_matching(search))
    return render("staff/clients.html", "staff/_client_rows.html", clients=rows, q=search, **pager)


def _form_data() -> dict:
    raw = {k: v for k, v in request.form.items() if k != "extra_inns"}
    raw["extra_inns"] = [x for x in re.split(r"[\s,;]+", request.form.get("extra_inns", "")) if x]
    for key in ("account_manager_id", "parent_id"):
        if not raw.get(key):
            raw.pop(key, None)
    return raw


def _choices():
    managers = db.session.scalars(
        sa.select(StaffUser)
        .where(StaffUser.role.in_([Role.ACCOUNT_MANAGER, Role.MANAGER]), StaffUser.is_active_flag.is_(True))
        .order_by(StaffUser.name)
    )
    parents = db.session.scalars(sa.select(Client).where(Client.parent_id.is_(None)).order_by(Client.short_name))
    return {"managers": list(managers), "parents": list(parents)}


@bp.route("/clients/new", methods=["GET", "POST"])
def client_new():
    def create(data):
        client = create_client(default_organisation().id, data, actor=current_user)
        flash(_("Client %(name)s created.", name=client.short_name), "success")
        return redirect(url_for("staff.client", client_id=client.id), code=303)

    return form_page("staff/client_form.html", ClientInput(), create, raw=_form_data, client=None, **_choices())


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
def client_edit(client_id: int):
    client = editable_client(db.session.get(Client, client_id))
    form = {k: getattr(client, k) or "" for k in CLIENT_FIELDS}
    form["credit_limit"] = f"{client.credit_limit_kopecks / 100:.2f}"
    form["extra_inns"] = [x.inn for x in client.extra_inns]

    def save(data):
        update_client(client, data, actor=current_user)
        flash(_("Changes saved."), "success")
        return redirect(url_for("staff.client", client_id=client.id), code=303)

    return form_page(
        "staff/client_form.html", ClientInput(), save, form=form, raw=_form_data, client=client, **_choices()
    )


@bp.get("/clients/<int:client_id>")
def client(client_id: int):
    client = db.session.get(Client, client_id) or abort(404)
    invoices = db.session.scalars(
        sa.select(Invoice).where(Invoice.client_id == client.id).order_by(Invoice.created_at.desc()).limit(20)
    )
    payments = db.session.scalars(
        sa.select(Payment).where(Payment.client_id == client.id).order_by(Payment.received_on.desc()).limit(20)
    )
    return render(
        "staff/client.html",
        client=client,
        balance=client_balance(client.id, today()),
        invoices=list(invoices),
        payments=list(payments),
        events=timeline(client_id=client.id, limit=50),
        today=today(),
        collection=client_history(client.id),
        policies=policy_choices(),
    )


@bp.post("/clients/<int:client_id>/collection")
def client_collection(client_id: int):
    """Which policy reminds the client, or a hold with its reason (managers and administrators)."""
    client = db.session.get(Client, client_id) or abort(404)
    policy_id = arg_id("collection_policy_id")
    if request.form.get("collection_policy_id") and policy_id is None:
        abort(404)
    try:
        with db.session.begin_nested():
            set_client_collection(client, policy_id=policy_id, hold=bool(request.form.get("hold")),
                                  reason=request.form.get("reason", ""), actor=current_user)  # fmt: skip
        flash(_("Collection settings saved."), "success")
    except DomainError as error:
        flash(str(error.message), "danger")
    return redirect(url_for("staff.client", client_id=client.id), code=303)
