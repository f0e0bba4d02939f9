"""The staff home with work counts, and the area modules that register their routes on the blueprint."""

from __future__ import annotations

from debitor.dates import today
from debitor.db import utcnow
from debitor.kpi.services import staff_counts
from staff import (  # noqa: F401 - routes on bp
    calendar,
    client_people,
    clients,
    collection,
    exports,
    invoice_page,
    invoices,
    letters,
    mail,
    onec_export,
    payments,
    statements,
    tasks,
    users,
)
from staff.blueprint import bp
from web.common import render


@bp.get("/home")
def home():
    return render("staff/home.html", counts=staff_counts(today(), utcnow()))
