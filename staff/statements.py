"""Staff: bank statements from 1C — upload (imported by a worker while a polling fragment shows the
progress), the list of imports with what each did, and the reconciliation report."""

from __future__ import annotations

import contextlib
import io
from datetime import date

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.orm import selectinload

from debitor import csvfile
from debitor.dates import today
from debitor.db import db
from debitor.payments.importing import ImportRefused, describe, get_progress, new_statement
from debitor.payments.models import BankStatement, Payment, StatementState
from debitor.payments.reconciliation import reconcile
from debitor.schemas import error_messages
from debitor.work import later
from staff.blueprint import bp
from staff.onec_export import PeriodInput
from web.common import paginate, render

SIGNATURE = b"1CClientBankExchange"


@bp.app_template_global()
def problem_text(p: dict | None) -> str:
    """A stored reason, warning or error in the reader's language, amounts and dates as the page shows them."""
    if not p:
        return ""
    params, money = {}, current_app.jinja_env.filters["money"]  # the page's own money format
    for key, value in (p.get("params") or {}).items():
        if key.endswith("_kopecks") and isinstance(value, int):
            value = money(value)
        elif key.endswith("_on") and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = format_date(date.fromisoformat(value))
        params[key] = value
    return describe(p, _, params)


@bp.get("/statements")
def statements():
    rows, pager = paginate(sa.select(BankStatement).order_by(BankStatement.id.desc()))
    return render("staff/statements.html", statements=rows, errors={}, **pager)


def _upload_error(message: str):
    rows, pager = paginate(sa.select(BankStatement).order_by(BankStatement.id.desc()))
    return render("staff/statements.html", status_code=400, statements=rows, errors={"file": [message]}, **pager)


@bp.post("/statements")
def statement_upload():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _upload_error(_("Choose the statement file (kl_to_1c.txt) to upload"))
    limit = current_app.config["ONEC_UPLOAD_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if not data:
        return _upload_error(_("The file “%(name)s” is empty", name=upload.filename))
    if len(data) > limit:
        return _upload_error(_("The file is larger than %(mb)s MB", mb=limit // (1024 * 1024)))
    if not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(SIGNATURE):
        return _upload_error(
            _(
                "“%(name)s” is not a 1C bank statement: its first line must be 1CClientBankExchange",
                name=upload.filename,
            )
        )
    try:
        statement = new_statement("upload", upload.filename, data, actor=current_user)
    except ImportRefused as err:
        return _upload_error(_(err.message) % err.params)
    later("import_statement", statement.id, job_id=f"statement-{statement.id}")
    flash(_("The statement is uploaded; it is being imported."), "info")
    return redirect(url_for("staff.statement", statement_id=statement.id), code=303)


def _statement(statement_id: int) -> BankStatement:
    return db.session.get(BankStatement, statement_id) or abort(404)


def _progress_context(st: BankStatement) -> dict:
    progress = get_progress(st.id) if st.state in (StatementState.QUEUED, StatementState.RUNNING) else {}
    read = progress.get("bytes", st.bytes_read or 0)
    percent = min(int(read * 100 / st.size_bytes), 99) if st.size_bytes and st.state != StatementState.DONE else 100
    return {"statement": st, "progress": progress, "percent": percent}


@bp.get("/statements/<int:statement_id>")
def statement(statement_id: int):
    st = _statement(statement_id)
    payments = []
    if st.state == StatementState.DONE:
        payments = db.session.scalars(
            sa.select(Payment)
            .options(selectinload(Payment.client))  # the table names each payment's client
            .where(Payment.statement_id == st.id)
            .order_by(Payment.statement_line)
            .limit(200)
        ).all()
    return render("staff/statement.html", payments=payments, **_progress_context(st))


@bp.get("/statements/<int:statement_id>/progress")
def statement_progress(statement_id: int):
    st = _statement(statement_id)
    response = render("staff/_statement_progress.html", **_progress_context(st))
    if st.state in (StatementState.DONE, StatementState.FAILED) and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"  # the page then shows the payments it brought
    return response


# --- reconciliation -----------------------------------------------------------------------------------


def _period() -> tuple[dict, dict]:
    day = today()
    raw = {
        "date_from": request.args.get("date_from") or day.replace(day=1).isoformat(),
        "date_to": request.args.get("date_to") or day.isoformat(),
    }
    try:
        return PeriodInput().load(raw), {}  # the 1C export's: in order, at most a year
    except ValidationError as err:
        return raw, error_messages(err)


@bp.get("/reconciliation")
def reconciliation():
    period, errors = _period()
    if errors:
        return render("staff/reconciliation.html", status_code=400, form=period, errors=errors, report=None)
    report = reconcile(period["date_from"], period["date_to"])
    form = {k: v.isoformat() for k, v in period.items()}
    return render("staff/reconciliation.html", form=form, errors={}, report=report)


@bp.get("/reconciliation.csv")
def reconciliation_csv():
    period, errors = _period()
    if errors:
        abort(400)
    report = reconcile(period["date_from"], period["date_to"])
    buf = io.StringIO()
    w = csvfile.Writer(buf)
    for section, header, rows in report.tables(_):
        w.writerow([section])
        w.writerow(header)
        w.writerows(rows)
        w.writerow([])
    name = f"reconciliation-{period['date_from'].isoformat()}-{period['date_to'].isoformat()}.csv"
    return Response(
        "\ufeff" + buf.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )
