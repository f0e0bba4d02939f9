"""Staff: the invoice table — filters, sortable columns, keyset pages, totals of the filtered set,
bulk issue / send again on the selected rows, and CSV / XLSX exports.

Everything is a link or a form that works without JavaScript; with htmx the table fragment is swapped
in place and the URL pushed, so reload and the back button show the same filtered table.
"""

from __future__ import annotations

import functools
import io

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from marshmallow import ValidationError

from debitor.auth.models import Role, StaffUser
from debitor.clients.models import Client
from debitor.dates import today
from debitor.db import db
from debitor.errors import DomainError
from debitor.exports.services import XLSX_MAX_ROWS, request_export
from debitor.extensions import htmx
from debitor.invoices import export
from debitor.invoices.batch import issue_and_send_each, send_again_each
from debitor.invoices.models import Invoice
from debitor.invoices.queries import (
    PAGE_SIZE,
    InvoiceTableQuery,
    TableQuery,
    export_select,
    table_page,
    totals,
)
from debitor.schemas import error_messages, parse_id
from staff.blueprint import bp
from web.access_rules import allowed
from web.common import render
from web.locale import select_locale

BULK_MAX = 500  # selected invoices in one request
FAILURES_SHOWN = 10
# Up to INVOICE_CSV_MAX_ROWS / INVOICE_XLSX_MAX_ROWS rows a whole-set export is built inside the request, well
# within the 30 s after which a sync gunicorn worker is stopped even on a slow machine (CSV streams at 5–14k
# rows/s, XLSX is built at 2–4k rows/s before it is sent); a bigger set is written by a worker
# (debitor.exports) and downloaded from its page.
EXPORT_FORMATS = ("csv", "xlsx")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _load_query() -> tuple[TableQuery | None, dict[str, list[str]]]:
    try:
        return InvoiceTableQuery().load(request.args.to_dict()), {}
    except ValidationError as err:
        return None, error_messages(err)


def _partial() -> bool:
    return bool(htmx) and not htmx.boosted


def _managers() -> list[StaffUser]:
    q = sa.select(StaffUser).where(StaffUser.role.in_([Role.ACCOUNT_MANAGER, Role.MANAGER]))
    return list(db.session.scalars(q.order_by(StaffUser.name)))


def _client_name(client_id: int | None) -> str | None:
    if not client_id:
        return None
    return db.session.scalar(sa.select(Client.short_name).where(Client.id == client_id)) or f"#{client_id}"


def _new_invoice_url(client_id: int | None) -> str | None:
    """The draft editor for the client the table is filtered to, where that page exists and the user
    may create drafts (drafts are made from a client)."""
    if not client_id or not allowed("staff.invoice_new"):
        return None
    return url_for("staff.invoice_new", client_id=client_id)


def _page(query: TableQuery | None, errors: dict[str, list[str]] | None = None):
    """The table page (or, for htmx, the table fragment); 400 with the errors for a bad query string."""
    common = {
        "managers": _managers,  # called by the full page only
        "new_invoice_url": functools.partial(_new_invoice_url, query.client_id if query else None),
        "oob": _partial(),
        "can_bulk": allowed("staff.invoice_bulk", "POST"),
        "export_max": {f: _export_max(f) for f in EXPORT_FORMATS},
        "xlsx_max_rows": XLSX_MAX_ROWS,
    }
    if query is None:
        form = {k: v for k, v in request.args.items() if k not in (errors or {})}
        return render(
            "staff/invoices.html",
            "staff/_invoice_table_error.html",
            status_code=400,
            errors=errors or {},
            form=form,
            query=TableQuery(),
            client_name=None,
            **common,
        )
    day = today()
    size = current_app.config.get("INVOICE_TABLE_PAGE_SIZE", PAGE_SIZE)
    page = table_page(query, today=day, size=size)
    return render(
        "staff/invoices.html",
        "staff/_invoice_table.html",
        query=query,
        form={"status": query.status, **query.args(sort=query.sort, direction=query.direction)},
        page=page,
        totals=totals(query, today=day),
        today=day,
        client_name=page.rows[0].client_name if query.client_id and page.rows else _client_name(query.client_id),
        **common,
    )


