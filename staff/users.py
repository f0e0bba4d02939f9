"""Staff: users — admins list and create staff accounts."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from debitor.auth.models import Role, StaffUser
from debitor.auth.schemas import StaffUserInput
from debitor.auth.services import create_staff_user
from debitor.db import db
from debitor.errors import DomainError
from debitor.web.common import load_form, render
from staff.access import role_required
from staff.views import bp


@bp.get("/users")
@role_required(Role.ADMIN)
def users():
    rows = db.session.scalars(sa.select(StaffUser).order_by(StaffUser.role, StaffUser.name))
    return render("staff/users.html", users=list(rows))


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_new():
    errors, form = {}, {}
    if request.method == "POST":
        form = {k: v for k, v in request.form.items() if k not in ("password", "csrf_token")}
        data, errors = load_form(StaffUserInput())
        if data:
            try:
                user = create_staff_user(data, actor=current_user)
            except DomainError as exc:
                db.session.rollback()
                errors = exc.as_errors()
            else:
                db.session.commit()
                flash(_("User %(email)s created.", email=user.email), "success")
                return redirect(url_for("staff.users"), code=303)
    return render(
        "staff/user_form.html", form=form, errors=errors, roles=list(Role), status_code=400 if errors else 200
    )
