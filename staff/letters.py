"""Staff: the collection letters — their list by key and language, the editor with the documented
variables and a live preview on a real open invoice (or the sample), refused with the line at save."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from debitor.auth.models import Role
from debitor.collection.letters import letters, preview, preview_invoices
from debitor.collection.services import save_template
from debitor.collection.templates import VARIABLES
from debitor.dates import today
from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import Invoice
from debitor.languages import languages, supported
from staff.blueprint import bp
from web.common import arg_id, render


@bp.get("/collection/letters")
def letters_list():
    return render("staff/letters.html", letters=letters(), languages=languages())


@bp.route("/collection/letters/<key>/<language>", methods=["GET", "POST"])
def letter(key: str, language: str):
    texts = letters().get(key)
    if texts is None or not supported(language):
        abort(404)
    row = texts.get(language)
    form = {"name": row.name if row else "", "subject": row.subject if row else "", "body": row.body if row else ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("name", "subject", "body")}
        try:
            with db.session.begin_nested():
                save_template(key, language, **form)
            flash(_("Letter saved."), "success")
            return redirect(url_for("staff.letter", key=key, language=language), code=303)
        except DomainError as error:
            errors = error.as_errors()
    return render(
        "staff/letter.html",
        key=key,
        language=language,
        texts=texts,
        languages=languages(),
        form=form,
        errors=errors,
        variables=documented(),
        invoices=preview_invoices(),
        may_save=current_user.role == Role.ADMIN,
        status_code=400 if errors else 200,
    )


def documented() -> list[tuple[str, object, list[tuple[str, object]], bool]]:
    """``VARIABLES`` as the editor lists them: (name, description, its fields, whether it is a list)."""
    out = []
    for name, what in VARIABLES.items():
        many = isinstance(what, list)
        record = what[0] if many else what
        fields = list(record.items()) if isinstance(record, dict) else []
        out.append((name, "" if fields else what, fields, many))
    return out


@bp.post("/collection/letters/preview")
def letter_preview():
    language = request.form.get("language", "")
    if not supported(language):
        abort(400)  # the editor always sends its letter's language
    invoice_id = arg_id("invoice_id")
    invoice = db.session.get(Invoice, invoice_id) if invoice_id else None
    if request.form.get("invoice_id") and invoice is None:
        abort(404)
    shown = preview(request.form.get("subject", ""), request.form.get("body", ""), language, invoice, today())
    return render("staff/_letter_preview.html", preview=shown)
