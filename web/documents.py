"""Serving stored PDF versions: the same bytes on every download, never rendered twice."""

from __future__ import annotations

import io

from flask import abort, send_file
from flask_babel import get_locale

from debitor.errors import DomainError
from debitor.invoices.models import Invoice, InvoiceState
from debitor.languages import default_language, supported


def pdf_response(invoice: Invoice, kind: str, lang: str | None = None):
    """The invoice's (or its act's) PDF as a download; 404 for drafts (they are not documents yet)."""
    from debitor.documents.services import act_document, invoice_document

    if invoice.state == InvoiceState.DRAFT:
        abort(404)
    locale = lang if supported(lang) else str(get_locale() or default_language())
    try:
        version = (invoice_document if kind == "invoice" else act_document)(invoice, locale)
    except DomainError:
        abort(404)
    # a freshly rendered version is kept for the next download: the request's unit of work commits it
    return pdf_file(version)


def pdf_file(version):
    response = send_file(
        io.BytesIO(version.content),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=version.filename,
        etag=version.content_sha256,
        conditional=True,
    )
    response.headers["Cache-Control"] = "private, no-store"  # requisites and balances: kept by no cache
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
