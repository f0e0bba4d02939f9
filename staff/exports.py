"""Exports a worker writes (a whole filtered invoice table too big for one request): their list, a page
per export whose status fragment polls while it is written, and the download.

An export holds client data: its file is for the staff user who asked for it (and administrators), and
it is deleted after ``EXPORT_KEEP_HOURS``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, request, stream_with_context
from flask_login import current_user

from debitor.auth.models import Role
from debitor.db import blob_length, blob_slices, db
from debitor.exports.models import Export, ExportState
from debitor.exports.services import describe_state, expires_at, progress_key
from debitor.work import get_progress
from staff.blueprint import bp
from web.common import paginate, render

MIME = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _mine(q: sa.Select) -> sa.Select:
    return q if current_user.role == Role.ADMIN else q.where(Export.created_by_id == current_user.id)


def _export(export_id: int) -> Export:
    """The export, if it is the user's (any, for an administrator): another's is a 404, not a 403."""
    found = db.session.scalar(_mine(sa.select(Export).where(Export.id == export_id)))
    return found or abort(404)


def _context(export: Export) -> dict:
    progress = get_progress(progress_key(export.id)) if export.running else {}
    written = progress.get("rows", export.rows_written or 0)
    expected = export.rows_expected or 0
    percent = 100 if export.state == ExportState.DONE else min(int(written * 100 / expected), 99) if expected else 0
    return {
        "export": export,
        "written": written,
        "percent": percent,
        "status": describe_state(export),
        "expires": expires_at(export),
    }


@bp.get("/exports")
def exports():
    rows, pager = paginate(_mine(sa.select(Export)).order_by(Export.id.desc()))
    return render("staff/exports.html", exports=rows, describe_state=describe_state, **pager)


@bp.get("/exports/<int:export_id>")
def export_page(export_id: int):
    return render("staff/export.html", **_context(_export(export_id)))


@bp.get("/exports/<int:export_id>/status")
def export_status(export_id: int):
    export = _export(export_id)
    response = render("staff/_export_status.html", **_context(export))
    if not export.running and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"  # the page's heading shows the state too
    return response


@bp.get("/exports/<int:export_id>/download")
def export_download(export_id: int):
    export = _export(export_id)
    if export.state != ExportState.DONE:
        abort(404)
    column, where = Export.content, Export.id == export.id
    size = blob_length(column, where)
    if size is None:
        abort(404)
    headers = {
        "Content-Disposition": f'attachment; filename="{export.filename}"',
        "Content-Length": str(size),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    body = stream_with_context(blob_slices(column, where, size))
    return Response(body, content_type=MIME[export.format], headers=headers)  # mimetype= adds a 2nd charset
