"""Staff: the people of a client — billing contacts and portal users (invited by email)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from debitor.auth.schemas import PortalInviteInput
from debitor.auth.services import invite_portal_user
from debitor.clients.models import Client
from debitor.clients.schemas import ContactInput
from debitor.clients.services import add_contact
from debitor.db import db
from staff.access import editable_client
from staff.blueprint import bp
from web.common import form_page


@bp.route("/clients/<int:client_id>/contacts/new", methods=["GET", "POST"])
def contact_new(client_id: int):
    client = editable_client(db.session.get(Client, client_id))

    def create(data):
        add_contact(client, data["name"], data["email"], data.get("phone", ""), actor=current_user)
        flash(_("Billing contact %(email)s added.", email=data["email"]), "success")
        return redirect(url_for("staff.client", client_id=client.id), code=303)

    return form_page("staff/client_person_form.html", ContactInput(), create, client=client, mode="contact")


@bp.route("/clients/<int:client_id>/portal-users/new", methods=["GET", "POST"])
def portal_user_new(client_id: int):
    client = editable_client(db.session.get(Client, client_id))

    def create(data):
        user = invite_portal_user(client, data, actor=current_user)
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
        return redirect(url_for("staff.client", client_id=client.id), code=303)

    return form_page("staff/client_person_form.html", PortalInviteInput(), create, client=client, mode="portal_user")