@bp.get("/invoices")
def invoices():
    query, errors = _load_query()
    return _page(query, errors)


def _selected_ids() -> list[int]:
    ids = {parse_id(x) for x in request.form.getlist("ids")} - {None}
    return sorted(ids)[:BULK_MAX]


def _back(query: TableQuery):
    """After a bulk action: the updated table fragment for htmx, a 303 to the same filtered table otherwise."""
    if _partial():
        return _page(query)
    return redirect(url_for("staff.invoices", **query.args()), code=303)


def _label(inv: Invoice) -> str:
    if inv.number:
        return _("№ %(number)s", number=inv.number)
    return _("draft #%(id)s (%(client)s)", id=inv.id, client=inv.client.short_name)


def _report(action: str, done: list[Invoice], failed: list[tuple[Invoice, str]]) -> None:
    if done:
        names = ", ".join(_label(inv) for inv in done)
        if action == "issue":
            text = ngettext("%(num)s invoice issued and sent: %(names)s", "%(num)s invoices issued and sent: %(names)s",
                            len(done), names=names)  # fmt: skip
        else:
            text = ngettext("%(num)s invoice queued for sending again: %(names)s",
                            "%(num)s invoices queued for sending again: %(names)s", len(done), names=names)  # fmt: skip
        flash(text, "success")
    for inv, reason in failed[:FAILURES_SHOWN]:
        flash(_("%(invoice)s: %(reason)s", invoice=_label(inv), reason=reason), "danger")
    if len(failed) > FAILURES_SHOWN:
        flash(_("…and %(num)s more not done", num=len(failed) - FAILURES_SHOWN), "danger")


@bp.post("/invoices/bulk")
def invoice_bulk():
    query, errors = _load_query()
    if query is None:
        return _page(None, errors)
    action = request.form.get("action")
    if action not in ("issue", "resend"):
        abort(400)
    ids = _selected_ids()
    if not ids:
        flash(_("Select at least one invoice first."), "warning")
        return _back(query)
    done, failed = (issue_and_send_each if action == "issue" else send_again_each)(ids, actor=current_user)
    _report(action, done, failed)
    return _back(query)


@bp.post("/invoices/export")
def invoice_export():
    """CSV or XLSX of the selected rows (``scope=selected``) or of the whole filtered set."""
    query, errors = _load_query()
    if query is None:
        return _page(None, errors)
    fmt, scope = request.args.get("format"), request.args.get("scope", "all")
    if fmt not in ("csv", "xlsx") or scope not in ("all", "selected"):
        abort(400)
    ids = _selected_ids() if scope == "selected" else None
    if ids == []:
        flash(_("Select at least one invoice first."), "warning")
        return redirect(url_for("staff.invoices", **query.args()), code=303)
    day = today()
    if ids is None and (n := totals(query, today=day).count) > _export_max(fmt):
        return _export_later(query, fmt, day, n)
    name = f"invoices-{day.isoformat()}"
    stmt = export_select(query, day, ids)
    rows = export.iter_rows(stmt)
    if fmt == "csv":
        chunks = export.csv_chunks(rows, today=day, state_label=export.state_label)
        return Response(stream_with_context(chunks), mimetype="text/csv", headers=_attachment(f"{name}.csv"))
    buf = io.BytesIO()
    export.write_xlsx(rows, buf, today=day, state_label=export.state_label)
    buf.seek(0)
    return send_file(buf, mimetype=XLSX_MIME, as_attachment=True, download_name=f"{name}.xlsx")


def _export_later(query, fmt: str, day, rows: int):
    """A set too big for one request: a worker writes it; its page shows the progress and the download."""
    try:
        with db.session.begin_nested():  # refused (too many running): nothing of it, and the redirect commits
            job = request_export(query, fmt, on=day, rows=rows, actor=current_user, locale=select_locale())
    except DomainError as err:
        flash(str(err), "warning")
        return redirect(url_for("staff.invoices", **query.args()), code=303)
    return redirect(url_for("staff.export_page", export_id=job.id), code=303)


def _export_max(fmt: str) -> int:
    return current_app.config[f"INVOICE_{fmt.upper()}_MAX_ROWS"]


def _attachment(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"'}
