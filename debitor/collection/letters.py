"""The letter editor's reads: the letters by key and language, the open invoices a preview may be made on,
and the preview itself — the unsaved text rendered on a real invoice (``run.letter_context``) or on the
documented sample, or the line of its first problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from debitor.collection.models import CollectionTemplate
from debitor.collection.run import letter_context
from debitor.collection.services import business_days
from debitor.collection.templates import check, render, sample_context
from debitor.db import db
from debitor.invoices.models import Invoice, open_sql
from debitor.orgs.models import Organisation

PREVIEW_INVOICES = 50


@dataclass(frozen=True)
class Preview:
    subject: str = ""
    body: str = ""
    problem: str = ""  # the first problem, with its line and the field it is in


def letters() -> dict[str, dict[str, CollectionTemplate]]:
    """Every letter key, with its text per language."""
    out: dict[str, dict[str, CollectionTemplate]] = {}
    for row in db.session.scalars(sa.select(CollectionTemplate).order_by(CollectionTemplate.key)):
        out.setdefault(row.key, {})[row.language] = row
    return out


def preview_invoices() -> list[Invoice]:
    """The latest open invoices, to preview a letter on."""
    q = sa.select(Invoice).where(open_sql()).order_by(Invoice.id.desc()).limit(PREVIEW_INVOICES)
    return list(db.session.scalars(q))


def preview(subject: str, body: str, language: str, invoice: Invoice | None, day: date) -> Preview:
    for label, source in ((_l("Subject"), subject), (_l("Text"), body)):
        problems = check(source)
        if problems:
            first = problems[0]
            return Preview(problem=str(_l("%(field)s, line %(line)s: %(problem)s", field=label, line=first.line,
                                          problem=first.message)))  # fmt: skip
    if invoice is None:
        context = sample_context()
    else:
        org = db.session.get(Organisation, invoice.organisation_id)
        with force_locale(language):
            context = letter_context(invoice.client, org, [invoice], day, language, business_days())
    return Preview(render(subject, context).strip(), render(body, context))
