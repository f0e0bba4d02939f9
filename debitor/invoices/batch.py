"""Acting on many invoices at once (the staff table's selection): each one in a savepoint of its own, so
that one refused is rolled back whole (never half-issued) and reported with the reason while the others go
on; the caller's unit of work commits the rest."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import gettext as _

from debitor.db import db
from debitor.errors import DomainError
from debitor.invoices.models import Invoice, InvoiceState
from debitor.invoices.sending import send_invoice
from debitor.invoices.services import issue_invoice
from debitor.labels import LABELS
from debitor.states import TransitionError

Refused = tuple[Invoice, str]  # the invoice and why


def each(ids: list[int], action: Callable[[Invoice], None]) -> tuple[list[Invoice], list[Refused]]:
    """Run ``action`` on each invoice of ``ids`` in id order: (done, refused)."""
    done: list[Invoice] = []
    refused: list[Refused] = []
    for inv in db.session.scalars(sa.select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)).all():
        try:
            with db.session.begin_nested():
                action(inv)
        except DomainError as exc:
            refused.append((inv, str(exc.message)))
        except TransitionError:
            refused.append((inv, _("not possible for an invoice in the state “%(state)s”", state=LABELS[inv.state])))
        else:
            done.append(inv)
    return done, refused


def issue_and_send_each(ids: list[int], *, actor) -> tuple[list[Invoice], list[Refused]]:
    def issue_and_send(inv: Invoice) -> None:
        if inv.state != InvoiceState.DRAFT:
            raise DomainError(_("only drafts can be issued"))
        issue_invoice(inv, actor=actor)
        send_invoice(inv, actor=actor)

    return each(ids, issue_and_send)


def send_again_each(ids: list[int], *, actor) -> tuple[list[Invoice], list[Refused]]:
    return each(ids, lambda inv: send_invoice(inv, actor=actor, resend=True))
