"""Staff: users — admins list and create staff accounts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from debitor.auth.models import Role, StaffUser
from debitor.auth.schemas import StaffUserInput
from debitor.auth.services import create_staff_user
from debitor.db import db
from staff.blueprint import bp
from web.common import form_page, render


@bp.get("/users")
def users():
    rows = db.session.scalars(sa.select(StaffUser).order_by(StaffUser.role, StaffUser.name))
    return render("staff/users.html", users=list(rows))


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    def create(data):
        user = create_staff_user(data, actor=current_user)
        flash(_("User %(email)s created.", email=user.email), "success")
        return redirect(url_for("staff.users"), code=303)

    return form_page("staff/user_form.html", StaffUserInput(), create, roles=list(Role))
