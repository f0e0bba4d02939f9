"""Staff blueprint: home with work counts, plus the area modules that register their routes on it."""

from __future__ import annotations

from flask import Blueprint

from debitor.dates import today
from debitor.db import utcnow
from debitor.kpi.services import staff_counts
from debitor.web.auth_views import register_auth
from debitor.web.common import render
from staff.access import may_edit_client

bp = Blueprint("staff", __name__)
register_auth(bp, "staff", "staff.home", "/")


@bp.app_context_processor
def staff_helpers():
    return {"may_edit_client": may_edit_client}


@bp.get("/home")
def home():
    return render("staff/home.html", counts=staff_counts(today(), utcnow()))


from staff import (  # noqa: E402,F401 - routes on bp
    client_people,
    clients,
    exports,
    invoice_page,
    invoices,
    mail,
    onec_export,
    payments,
    statements,
    tasks,
    users,
)
